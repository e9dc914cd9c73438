import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

// Two levels up then down again, not './migrations/': the same URL holds from src/db/ and from the
// start-up bundle in dist/server/ (scripts/build-server.mjs).
const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
/** Arbitrary constant: serialises migration runs of several nodes starting against one server. */
const MIGRATION_LOCK = 7_265_001;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(dir + name, 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the pending versioned migrations, each recorded with its checksum, all in one transaction
 * under an advisory lock. Both backends run the same files. A migration edited after it was applied
 * is an error: the database would no longer match the code.
 */
export async function migrate(db: Database, files = migrationFiles()): Promise<string[]> {
  // CREATE TABLE IF NOT EXISTS is not safe when several nodes start on one empty database at once
  // (all but one fail on pg_type's unique index): the register itself is created under the lock.
  const [{ t }] = await db.query<{ t: string | null }>(`SELECT to_regclass('terroir_migration')::text AS t`);
  if (!t) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.exec(`CREATE TABLE IF NOT EXISTS terroir_migration (
        name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    });
  }
  const done = new Map(
    (await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM terroir_migration')).map((r) => [r.name, r.checksum]),
  );
  for (const f of files) {
    const sum = done.get(f.name);
    if (sum !== undefined && sum !== f.checksum) throw new Error(`migration ${f.name} was changed after it was applied`);
  }
  const pending = files.filter((f) => !done.has(f.name));
  if (!pending.length) return [];
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const applied: string[] = [];
    const again = new Set((await tx.query<{ name: string }>('SELECT name FROM terroir_migration')).map((r) => r.name));
    for (const f of pending) {
      if (again.has(f.name)) continue;
      await tx.exec(f.sql);
      await tx.query('INSERT INTO terroir_migration (name, checksum) VALUES ($1, $2)', [f.name, f.checksum]);
      applied.push(f.name);
    }
    return applied;
  });
}
