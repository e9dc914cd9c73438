/**
 * The data-directory lock of the embedded backend (src/db/lock.ts), on real files: a lock left by a
 * dead process of this host is taken over (and what it left cleaned by `onStale`), a live one is
 * refused naming its pid, a lock of another host is never taken over (its pid means nothing here),
 * and releasing removes the file. Then the same through openPglite on a real data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/lock.ts';
import { BACKEND, freshDb } from '../helpers/db.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'terroir-lock-test-'));
  dirs.push(d);
  return d;
};
process.on('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The pid of a process that has exited (and, on a quiet machine, not been reused). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a lock of a dead process on this host is stale: taken over, onStale called once', () => {
  const dir = tempDir();
  const lock = join(dir, 'terroir.lock');
  const pid = deadPid();
  writeFileSync(lock, `${pid}@${hostname()}`);
  let stale = 0;
  const release = acquireDataDirLock(dir, () => stale++);
  assert.equal(stale, 1);
  assert.equal(readFileSync(lock, 'utf8'), `${process.pid}@${hostname()}`);
  release();
  assert.equal(existsSync(lock), false, 'released: the file is gone');
});

test('a free directory is locked without calling onStale; a second acquisition in the same process is refused', () => {
  const dir = tempDir();
  let stale = 0;
  const release = acquireDataDirLock(dir, () => stale++);
  assert.equal(stale, 0);
  assert.throws(() => acquireDataDirLock(dir, () => stale++), (e: unknown) => e instanceof DataDirLockedError && e.message.includes(`in use by process ${process.pid}`));
  assert.equal(stale, 0);
  release();
  acquireDataDirLock(dir, () => stale++)();
  assert.equal(stale, 0);
});

test('a lock of a live process on this host is refused, naming the process; the file is left alone', async () => {
  const dir = tempDir();
  const lock = join(dir, 'terroir.lock');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(lock, `${child.pid}@${hostname()}`);
    let stale = 0;
    assert.throws(
      () => acquireDataDirLock(dir, () => stale++),
      (e: unknown) => e instanceof DataDirLockedError && e.message === `data directory ${dir} is in use by process ${child.pid}; stop it or choose another TERROIR_DATA_DIR`,
    );
    assert.equal(stale, 0);
    assert.equal(readFileSync(lock, 'utf8'), `${child.pid}@${hostname()}`);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  // Once that process is gone, the same lock is stale.
  let stale = 0;
  acquireDataDirLock(dir, () => stale++)();
  assert.equal(stale, 1);
});

test('a lock held by another host is never taken over, even with a pid that is dead here', () => {
  const dir = tempDir();
  const lock = join(dir, 'terroir.lock');
  const pid = deadPid();
  writeFileSync(lock, `${pid}@other-host.example`);
  let stale = 0;
  assert.throws(
    () => acquireDataDirLock(dir, () => stale++),
    (e: unknown) => e instanceof DataDirLockedError && e.message === `data directory ${dir} is locked by ${pid}@other-host.example; remove ${lock} if that host is gone`,
  );
  assert.equal(stale, 0, 'nothing of the other host’s is cleaned');
  assert.equal(readFileSync(lock, 'utf8'), `${pid}@other-host.example`);
  // Removing the file, as the message says, frees the directory.
  rmSync(lock);
  acquireDataDirLock(dir, () => stale++)();
  assert.equal(stale, 0);
});

test('pglite: a data directory with a stale lock and a leftover postmaster.pid opens; another host’s lock does not', { skip: BACKEND !== 'pglite' && 'embedded backend only' }, async () => {
  const { openPglite } = await import('../../src/db/pglite.ts');
  const t = await freshDb();
  const dir = tempDir();
  try {
    await t.db.query('CREATE TABLE lock_probe (n int)');
    await t.db.query('INSERT INTO lock_probe VALUES (42)');
    await t.db.close();
    cpSync(join(t.dataDir!, 'pg'), join(dir, 'pg'), { recursive: true });
  } finally {
    rmSync(t.dataDir!, { recursive: true, force: true });
  }
  // What a killed process leaves: its lock, and PostgreSQL's own pid file.
  writeFileSync(join(dir, 'terroir.lock'), `${deadPid()}@${hostname()}`);
  writeFileSync(join(dir, 'pg', 'postmaster.pid'), '999999\n');
  const db = await openPglite(dir);
  try {
    assert.deepEqual(await db.query('SELECT n FROM lock_probe'), [{ n: 42 }]);
    assert.equal(readFileSync(join(dir, 'terroir.lock'), 'utf8'), `${process.pid}@${hostname()}`);
  } finally {
    await db.close();
  }
  assert.equal(existsSync(join(dir, 'terroir.lock')), false, 'closing releases the lock');
  writeFileSync(join(dir, 'terroir.lock'), `1@other-host.example`);
  await assert.rejects(openPglite(dir), (e: unknown) => e instanceof DataDirLockedError && /locked by 1@other-host\.example/.test((e as Error).message));
  assert.equal(readFileSync(join(dir, 'terroir.lock'), 'utf8'), '1@other-host.example');
});
