/**
 * The feature SQL a layer is served by (src/catalog/sql.ts), read as text without a database: the
 * properties object (json_build_object takes at most 100 arguments, so wide layers chain jsonb
 * halves), the synthetic flag, the bbox at coordinate precision, and name quoting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureSql, literal, type FeatureSqlInput } from '../../src/catalog/sql.ts';

const input = (n: number, over: Partial<FeatureSqlInput> = {}): FeatureSqlInput => ({
  table: 'zone',
  geometryColumn: 'geom',
  geometryName: 'the_geom',
  featureId: `'zone.' || t.gid`,
  idColumn: 'gid',
  properties: Array.from({ length: n }, (_, i) => ({ name: `p${i}`, type: 'string', sql: `t.c${i}` }) as never),
  ...over,
});
const properties = (sql: string) => /'properties', (.*),\n\s*'bbox'/s.exec(sql)?.[1];

test('no property: an empty JSON object', () => {
  assert.equal(properties(featureSql(input(0)).select), `'{}'::json`);
});

test('up to 40 properties: one json_build_object of name, value pairs', () => {
  assert.equal(properties(featureSql(input(2)).select), `json_build_object('p0', t.c0, 'p1', t.c1)`);
  const forty = properties(featureSql(input(40)).select)!;
  assert.match(forty, /^json_build_object\('p0', t\.c0, .*'p39', t\.c39\)$/);
  assert.ok(!forty.includes('jsonb'));
});

test('more than 40: jsonb objects of 40 pairs chained, cast to json, every property once', () => {
  const sql = properties(featureSql(input(85)).select)!;
  assert.match(sql, /^\(jsonb_build_object\('p0', .*\) \|\| jsonb_build_object\('p40', .*\) \|\| jsonb_build_object\('p80', .*'p84', t\.c84\)\)::json$/);
  assert.equal(sql.match(/jsonb_build_object/g)!.length, 3);
  for (let i = 0; i < 85; i++) assert.equal(sql.split(`'p${i}', t.c${i}`).length, 2, `p${i} once`);
});

test('names are SQL literals with quotes doubled; the synthetic flag only with a dataset column', () => {
  assert.equal(literal(`l'aire`), `'l''aire'`);
  const plain = featureSql(input(1, { geometryName: `g'n` }));
  assert.match(plain.select, /'geometry_name', 'g''n'::text/);
  assert.match(plain.select, /false AS synthetic/);
  const flagged = featureSql(input(1, { datasetColumn: 'dataset_id' })).select;
  assert.match(flagged, /coalesce\(\(SELECT d\.synthetic FROM terroir_dataset d WHERE d\.id = t\."?dataset_id"?\), false\) AS synthetic/);
});

test('the bbox bounds rounded to 8 decimals, the order and the count on the table', () => {
  const f = featureSql(input(1));
  assert.match(f.select, /round\(ST_XMin\(t\."?geom"?\)::numeric, 8\)::float8 AS x0/);
  assert.match(f.select, /round\(ST_YMax\(t\."?geom"?\)::numeric, 8\)::float8 AS y1/);
  // The feature's bbox member: the four bounds in GeoJSON's order, null without a geometry.
  const bound = (fn: string) => `round\\(${fn}\\(t\\."?geom"?\\)::numeric, 8\\)::float8`;
  assert.match(
    f.select,
    new RegExp(`'bbox', CASE WHEN t\\."?geom"? IS NULL THEN NULL ELSE json_build_array\\(${['ST_XMin', 'ST_YMin', 'ST_XMax', 'ST_YMax'].map(bound).join(', ')}\\) END`),
  );
  for (const [fn, alias] of [['ST_XMin', 'x0'], ['ST_YMin', 'y0'], ['ST_XMax', 'x1'], ['ST_YMax', 'y1']]) assert.match(f.select, new RegExp(`${bound(fn)} AS ${alias}\\b`));
  assert.match(f.order, /^ORDER BY t\."?gid"?$/);
  assert.match(f.count, /^SELECT count\(\*\)::int AS n FROM "?zone"? t$/);
});
