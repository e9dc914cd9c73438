/**
 * Closing the PostgreSQL pool while requests that just ended still have statements running: what a
 * `terroir serve` stopping right after a load does (bench/http hung there: the clients that
 * disconnected left their statements' cancels queued on the canceller pool, which was ended first,
 * so their connections never came back and the pool's end waited for ever).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres } from '../../src/db/postgres.ts';
import { RequestAbortedError, runWithQueryContext } from '../../src/db/context.ts';
import { scratchDatabase } from '../helpers/scratch-db.ts';

const url = process.env.DATABASE_URL;

test('postgres: the pool closes while statements of ended requests are being cancelled, their connections given back', {
  skip: !url && 'PostgreSQL only (DATABASE_URL): the embedded backend has no pool and no cancel',
}, async () => {
  const scratch = await scratchDatabase(url!, `terroir_t_close_${process.pid}`);
  try {
    const db = await openPostgres(scratch.url, { poolSize: 8, statementTimeoutMs: 60_000 });
    // Eight requests each running a long statement: more than the two connections kept for cancels.
    const requests = Array.from({ length: 8 }, () => new AbortController());
    const statements = requests.map((r) =>
      runWithQueryContext({ signal: r.signal, heavy: false }, () => db.query('SELECT pg_sleep(20)')).then(
        () => 'finished',
        (e: Error) => e,
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    // Their clients go away, and the service stops at once.
    for (const r of requests) r.abort();
    const t0 = Date.now();
    const closed = await Promise.race([db.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still closing after 15 s'), 15_000))]);
    assert.equal(closed, 'closed');
    assert.ok(Date.now() - t0 < 10_000, `closed in ${Date.now() - t0} ms`);
    for (const s of await Promise.all(statements)) assert.ok(s instanceof RequestAbortedError, `each statement cancelled, not run to its end: ${s}`);
  } finally {
    await scratch.drop();
  }
});
