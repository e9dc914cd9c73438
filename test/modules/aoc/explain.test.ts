/**
 * /api/aoc/appellation-viticole must find zones through the GiST index on geom (the INAO layer is
 * national). The SQL the route runs is captured from the database handle and EXPLAINed with its values.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';

let t: TestApp;
const seen: { sql: string; params: readonly unknown[] }[] = [];

before(async () => {
  t = await testApp();
  // 30,000 zones of 200 m on a grid over metropolitan France.
  await t.db.query(`
    INSERT INTO aoc_appellation_viticole (dataset_id, id_uni, id_app, app, id_denom, denom, insee, departement, geom)
    SELECT 'aoc.appellation-viticole', '1-' || i || '-21295', i, 'App ' || i, i, 'Denom ' || i, '21295', '21',
           ST_Multi(ST_MakeEnvelope(x, y, x + 0.002, y + 0.002, 4326))
    FROM generate_series(1, 30000) i, LATERAL (SELECT -4.5 + (i % 200) * 0.06 AS x, 43.0 + (i / 200) * 0.05 AS y) g`);
  await t.db.query('ANALYZE aoc_appellation_viticole');
  const query = t.db.query.bind(t.db);
  t.db.query = (async (sql: string, params?: readonly unknown[]) => {
    seen.push({ sql, params: params ?? [] });
    return query(sql, params);
  }) as typeof t.db.query;
});
after(async () => t?.close());

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] }
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

test(`${BACKEND}: the zone query (page and count) runs on the GiST index, contains included`, async () => {
  const geom = { type: 'Polygon', coordinates: [[[4.9, 47.1], [5.1, 47.1], [5.1, 47.3], [4.9, 47.3], [4.9, 47.1]]] };
  const res = await t.app.inject({ method: 'POST', url: '/api/aoc/appellation-viticole', payload: { geom, _limit: 2 } });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.ok(body.totalFeatures > 2, `several zones in the polygon (${body.totalFeatures})`);
  assert.ok(body.features.every((f: { properties: { contains: boolean } }) => f.properties.contains === true), 'small zones inside the polygon');
  const zoneSql = seen.filter((s) => s.sql.includes('FROM "aoc_appellation_viticole" t'));
  assert.equal(zoneSql.length, 2, 'page query and count query');
  for (const s of zoneSql) {
    const [row] = await t.db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.params);
    const p = row['QUERY PLAN'];
    const plan = nodes((typeof p === 'string' ? JSON.parse(p) : p)[0].Plan);
    assert.ok(plan.some((n) => n['Index Name'] === 'aoc_appellation_viticole_geom'), plan.map((n) => n['Node Type']).join(' '));
    assert.ok(!plan.some((n) => n['Node Type'] === 'Seq Scan'), 'no sequential scan');
  }
});
