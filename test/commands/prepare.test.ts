/**
 * `terroir prepare` and the first start it makes fast: the empty migrated database built once, kept
 * under its key, copied by `serve` into an empty data directory instead of initdb + PostGIS +
 * migrations. The embedded backend's business: on the PostgreSQL run this file checks the same thing
 * (prepare is always embedded), once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPrepared, preparedKey, preparedPath } from '../../src/db/prepared.ts';
import { startServe } from '../helpers/serve.ts';

let cache: string;
let dataDir: string;
before(() => {
  cache = mkdtempSync(join(tmpdir(), 'terroir-cache-'));
  dataDir = mkdtempSync(join(tmpdir(), 'terroir-first-start-'));
});
after(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const prepare = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/terroir.js', 'prepare', '--cache-dir', cache, ...args], { encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'human', DATABASE_URL: '' } });

test('terroir prepare builds the empty migrated database once, under the key of the migrations and versions', { timeout: 600_000 }, () => {
  const r = prepare('--no-demo');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Prepared the empty database \(\d+ MB, [\d.]+ s\)$/m);
  const found = findPrepared(cache, 'base');
  assert.ok(found, 'found under the current key');
  assert.equal(found.path, preparedPath(cache, 'base', preparedKey('base')));
  assert.equal(found.manifest.key, preparedKey('base'));
  assert.ok(found.manifest.migrations.includes('0001_core.sql'));
  assert.ok(existsSync(join(found.path, 'pg', 'PG_VERSION')));
  assert.equal(existsSync(join(found.path, 'pg', 'postmaster.pid')), false, 'a closed database');

  const again = prepare('--no-demo');
  assert.equal(again.status, 0);
  assert.match(again.stdout, /The prepared databases are up to date/);
});

test('a prepared database of another key (other migrations, other PGlite) is never used', () => {
  const other = mkdtempSync(join(tmpdir(), 'terroir-cache-other-'));
  try {
    const stale = join(other, 'base-000000000000');
    mkdirSync(join(stale, 'pg'), { recursive: true });
    writeFileSync(join(stale, 'pg', 'PG_VERSION'), '17\n');
    writeFileSync(join(stale, 'manifest.json'), JSON.stringify({ kind: 'base', key: '000000000000' }));
    assert.equal(findPrepared(other, 'base'), undefined);
    assert.notEqual(preparedKey('base'), preparedKey('demo'), 'the demo key adds the generator');
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('a first start on an empty data directory copies the prepared database and answers', { timeout: 600_000 }, async () => {
  assert.ok(findPrepared(cache, 'base'), 'built by the first test');
  const served = await startServe({ DATABASE_URL: '', TERROIR_DATA_DIR: dataDir, TERROIR_CACHE_DIR: cache, TERROIR_DEMO: 'off', LOG_FORMAT: 'human' });
  try {
    assert.match(served.stdout(), /^Creating the embedded database in .* from the prepared one…$/m);
    assert.doesNotMatch(served.stdout(), /Migrations applied/, 'nothing left to migrate');
    const ready = await fetch(`${served.url}/readyz`);
    assert.equal(ready.status, 200);
    const datasets = await fetch(`${served.url}/api/datasets`);
    assert.equal(datasets.status, 200);
    assert.ok(Array.isArray((await datasets.json()).datasets ?? []));
  } finally {
    assert.equal(await served.stop(), 0);
  }
  assert.ok(existsSync(join(dataDir, 'pg', 'PG_VERSION')));
  assert.equal(readFileSync(join(dataDir, 'pg', 'PG_VERSION'), 'utf8'), readFileSync(join(findPrepared(cache, 'base')!.path, 'pg', 'PG_VERSION'), 'utf8'));
});
