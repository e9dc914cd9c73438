#!/usr/bin/env node
// `node scripts/mutation-recheck.mjs <scope> [<other scope>]`: re-runs only the mutants a Stryker run
// of <scope> left alive (reports/mutation/<scope>.json), against the scope's test files as they are
// now (or those of <other scope>, when the run used a faster subset of the same file's tests). A whole run
// re-tests every mutant (an hour per scope on this shared machine); after tests are written for the
// survivors, this says which of them the new tests kill, in minutes. Each mutant is applied to a copy
// of src/ in a scratch directory, never to the working tree.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { SCOPES } from '../stryker.config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const scopeName = process.argv[2];
const scope = SCOPES[scopeName];
if (!scope) {
  console.error(`usage: node scripts/mutation-recheck.mjs <scope>; scopes: ${Object.keys(SCOPES).join(', ')}`);
  process.exit(2);
}
const testScope = SCOPES[process.argv[3] ?? scopeName];
if (!testScope) {
  console.error(`unknown scope ${process.argv[3]}`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(join(root, 'reports/mutation', `${scopeName}.json`), 'utf8'));

const copy = mkdtempSync(join(tmpdir(), 'terroir-recheck-'));
for (const d of ['src', 'test', 'package.json', 'tsconfig.json']) cpSync(join(root, d), join(copy, d), { recursive: true });
symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));

/** Offset in `text` of a location of the report (line and column both 1-based). */
function offset(text, { line, column }) {
  let at = 0;
  for (let l = 1; l < line; l++) at = text.indexOf('\n', at) + 1;
  return at + column - 1;
}

const pattern = testScope.pattern ? [`--test-name-pattern=${testScope.pattern}`] : [];
let killed = 0;
let alive = 0;
try {
  for (const [file, f] of Object.entries(report.files)) {
    const original = readFileSync(join(root, file), 'utf8');
    if (original !== f.source) throw new Error(`${file} changed since the run: re-run the scope instead`);
    for (const m of f.mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage')) {
      const mutated = original.slice(0, offset(original, m.location.start)) + m.replacement + original.slice(offset(original, m.location.end));
      writeFileSync(join(copy, file), mutated);
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...pattern, ...testScope.tests], {
        cwd: copy,
        encoding: 'utf8',
        timeout: (testScope.timeoutMS ?? 60_000) + 30_000,
      });
      writeFileSync(join(copy, file), original);
      const dead = r.status !== 0;
      if (dead) killed++;
      else alive++;
      console.log(`${dead ? 'killed ' : 'ALIVE  '} ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${JSON.stringify(m.replacement).slice(0, 80)}`);
    }
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
}
console.log(`\n${scopeName}: of the run's survivors, ${killed} killed by the tests as they are now, ${alive} alive`);
