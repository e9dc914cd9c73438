/**
 * Demo territory figures (docs/demo.md):
 *
 *   node --import tsx bench/demo.ts start [--postgres URL]
 *       `npm start` on an empty database, then again: time until the service answers with data
 *       (/readyz, then a cadastre query), CPU seconds and peak resident memory of the process.
 *   node --import tsx bench/demo.ts generate [--size departement] [--communes K] [--postgres URL]
 *       generateDemo() on an empty database: seconds per stage, features loaded per second.
 *
 * Without --postgres the embedded backend (PGlite) runs in a temporary data directory. Figures also
 * go to bench/out/demo-<mode>-<backend>-<date>.json. CPU seconds are those of the measured process:
 * on a busy machine wall time grows but they do not.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDatabase } from '../test/helpers/scratch-db.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { generateDemo } from '../src/demo/index.ts';
import type { DemoOptions } from '../src/demo/params.ts';

const args = process.argv.slice(2);
const mode = args[0];
const opt = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const pgUrl = opt('postgres');
const backend = pgUrl ? 'postgres' : 'pglite';

interface Place {
  env: Record<string, string>;
  url?: string;
  dir?: string;
  drop(): Promise<void>;
}

async function emptyPlace(): Promise<Place> {
  if (pgUrl) {
    const { url, drop } = await scratchDatabase(pgUrl, `terroir_bench_demo_${process.pid}`, { replace: true });
    return { env: { DATABASE_URL: url }, url, drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-demo-'));
  return { env: { TERROIR_DATA_DIR: dir }, dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** utime + stime of a process, seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function memMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: Math.round(Number(/VmRSS:\s+(\d+)/.exec(s)![1]) / 1024), peak: Math.round(Number(/VmHWM:\s+(\d+)/.exec(s)![1]) / 1024) };
}

async function startOnce(place: Place, port: number) {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/terroir.js', 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...place.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, memMb(child.pid!).peak);
    } catch {
      /* exited */
    }
  }, 200);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const ready = performance.now() - t0;
    const res = await (await fetch(`http://127.0.0.1:${port}/api/cadastre/commune?_limit=1`)).json();
    const answered = performance.now() - t0;
    if (!res.features?.length) throw new Error('the service answers no commune: no demo territory?');
    const m = memMb(child.pid!);
    return { readySeconds: ready / 1000, firstAnswerSeconds: answered / 1000, cpuSeconds: cpuSeconds(child.pid!), rssMb: m.rss, peakRssMb: Math.max(peak, m.peak) };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

function save(name: string, figures: unknown) {
  mkdirSync('bench/out', { recursive: true });
  const file = `bench/out/demo-${name}-${backend}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(figures, null, 2));
  console.log(`figures in ${file}`);
}

const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: loadavg().map((x) => Math.round(x * 10) / 10) };

if (mode === 'start') {
  const place = await emptyPlace();
  try {
    const first = await startOnce(place, 3990);
    const later = await startOnce(place, 3990);
    const figures = { backend, machine, first, later, loadavgAtEnd: loadavg().map((x) => Math.round(x * 10) / 10) };
    console.table({ first, later });
    save('start', figures);
  } finally {
    await place.drop();
  }
} else if (mode === 'generate') {
  const place = await emptyPlace();
  const db = pgUrl ? await openPostgres(place.url!, { poolSize: 10, statementTimeoutMs: 15_000 }) : await openPglite(place.dir!);
  try {
    await migrate(db);
    const opts: DemoOptions = { size: (opt('size') as DemoOptions['size']) ?? 'default' };
    if (opt('communes')) opts.communes = Number(opt('communes'));
    const cpu0 = process.cpuUsage();
    const steps: Record<string, number> = {};
    let last = performance.now();
    const r = await generateDemo(db, opts, (step) => {
      if (/loaded$/.test(step) && /commune|campaign/.test(step)) return;
      const now = performance.now();
      steps[step] = Math.round((now - last) / 100) / 10;
      last = now;
    });
    const cpu = process.cpuUsage(cpu0);
    const figures = {
      backend,
      machine,
      size: r.params.size,
      communes: r.geometry.communes,
      areaKm2: Math.round(r.geometry.areaKm2),
      cadastreParcels: r.geometry.cadastre,
      pacFieldsPerCampaign: r.geometry.fields,
      campaigns: r.params.annees.length,
      featuresLoaded: r.load.features,
      imports: r.load.imports,
      seconds: r.seconds,
      featuresPerSecond: Math.round(r.load.features / r.seconds.total),
      clientCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      steps,
      loadavgAtEnd: loadavg().map((x) => Math.round(x * 10) / 10),
    };
    console.log(JSON.stringify(figures, null, 2));
    save(`generate-${r.params.size}`, figures);
  } finally {
    await db.close();
    await place.drop();
  }
} else {
  console.error('usage: node --import tsx bench/demo.ts start|generate [--size departement] [--communes K] [--postgres URL]');
  process.exitCode = 2;
}
