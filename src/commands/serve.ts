import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Command } from './types.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/database.ts';
import { copyPrepared, findPrepared, isEmptyDataDir, preparedCacheDir } from '../db/prepared.ts';
import { DEMO_STEPS, startConsole, type Console } from './console.ts';
import { isServeWorker, serveWorkers, wantsWorkers } from './serve-workers.ts';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/**
 * Fails at once when the port is taken, before the database is opened (and locked): a busy port was
 * reported after the ~17 s of a first open, and left the lock of a database nobody used behind.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(new PortInUseError(`port ${port} is already in use on ${host}: stop the other process, or choose another port (PORT=${port + 1} npm start, or --port ${port + 1})`));
      else if (e.code === 'EACCES') reject(new PortInUseError(`port ${port} on ${host} may not be opened by this user (EACCES): choose a port above 1023`));
      else reject(e);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Where the service can be reached from this machine: `0.0.0.0` / `::` listen everywhere, so localhost. */
export function baseUrl(config: Pick<Config, 'host' | 'port'>, port = config.port): string {
  const host = ['0.0.0.0', '::', '::0'].includes(config.host) ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}

/** Three URLs that answer on what the database holds (the demo's commune when the demo is there). */
export function tryUrls(base: string, demo: boolean): string[] {
  return [
    `${base}/api/doc/ui`,
    demo ? `${base}/api/cadastre/commune?code_insee=47501` : `${base}/api/codes-postaux/communes/29760`,
    `${base}/api/datasets`,
  ];
}

/**
 * The database, opened the quickest way: an empty embedded data directory starts from the prepared
 * database `terroir prepare` built (with the demo when it will be served), else it is created.
 */
async function openForServe(config: Readonly<Config>, out: Console): Promise<{ db: Database; applied: string[] }> {
  const { openMigrated } = await import('../db/open.ts');
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    out.step(`Connecting to PostgreSQL on ${u.hostname}:${u.port || 5432}${u.pathname}…`, { backend: 'postgres' });
    return openMigrated(config);
  }
  if (!isEmptyDataDir(config.dataDir)) {
    out.step(`Opening the embedded database in ${config.dataDir}…`, { backend: 'pglite', dataDir: config.dataDir });
    return openMigrated(config);
  }
  const cache = preparedCacheDir(config.cacheDir);
  const prepared = (config.demo === 'auto' ? findPrepared(cache, 'demo') : undefined) ?? findPrepared(cache, 'base');
  if (!prepared) {
    out.step(`Creating the embedded database in ${config.dataDir} (PostgreSQL, PostGIS, migrations: once; \`terroir prepare\` makes first starts fast)…`, { backend: 'pglite', dataDir: config.dataDir, prepared: null });
    return openMigrated(config);
  }
  const withDemo = prepared.manifest.kind === 'demo';
  out.step(`Creating the embedded database in ${config.dataDir} from the prepared one${withDemo ? ', demo territory included' : ''}…`, { backend: 'pglite', dataDir: config.dataDir, prepared: prepared.path });
  copyPrepared(prepared.path, config.dataDir);
  return openMigrated(config);
}

export const serve: Command = {
  name: 'serve',
  summary: 'start the HTTP service (migrations and first-start reference data included)',
  usage: 'terroir serve [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--log-level L] [--log-format auto|human|json] [--demo auto|off] [--workers N]',
  options: { workers: { type: 'string' } },
  // A worker shares the port its primary checked and holds.
  preflight: async (config) => (isServeWorker() ? undefined : assertPortFree(config.port, config.host)),
  async run({ config, catalog }) {
    const t0 = performance.now();
    // Milliseconds per start-up phase, in the ready log line (docs/startup.md reads them).
    const phases: Record<string, number> = {};
    let mark = t0;
    const phase = (name: string) => {
      const now = performance.now();
      phases[name] = Math.round(now - mark);
      mark = now;
    };
    const out = startConsole(config);
    const primary = wantsWorkers(config);
    if (!isServeWorker()) await assertPortFree(config.port, config.host); // again: run() is also called without the CLI's preflight
    phase('port');
    if (primary) return serveWorkers(config, out);
    // The database opens while the application's code loads: PGlite compiles its WebAssembly and
    // unpacks PostGIS partly off the main thread, which the module loading uses meanwhile. Loaded
    // here, not at the top: on a taken port `terroir serve` answers before Fastify and every module load.
    const opening = openForServe(config, out);
    opening.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
    const code = Promise.all([import('../app.ts'), import('../modules/index.ts'), import('../demo/index.ts')]);
    const [[{ buildApp }, { MODULES }, { demoState }], { db, applied }] = await Promise.all([code, opening]).catch(async (e) => {
      await opening.then(({ db }) => db.close(), () => {});
      throw e;
    });
    phase('database');
    let app: FastifyInstance | undefined;
    try {
      app = await buildApp({ config, db, catalog, logStream: out.logStream });
      phase('app');
      if (applied.length) out.step(`Migrations applied: ${applied.join(', ')}`, { applied });
      for (const m of MODULES) if (m.bootstrap) await m.bootstrap(db, app.log.child({ module: m.name }));
      phase('bootstrap');
      // Demo (src/demo, docs/demo.md): an empty database gets the synthetic demo territory, so that a first
      // `npm start` answers with data; a database holding any imported or generated data is left alone.
      // A production deployment turns it off (TERROIR_DEMO=off) and starts empty.
      if (config.demo === 'auto') await generateDemoIfEmpty(db, app, catalog, out);
      phase('demo');
    } catch (e) {
      await app?.close().catch(() => {});
      await db.close();
      throw e;
    }
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down: finishing in-flight requests');
      try {
        await app.close();
      } finally {
        await db.close();
      }
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (e) {
      // Taken between the check and now: the database is closed (and unlocked) all the same.
      await app.close().catch(() => {});
      await db.close();
      throw e;
    }
    phase('listen');
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const base = baseUrl(config, port);
    const demo = config.demo === 'auto' && (await demoState(db, catalog)) === 'demo-present';
    const figures = { backend: db.backend, url: base, startupMs: Math.round(performance.now() - t0), phases, rssMb: Math.round(process.memoryUsage().rss / 1e6) };
    if (out.human) out.step(`Terroir is ready on ${base} — try:\n${tryUrls(base, demo).map((u) => `  ${u}`).join('\n')}\n(${(figures.startupMs / 1000).toFixed(1)} s, ${figures.rssMb} MB; Ctrl-C stops)`);
    else app.log.info({ ...figures, try: tryUrls(base, demo) }, 'terroir ready');
  },
};

/** The demo, with a progress bar on a terminal; its warnings and errors go to the console as such. */
async function generateDemoIfEmpty(db: Database, app: FastifyInstance, catalog: Catalog, out: Console) {
  const { ensureDemoTerritory } = await import('../demo/index.ts');
  const log = app.log.child({ module: 'demo' });
  if (!out.human) return ensureDemoTerritory(db, log, catalog);
  let bar: ReturnType<Console['progress']> | undefined;
  const quiet = { info: () => {}, warn: (o: object, m?: string) => log.warn(o, m), error: (o: object, m?: string) => log.error(o, m) };
  const t = performance.now();
  const r = await ensureDemoTerritory(db, quiet, catalog, (step) => {
    bar ??= out.progress('Generating the demo territory (synthetic data, once)', DEMO_STEPS);
    bar.tick(step);
  });
  if (bar) bar.done(r ? `Demo territory ready (${((performance.now() - t) / 1000).toFixed(1)} s): 12 fictional communes, cadastre, RPG, AOC, urbanism (docs/demo.md)` : 'Demo territory not generated (see the error above)');
  return r;
}
