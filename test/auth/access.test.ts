import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { assertProblem } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { issueKey, newKey } from '../../src/auth/keys.ts';
import { authApp, square, type AuthApp } from './helpers.ts';

/**
 * The one enforcement point, through HTTP, as an attacker would try it: no key, wrong keys, revoked
 * and expired keys, a key without the scope, territories asked outside the organisation's (by code,
 * and by a `geom` straddling its border), and the `apikey` parameter on every module.
 */
let t: AuthApp;
before(async () => {
  t = await authApp();
});
after(() => t?.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
const geomUrl = (g: unknown, extra = '') => `/api/acces/lieu?geom=${encodeURIComponent(JSON.stringify(g))}${extra}`;
/** Straddles the border of communes 29158 (west of -4.3) and 29001 (east). */
const STRADDLING = square(-4.35, 47.75, -4.25, 47.8);
const INSIDE_29158 = square(-4.45, 47.75, -4.35, 47.8);

function assertNoRestrictedData(res: LightMyRequestResponse) {
  assert.doesNotMatch(res.body, /restricted-value|Carré de l|FeatureCollection/, 'a refusal carries no data');
}

test(`${BACKEND}: a restricted route without a key is a 401 problem with a Bearer challenge`, async () => {
  const res = await get('/api/acces/commune/29158');
  assertProblem(res, 401);
  assert.match(String(res.headers['www-authenticate']), /^Bearer realm="terroir"/);
  assertNoRestrictedData(res);
  // A Géoportail-style apikey is no key of ours: still 401.
  assertProblem(await get('/api/acces/commune/29158?apikey=choisirgeoportail'), 401);
});

test(`${BACKEND}: unknown, malformed, wrong-secret, revoked and expired keys are 401`, async () => {
  const real = t.world.penmarch.key;
  const wrongSecret = real.slice(0, 13) + (real[13] === 'A' ? 'B' : 'A') + real.slice(14);
  for (const key of [newKey().key, 'trr_zzzzzzzz_short', 'not-a-key', wrongSecret, real + 'x', real.toUpperCase()]) {
    const res = await get('/api/acces/commune/29158', bearer(key));
    const body = assertProblem(res, 401);
    assert.equal(body.detail, 'the API key is not valid', `${key.slice(0, 14)}: one answer for every invalid key`);
    assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    assertNoRestrictedData(res);
  }
  const { key: revoked, info } = await issueKey(t.db, { organisation: t.world.penmarch.id, scopes: ['cartobio:territoires'] });
  assert.equal((await get('/api/acces/commune/29158', bearer(revoked))).statusCode, 200);
  await t.db.query('UPDATE auth_api_key SET revoked_at = now() WHERE prefix = $1', [info.prefix]);
  assert.match(assertProblem(await get('/api/acces/commune/29158', bearer(revoked)), 401).detail, /revoked/);
  const { key: expired, info: e } = await issueKey(t.db, { organisation: t.world.penmarch.id, scopes: ['cartobio:territoires'] });
  await t.db.query(`UPDATE auth_api_key SET expires_at = now() - interval '1 second' WHERE prefix = $1`, [e.prefix]);
  assert.match(assertProblem(await get('/api/acces/commune/29158', bearer(expired)), 401).detail, /expired/);
});

test(`${BACKEND}: a key without the route's scope is a 403 naming the scope`, async () => {
  const res = await get('/api/acces/niveau2', bearer(t.world.penmarch.key));
  const body = assertProblem(res, 403);
  assert.match(body.detail, /needs scope rpg:niveau2:lire/);
  assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
  assert.equal((await get('/api/acces/niveau2', bearer(t.world.ssp.key))).json().ok, true);
});

test(`${BACKEND}: the key is accepted as Bearer, as apikey in the query string and in a JSON body`, async () => {
  const key = t.world.penmarch.key;
  assert.equal((await get('/api/acces/commune/29158', bearer(key))).json().commune, '29158');
  const inQuery = await get(`/api/acces/commune/29158?apikey=${key}`);
  assert.equal(inQuery.json().commune, '29158');
  assert.equal(inQuery.headers['cache-control'], 'private, no-store', 'no shared cache keeps a restricted answer');
  const post = await t.app.inject({ method: 'POST', url: '/api/acces/lieu', payload: { apikey: key, geom: INSIDE_29158 } });
  assert.equal(post.statusCode, 200, post.body);
  assert.ok(post.json().features.length >= 1);
  // The same key twice is fine; two different keys are ambiguous.
  assert.equal((await get(`/api/acces/commune/29158?apikey=${key}`, bearer(key))).statusCode, 200);
  assertProblem(await get(`/api/acces/commune/29158?apikey=${t.world.bureau.key}`, bearer(key)), 400, 'apikey');
  assertProblem(await get(`/api/acces/commune/29158?apikey=${key}&apikey=${key}`), 400, 'apikey');
});

test(`${BACKEND}: a commune or EPCI asked by code outside the territory is a 403 naming it`, async () => {
  const key = t.world.penmarch.key; // territory: commune 29158
  assert.equal((await get('/api/acces/commune/29158', bearer(key))).statusCode, 200);
  let body = assertProblem(await get('/api/acces/commune/29001', bearer(key)), 403);
  assert.match(body.detail, /^code: commune 29001 is outside the territory of Commune de Penmarch$/);
  assert.deepEqual(body.outside, { name: 'code', in: 'params', kind: 'commune', codes: ['29001'] });
  // An EPCI half inside: the communes outside are named.
  body = assertProblem(await get('/api/acces/epci/200000001', bearer(key)), 403);
  assert.match(body.detail, /1 of its 2 communes \(29001\)/);
  assert.deepEqual(body.outside.codes, ['29001']);
  // An unknown EPCI or commune is outside too (nothing tells whether it exists).
  assert.equal((await get('/api/acces/epci/999999999', bearer(key))).statusCode, 403);
  assert.equal((await get('/api/acces/commune/99999', bearer(key))).statusCode, 403);
  // The company whose territory is the EPCI may ask for both communes and the EPCI.
  const b = t.world.bureau.key;
  for (const url of ['/api/acces/commune/29158', '/api/acces/commune/29001', '/api/acces/epci/200000001']) assert.equal((await get(url, bearer(b))).statusCode, 200, url);
  assert.equal((await get('/api/acces/commune/72187', bearer(b))).statusCode, 403);
  // A code in the query string of the feature route, GET and POST.
  assert.equal((await get('/api/acces/lieu?code_insee=29158', bearer(key))).statusCode, 200);
  assertProblem(await get('/api/acces/lieu?code_insee=72187', bearer(key)), 403);
  const post = await t.app.inject({ method: 'POST', url: '/api/acces/lieu', headers: bearer(key), payload: { code_insee: '72187' } });
  assert.equal(assertProblem(post, 403).outside.in, 'body');
});

test(`${BACKEND}: a geom that straddles the territory's border is a 403 naming the part outside`, async () => {
  const key = t.world.penmarch.key;
  const inside = await get(geomUrl(INSIDE_29158), bearer(key));
  assert.equal(inside.statusCode, 200, inside.body);
  const res = await get(geomUrl(STRADDLING), bearer(key));
  const body = assertProblem(res, 403);
  assertNoRestrictedData(res);
  assert.equal(body.outside.name, 'geom');
  assert.deepEqual(body.outside.bbox, [-4.3, 47.75, -4.25, 47.8], 'the outside part is the eastern half');
  const ha = body.outside.area_ha;
  assert.ok(ha > 0.45 * 4166 / 2 && ha < 0.55 * 4166, `about half of the square is outside: ${ha} ha`);
  assert.match(body.detail, /^geom: [\d.]+ ha of the [\d.]+ ha asked \(bbox .*\) lie outside the territory of Commune de Penmarch$/);
  // The same geometry is inside the EPCI territory of the company; a point, a line across the border.
  assert.equal((await get(geomUrl(STRADDLING), bearer(t.world.bureau.key))).statusCode, 200);
  const line = { type: 'LineString', coordinates: [[-4.4, 47.8], [-4.2, 47.8]] };
  assert.ok(assertProblem(await get(geomUrl(line), bearer(key)), 403).outside.length_m > 7000);
  assert.equal((await get(geomUrl({ type: 'Point', coordinates: [-4.35, 47.82] }), bearer(key))).statusCode, 200);
  assert.equal(assertProblem(await get(geomUrl({ type: 'MultiPoint', coordinates: [[-4.35, 47.82], [0.2, 47.8]] }), bearer(key)), 403).outside.points, 1);
  // A point on the border itself is inside (covered, not strictly within).
  assert.equal((await get(geomUrl({ type: 'Point', coordinates: [-4.3, 47.8] }), bearer(key))).statusCode, 200);
  // In a POST body too.
  const post = await t.app.inject({ method: 'POST', url: '/api/acces/lieu', headers: bearer(key), payload: { geom: STRADDLING } });
  assert.equal(assertProblem(post, 403).outside.in, 'body');
});

test(`${BACKEND}: hostile geometries and codes are 400s naming the parameter, never a 500 nor a pass`, async () => {
  const key = t.world.penmarch.key;
  const bowtie = { type: 'Polygon', coordinates: [[[-4.45, 47.75], [-4.35, 47.8], [-4.35, 47.75], [-4.45, 47.8], [-4.45, 47.75]]] };
  assertProblem(await get(geomUrl(bowtie), bearer(key)), 400, 'geom');
  assertProblem(await get('/api/acces/lieu?geom=%7Bnot-json', bearer(key)), 400, 'geom');
  assertProblem(await get(geomUrl({ type: 'Point', coordinates: [200, 47] }), bearer(key)), 400, 'geom');
  assertProblem(await get(`/api/acces/lieu?code_insee=${encodeURIComponent("29158' OR 1=1 --")}`, bearer(key)), 400, 'code_insee');
  // A request naming no territory at all would read everything: refused.
  assert.match(assertProblem(await get('/api/acces/lieu', bearer(key)), 403).detail, /name it with geom/);
  // One part inside, one outside: the whole request is refused.
  assertProblem(await get(geomUrl(INSIDE_29158, '&code_insee=72187'), bearer(key)), 403);
});

test(`${BACKEND}: a national organisation may ask for any territory`, async () => {
  const key = t.world.ssp.key;
  for (const url of ['/api/acces/commune/72187', '/api/acces/epci/200000002', geomUrl(square(2, 45, 3, 46))]) assert.equal((await get(url, bearer(key))).statusCode, 200, url);
});

test(`${BACKEND}: open routes stay open; a key there counts toward its quota; a Géoportail apikey is ignored`, async () => {
  const open = await get('/api/codes-postaux/communes/29760');
  assert.equal(open.statusCode, 200);
  assert.equal(open.headers.ratelimit, undefined, 'loopback callers are not limited as anonymous');
  // TERROIR_RATE_LIMIT_ANONYMOUS=auto: off on the embedded backend, 50/second per IP on PostgreSQL.
  const remote = await t.app.inject({ url: '/api/codes-postaux/communes/29760', remoteAddress: '203.0.113.9' });
  assert.equal(remote.headers['ratelimit-policy'], BACKEND === 'postgres' ? '"anonyme-second";q=50;w=1' : undefined);
  const withKey = await get('/api/codes-postaux/communes/29760', bearer(t.world.bureau.key));
  assert.equal(withKey.statusCode, 200);
  assert.match(String(withKey.headers['ratelimit-policy']), /^"professionnel-year";q=10000;w=3153\d{4}$/);
  assert.match(String(withKey.headers.ratelimit), /^"professionnel-year";r=\d+;t=\d+$/);
  // A public body has no quota: no RateLimit fields.
  assert.equal((await get('/api/codes-postaux/communes/29760', bearer(t.world.penmarch.key))).headers['ratelimit'], undefined);
  // An API Carto client's own apikey, or an empty one, is not ours: ignored, as the reference ignores it.
  for (const q of ['apikey=choisirgeoportail', 'apikey=']) assert.equal((await get(`/api/codes-postaux/communes/29760?${q}`)).statusCode, 200, q);
  // But a key of ours that is wrong is refused even there (the client meant it).
  assertProblem(await get(`/api/codes-postaux/communes/29760?apikey=${newKey().key}`), 401);
  assertProblem(await get('/api/codes-postaux/communes/29760', bearer('nope')), 401);
  assertProblem(await get(`/api/codes-postaux/communes/29760?apikey=${'k'.repeat(1001)}`), 400, 'apikey');
});

test(`${BACKEND}: every API Carto module answers a client that sends apikey (query string, JSON body, Bearer)`, async () => {
  const point = encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [-4.35, 47.82] }));
  const urls = [
    '/api/codes-postaux/communes/29760',
    `/api/cadastre/parcelle?geom=${point}`,
    `/api/cadastre/commune?code_insee=29158`,
    `/api/gpu/zone-urba?geom=${point}`,
    `/api/gpu/municipality?insee=29158`,
    `/api/limites-administratives/commune?geom=${point}`,
    `/api/nomenclature/cultures`,
  ];
  const key = t.world.bureau.key;
  for (const url of urls) {
    for (const apikey of ['une-cle-geoportail', key]) {
      const res = await get(`${url}${url.includes('?') ? '&' : '?'}apikey=${apikey}`);
      assert.ok(res.statusCode === 200 || res.statusCode === 404, `${url} apikey=${apikey.slice(0, 8)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      assert.doesNotMatch(res.body, /unknown parameter/);
    }
    assert.ok([200, 404].includes((await get(url, bearer(key))).statusCode), url);
  }
  // The routes that answered 400 "apikey: unknown parameter" before: RPG (GET and POST) and GPU.
  await t.db.exec(`INSERT INTO terroir_dataset (id, layer, source, producer, licence, campagne) VALUES ('rpg.parcelle:2021:T', 'rpg.parcelle', 't', 't', 't', 2021)`);
  const rpg = await get(`/api/rpg/v2?annee=2021&geom=${point}&apikey=une-cle`);
  assert.notEqual(rpg.statusCode, 500);
  assert.doesNotMatch(rpg.body, /apikey/);
  const rpgPost = await t.app.inject({ method: 'POST', url: '/api/rpg/v2', payload: { annee: 2021, geom: { type: 'Point', coordinates: [-4.35, 47.82] }, apikey: key } });
  assert.doesNotMatch(rpgPost.body, /apikey/, rpgPost.body);
  const aoc = await t.app.inject({ method: 'POST', url: '/api/aoc/appellation-viticole', payload: { geom: { type: 'Point', coordinates: [-4.35, 47.82] }, apikey: 'une-cle' } });
  assert.equal(aoc.statusCode, 200, aoc.body);
});

test(`${BACKEND}: /api/doc declares the bearer and apikey schemes on every route that takes them`, async () => {
  const doc = (await get('/api/doc')).json();
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apikey', 'bearer', 'lien']);
  assert.deepEqual({ in: doc.components.securitySchemes.lien.in, name: doc.components.securitySchemes.lien.name }, { in: 'query', name: 'jeton' });
  // Only the routes whose access rule opens them to download links declare the scheme.
  const withLink = Object.entries(doc.paths as Record<string, Record<string, { security?: object[] }>>).flatMap(([path, ops]) =>
    Object.entries(ops).filter(([, op]) => op.security?.some((x) => 'lien' in x)).map(([m]) => `${m} ${path}`),
  );
  assert.deepEqual(withLink, ['get /api/niveau2/demandes/{id}/extraction']);
  assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  assert.deepEqual({ in: doc.components.securitySchemes.apikey.in, name: doc.components.securitySchemes.apikey.name }, { in: 'query', name: 'apikey' });
  let restricted = 0;
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security?: object[]; description?: string }>>)) {
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(op.security, `${method} ${path} has security`);
      // Both schemes on every operation: the key as Bearer, or as apikey (API Carto clients).
      for (const scheme of ['bearer', 'apikey']) assert.ok(op.security.some((s) => scheme in s), `${method} ${path} declares ${scheme}`);
      const optional = op.security.some((s) => Object.keys(s).length === 0);
      const niveau2 = path.startsWith('/api/niveau2/') && !(path === '/api/niveau2/campagnes' && method === 'get');
      if (path.startsWith('/api/acces/') || path.startsWith('/api/admin/') || path.startsWith('/api/v1/territoires') || path === '/api/statistiques/bio' || niveau2) {
        restricted++;
        assert.equal(optional, false, `${method} ${path}: a key is required`);
        assert.match(op.description ?? '', /\*\*Restricted\*\*: an API key with scope/);
      } else assert.equal(optional, true, `${method} ${path}: open, a key optional`);
    }
  }
  assert.ok(restricted >= 10, `restricted operations documented: ${restricted}`);
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, String(JSON.stringify(result.errors)).slice(0, 800));
});
