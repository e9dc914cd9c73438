/**
 * The work tables of an import (src/import/load: `terroir_stage_<tag>`, `terroir_prep_<tag>`,
 * `terroir_ready_<tag>`, UNLOGGED, outside any transaction) are dropped when it ends; an import
 * killed half-way (kill -9, a lost node) leaves them, hundreds of MB for a large file.
 *
 * Each import holds the named lock `import-work:<tag>` on its session for as long as it lives (taken
 * before its first work table is created). On PostgreSQL that is an advisory lock, held by the
 * import's backend on the server, so any process on any node can tell a live import's tables from a
 * dead one's: a tag whose lock can be taken has no holder left, and its tables are dropped. The next
 * import and the next start (openPostgres) reclaim them. On the embedded backend the directory
 * belongs to one process, which drops every work table it finds at open (pglite.ts).
 */
import type { Session } from './database.ts';

/** The names of an import's work tables: prefix, then a 12-hex-digit tag (LoadJob). */
export const WORK_TABLE_PATTERN = '^terroir_(stage|prep|ready)_[0-9a-f]{12}$';

/** The lock an import holds on its session while its work tables may exist. */
export const workLock = (tag: string) => `import-work:${tag}`;

/**
 * Drops the work tables of imports that no longer run (their tag's lock free). Returns the tables
 * dropped. Tables of a live import (lock held elsewhere, or by this session) are left alone.
 */
export async function reclaimWorkTables(s: Session, own?: string): Promise<string[]> {
  const left = await s.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname ~ $1 ORDER BY 1`,
    [WORK_TABLE_PATTERN],
  );
  const byTag = new Map<string, string[]>();
  for (const { name } of left) {
    const tag = name.slice(-12);
    if (tag !== own) byTag.set(tag, [...(byTag.get(tag) ?? []), name]);
  }
  const dropped: string[] = [];
  for (const [tag, tables] of byTag) {
    // Held by the session until it ends: the dead import's tag is nobody else's.
    if (!(await s.lock(workLock(tag), false))) continue;
    for (const t of tables) {
      await s.query(`DROP TABLE IF EXISTS "${t}"`);
      dropped.push(t);
    }
  }
  return dropped;
}
