#!/usr/bin/env node
// A clone without `npm install` gets one hint, not a module-not-found failure per test file.
import { createRequire } from 'node:module';
try {
  createRequire(import.meta.url).resolve('tsx');
} catch {
  console.error('terroir: dependencies are missing: run npm install first');
  process.exit(1);
}
// `npm test`: every test/**/*.test.ts through node's test runner (Node 20 does not expand globs
// itself). Files run one at a time: each opens its own database (PGlite holds ~1 GB while open).
// Arguments narrow the run to files whose path contains one of them: `npm test -- cadastre`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const filters = process.argv.slice(2);
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}
const files = walk('test')
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();
if (!files.length) {
  console.error(`no test file matches ${filters.join(', ')}`);
  process.exit(1);
}
const backend = process.env.DATABASE_URL ? `PostgreSQL (${process.env.DATABASE_URL.replace(/\/\/[^@]*@/, '//')})` : 'embedded PGlite';
console.log(`# ${files.length} test files on ${backend}`);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
