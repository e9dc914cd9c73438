import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { copyLine, type Database, type Queryable, type Row, type Session } from './database.ts';
import { BinaryCopyEncoder } from './copy-binary.ts';
import { acquireDataDirLock } from './lock.ts';
import { inQueryContext } from './context.ts';
import { postgisExtension } from './postgis-bundle.ts';
import { preparedCacheDir } from './prepared.ts';

/** Rows sent per COPY: bounds the memory of one blob while keeping COPY's speed. */
const COPY_CHUNK_ROWS = 20_000;
/** A first open (initdb + PostGIS) takes ~10 s on 2 cores; past this something is wrong, say so. */
const OPEN_TIMEOUT_MS = 180_000;

/**
 * PostgreSQL's shared_buffers in the embedded database. PGlite's data directory comes with initdb's
 * 128MB, all of it resident once touched; 16MB serves the demo with the same CPU and ~120 MB less
 * resident memory (figures in docs/startup.md). Passed on the command line (`-c`), so the data
 * directory's postgresql.conf (PGlite's `postgresqlconf` option would overwrite it) is never touched.
 */
export const DEFAULT_SHARED_BUFFERS = '16MB';

const parsers = { [types.INT8]: Number, [types.NUMERIC]: Number };

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

function queryable(target: PgliteLike): Queryable {
  return {
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      // One query at a time, none cancellable once started: a request that ended starts no more.
      const res = await inQueryContext(() => target.query<T>(text, params as unknown[]));
      return res.rows;
    },
    async exec(script: string) {
      await target.exec(script);
    },
    async copyRows(table, columns, rows, types) {
      const sql = `COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM '/dev/blob'${types ? ' WITH (FORMAT binary)' : ''}`;
      // Each blob is a whole COPY: text lines, or a framed binary stream.
      let chunk: (string | Buffer)[] = [];
      let rowsInChunk = 0;
      let total = 0;
      const enc = types ? new BinaryCopyEncoder(types) : undefined;
      enc?.header();
      const flush = async () => {
        if (!rowsInChunk) return;
        if (enc) {
          enc.trailer();
          chunk.push(enc.take());
          enc.header();
        }
        await target.query(sql, [], { blob: new Blob(chunk as BlobPart[]) });
        total += rowsInChunk;
        chunk = [];
        rowsInChunk = 0;
      };
      for await (const row of rows as AsyncIterable<readonly unknown[]>) {
        if (enc) {
          enc.row(row);
          if (enc.size > 1 << 20) chunk.push(enc.take());
        } else chunk.push(copyLine(row));
        if (++rowsInChunk >= COPY_CHUNK_ROWS) await flush();
      }
      await flush();
      return total;
    },
  };
}

/**
 * The work tables of an import (src/import/load: staging, transformed, prepared rows) are dropped
 * when it ends; an import killed half-way (kill -9, power loss) leaves them, hundreds of MB for a
 * large file. This process owns the directory (the lock): no import of another can be running, so
 * every one found at open is dropped and its space given back.
 */
async function reclaimImportWork(q: Queryable): Promise<void> {
  const left = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '^terroir_(stage|prep|ready)_[0-9a-f]{12}$'`,
  );
  for (const { name } of left) await q.query(`DROP TABLE IF EXISTS "${name}"`);
}

/**
 * Named locks within this process. The embedded database belongs to one process (the data
 * directory lock), and PostgreSQL advisory locks of its single session would all be granted to
 * everyone: the lock lives here instead.
 */
class NamedLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async acquire(key: string, wait: boolean): Promise<(() => void) | undefined> {
    const before = this.#tails.get(key);
    if (before && !wait) return undefined;
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = (before ?? Promise.resolve()).then(() => mine);
    this.#tails.set(key, tail);
    await before;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

/**
 * Opens (creating on first use) the embedded database under `<dataDir>/pg`. The directory is locked
 * for this process; a lock left by a killed process is taken over and PostgreSQL's own stale
 * postmaster.pid removed, so a crash never leaves a directory that will not open again.
 */
export async function openPglite(dataDir: string, options: { sharedBuffers?: string } = {}): Promise<Database> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const pgdata = join(dir, 'pg');
  const release = acquireDataDirLock(dir, () => rmSync(join(pgdata, 'postmaster.pid'), { force: true }));
  let db: PGlite;
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`embedded database in ${pgdata} did not open within ${OPEN_TIMEOUT_MS / 1000} s`)),
        OPEN_TIMEOUT_MS,
      );
      timer.unref();
    });
    db = await Promise.race([PGlite.create({
        dataDir: pgdata,
        // The installation's cache, whatever TERROIR_CACHE_DIR says: the bundle belongs to node_modules' package.
        extensions: { postgis: postgisExtension(preparedCacheDir()) },
        parsers,
        startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers ?? DEFAULT_SHARED_BUFFERS}`],
      }), timeout]);
    clearTimeout(timer);
  } catch (e) {
    release();
    throw e;
  }
  const base = queryable(db);
  await reclaimImportWork(base);
  const locks = new NamedLocks();
  return {
    backend: 'pglite',
    ...base,
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
    async session(fn) {
      // The one connection is shared: the session's statements interleave with everyone else's,
      // which is the point (readers are not held for the length of an import).
      const held: (() => void)[] = [];
      const s: Session = {
        ...base,
        transaction: (body) => db.transaction((tx) => body(queryable(tx))),
        async lock(key, wait) {
          const release = await locks.acquire(key, wait);
          if (!release) return false;
          held.push(release);
          return true;
        },
      };
      try {
        return await fn(s);
      } finally {
        for (const r of held) r();
      }
    },
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
