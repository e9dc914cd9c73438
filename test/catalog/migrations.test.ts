/**
 * Every layer definition against the table its migration created, on this backend: same columns,
 * same SQL types, same geometry type and SRID (information_schema, geometry_columns). A column added
 * to a migration and not to its definition (or the reverse) fails here, naming both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkColumns, checkLayerTable } from '../../src/catalog/check.ts';
import { defineLayer } from '../../src/catalog/layer.ts';
import { integer, text } from '../../src/catalog/fields.ts';
import { BACKEND, freshDb, type TestDb } from '../helpers/db.ts';
import { CATALOG } from '../helpers/catalog.ts';

let t: TestDb;
before(async () => {
  t = await freshDb();
});
after(async () => t?.close());

test(`${BACKEND}: every layer of the catalogue matches its migrated table or view`, async () => {
  const layers = CATALOG.all();
  assert.ok(layers.length >= 29, `${layers.length} layers`);
  const problems: string[] = [];
  for (const layer of layers) problems.push(...(await checkLayerTable(t.db, layer)).map((p) => `${layer.id}: ${p}`));
  assert.deepEqual(problems, []);
});

test(`${BACKEND}: every table without geometry of the catalogue (defineTable) matches its migrated table`, async () => {
  const tables = CATALOG.tables();
  assert.ok(tables.length >= 8, `${tables.length} tables`);
  const problems: string[] = [];
  for (const table of tables) problems.push(...(await checkColumns(t.db, table)).map((p) => `${table.id}: ${p}`));
  assert.deepEqual(problems, []);
  // A column the definition does not declare is named.
  const [first] = tables;
  const short = { ...first, columns: first.columns.slice(0, -1) };
  assert.match((await checkColumns(t.db, short)).join('\n'), new RegExp(`${first.table}\\.${first.columns.at(-1)!.name}: .* in the table, not declared`));
});

test(`${BACKEND}: every import target's columns and geometry exist in the table it writes, with the declared types`, async () => {
  const problems: string[] = [];
  for (const target of CATALOG.targets()) {
    const cols = await t.db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
      [target.table],
    );
    const types = new Map(cols.map((c) => [c.column_name, c.data_type]));
    for (const c of target.columns) if (types.get(c.name) !== c.type) problems.push(`${target.layer}: ${target.table}.${c.name} is ${types.get(c.name)}, the target writes ${c.type}`);
    const [g] = await t.db.query<{ type: string; srid: number }>(
      'SELECT type, srid FROM geometry_columns WHERE f_table_schema = current_schema() AND f_table_name = $1 AND f_geometry_column = $2',
      [target.table, target.geometry.column],
    );
    if (!g || g.srid !== 4326 || g.type !== target.geometry.type.toUpperCase()) problems.push(`${target.layer}: ${target.table}.${target.geometry.column} is ${JSON.stringify(g)}`);
  }
  assert.deepEqual(problems, []);
});

test(`${BACKEND}: a definition that disagrees with its table is told column by column`, async () => {
  await t.db.exec(`CREATE TABLE test_catalog_check (dataset_id text NOT NULL, code text, rang bigint, extra text, geom geometry(MultiPoint, 4326))`);
  const layer = defineLayer({
    id: 'test.check',
    title: 'Check',
    description: 'A definition that drifted from its table.',
    table: 'test_catalog_check',
    geometry: { type: 'MultiPolygon' },
    idColumn: 'code',
    featureId: { prefix: 'check' },
    access: 'public',
    fields: { code: text(), rang: integer(), missing: text() },
  });
  assert.deepEqual((await checkLayerTable(t.db, layer)).sort(), [
    'test_catalog_check.extra: text in the table, not declared',
    'test_catalog_check.geom: declared geometry(MultiPolygon, 4326), the table has geometry(MULTIPOINT, 4326)',
    'test_catalog_check.missing: declared text, not in the table',
    'test_catalog_check.rang: declared integer, the table has bigint',
  ]);
  assert.deepEqual(await checkLayerTable(t.db, { ...layer, table: 'test_catalog_none' }), ['test_catalog_none: no such table or view']);
});

test(`${BACKEND}: a declared partition key must lead an index of its table, its columns in any order`, async () => {
  await t.db.exec(`CREATE TABLE test_catalog_partition (dataset_id text NOT NULL, campagne integer, departement text, code text, geom geometry(MultiPolygon, 4326))`);
  await t.db.exec(`CREATE INDEX test_catalog_partition_code ON test_catalog_partition (code, campagne, departement)`);
  const layer = defineLayer({
    id: 'test.partition',
    title: 'Partition',
    description: 'A layer partitioned by campaign and département.',
    table: 'test_catalog_partition',
    geometry: { type: 'MultiPolygon' },
    idColumn: 'code',
    featureId: { prefix: 'partition' },
    access: 'public',
    fields: { campagne: integer({ hidden: true }), departement: text({ hidden: true }), code: text() },
    partitionedBy: ['campagne', 'departement'],
  });
  // An index holding the key after another column does not serve a query naming only the key.
  assert.deepEqual(await checkLayerTable(t.db, layer), ['test_catalog_partition: no index led by its partition key (campagne, departement)']);
  await t.db.exec(`CREATE INDEX test_catalog_partition_half ON test_catalog_partition (campagne, code)`);
  assert.deepEqual(await checkLayerTable(t.db, layer), ['test_catalog_partition: no index led by its partition key (campagne, departement)'], 'half of the key is not the key');
  await t.db.exec(`CREATE INDEX test_catalog_partition_key ON test_catalog_partition (departement, campagne, code)`);
  assert.deepEqual(await checkLayerTable(t.db, layer), []);
});
