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
// itself). Each file runs in its own process with its own database (PGlite holds ~1 GB while open),
// TEST_CONCURRENCY files at a time (default: 2, or 1 on a single core). Arguments narrow the run to
// files whose path contains one of them: `npm test -- cadastre`.
//
// Under CI=true the shared samples (../shared, or SHARED_DATA_DIR) must be there: without them the
// run fails at once with one line, rather than going green with the real-data tests skipped.
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = process.env.SHARED_DATA_DIR ?? join(root, '..', 'shared');
if (process.env.CI === 'true' && !existsSync(shared)) {
  console.error(`npm test: CI=true and the shared samples are absent (${shared}): check them out beside the repository or set SHARED_DATA_DIR`);
  process.exit(1);
}

const filters = process.argv.slice(2);
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}
const files = walk(join(root, 'test'))
  .map((f) => f.slice(root.length))
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();
if (!files.length) {
  console.error(`no test file matches ${filters.join(', ')}`);
  process.exit(1);
}

const requested = Number(process.env.TEST_CONCURRENCY);
const concurrency = Number.isInteger(requested) && requested > 0 ? requested : Math.min(2, availableParallelism());
const backend = process.env.DATABASE_URL ? `PostgreSQL (${process.env.DATABASE_URL.replace(/\/\/[^@]*@/, '//')})` : 'embedded PGlite';
console.log(`# ${files.length} test files on ${backend}, ${concurrency} at a time`);
// The timeout bounds a whole file (node runs each file as one test of the parent run): the CLI files
// start a `terroir` process per step, each opening PGlite (~5 s of CPU), and took 190 s alone at load 10
// (test/commands/niveau2.test.ts). Ten minutes leaves room on a loaded 2-core machine; a hang still ends.
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
