import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { BACKEND } from '../helpers/db.ts';
import { authApp, type AuthApp } from './helpers.ts';

/**
 * API Carto clients send `apikey` with every call (their Géoportail key). Every operation of every
 * API Carto module, as /api/doc lists them, must give such a client the answer it gives a client
 * without a key: the Géoportail key in the query string or the JSON body, and a Terroir key in the
 * query string, the JSON body or as Bearer. Before issue 12, /api/rpg/* and /api/gpu/* answered
 * 400 "apikey: unknown parameter".
 */
const MODULES = ['cadastre', 'codes-postaux', 'aoc', 'gpu', 'rpg', 'nature', 'limites-administratives', 'nomenclature'];
const POINT = { type: 'Point', coordinates: [-4.35, 47.82] };
/** Path parameters, by operation path then by name (a crop group is numbered, a crop is not). */
const PATH_VALUES: Record<string, string> = { '/api/nomenclature/groupes/{code}': '1', codePostal: '29760', code: 'BTH' };

let t: AuthApp;
before(async () => {
  t = await authApp();
});
after(() => t?.close());

interface Operation {
  method: 'GET' | 'POST';
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

/** One valid request per operation of /api/doc: path parameters filled, a point `geom` and a campaign where declared. */
function operations(doc: { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [template, byMethod] of Object.entries(doc.paths)) {
    if (!MODULES.some((m) => template.startsWith(`/api/${m}/`))) continue;
    for (const [method, op] of Object.entries(byMethod)) {
      const params = op.parameters ?? [];
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = PATH_VALUES[template] ?? PATH_VALUES[name];
        assert.ok(value, `a value for path parameter ${name} of ${template}`);
        return value;
      });
      const values: Record<string, unknown> = {};
      if (params.some((p) => p.name === 'geom') || op.requestBody) values.geom = POINT;
      if (template.startsWith('/api/rpg/')) values.annee = template.endsWith('v1') ? 2012 : 2021;
      if (method === 'get') {
        const query = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
        ops.push({ method: 'GET', path, query });
      } else ops.push({ method: 'POST', path, query: {}, body: values });
    }
  }
  return ops;
}

const send = (op: Operation, extra: { query?: Record<string, string>; body?: Record<string, unknown>; headers?: Record<string, string> } = {}) =>
  t.app.inject({
    method: op.method,
    url: op.path,
    query: { ...op.query, ...extra.query },
    headers: extra.headers,
    ...(op.body ? { payload: { ...op.body, ...extra.body } } : {}),
  });

/** The answer as a client compares it: status and body, without the envelope's clock and a problem's request id. */
const answer = (res: LightMyRequestResponse) => ({
  status: res.statusCode,
  body: res.body.replace(/"timeStamp":"[^"]*"/g, '"timeStamp":"-"').replace(/"request_id":"[^"]*"/, '"request_id":"-"'),
});

test(`${BACKEND}: every operation of every API Carto module answers a client sending apikey as it answers one without`, async () => {
  const ops = operations((await t.app.inject({ url: '/api/doc' })).json());
  const modules = new Set(ops.map((o) => o.path.split('/')[2]));
  assert.deepEqual([...modules].sort(), [...MODULES].sort(), 'every module has operations in /api/doc');
  assert.ok(ops.length >= 70, `${ops.length} operations`);
  const ours = t.world.bureau.key;
  for (const op of ops) {
    const where = `${op.method} ${op.path}`;
    const plain = answer(await send(op));
    assert.ok(plain.status === 200 || plain.status === 404, `${where} without a key: ${plain.status} ${plain.body.slice(0, 300)}`);
    const variants: [string, Parameters<typeof send>[1]][] = [
      ['Géoportail apikey in the query string', { query: { apikey: 'une-cle-geoportail' } }],
      ['Terroir apikey in the query string', { query: { apikey: ours } }],
      ['Terroir key as Bearer', { headers: { authorization: `Bearer ${ours}` } }],
      ...(op.body
        ? ([
            ['Géoportail apikey in the JSON body', { body: { apikey: 'une-cle-geoportail' } }],
            ['Terroir apikey in the JSON body', { body: { apikey: ours } }],
          ] as [string, Parameters<typeof send>[1]][])
        : []),
    ];
    for (const [how, extra] of variants) {
      const res = await send(op, extra);
      assert.deepEqual(answer(res), plain, `${where}, ${how}`);
      if (how.startsWith('Terroir')) assert.match(String(res.headers['ratelimit-policy']), /^"professionnel-year"/, `${where}, ${how}: counted toward its quota`);
    }
  }
});
