/**
 * Query plans of the cadastre routes: the SQL each route really runs (captured at the database
 * interface while the route answers over HTTP) is EXPLAINed, and a `geom` request must use the
 * layer's GiST index, an attribute request its B-tree. Checked with sequential scans disabled (so a
 * small table cannot hide a missing index), and on the real samples (~14 000 parcels) with the
 * planner's own choice as well, on both backends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { skipWithoutShared } from '../../helpers/shared.ts';
import { cadastreParcelle } from '../../../src/modules/cadastre/layers.ts';
import { importBuilt, importSamples, SAMPLES, square } from './fixtures.ts';

let t: TestApp;
const captured: { sql: string; params: readonly unknown[] }[] = [];

before(async () => {
  t = await testApp();
  // 2 000 parcels on a 50 × 40 grid in two communes, 20 sections: enough rows for statistics.
  const parcels = [];
  for (let i = 0; i < 50; i++)
    for (let j = 0; j < 40; j++) {
      const commune = i < 25 ? '29158' : '29072';
      const section = `A${String.fromCharCode(65 + (j % 20))}`;
      const numero = String(i * 40 + j + 1).padStart(4, '0');
      const id = `${commune}000${section}${numero}`;
      parcels.push({ id, properties: { id, commune, prefixe: '000', section, numero, contenance: 100 }, geometry: square(-4.4 + i * 0.001, 47.8 + j * 0.001, 0.001) });
    }
  await importBuilt(t.db, cadastreParcelle, 'cadastre-29-parcelles.json', parcels);
  for (const table of ['parcelle', 'localisant', 'feuille', 'division', 'commune']) await t.db.query(`ANALYZE cadastre_${table}`);
  // Every statement the routes send passes through here.
  const query = t.db.query.bind(t.db);
  t.db.query = (async (sql: string, params?: readonly unknown[]) => {
    if (sql.includes("'type', 'Feature'")) captured.push({ sql, params: params ?? [] });
    return query(sql, params);
  }) as typeof t.db.query;
});
after(async () => t?.close());

interface PlanNode { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] }

function indexesOf(node: PlanNode, out: string[] = []): string[] {
  if (node['Index Name']) out.push(`${node['Node Type']} ${node['Index Name']}`);
  for (const p of node.Plans ?? []) indexesOf(p, out);
  return out;
}

/** The route's feature query, EXPLAINed (optionally with sequential scans off) inside one transaction. */
async function planOf(url: string, body?: unknown, seqscan = false): Promise<string[]> {
  captured.length = 0;
  const res = await t.app.inject(body ? { method: 'POST', url, payload: body as object } : { url });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.equal(captured.length, 1, 'one feature query per answer');
  const { sql, params } = captured[0];
  return t.db.transaction(async (tx) => {
    if (!seqscan) await tx.query('SET LOCAL enable_seqscan = off');
    const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, [...params]);
    const plan = row['QUERY PLAN'];
    return indexesOf((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
  });
}

const point = { type: 'Point', coordinates: [-4.3755, 47.8155] };
const box = square(-4.381, 47.811, 0.003)!;

describe('sequential scans off', () => {
  for (const route of ['parcelle', 'localisant', 'feuille', 'division', 'commune']) {
    test(`${route}: geom uses the GiST index (GET and POST)`, async () => {
      const gist = `cadastre_${route}_geom`;
      const viaGet = await planOf(`/api/cadastre/${route}?geom=${encodeURIComponent(JSON.stringify(point))}`);
      assert.ok(viaGet.some((n) => n.endsWith(gist)), `${route}: ${viaGet.join(', ')}`);
      const viaPost = await planOf(`/api/cadastre/${route}`, { geom: box });
      assert.ok(viaPost.some((n) => n.endsWith(gist)), `${route}: ${viaPost.join(', ')}`);
    });
  }

  test('attribute filters use the B-tree indexes', async () => {
    const p = await planOf('/api/cadastre/parcelle?code_insee=29158&section=AB&numero=0002');
    assert.ok(p.some((n) => n.endsWith('cadastre_parcelle_insee')), p.join(', '));
    const l = await planOf('/api/cadastre/localisant?code_insee=29158&section=AB');
    assert.ok(l.some((n) => n.endsWith('cadastre_localisant_insee')), l.join(', '));
    const f = await planOf('/api/cadastre/feuille?code_dep=29&section=AC');
    assert.ok(f.some((n) => n.endsWith('cadastre_feuille_dep') || n.endsWith('cadastre_feuille_insee')), f.join(', '));
    const c = await planOf('/api/cadastre/commune?code_insee=29072');
    assert.ok(c.some((n) => n.endsWith('cadastre_commune_insee')), c.join(', '));
  });
});

describe('the planner’s own choice on the real samples', { skip: skipWithoutShared('data', 'cadastre', SAMPLES['91216'].file) }, () => {
  before(async () => {
    await importSamples(t.db, ['91216', '91326', '91479', '72187']);
    await t.db.query('ANALYZE cadastre_parcelle');
    await t.db.query('ANALYZE cadastre_localisant');
  });

  test('a point on 14 000 parcels: GiST index, no sequential scan', async () => {
    const p = { type: 'Point', coordinates: [2.3415, 48.6641] };
    for (const route of ['parcelle', 'localisant']) {
      const nodes = await planOf(`/api/cadastre/${route}`, { geom: route === 'parcelle' ? p : square(2.34, 48.663, 0.002) }, true);
      assert.ok(nodes.some((n) => n.endsWith(`cadastre_${route}_geom`)), `${route}: ${nodes.join(', ')}`);
    }
  });

  test('one parcel by its codes: B-tree index', async () => {
    const nodes = await planOf('/api/cadastre/parcelle?code_insee=91216&section=AB&numero=0037', undefined, true);
    assert.ok(nodes.some((n) => n.endsWith('cadastre_parcelle_insee')), nodes.join(', '));
  });
});
