/**
 * One `_limit` maximum per route, the same in the README's table, the OpenAPI document and the
 * behaviour (before: GPU routes took 5000 while the README said 1000 everywhere).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertProblem, testApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(async () => t?.close());

/** The README's paging table: route pattern → [default, maximum]. */
function readmeLimits(): Map<string, [number, number]> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = [...readme.matchAll(/^\s*\| (`[^`]+`|every other feature route)[^|]*\| (\d+) \| (\d+) \|$/gm)];
  return new Map(rows.map((m) => [m[1].replaceAll('`', ''), [Number(m[2]), Number(m[3])]]));
}

function documented(table: Map<string, [number, number]>, path: string): [number, number] {
  if (table.has(path)) return table.get(path)!;
  if (path.startsWith('/api/gpu/') && table.has('/api/gpu/<layer>')) return table.get('/api/gpu/<layer>')!;
  return table.get('every other feature route')!;
}

test(`${BACKEND}: every route's _limit default and maximum are the README's, in the OpenAPI document and in behaviour`, async () => {
  const table = readmeLimits();
  assert.ok(table.size >= 4, `README paging table: ${[...table.keys()]}`);
  const doc = (await t.app.inject('/api/doc')).json() as { paths: Record<string, Record<string, { parameters?: { name: string; schema: { default?: number; maximum?: number } }[] }>> };
  let checked = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const op = ops.get ?? ops.post;
    // The feature routes (a `geom` and a `_limit`): what the README's table is about.
    const limit = op?.parameters?.find((p) => p.name === '_limit');
    if (!limit || !op?.parameters?.some((p) => p.name === 'geom')) continue;
    const [def, max] = documented(table, path);
    assert.deepEqual([limit.schema.default, limit.schema.maximum], [def, max], path);
    const method = ops.get ? 'GET' : 'POST';
    const over = await t.app.inject({ method, url: `${path}?_limit=${max + 1}`, payload: method === 'POST' ? {} : undefined });
    assertProblem(over, 400, '_limit');
    const at = await t.app.inject({ method, url: `${path}?_limit=${max}`, payload: method === 'POST' ? {} : undefined });
    if (at.statusCode === 400) assert.notEqual(at.json().invalid_params?.[0]?.name, '_limit', `${path}: _limit=${max} is accepted`);
    checked++;
  }
  assert.ok(checked >= 30, `${checked} routes checked`);
});
