/**
 * Hostile input (issue 11): every case below was a 500, a non-problem answer, a 1.6 MB echo or a
 * forged link before the guards of src/http/input.ts, error-handler.ts, paging.ts, server-options.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freshDb, BACKEND, type TestDb } from '../helpers/db.ts';
import { assertProblem } from '../helpers/app.ts';
import { createFixtureTable, fixtureModule } from '../fixtures/fixture-module.ts';
import { MODULES } from '../../src/modules/index.ts';

let t: TestDb;
let app: FastifyInstance;
before(async () => {
  t = await freshDb();
  await createFixtureTable(t.db);
  app = await buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [...MODULES, fixtureModule] });
});
after(async () => {
  await app.close();
  await t.close();
});

const point = encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [-4.35, 47.82] }));

for (const [url, param] of [
  [`/api/rpg/v2?annee=2023&geom=${point}&_start=1e19`, '_start'],
  [`/api/rpg/v2?annee=2023&geom=${point}&_limit=Infinity`, '_limit'],
  [`/api/rpg/v2?annee=2023&geom=${point}&_limit=-Infinity`, '_limit'],
  ['/api/datasets?campagne=1e309', 'campagne'],
  ['/api/datasets?campagne=-1e309', 'campagne'],
  ['/api/nomenclature/cultures?code_group=Infinity', 'code_group'],
  ['/api/nomenclature/cultures?code_group=99999999999', 'code_group'],
  ['/api/fixture/lieu?_start=9007199254740993', '_start'],
  ['/api/cadastre/parcelle?code_insee=29158&nom_com=%00', 'nom_com'],
  ['/api/fixture/lieu?nom=a%00b', 'nom'],
  ['/api/datasets/%00', 'id'],
  ['/api/datasets?layer=%00', 'layer'],
] as const) {
  test(`${BACKEND}: ${url.replace(point, '<point>')} is a 400 naming ${param}`, async () => {
    assertProblem(await app.inject(url), 400, param);
  });
}

test(`${BACKEND}: numbers and NUL in a JSON body are checked like the query string`, async () => {
  const post = (payload: string) => app.inject({ method: 'POST', url: '/api/fixture/lieu', headers: { 'content-type': 'application/json' }, payload });
  assertProblem(await post('{"_start": 1e19}'), 400, '_start');
  assertProblem(await post('{"_limit": 1e400}'), 400, '_limit');
  assertProblem(await post('{"nom": "a\\u0000b"}'), 400);
});

test(`${BACKEND}: JSON nested 5,000 deep is refused before it is walked, in a body and in geom`, async () => {
  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const body = `{"geom":{"type":${deep(5000)},"coordinates":[0,0]}}`;
  const res = await app.inject({ method: 'POST', url: '/api/fixture/lieu', headers: { 'content-type': 'application/json' }, payload: body });
  assert.match(assertProblem(res, 400).detail, /nested deeper/);
  const q = await app.inject(`/api/fixture/lieu?geom=${encodeURIComponent(`{"type":${deep(5000)},"coordinates":[0,0]}`)}`);
  assert.match(assertProblem(q, 400, 'geom').detail, /nested deeper/);
  // A type nested less deep than the bound is still only a short message.
  const mid = await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: { geom: JSON.parse(`{"type":${deep(20)},"coordinates":[0,0]}`) } });
  assert.ok(assertProblem(mid, 400, 'geom') && mid.body.length < 2000, `short answer (${mid.body.length})`);
});

/** A ring of `n` vertices around (lon, lat), every coordinate with 15 decimals. */
function circle(n: number, lon = -4.35, lat = 47.82, r = 0.01) {
  const ring: number[][] = [];
  for (let i = 0; i < n - 1; i++) {
    const a = (2 * Math.PI * i) / (n - 1);
    ring.push([Number((lon + r * Math.cos(a)).toFixed(15)), Number((lat + r * Math.sin(a)).toFixed(15))]);
  }
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

test(`${BACKEND}: a 400 echoes a bounded part of the offending value, never the whole input`, async () => {
  const big = circle(60_000);
  const res = await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: { geom: big } });
  const body = assertProblem(res, 400, 'geom');
  assert.match(body.detail, /more than 50000 vertices/);
  assert.ok(res.body.length < 2000, `answer of ${res.body.length} bytes for a ${JSON.stringify(big).length}-character input`);
});

test(`${BACKEND}: the documented 50,000 vertices are reachable at full precision`, async () => {
  const g = circle(50_000);
  assert.ok(JSON.stringify(g).length > 1_000_000, 'more characters than the old limit');
  const res = await app.inject({ method: 'POST', url: '/api/fixture/lieu', payload: { geom: g } });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
});

test(`${BACKEND}: Fastify's own errors are problems: bad percent-encoding, a path segment too long, CORS preflight`, async () => {
  const bad = assertProblem(await app.inject('/api/datasets/%FF'), 400);
  assert.equal(bad.instance, '/api/datasets/%FF');
  assertProblem(await app.inject(`/api/datasets/${'x'.repeat(300)}`), 414);
  const pre = await app.inject({ method: 'OPTIONS', url: '/api/datasets' });
  assert.match(assertProblem(pre, 400).detail, /Preflight/);
});

test(`${BACKEND}: malformed Host or X-Forwarded-* never reach a link, and are not trusted by default`, async () => {
  for (const headers of [{ host: 'bad host^' }, { host: 'a/b@c' }, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' }, { 'x-forwarded-host': 'bad host^' }]) {
    const res = await app.inject({ url: '/api/fixture/lieu', headers });
    assert.equal(res.statusCode, 200, `${JSON.stringify(headers)}: ${res.body.slice(0, 200)}`);
    const href = res.json().links[0].href as string;
    assert.match(href, /^http:\/\/(localhost|bad)[^ ]*\/api\/fixture\/lieu\?_start=3$/, href);
    assert.doesNotMatch(href, /evil|javascript/);
  }
});

test(`${BACKEND}: X-Request-Id is kept only when short and plain`, async () => {
  const ok = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-42.a:b' } });
  assert.equal(ok.headers['x-request-id'], 'trace-42.a:b');
  for (const forged of ['x'.repeat(65), 'a b', 'a\u00e9', '<script>', 'a,b']) {
    const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': forged } });
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/, `${forged} replaced`);
  }
});

/** Raw bytes on a socket of a listening server; resolves with what came back once the server closed. */
function raw(port: number, data: string, holdMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(data);
    });
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    if (holdMs) setTimeout(() => s.destroy(), holdMs).unref();
  });
}

test(`${BACKEND}: 431 and a body that never completes are problems, with Connection: close`, async () => {
  const srv = await buildApp({ config: loadConfig({ TERROIR_REQUEST_TIMEOUT_MS: '1500', TERROIR_HEADERS_TIMEOUT_MS: '1000' }), db: t.db, logger: false });
  await srv.listen({ port: 0, host: '127.0.0.1' });
  try {
    const port = (srv.server.address() as { port: number }).port;
    const big = await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 /);
    assert.match(big, /\r\nConnection: close\r\n/i);
    assert.match(big, /application\/problem\+json[\s\S]*"status":431/);
    const t0 = Date.now();
    const slow = await raw(port, `POST /api/cadastre/parcelle HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`, 10_000);
    assert.match(slow, /^HTTP\/1\.1 408 /, slow.slice(0, 200));
    assert.match(slow, /Connection: close/i);
    assert.ok(Date.now() - t0 < 5000, `timed out after ${Date.now() - t0} ms`);
    // A keep-alive client after an ordinary answer: the connection stays usable.
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest({ port, host: '127.0.0.1', path: '/healthz' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    assert.equal(status, 200);
  } finally {
    await srv.close();
  }
});

test(`${BACKEND}: TERROIR_TRUST_PROXY and TERROIR_PUBLIC_URL decide what links say`, async () => {
  const proxied = await buildApp({ config: loadConfig({ TERROIR_TRUST_PROXY: '127.0.0.1' }), db: t.db, logger: false, modules: [fixtureModule] });
  const pub = await buildApp({ config: loadConfig({ TERROIR_PUBLIC_URL: 'https://terroir.example.org/carto' }), db: t.db, logger: false, modules: [fixtureModule] });
  try {
    const fwd = { 'x-forwarded-host': 'api.example.fr', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };
    const trusted = await proxied.inject({ url: '/api/fixture/lieu', headers: fwd, remoteAddress: '127.0.0.1' });
    assert.equal(trusted.json().links[0].href, 'https://api.example.fr/api/fixture/lieu?_start=3');
    const stranger = await proxied.inject({ url: '/api/fixture/lieu', headers: fwd, remoteAddress: '198.51.100.7' });
    assert.match(stranger.json().links[0].href, /^http:\/\/localhost/);
    const evil = await proxied.inject({ url: '/api/fixture/lieu', headers: { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil.example' }, remoteAddress: '127.0.0.1' });
    assert.match(evil.json().links[0].href, /^http:\/\/evil\.example\//, 'a scheme other than http(s) is never written');
    const fixed = await pub.inject({ url: '/api/fixture/lieu', headers: { ...fwd, host: 'other.example' } });
    assert.equal(fixed.json().links[0].href, 'https://terroir.example.org/carto/api/fixture/lieu?_start=3');
  } finally {
    await proxied.close();
    await pub.close();
  }
  assert.throws(() => loadConfig({ TERROIR_TRUST_PROXY: 'everyone' }), /TERROIR_TRUST_PROXY/);
  assert.throws(() => loadConfig({ TERROIR_PUBLIC_URL: 'javascript:alert(1)' }), /TERROIR_PUBLIC_URL/);
});
