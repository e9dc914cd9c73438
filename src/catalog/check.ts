/**
 * Does the database hold what a layer (or table: table.ts) definition says? Its table (or view) must have exactly the
 * definition's columns with their SQL types, and a geometry column of the declared type and SRID.
 * The migrations create tables, the definitions describe them: this is what ties the two (a test
 * runs it for every layer of the catalogue on both backends).
 */
import type { Queryable } from '../db/database.ts';
import type { LayerDescriptor, StoredColumn } from './types.ts';

/** information_schema's name of a type: arrays and PostGIS types are told by their udt_name. */
function typeName(c: { data_type: string; udt_name: string }): string {
  if (c.data_type === 'ARRAY') return `${c.udt_name.replace(/^_/, '')}[]`;
  if (c.data_type === 'USER-DEFINED') return c.udt_name;
  return c.data_type;
}

/** The differences between the layer and its table, one sentence each; empty when they agree. */
export async function checkLayerTable(db: Queryable, layer: LayerDescriptor): Promise<string[]> {
  const problems = await checkColumns(db, layer);
  if (problems.length === 1 && problems[0].endsWith('no such table or view')) return problems;
  const [g] = await db.query<{ type: string; srid: number }>(
    `SELECT type, srid FROM geometry_columns WHERE f_table_schema = current_schema() AND f_table_name = $1 AND f_geometry_column = $2`,
    [layer.table, layer.geometry.column],
  );
  const want = layer.geometry.type.toUpperCase();
  if (!g) problems.push(`${layer.table}.${layer.geometry.column}: not a geometry column`);
  else if (g.type !== want || g.srid !== layer.geometry.srid) problems.push(`${layer.table}.${layer.geometry.column}: declared geometry(${layer.geometry.type}, ${layer.geometry.srid}), the table has geometry(${g.type}, ${g.srid})`);
  return problems;
}

/** The differences between a definition's stored columns (a layer's, or a table's without geometry: table.ts) and its table. */
export async function checkColumns(db: Queryable, def: { table: string; columns: readonly StoredColumn[]; partitionedBy?: readonly string[] }): Promise<string[]> {
  const layer = def;
  const rows = await db.query<{ column_name: string; data_type: string; udt_name: string }>(
    `SELECT column_name, data_type, udt_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [layer.table],
  );
  if (!rows.length) return [`${layer.table}: no such table or view`];
  const problems: string[] = [];
  const actual = new Map(rows.map((r) => [r.column_name, typeName(r)]));
  for (const c of layer.columns) {
    const t = actual.get(c.name);
    if (t === undefined) problems.push(`${layer.table}.${c.name}: declared ${c.type}, not in the table`);
    else if (t !== c.type) problems.push(`${layer.table}.${c.name}: declared ${c.type}, the table has ${t}`);
  }
  const declared = new Set(layer.columns.map((c) => c.name));
  for (const [name, t] of actual) if (!declared.has(name)) problems.push(`${layer.table}.${name}: ${t} in the table, not declared`);
  return [...problems, ...(await checkPartitionKeys(db, def))];
}

/**
 * The partition key a definition declares (`partitionedBy`: what queries constrain when they know it, and
 * what the table will be LIST-partitioned by past one machine) must be stored columns that lead an index
 * of the table together (in any order), so that a query constraining them is an index scan today. A view
 * is not checked: its tables carry the indexes.
 */
async function checkPartitionKeys(db: Queryable, def: { table: string; partitionedBy?: readonly string[] }): Promise<string[]> {
  const keys = def.partitionedBy ?? [];
  if (!keys.length) return [];
  const [kind] = await db.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = to_regclass($1)`, [def.table]);
  if (kind?.relkind === 'v') return [];
  const indexes = await db.query<{ cols: string[] }>(
    `SELECT array_agg(a.attname::text ORDER BY k.n) AS cols
     FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = to_regclass($1) GROUP BY i.indexrelid`,
    [def.table],
  );
  const led = indexes.some(({ cols }) => keys.every((k) => cols.slice(0, keys.length).includes(k)));
  return led ? [] : [`${def.table}: no index led by its partition key (${keys.join(', ')})`];
}
