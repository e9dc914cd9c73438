import { readFileSync } from 'node:fs';
import type { Queryable } from '../../../src/db/database.ts';
import { ident, Params } from '../../../src/db/sql.ts';
import type { ImportContext, ImportTarget, SourceFeature } from '../../../src/import/target.ts';

/** A GeoJSON file's features as a reader yields them (with the GeoServer feature `id` kept). */
export function geojsonFeatures(path: string): SourceFeature[] {
  const fc = JSON.parse(readFileSync(path, 'utf8')) as { features: { id?: unknown; properties: Record<string, unknown>; geometry: SourceFeature['geometry'] }[] };
  return fc.features.map((f, i) => ({ index: i + 1, id: f.id, properties: f.properties ?? {}, geometry: f.geometry }) as SourceFeature);
}

/**
 * Test loader until the import engine lands: the target's own column mapping and afterLoad, rows
 * written with plain SQL (ST_GeomFromGeoJSON → ST_Transform → ST_Multi), one transaction-free batch.
 */
export async function loadWithTarget(db: Queryable, target: ImportTarget, features: SourceFeature[], ctx: ImportContext): Promise<string> {
  const datasetId = target.datasetId(ctx);
  await db.query(`DELETE FROM ${ident(target.table)} WHERE dataset_id = $1`, [datasetId]);
  const cols = target.columns.map((c) => c.name);
  for (const f of features) {
    const p = new Params();
    const values = target.columns.map((c) => `${p.add(c.value(f, ctx))}::${c.type}`);
    const geom = `ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(${p.add(JSON.stringify(f.geometry))}), ${p.add(ctx.srid)}::int), 4326))`;
    await db.query(
      `INSERT INTO ${ident(target.table)} (dataset_id, ${cols.map(ident).join(', ')}, ${ident(target.geometry.column)}) VALUES (${p.add(datasetId)}, ${values.join(', ')}, ${geom})`,
      p.values,
    );
  }
  if (target.afterLoad) await target.afterLoad(db, datasetId, ctx);
  return datasetId;
}
