import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Database } from '../../../src/db/database.ts';
import { ident } from '../../../src/db/sql.ts';
import type { ImportContext, ImportTarget, SourceFeature } from '../../../src/import/target.ts';

/** A GeoJSON file (gzipped or not) as a reader yields it, the feature `id` kept. */
export function geojsonFeatures(path: string): SourceFeature[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const fc = JSON.parse(text) as { features: { id?: unknown; properties: Record<string, unknown>; geometry: SourceFeature['geometry'] }[] };
  return fc.features.map((f, i) => ({ index: i + 1, id: f.id, properties: f.properties ?? {}, geometry: f.geometry }) as SourceFeature);
}

export function ctxFor(file: string, options: Record<string, string> = {}): ImportContext {
  return { file, srid: 4326, options };
}

/**
 * Test loader until the import engine lands, doing what the contract says the engine does: the
 * target's column mapping, rows of the dataset replaced in one transaction (COPY into a staging
 * table, geometry built by PostGIS), then the target's afterLoad in the same transaction.
 */
export async function loadWithTarget(db: Database, target: ImportTarget, features: SourceFeature[], ctx: ImportContext): Promise<string> {
  const datasetId = target.datasetId(ctx);
  const cols = target.columns.map((c) => c.name);
  const rows = features.map((f) => [...target.columns.map((c) => {
    const v = c.value(f, ctx);
    return v instanceof Date ? v.toISOString() : v;
  }), JSON.stringify(f.geometry)]);
  await db.transaction(async (tx) => {
    const staging = `cadastre_test_staging`;
    await tx.query(`DROP TABLE IF EXISTS ${staging}`);
    await tx.query(`CREATE TEMP TABLE ${staging} (${target.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}, g text)`);
    await tx.copyRows(staging, [...cols, 'g'], rows);
    await tx.query(`DELETE FROM ${ident(target.table)} WHERE dataset_id = $1`, [datasetId]);
    const geom = target.geometry.type.startsWith('Multi')
      ? `ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), ${Number(ctx.srid)}), 4326))`
      : `ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), ${Number(ctx.srid)}), 4326)`;
    await tx.query(
      `INSERT INTO ${ident(target.table)} (dataset_id, ${cols.map(ident).join(', ')}, ${ident(target.geometry.column)})
       SELECT $1, ${cols.map(ident).join(', ')}, ${geom} FROM ${staging}`,
      [datasetId],
    );
    await tx.query(`DROP TABLE ${staging}`);
    if (target.afterLoad) await target.afterLoad(tx, datasetId, ctx);
  });
  return datasetId;
}

