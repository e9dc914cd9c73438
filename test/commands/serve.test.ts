import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { BACKEND, freshDb } from '../helpers/db.ts';

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

test(`${BACKEND}: serve answers, then on SIGTERM finishes in-flight requests, closes the database and exits 0`, { timeout: 180_000 }, async () => {
  const t = await freshDb();
  const dataDir = t.dataDir;
  const url = t.url;
  await t.db.close(); // hand the database over to the child process
  const port = 3400 + (process.pid % 500);
  const env = { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...(url ? { DATABASE_URL: url } : { DATABASE_URL: '', TERROIR_DATA_DIR: dataDir! }) };
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    for (let i = 0; ; i++) {
      assert.equal(child.exitCode, null, `serve exited early: ${stderr}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
      } catch {
        /* not yet */
      }
      assert.ok(i < 1200, 'ready within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Load across the signal: every answer that arrives must be whole (a complete 200, or the 503
    // Fastify gives to requests arriving while it closes); refused connections after close are fine.
    const answers: number[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/api/codes-postaux/communes/29760`);
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
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    setTimeout(() => (stop = true), 5000);
    await Promise.all(workers);
    assert.ok(answers.filter((s) => s === 200).length > 10, `served under load: ${answers.length} answers ${stderr}`);
    assert.deepEqual([...new Set(answers)].filter((s) => s !== 200 && s !== 503), [], 'only whole answers');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    if (dataDir) assert.equal(existsSync(join(dataDir, 'terroir.lock')), false, 'database closed: lock released');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await t.close().catch(() => {});
  }
});
