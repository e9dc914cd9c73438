/**
 * Restricted campaign collections in OGC API and tiles, both ways: a RPG campaign not completed
 * (level 1) and the level-2 layers are never listed, described, paged or tiled for a caller who may
 * not read them (anonymous, a key without `rpg:niveau2:lire`), and are for one who may: a national
 * organisation everywhere, a territory-bound one within its territory (the `bbox` of items, the tile),
 * as the one enforcement point checks — outside it is a 403 naming the part outside.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { issueKey } from '../../src/auth/keys.ts';
import { setCampagne } from '../../src/modules/rpg/campagnes.ts';
import { REFRESH_MS } from '../../src/ogc/collections.ts';
import { seedWorld, type World } from '../auth/helpers.ts';
import { freshDb, BACKEND, type TestDb } from '../helpers/db.ts';
import { assertProblem } from '../helpers/app.ts';

/** A campaign still under declaration (set explicitly, whatever the date), and a completed one. */
const OPEN = 2023;
const CLOSED = new Date().getUTCFullYear();
const RESTRICTED = `rpg-parcelle-restreint-${CLOSED}`;
const N2 = `rpg-n2-parcelle-graphique-${OPEN}`;
/** Inside commune 29158 (Penmarch's territory, [-4.5,-4.3]×[47.7,47.9]) and inside 72187 ([0.1,0.3]×[47.7,47.9]). */
const PENMARCH_BBOX = '-4.45,47.75,-4.35,47.85';
const LAVERNAT_BBOX = '0.15,47.75,0.25,47.85';
const PENMARCH_TILE = '13/3995/2854';
const LAVERNAT_TILE = '13/4100/2854';

const square = (x: number, y: number, d = 0.005) => `ST_GeomFromText('MULTIPOLYGON(((${x} ${y}, ${x + d} ${y}, ${x + d} ${y + d}, ${x} ${y + d}, ${x} ${y})))', 4326)`;

let t: TestDb;
let app: FastifyInstance;
let world: World;
/** A territory-bound organisation (commune 29158) allowed to read level 2. */
let penmarchN2: string;

const get = (url: string, key?: string) => app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });
const ids = async (key?: string): Promise<string[]> => (await get('/ogc/collections', key)).json().collections.map((c: { id: string }) => c.id);

before(async () => {
  t = await freshDb();
  world = await seedWorld(t.db);
  penmarchN2 = (await issueKey(t.db, { organisation: world.penmarch.id, scopes: ['rpg:niveau2:lire'] })).key;
  await t.db.exec(`
    INSERT INTO rpg_parcelle (campagne, dataset_id, gid, id_parcel, surf_parc, code_cultu, code_group, geom) VALUES
      (${OPEN}, 'rpg.parcelle:${OPEN}', 1, '1', 1.5, 'PPH', '18', ${square(-4.4, 47.8)}),
      (${OPEN}, 'rpg.parcelle:${OPEN}', 2, '2', 2.5, 'MIE', '2', ${square(0.2, 47.8)}),
      (${CLOSED}, 'rpg.parcelle:${CLOSED}', 11, '11', 1.0, 'BTH', '1', ${square(-4.4, 47.8)}),
      (${CLOSED}, 'rpg.parcelle:${CLOSED}', 12, '12', 3.0, 'ORH', '3', ${square(-4.39, 47.81)}),
      (${CLOSED}, 'rpg.parcelle:${CLOSED}', 13, '13', 4.0, 'PPH', '18', ${square(0.2, 47.8)});
    INSERT INTO rpg_n2_parcelle_graphique (campagne, dataset_id, departement, id_parcelle, geom) VALUES
      (${OPEN}, 'rpg-n2.parcelle-graphique:${OPEN}:D29', '29', 101, ${square(-4.4, 47.8)}),
      (${OPEN}, 'rpg-n2.parcelle-graphique:${OPEN}:D29', '29', 102, ${square(0.2, 47.8)});
    INSERT INTO terroir_dataset (id, layer, campagne, source, producer, licence, feature_count) VALUES
      ('rpg.parcelle:${OPEN}', 'rpg.parcelle', ${OPEN}, 'test', 'ASP', 'Licence Ouverte', 2),
      ('rpg.parcelle:${CLOSED}', 'rpg.parcelle', ${CLOSED}, 'test', 'ASP', 'Licence Ouverte', 3),
      ('rpg-n2.parcelle-graphique:${OPEN}:D29', 'rpg-n2.parcelle-graphique', ${OPEN}, 'test', 'ASP', 'restricted', 2);
  `);
  await setCampagne(t.db, OPEN, { etat: 'constatee', constatee_le: `${OPEN + 1}-06-30` });
  await setCampagne(t.db, CLOSED, { etat: 'declaration' });
  app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db: t.db, logger: false });
});
after(async () => {
  await app?.close();
  await t?.close();
});

const RESTRICTED_PATHS = (id: string) => [
  `/ogc/collections/${id}`,
  `/ogc/collections/${id}/queryables`,
  `/ogc/collections/${id}/items`,
  `/ogc/collections/${id}/items?bbox=${PENMARCH_BBOX}`,
  `/tiles/${id}.json`,
  `/tiles/${id}/${PENMARCH_TILE}.mvt`,
  `/ogc/collections/${id}/tiles/WebMercatorQuad/13/2854/3995`,
];

test(`${BACKEND}: a campaign not completed and level-2 campaigns are not listed to callers who may not read them`, async () => {
  for (const key of [undefined, world.penmarch.key]) {
    const list = await ids(key);
    assert.ok(list.includes(`rpg-parcelle-${OPEN}`), 'the completed campaign is open');
    assert.ok(!list.some((id) => id.includes(String(CLOSED))), `no trace of campaign ${CLOSED}: ${list.join(' ')}`);
    assert.ok(!list.some((id) => id.startsWith('rpg-n2-')), 'no level-2 collection');
    const api = (await get('/ogc/api', key)).json();
    assert.ok(!Object.keys(api.paths).some((p) => p.includes('restreint') || p.includes('rpg-n2')), 'nor in the OpenAPI document');
  }
});

test(`${BACKEND}: their routes are 401 without a key, 403 with a key lacking the scope; the open id of a closed campaign is the campaign rule's 403`, async () => {
  for (const id of [RESTRICTED, N2]) {
    for (const url of RESTRICTED_PATHS(id)) {
      assertProblem(await get(url), 401);
      assertProblem(await get(url, world.penmarch.key), 403);
    }
  }
  for (const url of [`/ogc/collections/rpg-parcelle-${CLOSED}`, `/ogc/collections/rpg-parcelle-${CLOSED}/items`, `/tiles/rpg-parcelle-${CLOSED}/${PENMARCH_TILE}.mvt`]) {
    for (const key of [undefined, world.ssp.key]) {
      const r = await get(url, key);
      assertProblem(r, 403);
      assert.equal(r.json().rule, 'rpg-campagne-constatee');
    }
  }
});

test(`${BACKEND}: a national reader sees them listed, described, paged and tiled`, async () => {
  const list = await ids(world.ssp.key);
  assert.ok(list.includes(RESTRICTED) && list.includes(N2), list.join(' '));
  const described = (await get(`/ogc/collections/${RESTRICTED}`, world.ssp.key)).json();
  assert.equal(described.featureCount, 3);
  assert.match(described.title, /restreinte/);
  const items = (await get(`/ogc/collections/${RESTRICTED}/items`, world.ssp.key)).json();
  assert.equal(items.numberMatched, 3);
  assert.deepEqual(items.features.map((f: { properties: { code_cultu: string } }) => f.properties.code_cultu).sort(), ['BTH', 'ORH', 'PPH']);
  const n2 = (await get(`/ogc/collections/${N2}/items`, world.ssp.key)).json();
  assert.equal(n2.numberMatched, 2);
  const tile = await get(`/tiles/${RESTRICTED}/${PENMARCH_TILE}.mvt`, world.ssp.key);
  assert.equal(tile.statusCode, 200);
  assert.equal(tile.headers['cache-control'], 'private, no-cache');
  assert.ok(tile.rawPayload.length > 0);
  const audit = await t.db.query<{ path: string; scope: string }>(`SELECT path, scope FROM auth_audit WHERE path LIKE '/ogc/collections/${RESTRICTED}/items%'`);
  assert.ok(audit.length >= 1 && audit.every((a) => a.scope === 'rpg:niveau2:lire'), 'restricted OGC calls are audited');
});

test(`${BACKEND}: a territory-bound reader is served within its territory only`, async () => {
  const list = await ids(penmarchN2);
  assert.ok(list.includes(RESTRICTED) && list.includes(N2));
  for (const id of [RESTRICTED, N2]) {
    assert.equal((await get(`/ogc/collections/${id}`, penmarchN2)).statusCode, 200, 'the description needs the scope only');
    const without = await get(`/ogc/collections/${id}/items`, penmarchN2);
    assertProblem(without, 403);
    assert.match(without.json().detail, /bbox/);
    const inside = (await get(`/ogc/collections/${id}/items?bbox=${PENMARCH_BBOX}`, penmarchN2)).json();
    assert.ok(inside.numberMatched >= 1);
    for (const f of inside.features) assert.ok(f.geometry.coordinates[0][0][0][0] < -4, `${f.id} lies in Penmarch`);
    const outside = await get(`/ogc/collections/${id}/items?bbox=${LAVERNAT_BBOX}`, penmarchN2);
    assertProblem(outside, 403);
    assert.equal(outside.json().outside.name, 'bbox');
    assertProblem(await get(`/ogc/collections/${id}/items?bbox=${PENMARCH_BBOX}&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3857')}`, penmarchN2), 400);
    const next = inside.links.find((l: { rel: string }) => l.rel === 'next');
    assert.equal(next, undefined);
    assert.equal((await get(`/tiles/${id}/${PENMARCH_TILE}.mvt`, penmarchN2)).statusCode, 200);
    assertProblem(await get(`/tiles/${id}/${LAVERNAT_TILE}.mvt`, penmarchN2), 403);
    assertProblem(await get(`/ogc/collections/${id}/tiles/WebMercatorQuad/13/2854/4100`, penmarchN2), 403);
  }
  // One item: within the checked bbox only (an id outside it is not disclosed).
  assertProblem(await get(`/ogc/collections/${N2}/items/parcelle.101`, penmarchN2), 403);
  assert.equal((await get(`/ogc/collections/${N2}/items/parcelle.101?bbox=${PENMARCH_BBOX}`, penmarchN2)).statusCode, 200);
  assertProblem(await get(`/ogc/collections/${N2}/items/parcelle.102?bbox=${PENMARCH_BBOX}`, penmarchN2), 404);
});

test(`${BACKEND}: once completed, the campaign is open under its own id and its restricted collection is gone`, async () => {
  await setCampagne(t.db, CLOSED, { etat: 'constatee' });
  await new Promise((r) => setTimeout(r, REFRESH_MS + 100));
  const anonymous = await ids();
  assert.ok(anonymous.includes(`rpg-parcelle-${CLOSED}`));
  assert.ok(!(await ids(world.ssp.key)).includes(RESTRICTED));
  assert.equal((await get(`/ogc/collections/rpg-parcelle-${CLOSED}/items`)).json().numberMatched, 3);
  assertProblem(await get(`/ogc/collections/${RESTRICTED}/items`, world.ssp.key), 404);
});
