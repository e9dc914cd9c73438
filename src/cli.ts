import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { openMigrated } from './db/open.ts';
import { buildApp } from './app.ts';

const USAGE = `terroir — France's agricultural and land reference geodata, served

Usage:
  terroir serve   [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--log-level L]
  terroir migrate [--data-dir DIR] [--database-url URL]
  terroir help

Environment: PORT, HOST, DATABASE_URL, TERROIR_DATA_DIR, LOG_LEVEL, REDIS_URL,
TERROIR_STATEMENT_TIMEOUT_MS, TERROIR_POOL_SIZE (flags win over the environment).
Without DATABASE_URL the embedded PostgreSQL + PostGIS (PGlite) stores its data in --data-dir (./data).`;

const FLAG_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function configFrom(values: Record<string, string | boolean | undefined>): Readonly<Config> {
  return loadConfig(process.env, {
    port: values.port as string | undefined,
    host: values.host as string | undefined,
    dataDir: values['data-dir'] as string | undefined,
    databaseUrl: values['database-url'] as string | undefined,
    logLevel: values['log-level'] as string | undefined,
  });
}

async function serve(config: Readonly<Config>) {
  const t0 = performance.now();
  const { db, applied } = await openMigrated(config);
  const app = await buildApp({ config, db });
  if (applied.length) app.log.info({ applied }, 'migrations applied');
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
}

/** Entry point of the `terroir` command. */
export async function main(argv: string[]) {
  const [command = 'help', ...rest] = argv;
  try {
    const { values } = parseArgs({ args: rest, options: FLAG_OPTIONS, strict: true, allowPositionals: false });
    if (command === 'help' || values.help) {
      console.log(USAGE);
      return;
    }
    const config = configFrom(values);
    if (command === 'serve') return await serve(config);
    if (command === 'migrate') {
      const { db, applied } = await openMigrated(config);
      await db.close();
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date');
      return;
    }
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    process.exitCode = 2;
  } catch (e) {
    if (e instanceof ConfigError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`terroir: ${(e as Error).message}`);
      process.exitCode = 2;
      return;
    }
    console.error(`terroir: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
