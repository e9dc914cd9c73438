/**
 * Every GPU route's query must run on the GiST index of its table (national scale: millions of zones
 * and prescriptions), and a `partition` filter on its b-tree index. The exact SQL a request runs is
 * captured from the database handle, then EXPLAINed with its values: first as the planner chooses
 * (the tables hold 12,000 rows each, enough for it to prefer the index), then with
 * `enable_seqscan = off` to check that no part of the plan (the label and RNU sub-queries included)
 * has to scan a table.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { GPU_LAYERS } from '../../../src/modules/gpu/layers.ts';
import { planNodes, recordQueries, showPlan } from '../../helpers/explain.ts';

const N = 12_000;
let t: TestApp;
let seen: { sql: string; params: readonly unknown[] }[] = [];

before(async () => {
  t = await testApp();
  // N features per table: 200 m squares, 200 m lines or points on a grid over metropolitan France,
  // in 1,200 partitions of 10 features (a document's worth).
  const shape = (kind: string) =>
    kind === 'surf'
      ? 'ST_Multi(ST_MakeEnvelope(x, y, x + 0.002, y + 0.002, 4326))'
      : kind === 'lin'
        ? 'ST_Multi(ST_MakeLine(ST_MakePoint(x, y), ST_MakePoint(x + 0.002, y + 0.002)))::geometry(MultiLineString, 4326)'
        : 'ST_Multi(ST_SetSRID(ST_MakePoint(x, y), 4326))';
  const grid = `FROM generate_series(1, ${N}) i, LATERAL (SELECT -4.5 + (i % 120) * 0.07 AS x, 43.0 + (i / 120) * 0.07 AS y) g`;
  for (const l of GPU_LAYERS) {
    const table = l.descriptor.table;
    const kind = /_(pct|p)$/.test(table) ? 'pct' : /_(lin|l)$/.test(table) ? 'lin' : 'surf';
    if (table === 'gpu_municipality') {
      await t.db.query(`INSERT INTO gpu_municipality (dataset_id, insee, name, the_geom) SELECT 'explain', lpad((10000 + i)::text, 5, '0'), 'C' || i, ${shape('surf')} ${grid}`);
    } else if (table === 'gpu_document') {
      await t.db.query(`INSERT INTO gpu_document (dataset_id, partition, grid_name, name, the_geom) SELECT 'explain', 'DU_' || (10000 + i), (10000 + i)::text, 'D' || i, ${shape('surf')} ${grid}`);
      await t.db.query(`INSERT INTO gpu_document_commune (dataset_id, partition, insee) SELECT 'explain', 'DU_' || (10000 + i), (10000 + i)::text ${grid}`);
    } else {
      const extra = /assiette|generateur/.test(table) ? ', suptype' : /prescription/.test(table) ? ', typepsc, stypepsc' : /info/.test(table) ? ', typeinf, stypeinf' : '';
      const extraValues = /assiette|generateur/.test(table) ? `, (ARRAY['ac1','pm1','i4','a7'])[1 + i % 4]` : /prescription|info/.test(table) ? `, lpad((1 + i % 50)::text, 2, '0'), '00'` : '';
      await t.db.query(`INSERT INTO ${table} (dataset_id, partition${extra}, the_geom) SELECT 'explain', 'DU_' || (10000 + i / 10)${extraValues}, ${shape(kind)} ${grid}`);
    }
    await t.db.query(`ANALYZE ${table}`);
  }
  await t.db.query('ANALYZE gpu_document_commune');
  seen = recordQueries(t.db);
});
after(async () => t?.close());

const plan = (sql: string, params: readonly unknown[], seqscanOff: boolean) => planNodes(t.db, sql, params, seqscanOff);
const show = showPlan;

const small = { type: 'Polygon', coordinates: [[[-4.4, 43.0], [-4.25, 43.0], [-4.25, 43.15], [-4.4, 43.15], [-4.4, 43.0]]] };

async function featureQueries(url: string, table: string) {
  seen.length = 0;
  const res = await t.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  const sql = seen.filter((s) => s.sql.includes(`FROM "${table}" t`));
  assert.ok(sql.length >= 1, `the ${table} query was run`);
  return { body: res.json(), sql };
}

for (const l of GPU_LAYERS) {
  const table = l.descriptor.table;
  test(`${BACKEND}: /api/gpu/${l.route}?geom=… runs on the GiST index ${table}_geom`, async () => {
    const { body, sql } = await featureQueries(`/api/gpu/${l.route}?_limit=1&geom=${encodeURIComponent(JSON.stringify(small))}`, table);
    assert.ok(body.totalFeatures >= 2, `the query polygon holds features (${body.totalFeatures})`);
    assert.equal(sql.length, 2, 'page query and count query (the page is full at _limit=1)');
    for (const s of sql) {
      const natural = await plan(s.sql, s.params, false);
      assert.ok(natural.some((n) => n['Index Name'] === `${table}_geom`), `GiST index chosen by the planner: ${show(natural)}`);
      assert.ok(!natural.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === table), `no sequential scan of ${table}`);
      const forced = await plan(s.sql, s.params, true);
      assert.ok(!forced.some((n) => n['Node Type'] === 'Seq Scan'), `every sub-query has an index: ${show(forced)}`);
    }
  });

  if (l.filters.includes('partition')) {
    test(`${BACKEND}: /api/gpu/${l.route}?partition=… runs on the index ${table}_partition`, async () => {
      const { body, sql } = await featureQueries(`/api/gpu/${l.route}?partition=DU_10500`, table);
      assert.ok(body.totalFeatures >= 1, 'the partition holds features');
      for (const s of sql) {
        const natural = await plan(s.sql, s.params, false);
        assert.ok(natural.some((n) => n['Index Name'] === `${table}_partition`), `partition index chosen: ${show(natural)}`);
      }
    });
  }
}

test(`${BACKEND}: /api/gpu/municipality?insee=… runs on gpu_municipality_insee`, async () => {
  const { body, sql } = await featureQueries('/api/gpu/municipality?insee=10500', 'gpu_municipality');
  assert.equal(body.totalFeatures, 1);
  assert.equal(body.features[0].properties.is_rnu, false, 'covered by the document of its grid');
  for (const s of sql) {
    const natural = await plan(s.sql, s.params, false);
    assert.ok(natural.some((n) => n['Index Name'] === 'gpu_municipality_insee'), show(natural));
  }
});

test(`${BACKEND}: /api/gpu/generateur-sup-s?categorie=… runs on the (suptype, partition) index`, async () => {
  const { sql } = await featureQueries('/api/gpu/generateur-sup-s?categorie=PM1&partition=DU_10500', 'gpu_generateur_sup_s');
  for (const s of sql) {
    const natural = await plan(s.sql, s.params, false);
    assert.ok(natural.some((n) => /gpu_generateur_sup_s_(suptype|partition)/.test(n['Index Name'] ?? '')), show(natural));
  }
});

test(`${BACKEND}: /api/gpu/all runs each of its 17 queries on the layer's GiST index`, async () => {
  seen.length = 0;
  const res = await t.app.inject({ method: 'GET', url: `/api/gpu/all?_limit=1&geom=${encodeURIComponent(JSON.stringify(small))}` });
  assert.equal(res.statusCode, 200);
  for (const l of GPU_LAYERS) {
    const s = seen.find((x) => x.sql.includes(`FROM "${l.descriptor.table}" t`) && x.sql.includes('json_build_object'));
    assert.ok(s, `${l.route} queried`);
    const natural = await plan(s.sql, s.params, false);
    assert.ok(natural.some((n) => n['Index Name'] === `${l.descriptor.table}_geom`), `${l.route}: ${show(natural)}`);
  }
});
