import { Type, type Static } from 'typebox';

/**
 * The whole runtime configuration, one TypeBox schema: it is what `loadConfig` validates at start,
 * and a wrong value stops start-up with the key named (never a half-configured service).
 */
export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'PORT' }),
  host: Type.String({ minLength: 1, default: '0.0.0.0', description: 'HOST' }),
  databaseUrl: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'DATABASE_URL: PostgreSQL + PostGIS server; embedded PGlite when absent' }),
  ),
  dataDir: Type.String({ minLength: 1, default: './data', description: 'TERROIR_DATA_DIR: embedded database directory' }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'LOG_LEVEL' },
  ),
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'REDIS_URL: shared quotas/sessions (later issues)' })),
  statementTimeoutMs: Type.Integer({ minimum: 100, default: 15000, description: 'TERROIR_STATEMENT_TIMEOUT_MS (PostgreSQL only)' }),
  poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'TERROIR_POOL_SIZE (PostgreSQL only)' }),
  demo: Type.Union([Type.Literal('auto'), Type.Literal('off')], {
    default: 'auto',
    description: 'TERROIR_DEMO: `auto` generates the synthetic demo territory on an empty database at start; `off` never does (production)',
  }),
});

export type Config = Static<typeof ConfigSchema>;
