/**
 * The RPG routes' queries must use the GiST index on geom (national scale: tens of millions of rows).
 * The exact SQL a request runs is captured from the database handle, then EXPLAINed with its values.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { planNodes, recordQueries, showPlan } from '../../helpers/explain.ts';

let t: TestApp;
let seen: { sql: string; params: readonly unknown[] }[] = [];

before(async () => {
  t = await testApp();
  // 40,000 parcels (2 campaigns) and 20,000 îlots: 200 m squares on a grid over metropolitan France.
  await t.db.query(`
    INSERT INTO rpg_parcelle (campagne, dataset_id, gid, id_parcel, surf_parc, code_cultu, code_group, geom)
    SELECT c, 'rpg.parcelle:' || c, i, i::text, 4.0, (ARRAY['PPH','MIE','BTH','ORH'])[1 + i % 4], (ARRAY['18','2','1','3'])[1 + i % 4],
           ST_Multi(ST_MakeEnvelope(x, y, x + 0.002, y + 0.002, 4326))
    FROM generate_series(2020, 2021) c, generate_series(1, 20000) i,
         LATERAL (SELECT -4.5 + (i % 200) * 0.06 AS x, 43.0 + (i / 200) * 0.07 AS y) g`);
  await t.db.query(`
    INSERT INTO rpg_ilot (campagne, dataset_id, gid, num_ilot, commune, code_cultu, geom)
    SELECT 2010, 'rpg.ilot:2010', i, '029-' || i, '29158', '18', ST_Multi(ST_MakeEnvelope(x, y, x + 0.002, y + 0.002, 4326))
    FROM generate_series(1, 20000) i, LATERAL (SELECT -4.5 + (i % 200) * 0.06 AS x, 43.0 + (i / 200) * 0.07 AS y) g`);
  await t.db.query('ANALYZE rpg_parcelle');
  await t.db.query('ANALYZE rpg_ilot');
  seen = recordQueries(t.db);
});
after(async () => t?.close());

const plan = (sql: string, params: readonly unknown[], seqscanOff: boolean) => planNodes(t.db, sql, params, seqscanOff);

const small = { type: 'Polygon', coordinates: [[[-4.4, 47.8], [-4.25, 47.8], [-4.25, 47.95], [-4.4, 47.95], [-4.4, 47.8]]] };

for (const [version, annee, table, extra] of [
  ['v2', 2021, 'rpg_parcelle', '&code_cultu=PPH'],
  ['v2', 2020, 'rpg_parcelle', ''],
  ['v1', 2010, 'rpg_ilot', ''],
] as const) {
  test(`${BACKEND}: /api/rpg/${version}?annee=${annee}${extra} runs on the GiST index of ${table}`, async () => {
    seen.length = 0;
    const res = await t.app.inject({ method: 'GET', url: `/api/rpg/${version}?annee=${annee}&_limit=1${extra}&geom=${encodeURIComponent(JSON.stringify(small))}` });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().totalFeatures >= 1, 'the query polygon holds features');
    const featureSql = seen.filter((s) => s.sql.includes(`FROM "${table}" t`));
    assert.ok(featureSql.length >= 2, 'page query and count query (the page is full at _limit=1)');
    for (const s of featureSql) {
      // Without any planner hint: with 40,000 rows the planner picks the GiST index by itself.
      const natural = await plan(s.sql, s.params, false);
      assert.ok(natural.some((n) => n['Index Name'] === `${table}_geom`), `GiST index used: ${natural.map((n) => `${n['Node Type']}:${n['Index Name'] ?? ''}`).join(' ')}`);
      assert.ok(!natural.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === table), 'no sequential scan of the table');
    }
    assert.ok(!seen.some((s) => s.sql.includes('WITH RECURSIVE')), 'a page with features proves the campaign: the list is not read');

    // An empty page reads the loaded campaigns (to tell "nothing here" from "campaign not loaded").
    seen.length = 0;
    const far = { type: 'Point', coordinates: [55.5, -21.1] };
    const empty = await t.app.inject({ method: 'GET', url: `/api/rpg/${version}?annee=${annee}&geom=${encodeURIComponent(JSON.stringify(far))}` });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.equal(empty.json().totalFeatures, 0);
    const campaigns = seen.find((s) => s.sql.includes('WITH RECURSIVE'));
    assert.ok(campaigns, 'the loaded campaigns were read for the empty page');
    const c = await plan(campaigns.sql, campaigns.params, true);
    assert.ok(!c.some((n) => n['Node Type'] === 'Seq Scan'), 'the campaign list is read from an index, not by scanning the table');
    assert.ok(c.some((n) => /Index/.test(n['Node Type'])));
  });
}
