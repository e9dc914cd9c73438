import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDatabase } from './scratch-db.ts';
import type { Database } from '../../src/db/database.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';

/** Which backend this test run uses: PostgreSQL when DATABASE_URL is set (the CI's second run). */
export const BACKEND: 'pglite' | 'postgres' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDb {
  db: Database;
  /** The embedded data directory (PGlite only). */
  dataDir?: string;
  /** The database URL (PostgreSQL only). */
  url?: string;
  close(): Promise<void>;
}

let counter = 0;

/**
 * A fresh, migrated, empty database per test file. PGlite: a copy of a migrated template data
 * directory (initdb + PostGIS take ~10 s; a copy takes well under one). PostgreSQL: a new database
 * on the DATABASE_URL server, dropped afterwards, so runs never share state.
 */
export async function freshDb(): Promise<TestDb> {
  if (BACKEND === 'postgres') return freshPostgres(process.env.DATABASE_URL!);
  const dataDir = mkdtempSync(join(tmpdir(), 'terroir-test-'));
  cpSync(await pgliteTemplate(), dataDir, { recursive: true });
  const db = await openPglite(dataDir);
  await migrate(db);
  return {
    db,
    dataDir,
    async close() {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function pgliteTemplate(): Promise<string> {
  const key = createHash('sha256')
    .update(migrationFiles().map((f) => f.checksum).join())
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `terroir-template-${key}`);
  if (existsSync(join(dir, 'pg', 'PG_VERSION'))) return dir;
  const building = mkdtempSync(join(tmpdir(), 'terroir-template-build-'));
  const db = await openPglite(building);
  await migrate(db);
  await db.close();
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another run built it first
  }
  return dir;
}

async function freshPostgres(url: string): Promise<TestDb> {
  const scratch = await scratchDatabase(url, `terroir_t_${process.pid}_${Date.now().toString(36)}_${counter++}`);
  const db = await openPostgres(scratch.url, { poolSize: 4, statementTimeoutMs: 60_000 });
  await migrate(db);
  return {
    db,
    url: scratch.url,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}
