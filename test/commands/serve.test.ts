import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND } from '../helpers/db.ts';
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
