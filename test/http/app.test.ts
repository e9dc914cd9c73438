import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { Validator } from '@seriousme/openapi-schema-validator';
import { testApp, assertProblem, type TestApp } from '../helpers/app.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { PROBLEMS } from '../../src/http/problems.ts';
import { MODULES } from '../../src/modules/index.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

test('an unknown route is a 404 problem', async () => {
  const body = assertProblem(await t.app.inject('/api/nulle-part'), 404);
  assert.equal(body.instance, '/api/nulle-part');
});

test('healthz answers without the database, readyz with it', async () => {
  assert.deepEqual((await t.app.inject('/healthz')).json(), { status: 'ok' });
  const ready = (await t.app.inject('/readyz')).json();
  assert.equal(ready.status, 'ok');
  assert.equal(ready.backend, t.db.backend);
});

test('the OpenAPI document is valid OpenAPI 3.1 and lists every module route', async () => {
  const res = await t.app.inject('/api/doc');
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, String(JSON.stringify(result.errors)).slice(0, 1000));
  assert.ok(doc.paths['/api/codes-postaux/communes/{codePostal}'].get);
  for (const m of MODULES) assert.ok(Object.keys(doc.paths).some((p) => p.startsWith(`/api/${m.name}`)), `${m.name} documented`);
});

test('per-module OpenAPI files in JSON and YAML, as the reference names them', async () => {
  const yml = await t.app.inject('/api/doc/codes-postaux.yml');
  assert.equal(yml.statusCode, 200);
  assert.match(String(yml.headers['content-type']), /yaml/);
  const doc = YAML.parse(yml.body);
  assert.deepEqual(Object.keys(doc.paths), ['/api/codes-postaux/communes/{codePostal}']);
  const json = (await t.app.inject('/api/doc/codes-postaux.json')).json();
  assert.deepEqual(json.paths, doc.paths);
  assertProblem(await t.app.inject('/api/doc/inconnu.yml'), 404);
  assertProblem(await t.app.inject('/api/doc/..%2Fetc.yml'), 400, 'file');
});

test('Swagger UI is served', async () => {
  const res = await t.app.inject('/api/doc/ui/');
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /swagger/i);
});

test('the problem catalogue is served and every problem is documented in the README', async () => {
  const list = (await t.app.inject('/api/doc/problems')).json() as { slug: string; status: number }[];
  assert.deepEqual(list.map((p) => p.slug).sort(), Object.keys(PROBLEMS).sort());
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const slug of Object.keys(PROBLEMS)) assert.ok(readme.includes(`\`${slug}\``), `README documents problem ${slug}`);
});

test('CORS is open on public routes, preflight included', async () => {
  const res = await t.app.inject({ url: '/api/codes-postaux/communes/29760', headers: { origin: 'https://example.org' } });
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const pre = await t.app.inject({
    method: 'OPTIONS',
    url: '/api/codes-postaux/communes/29760',
    headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.statusCode, 204);
  assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
});

test('large answers are compressed (br and gzip), small ones are not', async () => {
  for (const enc of ['br', 'gzip']) {
    const res = await t.app.inject({ url: '/api/doc', headers: { 'accept-encoding': enc } });
    assert.equal(res.headers['content-encoding'], enc);
  }
  const small = await t.app.inject({ url: '/healthz', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(small.headers['content-encoding'], undefined);
});

test('request ids: generated, echoed, and taken from X-Request-Id', async () => {
  const a = await t.app.inject('/healthz');
  assert.match(String(a.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  const b = await t.app.inject({ url: '/api/nulle-part', headers: { 'x-request-id': 'abc-42' } });
  assert.equal(b.headers['x-request-id'], 'abc-42');
  assert.equal(b.json().request_id, 'abc-42');
});

test('a route that declares no access rule is refused at start-up', async () => {
  const rogue = {
    name: 'rogue',
    description: 'no access rule',
    plugin: async (app: import('fastify').FastifyInstance) => {
      app.get('/x', async () => 'x');
    },
  };
  await assert.rejects(buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [rogue] }), /declares no access rule/);
});
