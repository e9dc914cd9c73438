import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freshDb, BACKEND, type TestDb } from '../helpers/db.ts';
import { assertProblem } from '../helpers/app.ts';
import { createFixtureTable, fixtureModule } from '../fixtures/fixture-module.ts';
import type { FastifyInstance } from 'fastify';

let t: TestDb;
let app: FastifyInstance;
before(async () => {
  t = await freshDb();
  await createFixtureTable(t.db);
  app = await buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [fixtureModule] });
});
after(async () => {
  await app.close();
  await t.close();
});

const get = (qs: string) => app.inject({ method: 'GET', url: `/api/fixture/lieu${qs}` });
const square = { type: 'Polygon', coordinates: [[[-4.36, 47.81], [-4.34, 47.81], [-4.34, 47.83], [-4.36, 47.83], [-4.36, 47.81]]] };

test(`${BACKEND}: the envelope has the reference's keys, in its order, and pages with links`, async () => {
  const res = await get('');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  // lieu.3 comes from a synthetic dataset: the page says so after the reference's members.
  assert.deepEqual(Object.keys(body), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs', 'bbox', 'links', 'synthetic', 'notice']);
  assert.equal(body.totalFeatures, 5);
  assert.equal(body.numberMatched, 5);
  assert.equal(body.numberReturned, 3, 'layer default limit');
  assert.deepEqual(body.crs, { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4326' } });
  assert.match(body.timeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(body.features.map((f: { id: string }) => f.id), ['lieu.1', 'lieu.2', 'lieu.3']);
  const f = body.features[0];
  assert.deepEqual(Object.keys(f), ['type', 'id', 'geometry', 'geometry_name', 'properties', 'bbox']);
  assert.equal(f.geometry_name, 'the_geom');
  assert.deepEqual(Object.keys(f.properties), ['gid', 'nom', 'code_insee', 'surface_ha']);
  assert.equal(f.properties.nom, "Carré de l'Église");
  assert.ok(f.properties.surface_ha > 4150 && f.properties.surface_ha < 4175, `PostGIS area ${f.properties.surface_ha} ha`);
  assert.deepEqual(f.bbox, [-4.4, 47.8, -4.3, 47.85]);
  assert.deepEqual(body.bbox, [-4.4, 47.8, 0.2, 47.85]);
  assert.equal(body.features[1].properties.nom, 'Point "quoté" \\ tab\tx');
  assert.equal(body.links.length, 1);
  assert.equal(body.links[0].rel, 'next');
  assert.match(body.links[0].href, /^http:\/\/localhost(:\d+)?\/api\/fixture\/lieu\?_start=3$/);

  const next = (await get('?_start=3')).json();
  assert.deepEqual(next.features.map((x: { id: string }) => x.id), ['lieu.4', 'lieu.5']);
  assert.equal(next.totalFeatures, 5);
  assert.equal(next.features[1].geometry, null, 'a null geometry stays null');
  assert.deepEqual(next.links.map((l: { rel: string }) => l.rel), ['prev']);
  assert.match(next.links[0].href, /_start=0/);
  // _start below one page: prev is clamped at 0 (3 − 3 = 0 above could not tell).
  const second = (await get('?_start=1&_limit=3')).json();
  assert.deepEqual(second.features.map((x: { id: string }) => x.id), ['lieu.2', 'lieu.3', 'lieu.4']);
  assert.deepEqual(second.links.map((l: { rel: string; href: string }) => `${l.rel} ${new URL(l.href).search}`), ['next ?_start=4&_limit=3', 'prev ?_start=0&_limit=3']);

  const beyond = (await get('?_start=50')).json();
  assert.equal(beyond.numberReturned, 0);
  assert.equal(beyond.totalFeatures, 5, 'the total is still told past the end');
});

test(`${BACKEND}: attribute filters and geom intersection (GET text, POST object, POST + query string)`, async () => {
  const byCode = (await get('?code_insee=72187')).json();
  assert.deepEqual(byCode.features.map((f: { id: string }) => f.id), ['lieu.3']);
  const inSquare = (await get(`?geom=${encodeURIComponent(JSON.stringify(square))}`)).json();
  assert.deepEqual(inSquare.features.map((f: { id: string }) => f.id), ['lieu.1', 'lieu.2', 'lieu.4']);
  const point = (await get(`?geom=${encodeURIComponent('{"type":"Point","coordinates":[-4.39,47.81]}')}`)).json();
  assert.deepEqual(point.features.map((f: { id: string }) => f.id), ['lieu.1']);
  const post = await app.inject({ method: 'POST', url: '/api/fixture/lieu?code_insee=29158', payload: { geom: square, _limit: 2 } });
  assert.equal(post.statusCode, 200, post.body);
  const pb = post.json();
  assert.deepEqual(pb.features.map((f: { id: string }) => f.id), ['lieu.1', 'lieu.2']);
  assert.equal(pb.totalFeatures, 3);
  const postText = await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: { geom: JSON.stringify(square), nom: 'Ligne' } });
  assert.deepEqual(postText.json().features.map((f: { id: string }) => f.id), ['lieu.4']);
});

test(`${BACKEND}: an empty answer has crs null and no bbox, status 200`, async () => {
  const res = await get(`?code_insee=00000`);
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.deepEqual(body.features, []);
  assert.equal(body.totalFeatures, 0);
  assert.equal(body.numberReturned, 0);
  assert.equal(body.crs, null);
  assert.equal('bbox' in body, false);
  assert.equal('links' in body, false);
});

const badGeoms: [string, string][] = [
  ['malformed JSON', '{"type":"Polygon"'],
  ['unclosed ring', JSON.stringify({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] })],
  ['one coordinate', '{"type":"Point","coordinates":[1]}'],
  ['latitude 91', '{"type":"Point","coordinates":[2,91]}'],
  ['NaN', '{"type":"Point","coordinates":[NaN,1]}'],
  ['self-intersecting bow tie', JSON.stringify({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] })],
  ['a Feature without geometry', '{"type":"Feature","geometry":null}'],
];
for (const [what, geom] of badGeoms) {
  test(`${BACKEND}: geom as ${what} is a 400 naming geom (GET and POST)`, async () => {
    assertProblem(await get(`?geom=${encodeURIComponent(geom)}`), 400, 'geom');
    let payload: unknown;
    try {
      payload = { geom: JSON.parse(geom) };
    } catch {
      payload = { geom };
    }
    const body = assertProblem(await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: payload as object }), 400, 'geom');
    assert.equal(body.invalid_params[0].in, 'body');
  });
}

test(`${BACKEND}: the self-intersection reason comes from PostGIS`, async () => {
  const body = assertProblem(await get(`?geom=${encodeURIComponent(badGeoms[5][1])}`), 400, 'geom');
  assert.match(body.detail, /Self-intersection/i);
});

for (const [qs, param] of [
  ['?_limit=0', '_limit'],
  ['?_limit=11', '_limit'],
  ['?_limit=abc', '_limit'],
  ['?_start=-1', '_start'],
  ['?_start=1.5', '_start'],
  ['?code_insee=2915', 'code_insee'],
  ['?code_insee=29158&code_insee=72187', 'code_insee'],
  ['?nom=' + 'x'.repeat(101), 'nom'],
  ['?surprise=1', 'surprise'],
] as const) {
  test(`${BACKEND}: ${qs.slice(0, 40)} is a 400 naming ${param}`, async () => {
    const body = assertProblem(await get(qs), 400, param);
    assert.equal(body.invalid_params[0].in, 'query');
    assert.equal(body.message[param].location, 'query');
  });
}

test(`${BACKEND}: POST bodies: unknown member, bad JSON, wrong media type`, async () => {
  assertProblem(await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: { foo: 1 } }), 400, 'foo');
  assertProblem(await app.inject({ method: 'POST', url: '/api/fixture/lieu', headers: { 'content-type': 'application/json' }, payload: '{"geom":' }), 400);
  assertProblem(await app.inject({ method: 'POST', url: '/api/fixture/lieu', headers: { 'content-type': 'text/plain' }, payload: 'geom' }), 415);
});

test(`${BACKEND}: an unexpected failure is a 500 problem that says only the request id`, async () => {
  const res = await app.inject({ method: 'GET', url: '/api/fixture/boom', headers: { 'x-request-id': 'req-123' } });
  const body = assertProblem(res, 500);
  assert.equal(body.request_id, 'req-123');
  assert.equal(res.headers['x-request-id'], 'req-123');
  assert.doesNotMatch(res.body, /secret|relation|line 3/);
});

test(`${BACKEND}: a 400 says where the parameter was: the query string of a POST is "query"`, async () => {
  const res = await app.inject({ method: 'POST', url: '/api/fixture/lieu?code_insee=123', payload: {} });
  const body = assertProblem(res, 400, 'code_insee');
  assert.equal(body.invalid_params[0].in, 'query');
  const inBody = assertProblem(await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: { code_insee: '123' } }), 400, 'code_insee');
  assert.equal(inBody.invalid_params[0].in, 'body');
});

test(`${BACKEND}: bbox bounds are rounded like the coordinates (no float noise)`, async () => {
  await t.db.exec(`INSERT INTO fixture_lieu VALUES (6, 'Bruit', '99999', ST_Transform(ST_SetSRID(ST_MakePoint(145123.456, 6792345.678), 2154), 4326))`);
  const body = (await get('?code_insee=99999')).json();
  for (const v of [...body.bbox, ...body.features[0].bbox]) assert.ok(Math.abs(v * 1e8 - Math.round(v * 1e8)) < 1e-6, `${v} has at most 8 decimals`);
  await t.db.exec(`DELETE FROM fixture_lieu WHERE gid = 6`);
});

test(`${BACKEND}: POST without a body takes its parameters, paging included, from the query string`, async () => {
  const res = await app.inject({ method: 'POST', url: '/api/fixture/lieu?code_insee=29158&_start=1&_limit=2' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.features.map((f: { id: string }) => f.id), ['lieu.2', 'lieu.4']);
  assert.equal(body.totalFeatures, 4);
  const withBody = (await app.inject({ method: 'POST', url: '/api/fixture/lieu?_start=3', payload: { code_insee: '29158' } })).json();
  assert.deepEqual(withBody.features.map((f: { id: string }) => f.id), ['lieu.5'], 'query-string paging is not overridden by body defaults');
});

test(`${BACKEND}: an answer holding synthetic (demo) features says so; real data keeps the reference's envelope`, async () => {
  const demo = (await get('?code_insee=72187')).json();
  assert.equal(demo.synthetic, true);
  assert.match(demo.notice, /SYNTHETIC/);
  const real = (await get('?code_insee=29158')).json();
  assert.equal('synthetic' in real, false);
  assert.equal('notice' in real, false);
});
