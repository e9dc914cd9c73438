import os from 'node:os';
import type { Database, Queryable, Row } from '../db/database.ts';

/**
 * Runs one generation statement. On PostgreSQL it runs in its own transaction with the statement
 * timeout lifted: the service's pool timeout (15 s by default) protects requests, not this batch job.
 */
export async function run<T extends Row = Row>(db: Database, text: string, params: readonly unknown[] = []): Promise<T[]> {
  if (db.backend !== 'postgres') return db.query<T>(text, params);
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL statement_timeout = 0');
    return tx.query<T>(text, params);
  });
}

/**
 * Runs `fn` over id ranges [lo, hi] covering [min, max]. PostgreSQL gets them on several connections
 * at once (one per core, the pool permitting); PGlite is one process, so they run one after another.
 * Results never depend on the split: each row's values come from keyed hashes, not from order.
 */
export async function inChunks(
  db: Database,
  min: number,
  max: number,
  chunk: number,
  fn: (q: Queryable, lo: number, hi: number) => Promise<unknown>,
): Promise<void> {
  const ranges: [number, number][] = [];
  for (let lo = min; lo <= max; lo += chunk) ranges.push([lo, Math.min(max, lo + chunk - 1)]);
  const width = db.backend === 'postgres' ? Math.max(1, Math.min(os.availableParallelism(), 8)) : 1;
  let next = 0;
  const worker = async () => {
    while (next < ranges.length) {
      const [lo, hi] = ranges[next++];
      if (db.backend === 'postgres') {
        await db.transaction(async (tx) => {
          await tx.query('SET LOCAL statement_timeout = 0');
          await fn(tx, lo, hi);
        });
      } else {
        await fn(db, lo, hi);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, ranges.length) }, worker));
}
