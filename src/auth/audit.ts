/**
 * The audit trail of restricted routes: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and
 * hash-chained, so that an edit, a removal or a reordering made behind the service's back (by someone
 * who can disable the trigger) is found at its row by `verifyAudit`, and removing the newest rows is
 * found against a signed checkpoint kept off the server (`makeCheckpoint`, Ed25519).
 *
 *   hash(n) = SHA-256( hash(n-1) as hex  ‖  RFC 8785 canonical JSON of row n )
 *
 * The canonical JSON covers every column but seq, prev_hash and hash: moving a row (changing its seq)
 * is found by the broken link, not by its own hash, so verify can tell a reordering from an edit.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import canonicalize from 'canonicalize';
import type { Config } from '../config/schema.ts';
import type { Database, Queryable } from '../db/database.ts';
import { batcher } from './batch.ts';

export const GENESIS = '0'.repeat(64);
/** Arbitrary constant (the project's 7_265_0NN series): serialises appends of every node. */
const AUDIT_LOCK = 7_265_050;

export interface AuditRecord {
  /** ISO 8601 UTC, milliseconds (`Date.toISOString()`). */
  at: string;
  request_id: string;
  method: string;
  /** The route pattern, e.g. `/api/cartobio/territoires/epci/:siren`. */
  route: string;
  /** The path asked, without the query string (which may carry `apikey`). */
  path: string;
  /** The scope the route requires. */
  scope: string;
  organisation: number | null;
  key_prefix: string | null;
  /** The territory asked: `{ <param>: code | GeoJSON geometry }`, null when none was checked. */
  territory: Record<string, unknown> | null;
  status: number;
  /** Features returned (FeatureCollection answers), null otherwise. */
  features: number | null;
  ip: string | null;
}

/** The RFC 8785 canonical JSON of exactly the record's fields (a row read back has seq and hashes too). */
export function canonical(r: AuditRecord): string {
  const { at, request_id, method, route, path, scope, organisation, key_prefix, territory, status, features, ip } = r;
  const text = canonicalize({ at, request_id, method, route, path, scope, organisation, key_prefix, territory, status, features, ip });
  if (text === undefined) throw new Error('audit record has no canonical JSON');
  return text;
}

export function chainHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(prevHash + canonical(record), 'utf8').digest('hex');
}

const INSERT_ROWS = `INSERT INTO auth_audit (seq, at, request_id, method, route, path, scope, organisation, key_prefix, territory, status, features, ip, prev_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[],
                       $10::text[], $11::int[], $12::int[], $13::text[], $14::text[], $15::text[])`;

/**
 * Appends rows in one transaction under the advisory lock: the lock is taken by a statement of its
 * own, so the SELECT that follows reads the head the previous holder committed (a lock taken inside
 * the INSERT would leave it reading a snapshot from before the wait). Hashes are chained here, in
 * node, as verifyAudit recomputes them.
 */
async function appendRows(db: Database, records: AuditRecord[]): Promise<{ seq: number; hash: string }[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const [head] = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM auth_audit ORDER BY seq DESC LIMIT 1');
    let seq = head?.seq ?? 0;
    let prev = head?.hash ?? GENESIS;
    const rows = records.map((r) => {
      const hash = chainHash(prev, r);
      const row = { seq: ++seq, r, prev, hash };
      prev = hash;
      return row;
    });
    const col = <T>(f: (x: (typeof rows)[number]) => T) => rows.map(f);
    await tx.query(INSERT_ROWS, [
      col((x) => x.seq), col((x) => x.r.at), col((x) => x.r.request_id), col((x) => x.r.method), col((x) => x.r.route), col((x) => x.r.path),
      col((x) => x.r.scope), col((x) => x.r.organisation), col((x) => x.r.key_prefix), col((x) => (x.r.territory === null ? null : canonicalize(x.r.territory))),
      col((x) => x.r.status), col((x) => x.r.features), col((x) => x.r.ip), col((x) => x.prev), col((x) => x.hash),
    ]);
    return rows.map((x) => ({ seq: x.seq, hash: x.hash }));
  });
}

const appenders = new WeakMap<Database, (r: AuditRecord) => Promise<{ seq: number; hash: string }>>();

/**
 * Appends one record. Concurrent appends of the process go together (src/auth/batch.ts): one
 * transaction, one advisory lock and one commit for a batch, rows chained in arrival order; several
 * nodes' batches are serialised by the lock. Resolves once the row is committed.
 */
export function appendAudit(db: Database, r: AuditRecord): Promise<{ seq: number; hash: string }> {
  let append = appenders.get(db);
  if (!append) {
    const weight = (r: AuditRecord) => (r.territory === null ? 0 : JSON.stringify(r.territory).length);
    appenders.set(db, (append = batcher((records: AuditRecord[]) => appendRows(db, records), { items: 500, weight, maxWeight: 4_000_000 })));
  }
  return append(r);
}

interface StoredRow extends Record<string, unknown> {
  seq: number;
  prev_hash: string;
  hash: string;
}

const STORED_COLUMNS = `seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, request_id, method, route, path, scope,
  organisation, key_prefix, territory, status, features, ip, prev_hash, hash`;

function recordOf(row: Record<string, unknown>): AuditRecord {
  return {
    at: row.at as string,
    request_id: row.request_id as string,
    method: row.method as string,
    route: row.route as string,
    path: row.path as string,
    scope: row.scope as string,
    organisation: row.organisation as number | null,
    key_prefix: row.key_prefix as string | null,
    territory: row.territory === null ? null : JSON.parse(row.territory as string),
    status: row.status as number,
    features: row.features as number | null,
    ip: row.ip as string | null,
  };
}

export interface AuditRow extends AuditRecord {
  seq: number;
  prev_hash: string;
  hash: string;
}

/** Rows in chain order, from `after` (exclusive), at most `limit`; optionally one organisation's. */
export async function listAudit(db: Queryable, opts: { after?: number; limit?: number; organisation?: number } = {}): Promise<AuditRow[]> {
  const values: unknown[] = [opts.after ?? 0, opts.limit ?? 100];
  const org = opts.organisation === undefined ? '' : `AND organisation = $${values.push(opts.organisation)}`;
  const rows = await db.query<StoredRow>(`SELECT ${STORED_COLUMNS} FROM auth_audit WHERE seq > $1 ${org} ORDER BY seq LIMIT $2`, values);
  return rows.map((r) => ({ seq: r.seq, ...recordOf(r), prev_hash: r.prev_hash, hash: r.hash }));
}

export type AuditProblem =
  | { kind: 'edited'; seq: number; detail: string }
  | { kind: 'removed'; seq: number; detail: string }
  | { kind: 'reordered'; seq: number; detail: string }
  | { kind: 'checkpoint'; seq: number; detail: string };

export interface VerifyResult {
  ok: boolean;
  rows: number;
  head: { seq: number; hash: string } | null;
  problem?: AuditProblem;
}

const BATCH = 2000;

/**
 * Walks the chain in seq order and names the first row that breaks it: a gap in seq (a row removed),
 * a row whose content no longer gives its hash (edited), or a row that is intact but does not follow
 * its predecessor (reordered when its predecessor is found elsewhere in the log, otherwise removed or
 * rewritten). Reads in batches: memory stays flat whatever the size of the log.
 */
export async function verifyAudit(db: Queryable): Promise<VerifyResult> {
  let expected = 1;
  let prev = GENESIS;
  let rows = 0;
  for (;;) {
    const batch = await db.query<StoredRow>(`SELECT ${STORED_COLUMNS} FROM auth_audit WHERE seq >= $1 ORDER BY seq LIMIT ${BATCH}`, [expected]);
    for (const row of batch) {
      const at = { ok: false, rows, head: rows ? { seq: expected - 1, hash: prev } : null };
      if (row.seq !== expected) {
        return { ...at, problem: { kind: 'removed', seq: expected, detail: `row ${expected} is missing: the log goes from row ${expected - 1} to row ${row.seq}` } };
      }
      if (chainHash(row.prev_hash, recordOf(row)) !== row.hash) {
        return { ...at, problem: { kind: 'edited', seq: row.seq, detail: `row ${row.seq} was edited: its content no longer gives its hash` } };
      }
      if (row.prev_hash !== prev) {
        const [other] = await db.query<{ seq: number }>('SELECT seq FROM auth_audit WHERE hash = $1', [row.prev_hash]);
        const problem: AuditProblem = other
          ? { kind: 'reordered', seq: row.seq, detail: `row ${row.seq} does not follow row ${row.seq - 1}: it was appended after the row now numbered ${other.seq} (rows were reordered)` }
          : { kind: 'removed', seq: row.seq, detail: `row ${row.seq} does not follow row ${row.seq - 1}: the row it was appended after is gone (removed, or rewritten with a new hash)` };
        return { ...at, problem };
      }
      prev = row.hash;
      expected++;
      rows++;
    }
    if (batch.length < BATCH) break;
  }
  return { ok: true, rows, head: rows ? { seq: expected - 1, hash: prev } : null };
}

/** What a checkpoint pins: the head of the chain at one moment. */
export interface Checkpoint {
  seq: number;
  hash: string;
  /** Time of the head row. */
  at: string | null;
  signed_at: string;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER): compare it with the one on record. */
  key_id: string;
  public_key: string;
  /** Ed25519 over the canonical JSON of `checkpoint`, base64. */
  signature: string;
}

/**
 * The signing key: a PKCS#8 PEM file, created (mode 0600) on first use. It lives on the node's file
 * system, never in the database, so that whoever can rewrite the database cannot also sign a new head.
 */
export function signingKey(file: string): { privateKey: KeyObject; publicKey: KeyObject; created: boolean } {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o077;
    if (mode) throw new Error(`${file} is readable by other users (mode ${(statSync(file).mode & 0o777).toString(8)}): chmod 600 it`);
    const privateKey = createPrivateKey(readFileSync(file));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
    return { privateKey, publicKey: createPublicKey(privateKey), created: false };
  }
  mkdirSync(dirname(file), { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { privateKey, publicKey, created: true };
}

/** Where the signing key lives: TERROIR_AUDIT_KEY_FILE, else next to the embedded database (docs/access.md). */
export const auditKeyFile = (c: Pick<Config, 'auditKeyFile' | 'dataDir'>) => c.auditKeyFile ?? join(c.dataDir, 'audit-ed25519.pem');

const keyId = (publicKey: KeyObject) => createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);

/** Signs the current head (after checking the whole chain: a checkpoint never vouches for a broken log). */
export async function makeCheckpoint(db: Queryable, keyFile: string): Promise<SignedCheckpoint> {
  const v = await verifyAudit(db);
  if (!v.ok) throw new Error(`the audit log is broken, no checkpoint signed: ${v.problem!.detail}`);
  const [head] = v.head
    ? await db.query<{ at: string }>(`SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM auth_audit WHERE seq = $1`, [v.head.seq])
    : [];
  const checkpoint: Checkpoint = { seq: v.head?.seq ?? 0, hash: v.head?.hash ?? GENESIS, at: head?.at ?? null, signed_at: new Date().toISOString() };
  const { privateKey, publicKey } = signingKey(keyFile);
  return {
    checkpoint,
    key_id: keyId(publicKey),
    public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signature: sign(null, Buffer.from(canonicalize(checkpoint)!, 'utf8'), privateKey).toString('base64'),
  };
}

/**
 * Checks a checkpoint kept off the server: its signature, then that the log still holds its head row
 * with the same hash (rows removed from the end, or a rewritten chain, show here). `trustedKeyId`:
 * the key id on record; without it the signature only proves the checkpoint was not altered.
 */
export async function verifyCheckpoint(db: Queryable, cp: SignedCheckpoint, trustedKeyId?: string): Promise<AuditProblem | undefined> {
  const publicKey = createPublicKey(cp.public_key);
  const c = cp.checkpoint;
  if (!verify(null, Buffer.from(canonicalize(c)!, 'utf8'), publicKey, Buffer.from(cp.signature, 'base64'))) {
    return { kind: 'checkpoint', seq: c.seq, detail: 'the checkpoint signature does not verify: the file was altered' };
  }
  if (keyId(publicKey) !== cp.key_id || (trustedKeyId && cp.key_id !== trustedKeyId)) {
    return { kind: 'checkpoint', seq: c.seq, detail: `the checkpoint is signed by key ${keyId(publicKey)}, not by ${trustedKeyId ?? cp.key_id}` };
  }
  if (c.seq === 0) return undefined;
  const [row] = await db.query<{ hash: string }>('SELECT hash FROM auth_audit WHERE seq = $1', [c.seq]);
  if (!row) {
    const [{ n }] = await db.query<{ n: number }>('SELECT coalesce(max(seq), 0)::int AS n FROM auth_audit');
    return { kind: 'removed', seq: n + 1, detail: `rows ${n + 1} to ${c.seq} were removed: the checkpoint of ${c.signed_at} has ${c.seq} rows, the log ${n}` };
  }
  if (row.hash !== c.hash) return { kind: 'edited', seq: c.seq, detail: `row ${c.seq} does not have the hash the checkpoint of ${c.signed_at} recorded: the chain was rewritten up to it` };
  return undefined;
}

/** The key id of the signing key file, when there is one (never creates it). */
export function signingKeyId(file: string): string | undefined {
  return existsSync(file) ? keyId(signingKey(file).publicKey) : undefined;
}
