import type { Command } from './types.ts';
import { openMigrated } from '../db/open.ts';
import { buildApp } from '../app.ts';
import { MODULES } from '../modules/index.ts';
import { ensureDemoTerritory } from '../demo/index.ts';

export const serve: Command = {
  name: 'serve',
  summary: 'start the HTTP service (migrations and first-start reference data included)',
  usage: 'terroir serve [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--log-level L] [--demo auto|off]',
  async run({ config, catalog }) {
    const t0 = performance.now();
    const { db, applied } = await openMigrated(config);
    const app = await buildApp({ config, db, catalog });
    if (applied.length) app.log.info({ applied }, 'migrations applied');
    for (const m of MODULES) if (m.bootstrap) await m.bootstrap(db, app.log.child({ module: m.name }));
    // Demo (src/demo, docs/demo.md): an empty database gets the synthetic demo territory, so that a first
    // `npm start` answers with data; a database holding any imported or generated data is left alone.
    // A production deployment turns it off (TERROIR_DEMO=off) and starts empty.
    if (config.demo === 'auto') await ensureDemoTerritory(db, app.log.child({ module: 'demo' }), catalog);
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
    await app.listen({ port: config.port, host: config.host });
    app.log.info(
      { backend: db.backend, startupMs: Math.round(performance.now() - t0), rssMb: Math.round(process.memoryUsage().rss / 1e6) },
      'terroir ready',
    );
  },
};
