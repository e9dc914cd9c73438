/**
 * Shared by bench/ogc.ts and bench/tiles.ts: a real `terroir serve` child process, autocannon
 * against it, and pgbench running one statement straight on PostgreSQL (values inlined as literals:
 * pgbench has no bound parameters for a custom script).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  bytes: number;
}

interface BenchValues {
  'data-dir'?: string;
  'database-url'?: string;
  connections: string;
  duration: string;
  warmup: string;
  port: string;
  workers: string;
}

/** The command line both benches take: where the database is, load shape, the servers' ports and worker counts. */
export function benchArgs(defaultPort: number, extra: Record<string, { type: 'string'; default: string }> = {}) {
  const parsed = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      connections: { type: 'string', default: '8' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      port: { type: 'string', default: String(defaultPort) },
      // Terroir's HTTP worker processes (TERROIR_WORKERS), one server per count in the list: `1,2`.
      workers: { type: 'string', default: '1' },
      // A bench's own options (bench/tiles.ts: --zooms, --rounds), returned in `more`.
      ...extra,
    },
  });
  const values = parsed.values as unknown as BenchValues;
  const more = Object.fromEntries(Object.keys(extra).map((k) => [k, String((parsed.values as Record<string, unknown>)[k])]));
  const opts = { connections: Number(values.connections), duration: Number(values.duration), warmup: Number(values.warmup) };
  const workers = values.workers.split(',').map(Number);
  if (workers.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`--workers: a list of worker counts such as 1,2, not ${values.workers}`);
  if (!values['database-url'] && workers.some((w) => w > 1)) throw new Error('--workers above 1 needs --database-url: the embedded backend is one process');
  return { values, more, opts, url: values['database-url'] as string | undefined, workers };
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `terroir serve` in a child process (`workers`: TERROIR_WORKERS, PostgreSQL only), once /readyz answers. */
export function serve(o: { databaseUrl?: string; dataDir?: string; port: number; workers?: number }): Promise<{ stop(): Promise<void> }> {
  const args = ['bin/terroir.js', 'serve', ...(o.databaseUrl ? ['--database-url', o.databaseUrl] : ['--data-dir', o.dataDir ?? './data'])];
  const env = { ...process.env, PORT: String(o.port), LOG_LEVEL: 'warn', TERROIR_DEMO: 'off', TERROIR_RATE_LIMIT_ANONYMOUS: 'off', TERROIR_WORKERS: String(o.workers ?? 1) };
  return ready(spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit'] }), o.port);
}

/** Any server script of bench/ in a child process (e.g. bare-tile-server.ts), once /readyz answers on `port`. */
export function serveScript(script: string, args: string[], port: number): Promise<{ stop(): Promise<void> }> {
  return ready(spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] }), port);
}

async function ready(child: ChildProcess, port: number): Promise<{ stop(): Promise<void> }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${child.spawnargs.slice(1, 3).join(' ')} did not start`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** autocannon: warm-up, then the measure. `headers` e.g. If-None-Match. */
export async function hammer(url: string, o: { connections: number; duration: number; warmup: number }, headers: Record<string, string> = {}, expect = 200): Promise<Figures> {
  if (o.warmup > 0) await autocannon({ url, connections: o.connections, duration: o.warmup, headers });
  const r = await autocannon({ url, connections: o.connections, duration: o.duration, headers });
  const wrong = expect === 304 ? r.requests.total - (r.statusCodeStats?.['304']?.count ?? 0) : r.non2xx;
  if (wrong) console.warn(`  ${url}: ${wrong} answers other than ${expect === 304 ? '304' : '2xx'} (status codes ${JSON.stringify(r.statusCodeStats)}, errors ${r.errors}, timeouts ${r.timeouts})`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bytes: r.requests.total ? r.throughput.total / r.requests.total : 0 };
}

function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return `'${String(v).replace(/'/g, "''")}'`;
}

/**
 * The embedded backend's floor: `run` (one statement, or the statement and the encoding a tile needs)
 * called back to back in this process for `duration` seconds, straight on the PGlite database the
 * server had open (stopped first: one process owns a data directory). PGlite answers one statement
 * at a time, so there is no concurrency to match.
 */
export async function inProcess(run: () => Promise<unknown>, o: { duration: number; warmup: number }): Promise<Figures> {
  const warmEnd = performance.now() + o.warmup * 1000;
  while (performance.now() < warmEnd) await run();
  const times: number[] = [];
  const end = performance.now() + o.duration * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  return { rps: times.length / o.duration, p50: at(0.5), p99: at(0.99), bytes: NaN };
}

/** pgbench running `sql` (its $n replaced by the values as literals) at the same concurrency. */
export async function pgbench(url: string, sql: string, values: readonly unknown[], o: { connections: number; duration: number }): Promise<Figures> {
  const text = sql.replace(/\$(\d+)/g, (_, n) => sqlLiteral(values[Number(n) - 1])).replace(/\s+/g, ' ');
  const dir = mkdtempSync(join(tmpdir(), 'terroir-pgbench-'));
  const file = join(dir, 'q.sql');
  writeFileSync(file, `${text};\n`);
  const { stdout } = await promisify(execFile)('pgbench', ['-n', '-c', String(o.connections), '-j', '2', '-T', String(o.duration), '-f', file, '-r', url], { maxBuffer: 1e7 });
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const lat = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? 0);
  return { rps: tps, p50: lat, p99: NaN, bytes: NaN };
}
