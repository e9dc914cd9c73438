import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND } from '../helpers/db.ts';
import { migratedPlace } from '../auth/helpers.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const BIN = 'bin/terroir.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('TERROIR_WORKERS: 1 by default, an integer from 1 to 64', () => {
  assert.equal(loadConfig({}).workers, 1);
  assert.equal(loadConfig({ TERROIR_WORKERS: '4' }).workers, 4);
  assert.equal(loadConfig({}, { workers: '3' }).workers, 3, 'the --workers flag');
  for (const bad of ['0', '65', 'deux', '1.5'])
    assert.throws(() => loadConfig({ TERROIR_WORKERS: bad }), (e: unknown) => e instanceof ConfigError && /TERROIR_WORKERS/.test((e as Error).message), bad);
});

test('the embedded backend refuses several workers with a configuration error, before the database is created', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'terroir-workers-'));
  try {
    const env = { ...process.env, DATABASE_URL: '', TERROIR_DATA_DIR: dataDir };
    for (const args of [['--workers', '2'], []]) {
      const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { env: { ...env, ...(args.length ? {} : { TERROIR_WORKERS: '3' }) }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /TERROIR_WORKERS=[23] needs the PostgreSQL backend \(DATABASE_URL\): the embedded database is opened by one process only/);
      assert.equal(existsSync(join(dataDir, 'pg')), false, 'the database was not even created');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with workers, a port in use is still said first, before any worker or database', () => {
  const blocker = createServer();
  return new Promise<void>((resolve, reject) => {
    blocker.listen(0, '127.0.0.1', () => {
      const port = (blocker.address() as { port: number }).port;
      try {
        // A server that does not exist: only the port check can answer first.
        const env = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' };
        const r = spawnSync(process.execPath, [BIN, 'serve', '--workers', '2', '--port', String(port), '--host', '127.0.0.1'], { env, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1`));
        assert.doesNotMatch(r.stderr + r.stdout, /worker|ECONNREFUSED/i);
        resolve();
      } catch (e) {
        reject(e);
      } finally {
        blocker.close();
      }
    });
  });
});

/** `terroir serve --workers 2` on a migrated PostgreSQL database, once the primary says every worker listens. */
async function startWorkers() {
  const place = await migratedPlace();
  const child = spawn(process.execPath, [BIN, 'serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', ...place.args], {
    env: { ...place.env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const io = { out: '', err: '' };
  child.stdout.on('data', (d) => (io.out += d));
  child.stderr.on('data', (d) => (io.err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // Ready when the primary says so: every worker listens (no fixed wait).
  let ready: { port: number; pids: number[] } | undefined;
  while (!ready) {
    if (child.exitCode !== null) assert.fail(`serve exited with ${child.exitCode}:\n${io.out}\n${io.err}`);
    const line = io.out.split('\n').find((l) => l.includes('workers serve on port'));
    if (line) ready = JSON.parse(line) as { port: number; pids: number[] };
    else await new Promise((r) => setTimeout(r, 100));
  }
  return { place, child, io, exited, ...ready };
}

const POSTGRES_ONLY = { skip: BACKEND !== 'postgres' && 'PostgreSQL only: the embedded backend is one process' };

test(`${BACKEND}: two workers behind one port both answer; SIGTERM stops them all and the primary exits 0`, POSTGRES_ONLY, async () => {
  const { place, child, io, exited, port, pids } = await startWorkers();
  try {
    assert.equal(pids.length, 2);
    assert.notEqual(port, 0);
    assert.ok(pids.every(alive));
    // One connection per request: the primary hands each new connection to a worker in turn.
    const answeredBy = new Set<number>();
    for (let i = 0; i < 40 && answeredBy.size < 2; i++) {
      const answer: Response = await fetch(`http://127.0.0.1:${port}/api/datasets`, { headers: { connection: 'close' } });
      assert.equal(answer.status, 200);
      await answer.text();
      await new Promise((done) => setTimeout(done, 20)); // the request line is written after the answer
      for (const l of io.out.split('\n')) if (l.includes('"request completed"')) answeredBy.add(JSON.parse(l).pid);
    }
    assert.deepEqual([...answeredBy].sort(), [...pids].sort(), 'both workers answered');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, io.err);
    assert.ok(!pids.some(alive), 'no worker left running');
    assert.equal(io.out.split('\n').filter((l) => l.includes('shutting down: finishing in-flight requests')).length, 2, 'each worker closed itself');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await place.drop();
  }
});

test(`${BACKEND}: a worker that dies stops the service with exit code 1, the other worker included`, POSTGRES_ONLY, async () => {
  const { place, child, io, exited, pids } = await startWorkers();
  try {
    process.kill(pids[0], 'SIGKILL');
    assert.equal(await exited, 1, io.err);
    assert.match(io.out, new RegExp(`worker ${pids[0]} exited \\(SIGKILL\\): stopping the other workers`));
    assert.ok(!alive(pids[1]), 'the other worker stopped too');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await place.drop();
  }
});
