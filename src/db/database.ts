/**
 * The one interface between Terroir and its storage. Both backends (embedded PGlite + PostGIS, and a
 * PostgreSQL + PostGIS server) run the same SQL text; nothing above this file knows which one answers.
 */
import type { CopyType } from './copy-binary.ts';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement, values bound as $1..$n (never spliced into the text). */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** A multi-statement script without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Bulk load through COPY FROM (the fastest path of each backend). Rows are arrays in `columns`
   * order; null/undefined become SQL NULL. Returns the number of rows written. With `types` (one per
   * column) the rows go in the binary format (src/db/copy-binary.ts): geometries as WKB Buffers.
   */
  copyRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
    types?: readonly CopyType[],
  ): Promise<number>;
}

/**
 * One connection kept for a long job (an import), outside any transaction, so that its work does
 * not hold locks or, on the embedded backend, the single connection between statements: readers
 * run between its statements. Settings (`SET`) and locks last until the session ends.
 */
export interface Session extends Queryable {
  /** A transaction on the session's connection (short: the swap of an import). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * An exclusive lock on `key` held until the session ends: a PostgreSQL advisory lock (every node
   * and process on that server), a lock in this process on the embedded backend (which no other
   * process can open). `wait: false` returns false at once when another holder has it.
   */
  lock(key: string, wait: boolean): Promise<boolean>;
}

export interface Database extends Queryable {
  readonly backend: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs `fn` on one connection kept for it (see Session); its locks and settings end with it. */
  session<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Advisory-lock namespace of Terroir's named locks (first key of pg_advisory_lock(int, int)). */
export const NAMED_LOCK_CLASS = 7_265_002;

/**
 * Takes the named lock `key` until the end of the transaction `tx` (pg_advisory_xact_lock, same
 * namespace as Session.lock). For a derivation that rebuilds rows shared by several datasets: the
 * second transaction waits for the first, and its next statements (a new snapshot each, READ
 * COMMITTED) see and replace what the first committed. On the embedded backend a transaction holds
 * the one connection alone, so the lock is granted at once.
 */
export async function lockUntilCommit(tx: Queryable, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [NAMED_LOCK_CLASS, key]);
}

/** Text-format COPY encoding of one value (PostgreSQL "text" format, NULL as \N). */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let s: string;
  if (typeof value === 'string') s = value;
  else if (value instanceof Date) s = value.toISOString();
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export function copyLine(row: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) line += (i ? '\t' : '') + copyField(row[i]);
  return line + '\n';
}
