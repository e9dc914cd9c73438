/**
 * Start-up figures of `terroir serve` on each backend: time until /readyz answers and resident memory
 * once ready, for a first start (empty data directory / empty database) and a later start.
 *   node --import tsx bench/startup.ts [--postgres postgres://postgres@127.0.0.1:5432/test]
 * Prints a table; figures go in the README. Runs `serve` as a real child process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const args = process.argv.slice(2);
const pgUrl = args.includes('--postgres') ? args[args.indexOf('--postgres') + 1] : 'postgres://postgres@127.0.0.1:5432/test';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

async function startOnce(env: Record<string, string>, port: number): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/terroir.js', 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t0;
    // The tsx loader runs in the same process: the figure is the whole service as `npm start` runs it.
    return { ms, rss: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const rows: string[][] = [];
const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-start-'));
const embeddedCold = await startOnce({ TERROIR_DATA_DIR: dir }, 3301);
const embeddedWarm = await startOnce({ TERROIR_DATA_DIR: dir }, 3301);
rmSync(dir, { recursive: true, force: true });
rows.push(['embedded (PGlite)', 'first start', `${(embeddedCold.ms / 1000).toFixed(1)} s`, `${embeddedCold.rss} MB`]);
rows.push(['embedded (PGlite)', 'later start', `${(embeddedWarm.ms / 1000).toFixed(1)} s`, `${embeddedWarm.rss} MB`]);

const name = `terroir_bench_start_${Date.now()}`;
const admin = new pg.Client({ connectionString: pgUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const u = new URL(pgUrl);
u.pathname = `/${name}`;
const pgCold = await startOnce({ DATABASE_URL: u.toString() }, 3302);
const pgWarm = await startOnce({ DATABASE_URL: u.toString() }, 3302);
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();
rows.push(['PostgreSQL server', 'first start', `${(pgCold.ms / 1000).toFixed(1)} s`, `${pgCold.rss} MB`]);
rows.push(['PostgreSQL server', 'later start', `${(pgWarm.ms / 1000).toFixed(1)} s`, `${pgWarm.rss} MB`]);

console.log('| backend | start | until /readyz | resident memory |\n|---|---|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
