import { Type, type Static } from 'typebox';

/** Quota windows and the syntax of every quota setting (config, CLI, admin API); parsed by src/auth/quota.ts. */
export const QUOTA_WINDOWS = ['second', 'minute', 'hour', 'day', 'year'] as const;
const W = QUOTA_WINDOWS.join('|');
export const QUOTA_PATTERN = `^(unlimited|off|[0-9]{1,12}/(${W})(,[0-9]{1,12}/(${W}))*)$`;

/** `TERROIR_TRUST_PROXY`: off, a hop count, or a comma-separated list of proxy addresses/CIDR ranges. */
export const TRUST_PROXY_PATTERN = '^(off|[0-9]{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$';

const quota = (env: string, fallback: string, what: string) =>
  Type.String({ pattern: QUOTA_PATTERN, default: fallback, description: `${env}: ${what} (\`unlimited\`, or N/window[,N/window…] with window second|minute|hour|day|year)` });

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
  logFormat: Type.Union([Type.Literal('auto'), Type.Literal('human'), Type.Literal('json')], {
    default: 'auto',
    description: 'LOG_FORMAT: `auto` short human lines on a terminal, JSON lines otherwise; `human` or `json` whatever the output',
  }),
  cacheDir: Type.Optional(
    Type.String({ minLength: 1, description: 'TERROIR_CACHE_DIR: prepared embedded databases (default node_modules/.cache/terroir of the installation)' }),
  ),
  pgliteSharedBuffers: Type.String({
    pattern: '^[0-9]{1,7}(kB|MB|GB)$',
    default: '16MB',
    description: 'TERROIR_PGLITE_SHARED_BUFFERS: shared_buffers of the embedded database (e.g. 16MB, 128MB): each MB is resident memory; 16MB serves the demo as fast as 128MB with ~120 MB less (docs/startup.md)',
  }),
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'REDIS_URL: quota counters shared by every node in Redis instead of the database' })),
  statementTimeoutMs: Type.Integer({ minimum: 100, default: 15000, description: 'TERROIR_STATEMENT_TIMEOUT_MS (PostgreSQL only)' }),
  poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'TERROIR_POOL_SIZE (PostgreSQL only)' }),
  workers: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 1,
    description: 'TERROIR_WORKERS: HTTP worker processes behind the one port (PostgreSQL only: the embedded database belongs to one process); each has its own pool of TERROIR_POOL_SIZE connections',
  }),
  demo: Type.Union([Type.Literal('auto'), Type.Literal('off')], {
    default: 'auto',
    description: 'TERROIR_DEMO: `auto` generates the synthetic demo territory on an empty database at start; `off` never does (production)',
  }),
  quotaPublic: quota('TERROIR_QUOTA_PUBLIC', 'unlimited', 'keys of public bodies (État, services, collectivités, EPCI, SDIS…)'),
  quotaGrandPublic: quota('TERROIR_QUOTA_GRAND_PUBLIC', '2000000/year', 'keys of private persons (general-public use)'),
  quotaProfessionnel: quota('TERROIR_QUOTA_PROFESSIONNEL', '10000/year', 'keys of companies (professional use)'),
  rateLimitAnonymous: Type.Union([Type.Literal('auto'), Type.String({ pattern: QUOTA_PATTERN })], {
    default: 'auto',
    description: 'TERROIR_RATE_LIMIT_ANONYMOUS: per-IP limit of callers without a key; `auto`: off on the embedded backend, 50/second on PostgreSQL',
  }),
  pseudonymKey: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'TERROIR_PSEUDONYM_KEY: secret of the organic parcel pseudonyms (CartoBio Territoires), at least 32 characters; required on PostgreSQL, generated in the data directory on the embedded backend',
    }),
  ),
  auditKeyFile: Type.Optional(
    Type.String({ minLength: 1, description: 'TERROIR_AUDIT_KEY_FILE: Ed25519 key signing audit checkpoints (default <TERROIR_DATA_DIR>/audit-ed25519.pem)' }),
  ),
  trustProxy: Type.String({
    pattern: TRUST_PROXY_PATTERN,
    default: 'off',
    description: 'TERROIR_TRUST_PROXY: `off` (default: X-Forwarded-* ignored), a hop count (`1`: one proxy in front), or proxy addresses/CIDR ranges (`10.0.0.0/8,127.0.0.1`)',
  }),
  publicUrl: Type.Optional(
    Type.String({ pattern: '^https?://[^/?#@\\s]+(/[^?#\\s]*)?$', description: 'TERROIR_PUBLIC_URL: the origin (and path prefix) of every link the service writes, whatever the request headers say' }),
  ),
  deadlineMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000, description: 'TERROIR_DEADLINE_MS: a request still unanswered after this ends in a 503 with Retry-After, its statement cancelled' }),
  requestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 60_000, description: 'TERROIR_REQUEST_TIMEOUT_MS: time to receive a whole request (headers and body), else 408 and the connection closed' }),
  headersTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 10_000, description: 'TERROIR_HEADERS_TIMEOUT_MS: time to receive the request headers' }),
  heavyConcurrency: Type.Integer({ minimum: 1, maximum: 100, default: 2, description: 'TERROIR_HEAVY_CONCURRENCY: heavy requests (large geometries) answered at once; the others wait in the heavy lane' }),
  linkTtlSeconds: Type.Integer({
    minimum: 30,
    maximum: 604_800,
    default: 900,
    description: 'TERROIR_LINK_TTL_SECONDS: how long a download link (e.g. a level-2 extraction, POST /api/niveau2/demandes/{id}/lien) stays valid; it is used once',
  }),
  heavyQueue: Type.Integer({ minimum: 0, maximum: 10_000, default: 64, description: 'TERROIR_HEAVY_QUEUE: heavy requests waiting at most; more is a 503 with Retry-After' }),
  heavyVertices: Type.Integer({ minimum: 4, maximum: 50_000, default: 2_000, description: 'TERROIR_HEAVY_VERTICES: a request geometry of more vertices is heavy (the heavy lane)' }),
  heavyAreaDeg2: Type.Number({ exclusiveMinimum: 0, maximum: 64_800, default: 0.01, description: 'TERROIR_HEAVY_AREA_DEG2: a request geometry whose bounding box is larger (square degrees) is heavy (the heavy lane)' }),
});

export type Config = Static<typeof ConfigSchema>;
