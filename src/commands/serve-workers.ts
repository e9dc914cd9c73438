/**
 * `terroir serve` with several HTTP worker processes behind one port (TERROIR_WORKERS / --workers),
 * on the PostgreSQL backend: node:cluster, Node's own way to use more than one core. Each worker is
 * a whole `terroir serve` (its own Fastify, its own pool of TERROIR_POOL_SIZE connections), as
 * stateless as separate nodes behind a load balancer: quotas live in the database or Redis, never in
 * a process. One Node process cannot keep PostgreSQL busy on small statements (docs/tiles.md#speed).
 *
 * The primary process opens no database and serves nothing: it checks the port (the caller does, before
 * this), starts one worker alone (migrations, first-start work and the demo happen once), then the
 * others, forwards SIGTERM/SIGINT to all and exits when they have finished their in-flight requests.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ConfigError, configEnv } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Console } from './console.ts';

const BIN = fileURLToPath(new URL('../../bin/terroir.js', import.meta.url));

/** A process started by the primary below: it serves, it never starts workers of its own. */
export function isServeWorker(): boolean {
  return cluster.isWorker;
}

/** Whether this `serve` is the primary of several workers (checked first: the embedded backend refuses). */
export function wantsWorkers(config: Readonly<Config>): boolean {
  if (config.workers > 1 && !config.databaseUrl)
    throw new ConfigError(
      `TERROIR_WORKERS=${config.workers} needs the PostgreSQL backend (DATABASE_URL): the embedded database is opened by one process only; leave TERROIR_WORKERS at 1, or serve from PostgreSQL`,
    );
  return config.workers > 1 && !isServeWorker();
}

/** The primary: workers started, and the promise settles once every one of them listens. */
export async function serveWorkers(config: Readonly<Config>, out: Console): Promise<void> {
  // Workers get the configuration as environment (flags included), whatever the primary's command line was.
  cluster.setupPrimary({ exec: BIN, args: ['serve'] });
  const env = { ...configEnv(config), TERROIR_WORKERS: '1' };
  const workers = new Set<Worker>();
  let stopping = false;
  let port = config.port;
  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = cluster.fork(env);
      workers.add(w);
      const failed = (code: number | null) => reject(new Error(`worker ${w.process.pid} exited with ${code} before it listened`));
      w.once('exit', failed);
      w.once('listening', (address) => {
        w.off('exit', failed);
        port = address.port;
        resolve(w);
      });
    });
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const w of workers) w.process.kill(signal);
  };
  cluster.on('exit', (w, code, signal) => {
    workers.delete(w);
    if (!stopping) {
      // A worker dying while serving leaves the others answering; the whole service stops so that the
      // supervisor (systemd, Kubernetes) sees it and restarts it, rather than running short of workers unnoticed.
      out.warn(`worker ${w.process.pid} exited (${signal ?? code}): stopping the other workers`, { pid: w.process.pid, code, signal });
      process.exitCode = 1;
      stopAll('SIGTERM');
    }
    if (!workers.size) process.exit();
  });
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
  out.step(`Starting ${config.workers} HTTP workers on the PostgreSQL backend (the first one alone: migrations and first-start work)…`, { workers: config.workers });
  const first = await start();
  const rest = await Promise.all(Array.from({ length: config.workers - 1 }, start));
  const pids = [first, ...rest].map((w) => w.process.pid);
  out.step(`${config.workers} workers serve on port ${port} (pids ${pids.join(', ')})`, { workers: config.workers, port, pids });
}
