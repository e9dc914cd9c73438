import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freshDb, type TestDb } from './db.ts';
import assert from 'node:assert/strict';

export interface TestApp extends TestDb {
  app: FastifyInstance;
}

/** The real service on a fresh real database (no mocks), driven through Fastify's inject; `env`: configuration variables. */
export async function testApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await freshDb();
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const app = await buildApp({ config, db: t.db, logger: false });
  return {
    ...t,
    app,
    async close() {
      await app.close();
      await t.close();
    },
  };
}

/** Asserts a problem+json answer with `status` that names `param` (RFC 9457 + API Carto members). */
export function assertProblem(res: LightMyRequestResponse, status: number, param?: string) {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body.slice(0, 500)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json();
  assert.equal(body.status, status);
  assert.equal(body.code, status);
  assert.ok(body.title && body.detail && body.type, 'problem has type, title and detail');
  if (param) {
    assert.equal(body.invalid_params?.[0]?.name, param, `problem names ${param}: ${res.body}`);
    assert.ok(body.message?.[param], `API Carto message keyed by ${param}`);
  }
  assert.doesNotMatch(res.body, /at .*\.ts:\d+|node_modules/, 'no stack trace');
  return body;
}
