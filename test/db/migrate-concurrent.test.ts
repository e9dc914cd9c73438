/**
 * Several nodes starting at once against one empty PostgreSQL database: each runs the migrations
 * (src/db/migrate.ts) on its own pool. The advisory lock must make exactly one of them apply each
 * migration, the others wait and apply nothing, and every start succeed. On the embedded backend the
 * same race is two start-up paths of one process on one database (a second process is refused by
 * the data-directory lock, test/db/lock.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scratchDatabase } from '../helpers/scratch-db.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { BACKEND, freshDb } from '../helpers/db.ts';

const FILES = migrationFiles().map((f) => f.name);
const NODES = 4;

const emptyDatabase = () => scratchDatabase(process.env.DATABASE_URL!, `terroir_t_migrate_${process.pid}_${Date.now().toString(36)}`);

/**
 * migrate() used to create terroir_migration with CREATE TABLE IF NOT EXISTS before taking the
 * advisory lock: several nodes at once on an empty database, all but one failed with `duplicate key
 * value violates unique constraint "pg_type_typname_nsp_index"` (IF NOT EXISTS is not safe under
 * concurrency). The register is now created under the lock.
 */
test(`postgres: ${NODES} nodes migrating one empty database at once: each migration applied once, every start succeeds`, {
  skip: BACKEND !== 'postgres' && 'PostgreSQL only (the embedded case is below)',
}, async () => {
  assert.ok(FILES.length >= 9, `${FILES.length} migrations`);
  const place = await emptyDatabase();
  const dbs = await Promise.all(Array.from({ length: NODES }, () => openPostgres(place.url, { poolSize: 2, statementTimeoutMs: 120_000 })));
  try {
    const results = await Promise.allSettled(dbs.map((db) => migrate(db)));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], 'every node starts');
    const applied = results.map((r) => (r as PromiseFulfilledResult<string[]>).value);
    assert.deepEqual(applied.flat().sort(), FILES, 'each migration applied by exactly one node');
    assert.equal(applied.filter((a) => a.length > 0).length, 1, 'one node applied them all, in one transaction');
    const rows = await dbs[0].query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM terroir_migration GROUP BY name ORDER BY name');
    assert.deepEqual(rows, FILES.map((name) => ({ name, n: 1 })));
    // A later start of any node finds nothing to do.
    assert.deepEqual(await Promise.all(dbs.map((db) => migrate(db))), dbs.map(() => []));
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
    await place.drop();
  }
});

test(`${BACKEND}: two migration runs racing on one database apply a new migration once`, async () => {
  const t = await freshDb();
  try {
    // A migration that fails if applied twice (CREATE TABLE without IF NOT EXISTS), beside the real ones.
    const probe = { name: '9999_race_probe.sql', sql: 'CREATE TABLE race_probe (n int); INSERT INTO race_probe VALUES (1);', checksum: 'race-probe-1' };
    const files = [...migrationFiles(), probe];
    const results = await Promise.allSettled([migrate(t.db, files), migrate(t.db, files), migrate(t.db, files)]);
    assert.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
    const applied = results.map((r) => (r as PromiseFulfilledResult<string[]>).value);
    assert.deepEqual(applied.flat(), ['9999_race_probe.sql'], 'applied by one run only');
    assert.deepEqual(await t.db.query('SELECT n FROM race_probe'), [{ n: 1 }]);
    const rows = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM terroir_migration WHERE name = '9999_race_probe.sql'`);
    assert.equal(rows[0].n, 1);
  } finally {
    await t.close();
  }
});
