import type { Queryable } from '../db/database.ts';
import { ident } from '../db/sql.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { buildCatalog } from '../modules/index.ts';
import { datasetTables } from './index.ts';
import { WORK_TABLES } from './geometry.ts';
import { RESTRICTED_TABLES } from './restricted.ts';

/**
 * A checksum of everything the demo wrote: its ground truth (demo_w_*), the rows of its datasets in
 * every import target table, and the restricted tables; geometries compared exactly (EWKB). Columns
 * that only number rows in insertion order (identity `gid` of the GPU tables) are left out, so two
 * generations with the same seed on the same backend give the same checksum.
 */
export async function demoChecksum(db: Queryable, catalog: Catalog = buildCatalog()): Promise<{ checksum: string; tables: Record<string, { rows: number; md5: string }> }> {
  const datasets = (await db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE synthetic AND details->>'generator' = 'terroir-demo'`)).map((r) => r.id);
  const tables: Record<string, { rows: number; md5: string }> = {};
  const sum = async (name: string, from: string, params: unknown[] = []) => {
    const [r] = await db.query<{ n: number; h: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(h, '' ORDER BY h)) AS h FROM (SELECT md5(j::text) AS h FROM ${from}) AS x`,
      params,
    );
    tables[name] = { rows: r.n, md5: r.h ?? '' };
  };
  // Geometry as EWKB hex (exact), identity-like columns dropped.
  const row = (alias: string, geomCols: string[], drop: string[] = []) =>
    `(to_jsonb(${alias}) ${[...geomCols, ...drop].map((c) => `- '${c}'`).join(' ')}${geomCols.length ? ` || jsonb_build_object(${geomCols.map((c) => `'${c}', encode(ST_AsEWKB(${alias}.${ident(c)}), 'hex')`).join(', ')})` : ''})`;
  const geomColumns = async (table: string) =>
    (await db.query<{ c: string }>(`SELECT f_geometry_column AS c FROM geometry_columns WHERE f_table_name = $1 ORDER BY 1`, [table])).map((r) => r.c);
  for (const t of [...WORK_TABLES, ...Object.values(RESTRICTED_TABLES)]) {
    await sum(t, `(SELECT ${row('t', await geomColumns(t))} AS j FROM ${ident(t)} t) AS q`);
  }
  for (const t of await datasetTables(db, catalog)) {
    const drop = t.startsWith('gpu_') || t.startsWith('nature_') || t.startsWith('bio_') ? ['gid'] : []; // identity columns: numbered anew by each load
    await sum(t, `(SELECT ${row('t', await geomColumns(t), drop)} AS j FROM ${ident(t)} t WHERE t.dataset_id = ANY($1::text[])) AS q`, [datasets]);
  }
  const all = Object.entries(tables).map(([k, v]) => `${k}:${v.rows}:${v.md5}`).join('\n');
  const [{ h }] = await db.query<{ h: string }>('SELECT md5($1) AS h', [all]);
  return { checksum: h, tables };
}
