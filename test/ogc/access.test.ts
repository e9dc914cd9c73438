/**
 * Restricted layers in OGC API and tiles, tested as an attacker would: never listed to a caller who
 * may not read them (anonymous, wrong scope, wrong key), unknown (404) on the open routes whatever
 * the id is edited to, and served on routes declaring the layer's rule, which the one enforcement
 * point checks (401/403, audit). A territory-bound layer is served within the territory (the `bbox`,
 * the tile): test/ogc/restricted-campaigns.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { defineLayer } from '../../src/catalog/layer.ts';
import { MODULES, type TerroirModule } from '../../src/modules/index.ts';
import { createFixtureTable, FIXTURE_LAYER, fixtureModule } from '../fixtures/fixture-module.ts';
import { restrictedModule } from '../fixtures/restricted-module.ts';
import { seedWorld, type World } from '../auth/helpers.ts';
import { freshDb, BACKEND, type TestDb } from '../helpers/db.ts';
import { assertProblem } from '../helpers/app.ts';

/** The fixture places under a scope and no territory: servable by OGC API to a key holding the scope. */
const NIVEAU2 = defineLayer({ ...FIXTURE_LAYER.spec, id: 'fixture.lieu-niveau2', access: { scope: 'rpg:niveau2:lire' } });
const niveau2Module: TerroirModule = { name: 'niveau2', description: 'restricted OGC fixture', layers: [NIVEAU2], plugin: async () => {} };

let t: TestDb;
let app: FastifyInstance;
let world: World;
const get = (url: string, key?: string) => app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });
const ids = async (key?: string) => (await get('/ogc/collections', key)).json().collections.map((c: { id: string }) => c.id);

before(async () => {
  t = await freshDb();
  await createFixtureTable(t.db);
  world = await seedWorld(t.db);
  app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db: t.db, logger: false, modules: [...MODULES, fixtureModule, restrictedModule, niveau2Module] });
});
after(async () => {
  await app?.close();
  await t?.close();
});

test(`${BACKEND}: a restricted collection is listed only to a key holding its scope, a territory-bound one too`, async () => {
  const anonymous = await ids();
  assert.ok(anonymous.includes('fixture-lieu'));
  assert.ok(!anonymous.includes('fixture-lieu-niveau2'));
  assert.ok(!anonymous.includes('fixture-lieu-restreint'));
  assert.ok(!(await ids(world.penmarch.key)).includes('fixture-lieu-niveau2'), 'another scope');
  const ssp = await ids(world.ssp.key);
  assert.ok(ssp.includes('fixture-lieu-niveau2'));
  assert.ok(ssp.includes('fixture-lieu-restreint'), 'a territory-bound layer is listed to a key holding its scope');
  assert.ok(!(await ids(world.penmarch.key)).includes('fixture-lieu-niveau2'));
  const api = (await get('/ogc/api')).json();
  assert.ok(!Object.keys(api.paths).some((p) => p.includes('niveau2')), 'not in the anonymous OpenAPI document either');
  assertProblem(await get('/ogc/collections', 'trr_aaaaaaaa_' + 'x'.repeat(43)), 401);
});

test(`${BACKEND}: its routes declare its rule: 401 without a key, 403 with another scope, served with the scope`, async () => {
  for (const url of [
    '/ogc/collections/fixture-lieu-niveau2',
    '/ogc/collections/fixture-lieu-niveau2/items',
    '/ogc/collections/fixture-lieu-niveau2/items/lieu.1',
    '/ogc/collections/fixture-lieu-niveau2/queryables',
    '/ogc/collections/fixture-lieu-niveau2/schema',
    '/tiles/fixture-lieu-niveau2/13/4095/2840.mvt',
    '/tiles/fixture-lieu-niveau2.json',
  ]) {
    assertProblem(await get(url), 401);
    assertProblem(await get(url, world.penmarch.key), 403);
    const ok = await get(url, world.ssp.key);
    assert.ok([200, 204].includes(ok.statusCode), `${url}: ${ok.statusCode} ${ok.body.slice(0, 200)}`);
  }
  const items = (await get('/ogc/collections/fixture-lieu-niveau2/items', world.ssp.key)).json();
  assert.equal(items.numberMatched, 5);
  const audit = await t.db.query<{ path: string; scope: string }>(`SELECT path, scope FROM auth_audit WHERE path LIKE '/ogc/collections/fixture-lieu-niveau2/items%'`);
  assert.ok(audit.length >= 2, 'restricted OGC calls are audited');
  assert.ok(audit.every((a) => a.scope === 'rpg:niveau2:lire'));
});

test(`${BACKEND}: edited ids never reach a restricted or territory-bound layer through the open routes`, async () => {
  for (const id of ['FIXTURE-LIEU-RESTREINT', 'fixture-lieu-restreint%20', 'fixture.lieu-restreint', 'FIXTURE-LIEU-NIVEAU2', 'fixture-lieu-niveau2%20', 'fixture.lieu-niveau2']) {
    for (const key of [undefined, world.ssp.key]) {
      for (const path of [`/ogc/collections/${id}`, `/ogc/collections/${id}/items`, `/tiles/${id}/13/4095/2840.mvt`]) assertProblem(await get(path, key), 404);
    }
  }
  // Its own routes: the enforcement point first (401 anonymous, 403 other scope), then the territory.
  assertProblem(await get('/ogc/collections/fixture-lieu-restreint/items'), 401);
  assertProblem(await get('/ogc/collections/fixture-lieu-restreint/items', world.ssp.key.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))), 401);
  const inside = await get('/ogc/collections/fixture-lieu-restreint/items?bbox=-4.45,47.75,-4.35,47.85', world.bureau.key);
  assert.equal(inside.statusCode, 200, inside.body.slice(0, 300));
  assert.ok(inside.json().features.length >= 1);
  assertProblem(await get('/ogc/collections/fixture-lieu-restreint/items?bbox=0.15,47.75,0.25,47.85', world.bureau.key), 403);
  assertProblem(await get('/ogc/collections/fixture-lieu-restreint/items', world.bureau.key), 403);
});

test(`${BACKEND}: a hostile layer (mixed geometry types, a null geometry, quotes and tabs in values) is served whole`, async () => {
  const body = (await get('/ogc/collections/fixture-lieu/items')).json();
  assert.equal(body.numberMatched, 5);
  const byId = new Map(body.features.map((f: { id: string }) => [f.id, f]));
  assert.equal((byId.get('lieu.5') as { geometry: unknown }).geometry, null);
  assert.equal((byId.get('lieu.2') as { properties: { nom: string } }).properties.nom, 'Point "quoté" \\ tab\tx');
  const csv = (await get('/ogc/collections/fixture-lieu/items?f=csv')).body;
  assert.match(csv, /"Point ""quoté"" \\ tab\tx"/);
  assert.equal((await get(`/ogc/collections/fixture-lieu/items?filter=${encodeURIComponent("nom = 'Carré de l''Église'")}`)).json().numberMatched, 1);
});
