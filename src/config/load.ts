import { Value } from 'typebox/value';
import { ConfigSchema, type Config } from './schema.ts';

/** Environment variable behind each config key; flags use the kebab-case key (`--data-dir`). */
const ENV_KEYS: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'TERROIR_DATA_DIR',
  logLevel: 'LOG_LEVEL',
  redisUrl: 'REDIS_URL',
  statementTimeoutMs: 'TERROIR_STATEMENT_TIMEOUT_MS',
  poolSize: 'TERROIR_POOL_SIZE',
  demo: 'TERROIR_DEMO',
  quotaPublic: 'TERROIR_QUOTA_PUBLIC',
  quotaGrandPublic: 'TERROIR_QUOTA_GRAND_PUBLIC',
  quotaProfessionnel: 'TERROIR_QUOTA_PROFESSIONNEL',
  rateLimitAnonymous: 'TERROIR_RATE_LIMIT_ANONYMOUS',
  auditKeyFile: 'TERROIR_AUDIT_KEY_FILE',
  trustProxy: 'TERROIR_TRUST_PROXY',
  publicUrl: 'TERROIR_PUBLIC_URL',
  deadlineMs: 'TERROIR_DEADLINE_MS',
  requestTimeoutMs: 'TERROIR_REQUEST_TIMEOUT_MS',
  headersTimeoutMs: 'TERROIR_HEADERS_TIMEOUT_MS',
  heavyConcurrency: 'TERROIR_HEAVY_CONCURRENCY',
  heavyQueue: 'TERROIR_HEAVY_QUEUE',
  pseudonymKey: 'TERROIR_PSEUDONYM_KEY',
};
const INTEGER_KEYS = new Set<keyof Config>([
  'port', 'statementTimeoutMs', 'poolSize', 'deadlineMs', 'requestTimeoutMs', 'headersTimeoutMs', 'heavyConcurrency', 'heavyQueue',
]);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Builds the configuration from the environment, then flags (flags win), validates it once and
 * freezes it. Unknown TERROIR_* variables are reported because a typo there would otherwise be
 * silently ignored (the config falls back to its default).
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  flags: Partial<Record<keyof Config, string | number | undefined>> = {},
): Readonly<Config> {
  const known = new Set(Object.values(ENV_KEYS));
  const unknown = Object.keys(env).filter((k) => k.startsWith('TERROIR_') && !known.has(k));
  if (unknown.length) throw new ConfigError(`unknown configuration variable(s): ${unknown.join(', ')}`);

  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV_KEYS) as [keyof Config, string][]) {
    const fromFlag = flags[key];
    const value = fromFlag !== undefined ? fromFlag : env[envName];
    if (value === undefined || value === '') continue;
    if (INTEGER_KEYS.has(key)) {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isInteger(n)) throw new ConfigError(`${envName} must be an integer, got "${value}"`);
      raw[key] = n;
    } else raw[key] = String(value);
  }
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length) {
    const first = errors[0] as { instancePath: string; message: string };
    const key = first.instancePath.replace(/^\//, '') as keyof Config;
    const name = ENV_KEYS[key] ?? key;
    throw new ConfigError(`invalid configuration ${name}=${JSON.stringify(withDefaults[key])}: ${first.message}`);
  }
  return Object.freeze(withDefaults as Config);
}
