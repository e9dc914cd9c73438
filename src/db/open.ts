import type { Config } from '../config/schema.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';

/**
 * The backend the configuration names: a PostgreSQL server when DATABASE_URL is set, else embedded.
 * Each driver is loaded only when chosen (PGlite alone costs ~0.2 s of start-up under tsx).
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'poolSize' | 'statementTimeoutMs'> & Partial<Pick<Config, 'pgliteSharedBuffers'>>): Promise<Database> {
  if (config.databaseUrl) return (await import('./postgres.ts')).openPostgres(config.databaseUrl, config);
  return (await import('./pglite.ts')).openPglite(config.dataDir, { sharedBuffers: config.pgliteSharedBuffers });
}

/** Opens and brings the schema up to date: what `serve` and `migrate` both need. */
export async function openMigrated(config: Parameters<typeof openDatabase>[0]): Promise<{ db: Database; applied: string[] }> {
  const db = await openDatabase(config);
  try {
    return { db, applied: await migrate(db) };
  } catch (e) {
    await db.close();
    throw e;
  }
}
