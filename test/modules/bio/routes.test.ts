/**
 * GET /api/v1/territoires/epci/{siren} and /insee/{code}: access rules as an attacker tries them,
 * the selection (touching parcels whole, each once; an EPCI = the union of its communes), the
 * properties, millésime, paging, output CRS, the pseudonym, and one audit row per call.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem } from '../../helpers/app.ts';
import { auditCount, auth, bioApp, PSEUDONYM_KEY, type BioApp } from './helpers.ts';

let t: BioApp;
before(async () => {
  t = await bioApp();
});
after(async () => t?.close());

type FC = { type: string; millesime: number; numberMatched: number; numberReturned: number; links: { rel: string; href: string }[]; features: { id: string; geometry: { type: string; coordinates: number[][][][] }; properties: Record<string, unknown> }[]; crs?: unknown };

async function get(url: string, key: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers: { ...auth(key), ...headers } });
}
async function fc(url: string, key: string): Promise<FC> {
  const res = await get(url, key);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/geo\+json/);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  return res.json();
}

test('no key: 401; a key without the scope: 403; both audited', async () => {
  const before = await auditCount(t);
  const none = await t.app.inject({ method: 'GET', url: '/api/v1/territoires/insee/29158' });
  assertProblem(none, 401);
  const wrong = await get('/api/v1/territoires/insee/29158', 'trr_abcdefgh_' + 'x'.repeat(43));
  assertProblem(wrong, 401);
  const scope = await get('/api/v1/territoires/insee/29158', t.noScope);
  assertProblem(scope, 403);
  assert.match(scope.json().detail, /cartobio:territoires/);
  assert.equal(await auditCount(t), before + 3, 'one audit row per call, refusals included');
});

test('outside the territory: 403 that reveals nothing about the parcels there; an unknown code too (before any 404)', async () => {
  for (const url of ['/api/v1/territoires/insee/29001', '/api/v1/territoires/epci/200000001', '/api/v1/territoires/epci/299999999', '/api/v1/territoires/insee/99999', '/api/v1/territoires/insee/29001/synthese']) {
    const res = await get(url, t.world.penmarch.key);
    const body = assertProblem(res, 403);
    assert.doesNotMatch(res.body, /codeculture|surface|parcelles|numberMatched|BTH|VRC|LEC/, `${url}: nothing about parcels`);
    assert.equal(body.outside.in, 'params');
  }
  // The EPCI of a commune outside (29001) is refused to the company holding only... its own EPCI is fine.
  assertProblem(await get('/api/v1/territoires/epci/200000002', t.world.bureau.key), 403);
  assertProblem(await get('/api/v1/territoires/insee/72187', t.world.bureau.key), 403);
});

test('a code that does not exist: 404 once the territory check passed (national body)', async () => {
  assertProblem(await get('/api/v1/territoires/epci/299999999', t.world.ssp.key), 404);
  assertProblem(await get('/api/v1/territoires/insee/99999', t.world.ssp.key), 404);
  assertProblem(await get('/api/v1/territoires/insee/29002', t.world.ssp.key), 404); // exists, no contour
});

test('malformed input: 400 naming the parameter', async () => {
  const k = t.world.ssp.key;
  assertProblem(await get('/api/v1/territoires/epci/12345', k), 400, 'siren');
  assertProblem(await get('/api/v1/territoires/epci/2000000011', k), 400, 'siren');
  assertProblem(await get('/api/v1/territoires/insee/2915', k), 400, 'code');
  assertProblem(await get('/api/v1/territoires/insee/29158?millesime=abc', k), 400, 'millesime');
  assertProblem(await get('/api/v1/territoires/insee/29158?millesime=2018', k), 400, 'millesime');
  assertProblem(await get('/api/v1/territoires/insee/29158?millesime=2020', k), 400, 'millesime'); // not loaded: says which are
  assertProblem(await get('/api/v1/territoires/insee/29158?srid=3857', k), 400, 'srid');
  assertProblem(await get('/api/v1/territoires/insee/29158?format=kml', k), 400, 'format');
  assertProblem(await get('/api/v1/territoires/insee/29158?_limit=0', k), 400, '_limit');
  assertProblem(await get('/api/v1/territoires/insee/29158?_limit=10001', k), 400, '_limit');
  assertProblem(await get('/api/v1/territoires/insee/29158?_start=-1', k), 400, '_start');
  assertProblem(await get('/api/v1/territoires/insee/29158?geom=x', k), 400, 'geom');
  assertProblem(await get('/api/v1/territoires/insee/29158/synthese?format=xml', k), 400, 'format');
});

test('a commune: the parcels touching it, whole; documented properties first; default millésime = the latest complete campaign', async () => {
  const a = await fc('/api/v1/territoires/insee/29158', t.world.penmarch.key);
  assert.equal(a.millesime, 2023);
  assert.equal(a.numberMatched, 3);
  assert.equal(a.numberReturned, 3);
  assert.deepEqual(a.features.map((f) => f.properties.codeculture), ['BTH', 'PPH', 'MIE']);
  const f = a.features[0];
  assert.deepEqual(Object.keys(f.properties).slice(0, 5), ['codeculture', 'labelculture', 'groupeculture', 'bio', 'millesime']);
  assert.deepEqual(f.properties, {
    codeculture: 'BTH', labelculture: "Blé tendre d'hiver", groupeculture: 'Blé tendre', bio: 1, millesime: 2023, precision: null, codecpf: f.properties.codecpf,
    conversion: 'AB?', dateengagement: null, surfaceha: f.properties.surfaceha, codecommune: '29158', nomcommune: 'Commune 29158', codeepci: '200000001',
    codedepartement: '29', coderegion: '53',
  });
  assert.match(f.id, /^[0-9a-f]{32}$/);
  // The parcel straddling 29158 | 29001 comes whole (its ring reaches past -4.3).
  const mie = a.features[2];
  assert.ok(mie.geometry.coordinates[0][0].some((p) => p[0] > -4.3), 'not clipped');
  const old = await fc('/api/v1/territoires/insee/29158?millesime=2019', t.world.penmarch.key);
  assert.equal(old.millesime, 2019);
  assert.ok(old.features.every((x) => x.properties.millesime === 2019));
});

test('an EPCI answer is the union of its communes\' answers, each parcel once', async () => {
  const k = t.world.bureau.key;
  for (const m of [2019, 2021, 2023]) {
    const epci = await fc(`/api/v1/territoires/epci/200000001?millesime=${m}`, k);
    const a = await fc(`/api/v1/territoires/insee/29158?millesime=${m}`, k);
    const b = await fc(`/api/v1/territoires/insee/29001?millesime=${m}`, k);
    const ids = epci.features.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length, 'each parcel once');
    assert.deepEqual([...ids].sort(), [...new Set([...a.features, ...b.features].map((f) => f.id))].sort());
    assert.equal(epci.numberMatched, 5);
    // The straddling parcel is in both communes' answers, once in the EPCI's, identical.
    const shared = a.features.filter((f) => b.features.some((g) => g.id === f.id));
    assert.equal(shared.length, 1);
    assert.deepEqual(epci.features.find((f) => f.id === shared[0].id), shared[0]);
  }
});

test('paging: _start/_limit with a next link; the pages together are the whole answer', async () => {
  const k = t.world.ssp.key;
  const all = await fc('/api/v1/territoires/epci/200000001', k);
  const p1 = await fc('/api/v1/territoires/epci/200000001?_limit=2', k);
  assert.equal(p1.numberMatched, 5);
  assert.equal(p1.numberReturned, 2);
  const next = p1.links.find((l) => l.rel === 'next')!;
  const url = new URL(next.href);
  assert.equal(url.searchParams.get('_start'), '2');
  const p2 = await fc(`${url.pathname}${url.search}`, k);
  const p3 = await fc('/api/v1/territoires/epci/200000001?_limit=2&_start=4', k);
  assert.equal(p3.numberReturned, 1);
  assert.equal(p3.links.length, 0);
  assert.deepEqual([...p1.features, ...p2.features, ...p3.features], all.features);
  const beyond = await fc('/api/v1/territoires/epci/200000001?_start=50', k);
  assert.equal(beyond.numberReturned, 0);
  assert.deepEqual(beyond.features, []);
});

test('output CRS: Lambert-93 on request, coordinates in metres and a crs member', async () => {
  const l93 = await fc('/api/v1/territoires/insee/29158?srid=2154', t.world.ssp.key);
  assert.deepEqual(l93.crs, { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } });
  const [x, y] = l93.features[0].geometry.coordinates[0][0][0];
  assert.ok(x > 100000 && x < 200000 && y > 6700000 && y < 6900000, `${x} ${y}`);
});

test('the pseudonym is stable per secret and differs with another secret; no source key leaks', async () => {
  const a = await fc('/api/v1/territoires/insee/29158', t.world.ssp.key);
  const b = await fc('/api/v1/territoires/insee/29158', t.world.ssp.key);
  assert.deepEqual(a.features.map((f) => f.id), b.features.map((f) => f.id));
  assert.doesNotMatch(JSON.stringify(a), /rpgbio:|cle_source|gid/);
  const other = await bioApp({ TERROIR_PSEUDONYM_KEY: PSEUDONYM_KEY.replace('test', 'prod') });
  try {
    const c = (await other.app.inject({ method: 'GET', url: '/api/v1/territoires/insee/29158', headers: auth(other.world.ssp.key) })).json() as FC;
    assert.deepEqual(c.features.map((f) => f.properties), a.features.map((f) => f.properties));
    for (let i = 0; i < a.features.length; i++) assert.notEqual(c.features[i].id, a.features[i].id);
  } finally {
    await other.close();
  }
});

test('one audit row per call, with the territory asked and the number of parcels answered', async () => {
  const before = await auditCount(t);
  await fc('/api/v1/territoires/epci/200000001?_limit=2', t.world.bureau.key);
  const rows = await t.db.query<{ route: string; territory: string; features: number; status: number; organisation: number }>('SELECT route, territory, features, status, organisation FROM auth_audit ORDER BY seq DESC LIMIT 1');
  assert.equal(await auditCount(t), before + 1);
  assert.deepEqual(rows[0], { route: '/api/v1/territoires/epci/:siren', territory: '{"siren":"200000001"}', features: 2, status: 200, organisation: t.world.bureau.id });
});

test('synthesis: organic area and parcels by crop group and conversion stage, organic share of the RPG level-1 area (JSON)', async () => {
  const res = await get('/api/v1/territoires/epci/200000001/synthese', t.world.bureau.key);
  assert.equal(res.statusCode, 200, res.body);
  const s = res.json();
  const [audit] = await t.db.query<{ features: number; route: string }>('SELECT features, route FROM auth_audit ORDER BY seq DESC LIMIT 1');
  assert.deepEqual(audit, { features: 5, route: '/api/v1/territoires/epci/:siren/synthese' });
  const epci = await fc('/api/v1/territoires/epci/200000001', t.world.bureau.key);
  const surface = epci.features.reduce((n, f) => n + (f.properties.surfaceha as number), 0);
  assert.deepEqual(Object.keys(s), ['territoire', 'millesime', 'parcelles_bio', 'surface_bio_ha', 'parcelles_rpg', 'surface_agricole_ha', 'part_bio', 'lignes']);
  assert.deepEqual(s.territoire, { type: 'epci', code: '200000001' });
  assert.equal(s.millesime, 2023);
  assert.equal(s.parcelles_bio, 5);
  assert.ok(Math.abs(s.surface_bio_ha - surface) < 1e-3, `${s.surface_bio_ha} vs ${surface}`);
  assert.equal(s.parcelles_rpg, 2);
  assert.equal(s.surface_agricole_ha, 250, 'RPG parcels of the same campaign touching the EPCI (72187 excluded)');
  assert.equal(s.part_bio, Math.round((s.surface_bio_ha / 250) * 1e4) / 1e4);
  assert.deepEqual(s.lignes.map((l: Record<string, unknown>) => [l.groupeculture, l.conversion, l.parcelles]), [
    ['Blé tendre', 'AB?', 1], ['Légumineuses à grains', 'AB?', 1], ['Maïs grain et ensilage', 'AB?', 1], ['Prairies permanentes', 'AB?', 1], ['Vignes', 'AB?', 1],
  ]);
});

test('synthesis as CSV (format=csv or Accept: text/csv), a commune\'s, and refused outside the territory', async () => {
  const res = await get('/api/v1/territoires/insee/29158/synthese?format=csv', t.world.penmarch.key);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  const lines = res.body.trim().split('\r\n');
  assert.equal(lines[0], 'millesime,groupeculture,conversion,parcelles,surface_ha,surface_agricole_ha,part_bio');
  assert.equal(lines.length, 5, 'header, 3 groups, total');
  assert.match(lines[4], /^2023,Total,,3,[0-9.]+,100,[0-9.]+$/);
  const accept = await get('/api/v1/territoires/insee/29158/synthese?millesime=2019', t.world.penmarch.key, { accept: 'text/csv' });
  assert.match(accept.body, /^millesime,/);
  assert.match(accept.body, /\r\n2019,Total,,3,/);
  assertProblem(await get('/api/v1/territoires/epci/200000001/synthese', t.world.penmarch.key), 403);
});

test('the OpenAPI document says it: a parcel touching the territory is returned whole, each parcel once', async () => {
  const doc = (await t.app.inject({ method: 'GET', url: '/api/doc' })).json() as { paths: Record<string, Record<string, { description?: string }>> };
  const ops = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/v1/territoires') && !path.endsWith('/synthese'))
    .flatMap(([path, o]) => Object.entries(o).map(([method, op]) => ({ at: `${method} ${path}`, text: op.description ?? '' })));
  assert.deepEqual(ops.map((o) => o.at).sort(), [
    'get /api/v1/territoires/conventionnel/epci/{siren}', 'get /api/v1/territoires/conventionnel/insee/{code}', 'get /api/v1/territoires/epci/{siren}', 'get /api/v1/territoires/insee/{code}',
    'put /api/v1/territoires', 'put /api/v1/territoires/conventionnel',
  ]);
  for (const op of ops) assert.match(op.text, /touches the territory is answered whole \(not clipped\), each parcel once/, op.at);
});

test('the default millésime is the latest campaign complete on the day (after 30 June of the next year), not the latest loaded', async () => {
  const { resolveMillesime } = await import('../../../src/modules/bio/territoire.ts');
  // Loaded here: 2019, 2021, 2023.
  assert.equal(await resolveMillesime(t.db, undefined, 'query', new Date('2024-06-30T23:59:59Z')), 2021, '2023 is not complete before 1 July 2024');
  assert.equal(await resolveMillesime(t.db, undefined, 'query', new Date('2024-07-01T00:00:00Z')), 2023);
  assert.equal(await resolveMillesime(t.db, 2023, 'query', new Date('2024-01-01T00:00:00Z')), 2023, 'a campaign asked is served even before it is complete');
  await assert.rejects(resolveMillesime(t.db, undefined, 'query', new Date('2020-01-01T00:00:00Z')), /no complete campaign is loaded \(loaded: 2023, 2021, 2019\)/);
});

test('an EPCI with a member commune lacking its contour: 503 naming it, never a partial answer', async () => {
  const [saved] = await t.db.query<{ g: string }>("SELECT geom::text AS g FROM limites_commune WHERE code = '29001'");
  await t.db.query("UPDATE limites_commune SET geom = NULL WHERE code = '29001'");
  try {
    const res = await get('/api/v1/territoires/epci/200000001', t.world.ssp.key);
    const p = assertProblem(res, 503);
    assert.match(p.detail, /EPCI 200000001: communes 29001 have no contour loaded/);
    assert.doesNotMatch(res.body, /codeculture/);
  } finally {
    await t.db.query("UPDATE limites_commune SET geom = $1::geometry WHERE code = '29001'", [saved.g]);
  }
  assert.equal((await get('/api/v1/territoires/epci/200000001', t.world.ssp.key)).statusCode, 200);
});
