/**
 * The committed samples (test/fixtures/shared) and the CI rule: route tests run in any clone on the
 * committed copies, which must be what `../shared` holds (byte for byte, or, for a cut file, a subset
 * of its features unchanged); under CI=true an absent sample fails the run with one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { COMMITTED_DIR, SHARED_DIR, missingSharedLine, sharedPath, skipWithoutShared } from './shared.ts';

/** Committed files that are a cut of the original (README: which features were kept). */
const CUT: Record<string, string[]> = { 'data/communes/communes-21-cote-d-or.geojson': ['21295'] };

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const committed = walk(COMMITTED_DIR).map((f) => relative(COMMITTED_DIR, f)).filter((f) => f !== 'README.md').sort();

const withCI = <T>(value: string | undefined, f: () => T): T => {
  const before = process.env.CI;
  if (value === undefined) delete process.env.CI;
  else process.env.CI = value;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.CI;
    else process.env.CI = before;
  }
};

test('the samples route tests need are committed, and resolve before ../shared', () => {
  for (const need of [
    'data/apicarto/rpg/raw/_requests.json',
    'data/apicarto/rpg/rpg-v2-2020-penmarch.geojson',
    'data/apicarto/gpu/_requests.json',
    'data/apicarto/cadastre/_requests.json',
    'data/aoc/21295/00475.geojson',
    'data/communes/communes-21-cote-d-or.geojson',
  ]) {
    assert.ok(committed.includes(need), `${need} is committed`);
    assert.equal(sharedPath(...need.split('/')), join(COMMITTED_DIR, need));
    assert.equal(withCI('true', () => skipWithoutShared(...need.split('/'))), false, `${need}: never skipped`);
  }
  // A large sample is not committed: its path is the one in ../shared.
  assert.equal(sharedPath('data', 'cadastre', 'cadastre-91216-parcelles.json'), join(SHARED_DIR, 'data', 'cadastre', 'cadastre-91216-parcelles.json'));
});

test('an absent sample is a named skip, or under CI=true one line thrown', () => {
  const absent = ['data', 'no-such-sample.json'];
  const p = join(SHARED_DIR, ...absent);
  assert.equal(withCI(undefined, () => skipWithoutShared(...absent)), `needs ${p} (the shared samples are absent from this checkout)`);
  assert.equal(withCI('false', () => skipWithoutShared(...absent)), `needs ${p} (the shared samples are absent from this checkout)`);
  assert.throws(() => withCI('true', () => skipWithoutShared(...absent)), (e: Error) => e.message === missingSharedLine(p) && !e.message.includes('\n'));
});

test('npm test under CI=true without the shared samples fails at once with one line', () => {
  const env = { ...process.env, CI: 'true', SHARED_DATA_DIR: '/nonexistent/terroir-shared' };
  const r = spawnSync(process.execPath, ['scripts/test.mjs', 'helpers/shared.test'], { env, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '', 'no test ran');
  assert.deepEqual(r.stderr.trim().split('\n'), [
    'npm test: CI=true and the shared samples are absent (/nonexistent/terroir-shared): check them out beside the repository or set SHARED_DATA_DIR',
  ]);
  // The same run outside CI goes on (here: a filter matching nothing, the runner's other failure).
  const local = spawnSync(process.execPath, ['scripts/test.mjs', 'no-such-test-file'], { env: { ...env, CI: '' }, encoding: 'utf8' });
  assert.equal(local.status, 1);
  assert.match(local.stderr, /^no test file matches no-such-test-file/);
});

test('each committed sample is the one in ../shared (byte for byte, or a cut of its features)', { skip: existsSync(SHARED_DIR) ? false : `needs ${SHARED_DIR}` }, () => {
  assert.ok(committed.length >= 40, `${committed.length} files`);
  for (const f of committed) {
    const original = join(SHARED_DIR, f);
    assert.ok(existsSync(original), `${f} has an original in ../shared`);
    const kept = CUT[f];
    if (!kept) {
      assert.ok(readFileSync(join(COMMITTED_DIR, f)).equals(readFileSync(original)), `${f}: same bytes`);
      continue;
    }
    type Fc = { features: { properties: { code: string } }[] };
    const ours = JSON.parse(readFileSync(join(COMMITTED_DIR, f), 'utf8')) as Fc;
    const theirs = JSON.parse(readFileSync(original, 'utf8')) as Fc;
    assert.deepEqual(ours.features.map((x) => x.properties.code), kept, `${f}: the features kept`);
    for (const x of ours.features) assert.deepEqual(x, theirs.features.find((y) => y.properties.code === x.properties.code), `${f} ${x.properties.code}: unchanged`);
  }
});
