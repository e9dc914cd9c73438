import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/load.ts';
import { didYouMean } from './config/suggest.ts';
import type { Command } from './commands/types.ts';

/**
 * Every sub-command, each in src/commands/<name>.ts, loaded only when it runs: `terroir import`
 * should not pay for Fastify and every HTTP module before its first feature.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).serve,
  migrate: async () => (await import('./commands/migrate.ts')).migrateCommand,
  import: async () => (await import('./commands/import.ts')).importCommand,
  fetch: async () => (await import('./commands/fetch.ts')).fetchCommand,
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  org: async () => (await import('./commands/org.ts')).orgCommand,
  key: async () => (await import('./commands/key.ts')).keyCommand,
  audit: async () => (await import('./commands/audit.ts')).auditCommand,
  campagne: async () => (await import('./commands/campagne.ts')).campagneCommand,
  demande: async () => (await import('./commands/demande.ts')).demandeCommand,
  prepare: async () => (await import('./commands/prepare.ts')).prepareCommand,
};

const SHARED_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'cache-dir': { type: 'string' },
  demo: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return `terroir — France's agricultural and land reference geodata, served

Commands:
${all.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}

Environment: PORT, HOST, DATABASE_URL, TERROIR_DATA_DIR, LOG_LEVEL, LOG_FORMAT, REDIS_URL, TERROIR_CACHE_DIR,
TERROIR_STATEMENT_TIMEOUT_MS, TERROIR_POOL_SIZE, TERROIR_DEMO, TERROIR_QUOTA_PUBLIC,
TERROIR_QUOTA_GRAND_PUBLIC, TERROIR_QUOTA_PROFESSIONNEL, TERROIR_RATE_LIMIT_ANONYMOUS,
TERROIR_AUDIT_KEY_FILE, TERROIR_PGLITE_SHARED_BUFFERS (flags win over the environment).
Without DATABASE_URL the embedded PostgreSQL + PostGIS (PGlite) keeps its data in --data-dir (./data).`;
}

/** The flags and positionals of a command line, as `main` reads them (a usage error throws `ERR_PARSE_ARGS_*`). */
function parseCommandArgs(command: Command, args: string[]) {
  return parseArgs({ args, options: { ...SHARED_OPTIONS, ...(command.options ?? {}) }, strict: true, allowPositionals: true });
}

/**
 * Checks a command line without running it: the command exists and its flags are known. The
 * documentation's examples go through it (test/docs/examples.test.ts), so a renamed flag or command
 * cannot leave a README line that fails.
 */
export async function checkCommandLine(argv: string[]): Promise<string | undefined> {
  const [name = 'help', ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') return undefined;
  if (!Object.hasOwn(COMMANDS, name)) return `unknown command "${name}"`;
  try {
    parseCommandArgs(await COMMANDS[name](), rest);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Entry point of the `terroir` command; exit code 2 for usage/configuration errors, 1 for failures. */
export async function main(argv: string[]) {
  const [name = 'help', ...rest] = argv;
  const command = Object.hasOwn(COMMANDS, name) ? await COMMANDS[name]() : undefined;
  if (!command) {
    if (name !== 'help' && name !== '--help' && name !== '-h') {
      // A misspelt command gets the close ones, not the whole usage text.
      const hint = didYouMean(name, Object.keys(COMMANDS));
      console.error(`terroir: unknown command "${name}"${hint}${hint ? '; `terroir help` lists every command' : '\n'}`);
      process.exitCode = 2;
      if (hint) return;
    }
    console.log(await usage());
    return;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      console.log(`${command.usage}\n  ${command.summary}`);
      return;
    }
    const config = loadConfig(process.env, {
      port: values.port as string | undefined,
      host: values.host as string | undefined,
      dataDir: values['data-dir'] as string | undefined,
      databaseUrl: values['database-url'] as string | undefined,
      logLevel: values['log-level'] as string | undefined,
      logFormat: values['log-format'] as string | undefined,
      cacheDir: values['cache-dir'] as string | undefined,
      demo: values.demo as string | undefined,
      workers: (values as Record<string, unknown>).workers as string | undefined,
    });
    await command.preflight?.(config);
    // The catalogue of every layer, built once here and handed to the command (buildApp, import, fetch, demo).
    const { buildCatalog } = await import('./modules/index.ts');
    await command.run({ config, values, positionals, catalog: buildCatalog() });
  } catch (e) {
    const usageError = e instanceof ConfigError || String((e as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS');
    console.error(`terroir: ${(e as Error).message}`);
    process.exitCode = usageError ? 2 : 1;
  }
}
