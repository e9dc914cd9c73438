import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { copyLine, NAMED_LOCK_CLASS, type Database, type Queryable, type Row, type Session } from './database.ts';
import { BinaryCopyEncoder } from './copy-binary.ts';
import { inQueryContext, RequestAbortedError } from './context.ts';
import { reclaimWorkTables } from './work-tables.ts';

const typeParsers: Record<number, (v: string) => unknown> = { 20: Number, 1700: Number };
const types = {
  getTypeParser: (oid: number, format?: string) =>
    typeParsers[oid] ?? (pg.types.getTypeParser as (o: number, f?: string) => (v: string) => unknown)(oid, format),
};

/** A pooled connection, or the request's end first (the connection, when it comes, goes back). */
async function connect(pool: pg.Pool, signal: AbortSignal): Promise<pg.PoolClient> {
  const pending = pool.connect();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new RequestAbortedError('request ended while waiting for a connection'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, aborted]);
  } catch (e) {
    pending.then((c) => c.release(), () => {});
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * One statement of a request on its own pooled connection, cancelled on the server
 * (pg_cancel_backend, through the small pool kept for that) as soon as the request ends: a client
 * gone or a deadline passed frees the backend instead of letting it run to its statement timeout.
 */
/** How long a cancelled statement's connection waits for its cancel before it is discarded all the same. */
const CANCEL_WAIT_MS = 5000;

async function cancellable<T extends Row>(pool: pg.Pool, canceller: pg.Pool, config: pg.QueryConfig, signal: AbortSignal): Promise<T[]> {
  const c = await connect(pool, signal);
  const pid = (c as unknown as { processID: number }).processID;
  let cancelling: Promise<unknown> | undefined;
  const onAbort = () => {
    cancelling = canceller.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return (await c.query<T>(config)).rows;
  } catch (e) {
    if (cancelling) throw new RequestAbortedError('statement cancelled: its request ended');
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (cancelling) {
      // pg_cancel_backend names a backend, not a statement: sent as our statement ends, it could land on
      // the next caller's statement if the connection went back to the pool first (a quota test saw an
      // organisation's insert cancelled). Wait for it, then discard the connection. The wait is bounded:
      // a cancel that never runs must not keep the connection out of the pool for ever (a discarded
      // connection ends its backend's statement anyway, client_connection_check_interval below).
      await Promise.race([cancelling, new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
      c.release(true);
    } else c.release();
  }
}

function queryable(client: pg.Pool | pg.PoolClient, canceller?: pg.Pool): Queryable {
  return {
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      const config = { text, values: params as unknown[], types } as pg.QueryConfig;
      // Statements of a request (pool level) carry its signal; an import's session, or a transaction, does not.
      if (client instanceof pg.Pool && canceller) {
        return inQueryContext((signal) => (signal ? cancellable<T>(client, canceller, config, signal) : client.query<T>(config).then((r) => r.rows)));
      }
      const res = await client.query<T>(config);
      return res.rows;
    },
    async exec(script: string) {
      await client.query(script);
    },
    async copyRows(table, columns, rows, types) {
      const run = async (c: pg.PoolClient) => {
        const stream = c.query(copyFrom(`COPY ${table} (${columns.map((col) => `"${col}"`).join(', ')}) FROM STDIN${types ? ' WITH (FORMAT binary)' : ''}`));
        let total = 0;
        async function* binary() {
          const enc = new BinaryCopyEncoder(types!);
          enc.header();
          for await (const row of rows as AsyncIterable<readonly unknown[]>) {
            enc.row(row);
            total++;
            if (enc.size > 1 << 20) yield enc.take();
          }
          enc.trailer();
          yield enc.take();
        }
        async function* lines() {
          let buf = '';
          for await (const row of rows as AsyncIterable<readonly unknown[]>) {
            buf += copyLine(row);
            total++;
            if (buf.length > 1 << 20) {
              yield buf;
              buf = '';
            }
          }
          if (buf) yield buf;
        }
        await pipeline(Readable.from(types ? binary() : lines()), stream);
        return total;
      };
      if (client instanceof pg.Pool) {
        const c = await client.connect();
        try {
          return await run(c);
        } finally {
          c.release();
        }
      }
      return run(client as pg.PoolClient);
    },
  };
}

/**
 * A pooled PostgreSQL + PostGIS server. Every statement runs under `statement_timeout`, so a
 * pathological geometry query cannot hold a connection forever.
 */
export async function openPostgres(url: string, opts: { poolSize: number; statementTimeoutMs: number }): Promise<Database> {
  // PostgreSQL 14+: a backend whose client went away (this process killed mid-query) stops its
  // statement within 2 s instead of running to its timeout. Set at connection start (older
  // servers refuse the parameter, so the version is asked first).
  const probe = new pg.Client({ connectionString: url, application_name: 'terroir' });
  await probe.connect();
  let version: number;
  try {
    version = Number((await probe.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0].v);
  } finally {
    await probe.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize,
    statement_timeout: opts.statementTimeoutMs,
    application_name: 'terroir',
    ...(version >= 140000 ? { options: '-c client_connection_check_interval=2000' } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  // Cancels go through connections of their own: the main pool may be the very thing that is full.
  const canceller = new pg.Pool({ connectionString: url, max: 2, application_name: 'terroir-cancel' });
  canceller.on('error', () => {});
  const base = queryable(pool, canceller);
  const db: Database = {
    backend: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async session(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      const q = queryable(client);
      const s: Session = {
        ...q,
        async transaction(body) {
          await client.query('BEGIN');
          try {
            const result = await body(q);
            await client.query('COMMIT');
            return result;
          } catch (e) {
            await client.query('ROLLBACK').catch(() => {});
            throw e;
          }
        },
        async lock(key, wait) {
          if (!wait) {
            const [r] = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [NAMED_LOCK_CLASS, key]);
            return r.ok;
          }
          await q.query('SELECT pg_advisory_lock($1, hashtext($2))', [NAMED_LOCK_CLASS, key]);
          return true;
        },
      };
      try {
        return await fn(s);
      } catch (e) {
        throw e;
      } finally {
        // Locks and settings of the session end with it: the connection goes back clean, or not at all.
        try {
          await client.query('SELECT pg_advisory_unlock_all(); RESET ALL');
        } catch (e) {
          broken = e as Error;
        }
        client.release(broken);
      }
    },
    async close() {
      // The main pool first: it waits for the connections still out, and those of requests that ended
      // (a client gone as the service stops) wait for their cancel, which needs the canceller alive.
      // Ended first, it left their cancels queued for ever and the stop hung (bench/http, after load).
      await pool.end();
      await canceller.end();
    },
  };
  // Work tables of imports killed half-way (any node): dropped at start, unless their import lives.
  try {
    await db.session((s) => reclaimWorkTables(s));
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
