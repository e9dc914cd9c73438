#!/usr/bin/env node
// `npm run mutation [-- scope… [--stryker-option value…]]`: StrykerJS over each scope of stryker.config.mjs (all by default),
// one after the other, one mutant at a time; then the score of each. Not part of CI: it runs the
// scope's test files once per mutant (minutes per scope on two cores).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { SCOPES } from '../stryker.config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Options from the first `--…` on go to Stryker as they are (`-- geo --tempDirName .stryker-tmp-2`: a
// sandbox of its own, so that two scopes can run side by side).
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const asked = firstOption < 0 ? args : args.slice(0, firstOption);
const strykerOptions = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = asked.filter((s) => !(s in SCOPES));
if (unknown.length) {
  console.error(`unknown scope ${unknown.join(', ')}; scopes: ${Object.keys(SCOPES).join(', ')}`);
  process.exit(2);
}
const scopes = asked.length ? asked : Object.keys(SCOPES);
// The test files find the large samples beside the repository, not beside Stryker's sandbox copy.
const env = { ...process.env, SHARED_DATA_DIR: process.env.SHARED_DATA_DIR ?? join(root, '..', 'shared') };

/** Mutation score as Stryker counts it: killed + timeout over all valid mutants (compile errors left out). */
function score(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const n = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  const survivors = [];
  for (const [path, f] of Object.entries(report.files)) {
    for (const m of f.mutants) {
      n[m.status] = (n[m.status] ?? 0) + 1;
      if (m.status === 'Survived' || m.status === 'NoCoverage') survivors.push(`${path}:${m.location.start.line} ${m.mutatorName} ${m.replacement ?? ''}`.trim());
    }
  }
  const detected = n.Killed + n.Timeout;
  const valid = detected + n.Survived + n.NoCoverage;
  return { detected, valid, compileErrors: n.CompileError + n.RuntimeError, survivors, pct: valid ? (100 * detected) / valid : 100 };
}

const results = [];
for (const s of scopes) {
  console.log(`\n# mutation scope ${s}: ${SCOPES[s].mutate.join(' ')} ← ${SCOPES[s].tests.join(' ')}`);
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', 'stryker.config.mjs', ...strykerOptions], {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, MUTATION_SCOPE: s },
  });
  const file = join(root, 'reports/mutation', `${s}.json`);
  if (r.status !== 0 || !existsSync(file)) {
    results.push(`${s}: Stryker failed (exit ${r.status})`);
    continue;
  }
  const sc = score(file);
  results.push(`${s}: ${sc.pct.toFixed(1)} % (${sc.detected} of ${sc.valid} mutants killed; ${sc.compileErrors} rejected by the type checker)`);
  for (const m of sc.survivors) results.push(`  survived ${m}`);
}
console.log(`\n# mutation scores\n${results.join('\n')}`);
