/**
 * Behaviours at the edges of the HTTP layer, as they are today: /readyz when the database is gone,
 * the 4 MiB body limit (both sides), and what a request log line keeps of the URL (`geom` never, keys
 * never), read from the log of a real `terroir serve` process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, testApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { startServer, type Server } from '../demo/helpers.ts';
import { migratedPlace, type MigratedPlace } from '../auth/helpers.ts';

const LIMIT = 4 * 1024 * 1024; // README: request bodies up to 4 MiB

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

/** A JSON object of exactly `bytes` bytes (padded with spaces, still valid JSON). */
function jsonOfSize(obj: Record<string, unknown>, bytes: number): string {
  const text = JSON.stringify(obj);
  return text.slice(0, -1) + ' '.repeat(bytes - text.length) + '}';
}

test(`${BACKEND}: a body of exactly 4 MiB is read; one byte more is a 413 problem, before any handler`, async () => {
  const at = jsonOfSize({ code_insee: '29158', section: 'AW' }, LIMIT);
  assert.equal(Buffer.byteLength(at), LIMIT);
  const ok = await t.app.inject({ method: 'POST', url: '/api/cadastre/parcelle', headers: { 'content-type': 'application/json' }, payload: at });
  assert.equal(ok.statusCode, 200, ok.body.slice(0, 300));
  assert.equal(ok.json().totalFeatures, 0);

  const over = jsonOfSize({ code_insee: '29158', section: 'AW' }, LIMIT + 1);
  const res = await t.app.inject({ method: 'POST', url: '/api/cadastre/parcelle', headers: { 'content-type': 'application/json' }, payload: over });
  const body = assertProblem(res, 413);
  assert.equal(body.title, 'Payload too large');
  // Far over (a 20 MiB upload mistaken for a query) is the same answer.
  const huge = await t.app.inject({ method: 'POST', url: '/api/rpg/v2', headers: { 'content-type': 'application/json' }, payload: jsonOfSize({ annee: 2021 }, 5 * LIMIT) });
  assertProblem(huge, 413);
});

test(`${BACKEND}: /readyz is 503 once the database is gone, /healthz still 200`, async () => {
  const own = await testApp();
  try {
    assert.equal((await own.app.inject('/readyz')).statusCode, 200);
    await own.db.close();
    const res = await own.app.inject('/readyz');
    const body = assertProblem(res, 503);
    assert.equal(body.title, 'Service unavailable');
    assert.equal(body.detail, 'database not answering');
    assert.deepEqual((await own.app.inject('/healthz')).json(), { status: 'ok' });
  } finally {
    await own.app.close();
    await own.close().catch(() => {}); // the database is already closed
  }
});

let place: MigratedPlace | undefined;
let node: Server | undefined;
after(async () => {
  await node?.stop();
  await place?.drop();
});

test(`${BACKEND}: request log lines keep the path and parameters but never the geometry nor a key`, { timeout: 300_000 }, async () => {
  place = await migratedPlace();
  node = await startServer(place);
  // Distinctive coordinates: none of their digits may reach the log.
  const point = { type: 'Point', coordinates: [-4.3471234567, 47.8109876543] };
  const g = encodeURIComponent(JSON.stringify(point));
  const urls = [
    `/api/cadastre/parcelle?geom=${g}`,
    `/api/cadastre/parcelle?code_insee=29158&geom=${g}&_limit=5`,
    `/api/gpu/zone-urba?partition=DU_29158&geom=${g}`,
    `/api/cadastre/parcelle?geom=${encodeURIComponent('{"type":"Point","coordinates":[-4.3471234567,99.8109876543]}')}`, // a 400
    `/api/cadastre/parcelle?geom=${g}&apikey=trr_abcdefgh_0123456789abcdefghijklmnopqrstuv`, // a 401
  ];
  const statuses = [];
  for (const u of urls) statuses.push((await fetch(`${node.url}${u}`)).status);
  const posted = await fetch(`${node.url}/api/cadastre/parcelle?geom=${g}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ geom: point }) });
  statuses.push(posted.status);
  assert.deepEqual(statuses.map((s) => (s >= 200 && s < 300 ? 200 : s)).slice(0, 4), [200, 200, 200, 400]);
  assert.equal(statuses[4], 401);

  await new Promise((r) => setTimeout(r, 200)); // let the last lines reach the pipe
  const out = node.output();
  for (const digits of ['3471234567', '8109876543', '4.347', '47.810', 'abcdefghijklmnop']) assert.ok(!out.includes(digits), `the log holds ${digits}`);
  const logged = node.log().map((l) => (l.req as { url?: string } | undefined)?.url).filter((u): u is string => !!u && u.startsWith('/api/'));
  assert.deepEqual(logged, [
    '/api/cadastre/parcelle?geom=provided',
    '/api/cadastre/parcelle?code_insee=29158&geom=provided&_limit=5',
    '/api/gpu/zone-urba?partition=DU_29158&geom=provided',
    '/api/cadastre/parcelle?geom=provided',
    '/api/cadastre/parcelle?geom=provided&apikey=redacted',
    '/api/cadastre/parcelle?geom=provided',
  ]);
});
