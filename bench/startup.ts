/**
 * Start-up figures of `terroir serve` (as `npm start` runs it, tsx included) on each backend: time
 * until the "terroir ready" line (the service then answers), the CPU seconds the process used by
 * then, its resident memory, and the time of each start-up phase (the ready line's `phases`).
 *   node --import tsx bench/startup.ts [--postgres URL] [--cache-dir DIR] [--unprepared] [--runs N]
 * Scenarios: embedded first start from the prepared database (`terroir prepare`, run by npm
 * install; built here first if missing), embedded later start, PostgreSQL first and later start;
 * `--unprepared` adds an embedded first start without a prepared database (initdb, PostGIS,
 * migrations and the demo generated: ~25 s of CPU). The machine's load average is printed: CPU
 * seconds are the figure that survives a shared machine, wall-clock seconds are not.
 * Extra settings for the embedded child (e.g. memory experiments) go in TERROIR_BENCH_ENV as JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const pgUrl = opt('--postgres') ?? 'postgres://postgres@127.0.0.1:5432/test';
const cacheDir = opt('--cache-dir');
const runs = Number(opt('--runs') ?? 1);
const extraEnv: Record<string, string> = JSON.parse(process.env.TERROIR_BENCH_ENV ?? '{}');

function procFigures(pid: number): { rssMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 of stat (utime, stime), here at 11 and 12 after the command name, in clock ticks.
  return { rssMb: Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024), cpuS: (Number(stat[11]) + Number(stat[12])) / 100 };
}

interface Start {
  ms: number;
  cpuS: number;
  rssMb: number;
  phases: Record<string, number>;
}

async function startOnce(env: Record<string, string>): Promise<Start> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/terroir.js', 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...extraEnv, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const ready = await new Promise<{ phases: Record<string, number>; url: string }>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.includes('"terroir ready"')) resolve(JSON.parse(line));
        }
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const ms = performance.now() - t0;
    const figures = procFigures(child.pid!);
    const r = await fetch(`${ready.url.replace('localhost', '127.0.0.1')}/api/datasets`);
    if (!r.ok) throw new Error(`/api/datasets: ${r.status}`);
    return { ms, ...figures, phases: ready.phases };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

const rows: string[][] = [];
const add = (backend: string, start: string, s: Start) =>
  rows.push([backend, start, `${(s.ms / 1000).toFixed(1)} s`, `${s.cpuS.toFixed(1)} s`, `${s.rssMb} MB`, Object.entries(s.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')]);
const cacheEnv: Record<string, string> = cacheDir ? { TERROIR_CACHE_DIR: cacheDir } : {};
const load0 = loadavg()[0];

// The prepared databases, as npm install leaves them (nothing is done when they are up to date).
const prep = spawnSync(process.execPath, ['bin/terroir.js', 'prepare', ...(cacheDir ? ['--cache-dir', cacheDir] : [])], { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn' }, stdio: 'inherit' });
if (prep.status !== 0) throw new Error('terroir prepare failed');

for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-start-'));
  try {
    add('embedded (PGlite)', 'first start (prepared)', await startOnce({ TERROIR_DATA_DIR: dir, ...cacheEnv }));
    add('embedded (PGlite)', 'later start', await startOnce({ TERROIR_DATA_DIR: dir, ...cacheEnv }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (args.includes('--unprepared')) {
  const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-start-'));
  const none = mkdtempSync(join(tmpdir(), 'terroir-bench-nocache-'));
  try {
    add('embedded (PGlite)', 'first start (not prepared)', await startOnce({ TERROIR_DATA_DIR: dir, TERROIR_CACHE_DIR: none }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(none, { recursive: true, force: true });
  }
}

for (let i = 0; i < runs; i++) {
  const name = `terroir_bench_start_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  try {
    add('PostgreSQL server', 'first start', await startOnce({ DATABASE_URL: u.toString() }));
    add('PostgreSQL server', 'later start', await startOnce({ DATABASE_URL: u.toString() }));
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

console.log(`load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores`);
console.log('| backend | start | until ready | CPU | resident memory | phases (s) |\n|---|---|---:|---:|---:|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
