import { Value } from 'typebox/value';
import { ConfigSchema, QUOTA_PATTERN, QUOTA_WINDOWS, type Config } from './schema.ts';
import { didYouMean } from './suggest.ts';

/** Environment variable behind each config key; flags use the kebab-case key (`--data-dir`). */
const ENV_KEYS: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'TERROIR_DATA_DIR',
  logLevel: 'LOG_LEVEL',
  logFormat: 'LOG_FORMAT',
  cacheDir: 'TERROIR_CACHE_DIR',
  pgliteSharedBuffers: 'TERROIR_PGLITE_SHARED_BUFFERS',
  redisUrl: 'REDIS_URL',
  statementTimeoutMs: 'TERROIR_STATEMENT_TIMEOUT_MS',
  poolSize: 'TERROIR_POOL_SIZE',
  workers: 'TERROIR_WORKERS',
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
  heavyVertices: 'TERROIR_HEAVY_VERTICES',
  heavyAreaDeg2: 'TERROIR_HEAVY_AREA_DEG2',
  pseudonymKey: 'TERROIR_PSEUDONYM_KEY',
  linkTtlSeconds: 'TERROIR_LINK_TTL_SECONDS',
};
const INTEGER_KEYS = new Set<keyof Config>([
  'port', 'statementTimeoutMs', 'poolSize', 'workers', 'deadlineMs', 'requestTimeoutMs', 'headersTimeoutMs', 'heavyConcurrency', 'heavyQueue', 'heavyVertices', 'linkTtlSeconds',
]);
/** Keys read as a finite decimal number. */
const NUMBER_KEYS = new Set<keyof Config>(['heavyAreaDeg2']);

/** A configuration as the environment variables that give it (a `serve` worker process receives its primary's so). */
export function configEnv(config: Readonly<Config>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV_KEYS) as [keyof Config, string][]) if (config[key] !== undefined) env[name] = String(config[key]);
  return env;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The syntaxes behind the schema's patterns, as a person writes them. */
const PATTERN_SYNTAX: Record<string, string> = {
  [QUOTA_PATTERN]: `unlimited|off|N/window[,N/window…] (window ${QUOTA_WINDOWS.join('|')}, e.g. 50/second,10000/day)`,
  '^postgres(ql)?://': 'a postgres://user@host:port/database URL',
  '^rediss?://': 'a redis:// or rediss:// URL',
};

/**
 * What a key accepts, said in the user's terms rather than the validator's ("must be equal to
 * constant"): the literal values of a choice, the bounds of an integer, the syntax in the description.
 */
export function accepted(key: keyof Config): string | undefined {
  const prop = (ConfigSchema.properties as Record<string, { anyOf?: { const?: unknown; pattern?: string }[]; minimum?: number; maximum?: number; pattern?: string; description?: string }>)[key];
  if (!prop) return undefined;
  if (prop.anyOf) {
    const consts = prop.anyOf.filter((s) => s.const !== undefined).map((s) => String(s.const));
    const patterns = prop.anyOf.filter((s) => s.pattern).map((s) => PATTERN_SYNTAX[s.pattern!] ?? s.pattern);
    return `accepted values: ${[...consts, ...patterns].join('|')}`;
  }
  if (prop.minimum !== undefined || prop.maximum !== undefined) return `must be an integer${prop.minimum !== undefined ? ` from ${prop.minimum}` : ''}${prop.maximum !== undefined ? ` to ${prop.maximum}` : ''}`;
  if (prop.pattern) return `expected ${PATTERN_SYNTAX[prop.pattern] ?? `a value matching ${prop.pattern}`}`;
  return undefined;
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
  if (unknown.length) {
    const hints = unknown.map((k) => `${k}${didYouMean(k, [...known])}`);
    throw new ConfigError(`unknown configuration variable(s): ${hints.join(', ')}`);
  }

  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV_KEYS) as [keyof Config, string][]) {
    const fromFlag = flags[key];
    const value = fromFlag !== undefined ? fromFlag : env[envName];
    if (value === undefined || value === '') continue;
    if (INTEGER_KEYS.has(key)) {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isInteger(n)) throw new ConfigError(`${envName} must be an integer, got "${value}"`);
      raw[key] = n;
    } else if (NUMBER_KEYS.has(key)) {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n) || String(value).trim() === '') throw new ConfigError(`${envName} must be a number, got "${value}"`);
      raw[key] = n;
    } else raw[key] = String(value);
  }
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length) {
    const first = errors[0] as { instancePath: string; message: string };
    const key = first.instancePath.replace(/^\//, '') as keyof Config;
    const name = ENV_KEYS[key] ?? key;
    throw new ConfigError(`invalid configuration ${name}=${JSON.stringify(withDefaults[key])}: ${accepted(key) ?? first.message}`);
  }
  return Object.freeze(withDefaults as Config);
}
