/**
 * Route schemas compiled on first use (src/http/lazy-schemas.ts): the same answers as Fastify's eager
 * compilers (coercion, defaults, error messages, response filtering), compiled only when a route is
 * called, and every schema of the application still compiles (checked eagerly here, as start-up
 * used to check it). Database-free.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { lazySchemaCompilers } from '../../src/http/lazy-schemas.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Database } from '../../src/db/database.ts';

const AJV = { customOptions: { removeAdditional: false, coerceTypes: 'array' as const, useDefaults: true, allErrors: false } };

function routes(app: FastifyInstance) {
  app.get('/n', {
    schema: {
      querystring: Type.Object({ n: Type.Integer({ minimum: 1 }), tags: Type.Optional(Type.Array(Type.String())), page: Type.Integer({ default: 7 }) }),
      response: { 200: Type.Object({ n: Type.Integer(), tags: Type.Array(Type.String()), page: Type.Integer() }) },
    },
    handler: async (req) => {
      const q = req.query as { n: number; tags?: string[]; page: number };
      // `secret` is not in the response schema: the serializer must drop it.
      return { n: q.n, tags: q.tags ?? [], page: q.page, secret: 'x' };
    },
  });
  app.post('/b', { schema: { body: Type.Object({ name: Type.String({ minLength: 2 }) }, { additionalProperties: false }) }, handler: async (req) => req.body });
}

async function pair() {
  const compilers = lazySchemaCompilers();
  const lazy = Fastify({ ajv: AJV, schemaController: { compilersFactory: compilers.compilersFactory } });
  const eager = Fastify({ ajv: AJV });
  routes(lazy);
  routes(eager);
  await Promise.all([lazy.ready(), eager.ready()]);
  return { lazy, eager, compilers };
}

const CASES: { method: 'GET' | 'POST'; url: string; body?: unknown }[] = [
  { method: 'GET', url: '/n?n=5&tags=a' },
  { method: 'GET', url: '/n?n=5&page=2' },
  { method: 'GET', url: '/n?n=0' },
  { method: 'GET', url: '/n?n=abc' },
  { method: 'GET', url: '/n' },
  { method: 'POST', url: '/b', body: { name: 'ok' } },
  { method: 'POST', url: '/b', body: { name: 'o' } },
  { method: 'POST', url: '/b', body: { name: 'ok', extra: 1 } },
];

test('lazy compilers answer exactly as Fastify eager ones: coercion, defaults, 400 messages, response filtering', async () => {
  const { lazy, eager } = await pair();
  for (const c of CASES) {
    const [a, b] = await Promise.all([lazy.inject({ method: c.method, url: c.url, payload: c.body as object }), eager.inject({ method: c.method, url: c.url, payload: c.body as object })]);
    assert.equal(a.statusCode, b.statusCode, `${c.method} ${c.url}`);
    assert.equal(a.body, b.body, `${c.method} ${c.url}`);
  }
  // Independent expectations, so that both being wrong the same way cannot pass.
  assert.deepEqual((await lazy.inject('/n?n=5&tags=a')).json(), { n: 5, tags: ['a'], page: 7 });
  const bad = await lazy.inject('/n?n=0');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /querystring\/n must be >= 1/);
  await Promise.all([lazy.close(), eager.close()]);
});

test('a schema is compiled on its route\'s first request, not before; compileAll compiles the rest', async () => {
  const { lazy, compilers } = await pair();
  // GET /n: querystring validator + 200 serializer; POST /b: body validator (+ Fastify's default serializers none).
  const before = compilers.pending;
  assert.ok(before >= 3, `pending ${before}`);
  await lazy.inject('/n?n=1');
  assert.equal(compilers.pending, before - 2, 'the querystring validator and the 200 serializer of /n');
  await lazy.inject('/n?n=2');
  assert.equal(compilers.pending, before - 2, 'compiled once');
  compilers.compileAll();
  assert.equal(compilers.pending, 0);
  assert.equal((await lazy.inject({ method: 'POST', url: '/b', payload: { name: 'x' } })).statusCode, 400);
  await lazy.close();
});

test('a schema that cannot compile fails compileAll, and its route answers 500 instead of crashing the process', async () => {
  const compilers = lazySchemaCompilers();
  const app = Fastify({ ajv: AJV, schemaController: { compilersFactory: compilers.compilersFactory } });
  app.get('/broken', { schema: { querystring: { type: 'object', properties: { n: { $ref: '#/nowhere' } } } }, handler: async () => 'ok' });
  await app.ready();
  assert.throws(() => compilers.compileAll(), /nowhere/);
  assert.equal((await app.inject('/broken?n=1')).statusCode, 500);
  await app.close();
});

test('every route schema of the application compiles (eager build of the whole app)', async () => {
  // The routes only keep the database for their handlers: none is called here.
  const db = { backend: 'pglite', query: async () => [], exec: async () => {} } as unknown as Database;
  const config = loadConfig({}, {});
  const app = await buildApp({ config, db, logger: false, schemas: 'eager' });
  assert.ok(app.printRoutes().includes('commune'));
  await app.close();
});
