import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND, freshDb } from '../helpers/db.ts';
import { startServe } from '../helpers/serve.ts';
import { startServer, type Server } from '../demo/helpers.ts';
import { migratedPlace } from '../auth/helpers.ts';

const BIN = 'bin/terroir.js';

test('a wrong configuration value stops start-up with exit code 2, naming it', () => {
  const r = spawnSync(process.execPath, [BIN, 'serve'], { env: { ...process.env, PORT: 'quatre-vingt', DATABASE_URL: '' }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PORT/);
  const flag = spawnSync(process.execPath, [BIN, 'serve', '--log-level', 'bavard'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /LOG_LEVEL/);
  const unknown = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command/);
});

/**
 * No fixed wait: the service is started on a migrated database with the demo off (what this test is
 * about is serving and stopping, not the first-start demo: test/demo/serve.test.ts has that), and the
 * test goes on when the process logs "terroir ready" (or fails at once if it exits first). A loaded
 * machine makes it slower, never red; the runner's per-file timeout is the only bound.
 */
test(`${BACKEND}: serve answers, then on SIGTERM finishes in-flight requests, closes the database and exits 0`, async () => {
  const place = await migratedPlace();
  const dataDir = place.args[0] === '--data-dir' ? place.args[1] : undefined;
  let node: Server | undefined;
  try {
    node = await startServer(place);
    assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
    // Load across the signal: every answer that arrives must be whole (a complete 200, or the 503
    // Fastify gives to requests arriving while it closes); refused connections after close are fine.
    const answers: number[] = [];
    let stop = false;
    const url = node.url;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await fetch(`${url}/api/codes-postaux/communes/29760`);
          const text = await r.text();
          if (r.status === 200) JSON.parse(text);
          answers.push(r.status);
        } catch (e) {
          if (!/fetch failed/.test(String(e))) throw e;
          return;
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    // Until the service has answered under load (not a fixed time), then the signal.
    while (answers.filter((s) => s === 200).length <= 10) await new Promise((r) => setTimeout(r, 20));
    const exited = node.stop();
    const stopped = exited.then(() => (stop = true));
    await Promise.all([...workers, stopped]);
    assert.ok(answers.filter((s) => s === 200).length > 10, `served under load: ${answers.length} answers`);
    assert.deepEqual([...new Set(answers)].filter((s) => s !== 200 && s !== 503), [], 'only whole answers');
    assert.equal(await exited, 0, node.output().slice(-2000));
    if (dataDir) assert.equal(existsSync(join(dataDir, 'terroir.lock')), false, 'database closed: lock released');
  } finally {
    if (node && node.child.exitCode === null) node.child.kill('SIGKILL');
    await place.drop();
  }
});

test(`${BACKEND}: a port in use is said at once, before the database is opened, and leaves no lock`, async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const dataDir = mkdtempSync(join(tmpdir(), 'terroir-port-'));
  try {
    // PostgreSQL: a server that does not exist, so that only the port check can answer first.
    const env = BACKEND === 'postgres' ? { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' } : { DATABASE_URL: '', TERROIR_DATA_DIR: dataDir };
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1: stop the other process, or choose another port \\(PORT=${port + 1} npm start`));
    assert.equal(existsSync(join(dataDir, 'terroir.lock')), false, 'no lock left behind');
    assert.equal(existsSync(join(dataDir, 'pg')), false, 'the database was not even created');
    assert.doesNotMatch(r.stderr + r.stdout, /ECONNREFUSED|database/i, 'the port, not the database, is what is reported');
    console.log(`# port in use reported after ${seconds.toFixed(1)} s`);
  } finally {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test(`${BACKEND}: a person's console on a terminal: short lines, a ready line with three URLs that answer, one line per request`, { timeout: 300_000 }, async () => {
  const t = await freshDb();
  await t.db.close();
  const env = { LOG_FORMAT: 'human', TERROIR_DEMO: 'off', ...(t.url ? { DATABASE_URL: t.url } : { DATABASE_URL: '', TERROIR_DATA_DIR: t.dataDir! }) };
  const served = await startServe(env);
  try {
    assert.equal(served.tryUrls.length, 3);
    for (const u of served.tryUrls) {
      const r = await fetch(u);
      assert.ok(r.status >= 200 && r.status < 300, `${u}: ${r.status}`);
      assert.ok((await r.text()).length > 0, `${u}: a body`);
    }
    await new Promise((r) => setTimeout(r, 200)); // the request lines are written after the answers
    const out = served.stdout();
    assert.match(out, BACKEND === 'postgres' ? /^Connecting to PostgreSQL on 127\.0\.0\.1:5432\/terroir_t_/m : /^Opening the embedded database in /m);
    assert.match(out, /^Terroir is ready on http:\/\/127\.0\.0\.1:\d+ — try:$/m);
    assert.match(out, /^GET \/api\/datasets → 200 \(\d+ ms\)$/m);
    assert.deepEqual(out.split('\n').filter((l) => l.startsWith('{')), [], 'no JSON line');
    assert.ok(out.split('\n').every((l) => l.length <= 160), 'short lines');
  } finally {
    assert.equal(await served.stop(), 0);
    await t.close().catch(() => {}); // its database was closed before the child opened it
  }
});

test(`${BACKEND}: JSON lines when not on a terminal (and with LOG_FORMAT=json): the ready line carries the URLs and the phases`, { timeout: 300_000 }, async () => {
  const t = await freshDb();
  await t.db.close();
  const env = { TERROIR_DEMO: 'off', ...(t.url ? { DATABASE_URL: t.url } : { DATABASE_URL: '', TERROIR_DATA_DIR: t.dataDir! }) };
  const served = await startServe(env); // LOG_FORMAT unset: auto, and stdout is a pipe
  try {
    assert.equal((await fetch(`${served.url}/api/datasets`)).status, 200); // /readyz logs at warn only
    await new Promise((r) => setTimeout(r, 200));
    const lines = served.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const ready = lines.find((l) => l.msg === 'terroir ready');
    assert.equal(ready.backend, BACKEND);
    assert.deepEqual(Object.keys(ready.phases), ['port', 'database', 'app', 'bootstrap', 'demo', 'listen']);
    assert.equal(ready.try.length, 3);
    assert.ok(lines.some((l) => l.msg === 'request completed'), 'request logs as JSON');
  } finally {
    assert.equal(await served.stop(), 0);
    await t.close().catch(() => {}); // its database was closed before the child opened it
  }
});
