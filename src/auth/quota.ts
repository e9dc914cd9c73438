/**
 * Quotas: named policies of fixed windows ("10000/year", "500/day,10000/year"), counted in a store that
 * every node shares (PostgreSQL or PGlite: one upsert … returning; Redis: one Lua script), and
 * advertised with the IETF RateLimit-Policy / RateLimit fields (draft-ietf-httpapi-ratelimit-headers).
 * Windows are aligned (a UTC second, minute, hour, day; the calendar year), so every node agrees on
 * when one ends without talking to the others.
 */
import { QUOTA_PATTERN, QUOTA_WINDOWS as WINDOWS } from '../config/schema.ts';
import type { Queryable } from '../db/database.ts';
import { batcher } from './batch.ts';

export type Window = (typeof WINDOWS)[number];
const SECONDS: Record<Exclude<Window, 'year'>, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

export interface Limit {
  count: number;
  window: Window;
}

/** A named policy: its limits, or none (`unlimited`). */
export interface Policy {
  name: string;
  limits: Limit[];
}

/** `unlimited`, `off`, or `N/window[,N/window…]` (the syntax of every quota setting). */
const QUOTA_RE = new RegExp(QUOTA_PATTERN);

export class QuotaSyntaxError extends Error {}

/** `"500/day,10000/year"` → limits; `unlimited`/`off` → none. One limit per window. */
export function parseQuota(text: string): Limit[] {
  const t = text.trim();
  if (!QUOTA_RE.test(t)) throw new QuotaSyntaxError(`quota ${JSON.stringify(text)}: expected unlimited, or N/window[,N/window…] with window one of ${WINDOWS.join(', ')}`);
  if (t === 'unlimited' || t === 'off') return [];
  const limits = t.split(',').map((part) => {
    const [n, w] = part.split('/');
    return { count: Number(n), window: w as Window };
  });
  const windows = new Set(limits.map((l) => l.window));
  if (windows.size !== limits.length) throw new QuotaSyntaxError(`quota ${JSON.stringify(text)}: one limit per window`);
  return limits.sort((a, b) => WINDOWS.indexOf(a.window) - WINDOWS.indexOf(b.window));
}

export function formatQuota(limits: readonly Limit[]): string {
  return limits.length ? limits.map((l) => `${l.count}/${l.window}`).join(',') : 'unlimited';
}

/** The window containing `now` (ms): its end (ms) and its length (s). */
export function windowOf(window: Window, now: number): { end: number; seconds: number } {
  if (window === 'year') {
    const y = new Date(now).getUTCFullYear();
    const start = Date.UTC(y, 0, 1);
    const end = Date.UTC(y + 1, 0, 1);
    return { end, seconds: (end - start) / 1000 };
  }
  const len = SECONDS[window] * 1000;
  return { end: (Math.floor(now / len) + 1) * len, seconds: SECONDS[window] };
}

/** One counter to bump: a bucket (subject + policy item) and the end of its current window. */
export interface Hit {
  bucket: string;
  windowEnd: number;
}

/** Where counts live. `hit` increments each bucket atomically and returns the new counts, in order. */
export interface QuotaStore {
  readonly kind: 'database' | 'redis';
  hit(hits: readonly Hit[]): Promise<number[]>;
  /** Gives back one unit (a request refused by another of its policies consumes nothing here). */
  undo(hits: readonly Hit[]): Promise<void>;
  /** Removes counters whose window ended before `before` (ms); Redis expires its own. */
  sweep(before: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL or PGlite: one upsert … returning, atomic per row; a row is reset in place when a new
 * window starts. Concurrent requests of the process are counted together (src/auth/batch.ts): one
 * statement adds k to a bucket and hands the k requests the k counts below the new total, exactly
 * what k separate increments would have given them in some order.
 */
export function databaseStore(db: Queryable): QuotaStore {
  const hitBatch = batcher(async (requests: (readonly Hit[])[]): Promise<number[][]> => {
    const add = new Map<string, { windowEnd: number; k: number }>();
    for (const hits of requests) {
      for (const h of hits) {
        const a = add.get(h.bucket);
        if (a) {
          a.k++;
          a.windowEnd = Math.max(a.windowEnd, h.windowEnd);
        } else add.set(h.bucket, { windowEnd: h.windowEnd, k: 1 });
      }
    }
    // One order for every node's statements: rows locked in the same order never deadlock.
    const buckets = [...add.keys()].sort();
    const rows = await db.query<{ bucket: string; n: number }>(
      `INSERT INTO auth_quota_counter AS q (bucket, window_end, n)
       SELECT b, e, k FROM unnest($1::text[], $2::bigint[], $3::int[]) AS x(b, e, k)
       ON CONFLICT (bucket) DO UPDATE SET
         n = CASE WHEN EXCLUDED.window_end > q.window_end THEN EXCLUDED.n ELSE q.n + EXCLUDED.n END,
         window_end = GREATEST(q.window_end, EXCLUDED.window_end)
       RETURNING bucket, n`,
      [buckets, buckets.map((b) => add.get(b)!.windowEnd), buckets.map((b) => add.get(b)!.k)],
    );
    // The new total T of a bucket hit k times: its requests get T-k+1 … T, in arrival order.
    const next = new Map(rows.map((r) => [r.bucket, r.n - add.get(r.bucket)!.k + 1]));
    return requests.map((hits) =>
      hits.map((h) => {
        const n = next.get(h.bucket) ?? 0;
        next.set(h.bucket, n + 1);
        return n;
      }),
    );
  });
  return {
    kind: 'database',
    hit: (hits) => hitBatch(hits),
    async undo(hits) {
      if (!hits.length) return;
      await db.query(
        `UPDATE auth_quota_counter q SET n = q.n - 1 FROM unnest($1::text[], $2::bigint[]) AS x(b, e)
         WHERE q.bucket = x.b AND q.window_end = x.e AND q.n > 0`,
        [hits.map((h) => h.bucket), hits.map((h) => h.windowEnd)],
      );
    },
    async sweep(before) {
      await db.query('DELETE FROM auth_quota_counter WHERE window_end < $1', [before]);
    },
    async close() {},
  };
}

/** One bucket per window in Redis: `INCR`, and the expiry set with the first hit of the window. */
const HIT_SCRIPT = `local out = {}
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIREAT', KEYS[i], ARGV[i]) end
  out[i] = n
end
return out`;
const UNDO_SCRIPT = `for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECR', KEYS[i]) end
end
return 0`;

/**
 * Redis (REDIS_URL): every policy of a request in one round trip (a Lua script). Keys carry the
 * window end, so a new window is a new key and old ones expire by themselves; the subject is a hash
 * tag, so one request's keys live in one Redis Cluster slot.
 */
export async function redisStore(url: string): Promise<QuotaStore> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  await redis.connect();
  // Connection errors reach the commands that fail (a 503 for a key, let through for anonymous
  // callers); without a listener ioredis would also print each one as an unhandled event.
  redis.on('error', () => {});
  // defineCommand: EVALSHA, the script body sent once (EVAL would send and hash it on every request).
  redis.defineCommand('terroirHit', { lua: HIT_SCRIPT });
  redis.defineCommand('terroirUndo', { lua: UNDO_SCRIPT });
  const commands = redis as unknown as Record<'terroirHit' | 'terroirUndo', (n: number, ...args: string[]) => Promise<unknown>>;
  const key = (h: Hit) => {
    const cut = h.bucket.lastIndexOf(':');
    return `terroir:q:{${h.bucket.slice(0, cut)}}${h.bucket.slice(cut)}:${h.windowEnd}`;
  };
  return {
    kind: 'redis',
    async hit(hits) {
      const counts = (await commands.terroirHit(hits.length, ...hits.map(key), ...hits.map((h) => String(h.windowEnd + 1000)))) as number[];
      return counts.map(Number);
    },
    async undo(hits) {
      if (hits.length) await commands.terroirUndo(hits.length, ...hits.map(key));
    },
    async sweep() {},
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The state of one policy item after a request: what RateLimit reports. */
export interface Counted {
  /** Policy item name, e.g. `professionnel-year`. */
  item: string;
  limit: number;
  windowSeconds: number;
  count: number;
  /** Seconds until the window ends (at least 1). */
  reset: number;
}

export interface QuotaOutcome {
  items: Counted[];
  violated: Counted[];
}

/**
 * Counts one request of `subject` against `policy`. A request refused by one limit gives its unit
 * back to the others (so a client hammering a daily limit does not burn its yearly one).
 */
export async function consume(store: QuotaStore, subject: string, policy: Policy, now = Date.now()): Promise<QuotaOutcome> {
  if (!policy.limits.length) return { items: [], violated: [] };
  const windows = policy.limits.map((l) => windowOf(l.window, now));
  const hits = policy.limits.map((l, i) => ({ bucket: `${subject}:${policy.name}-${l.window}`, windowEnd: windows[i].end }));
  const counts = await store.hit(hits);
  const items = policy.limits.map((l, i) => ({
    item: `${policy.name}-${l.window}`,
    limit: l.count,
    windowSeconds: windows[i].seconds,
    count: counts[i],
    reset: Math.max(1, Math.ceil((windows[i].end - now) / 1000)),
  }));
  const violated = items.filter((c) => c.count > c.limit);
  if (violated.length) {
    const spared = hits.filter((_, i) => items[i].count <= items[i].limit);
    if (spared.length) await store.undo(spared);
  }
  return { items, violated };
}

/** Structured-field string (RFC 9651 sf-string): the item names are plain tokens, quoted. */
const sfString = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** `RateLimit-Policy`, `RateLimit` and, when refused, `Retry-After` (the latest reset among the violated items). */
export function rateLimitHeaders(o: QuotaOutcome): Record<string, string> {
  if (!o.items.length) return {};
  const headers: Record<string, string> = {
    'ratelimit-policy': o.items.map((c) => `${sfString(c.item)};q=${c.limit};w=${c.windowSeconds}`).join(', '),
    ratelimit: o.items.map((c) => `${sfString(c.item)};r=${Math.max(0, c.limit - c.count)};t=${c.reset}`).join(', '),
  };
  if (o.violated.length) headers['retry-after'] = String(Math.max(...o.violated.map((c) => c.reset)));
  return headers;
}
