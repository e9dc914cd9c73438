/**
 * API keys: `trr_<prefix>_<secret>`, 8 lower-case characters of public prefix (lookup, listings, the
 * audit trail) and 256 random bits of secret. Only the SHA-256 of the whole key is stored: a plain
 * digest, not a slow password hash, because the secret is random and 256 bits long (nothing to
 * brute-force from the digest) and a slow hash would hand attackers a CPU lever on every request.
 * The presented digest is compared in constant time.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { isScope, type Scope } from './access.ts';
import { parseQuota } from './quota.ts';
import type { OrgKind } from './organisations.ts';
import { batcher } from './batch.ts';

export const KEY_RE = /^trr_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Any presented key shorter or longer than this cannot be one of ours: no lookup. */
export const MAX_CREDENTIAL_LENGTH = 1000;

export class KeyError extends Error {}

export function digest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** True when `text` has the shape of a Terroir key (an API Carto client may send a Géoportail key). */
export function looksLikeKey(text: string): boolean {
  return text.startsWith('trr_');
}

export function newKey(): { key: string; prefix: string; hash: string } {
  let prefix = '';
  for (let i = 0; i < 8; i++) prefix += PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)];
  const key = `trr_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: digest(key) };
}

/** Who a valid key speaks for. */
export interface Principal {
  prefix: string;
  scopes: Scope[];
  quota: string | null;
  organisation: { id: number; name: string; kind: OrgKind; national: boolean };
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: 'invalid' | 'revoked' | 'expired'; when?: string };

type KeyRow = {
  prefix: string;
  hash: string;
  scopes: string[];
  quota: string | null;
  expired: boolean;
  expires_at: string | null;
  revoked_at: string | null;
  org_id: number;
  org_name: string;
  kind: OrgKind;
  national: boolean;
};

const DUMMY = Buffer.alloc(32);

const lookups = new WeakMap<Queryable, (prefix: string) => Promise<KeyRow | undefined>>();

/**
 * The key rows of the prefixes asked while the previous lookup ran, in one query (src/auth/batch.ts):
 * under load the requests of one key share a round trip, and every request still reads a state from
 * after it arrived (a revocation is seen at once, there is no cache).
 */
function lookup(db: Queryable, prefix: string): Promise<KeyRow | undefined> {
  let find = lookups.get(db);
  if (!find) {
    find = batcher(async (prefixes: string[]) => {
      const rows = await db.query<KeyRow>(
        `SELECT k.prefix, k.hash, k.scopes, k.quota, k.expires_at IS NOT NULL AND k.expires_at <= now() AS expired,
                to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at,
                to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS revoked_at,
                o.id AS org_id, o.name AS org_name, o.kind, o.national
         FROM auth_api_key k JOIN auth_organisation o ON o.id = k.organisation WHERE k.prefix = ANY($1::text[])`,
        [[...new Set(prefixes)]],
      );
      const by = new Map(rows.map((r) => [r.prefix, r]));
      return prefixes.map((p) => by.get(p));
    });
    lookups.set(db, find);
  }
  return find(prefix);
}

/**
 * The principal behind `presented`, or why not. Unknown prefix and wrong secret are the same
 * answer (`invalid`), after the same digest and comparison work; revoked and expired are told only
 * once the secret has matched, i.e. to the key's holder.
 */
export async function authenticate(db: Queryable, presented: string): Promise<Authentication> {
  const m = KEY_RE.exec(presented);
  const given = createHash('sha256').update(presented, 'utf8').digest();
  const row = m ? await lookup(db, m[1]) : undefined;
  const expected = row ? Buffer.from(row.hash, 'hex') : DUMMY;
  const same = timingSafeEqual(given, expected) && row !== undefined;
  if (!same) return { ok: false, reason: 'invalid' };
  if (row.revoked_at) return { ok: false, reason: 'revoked', when: row.revoked_at };
  if (row.expired) return { ok: false, reason: 'expired', when: row.expires_at ?? undefined };
  return {
    ok: true,
    principal: {
      prefix: row.prefix,
      scopes: row.scopes.filter(isScope),
      quota: row.quota,
      organisation: { id: row.org_id, name: row.org_name, kind: row.kind, national: row.national },
    },
  };
}

export interface IssueInput {
  organisation: number;
  scopes: string[];
  /** `YYYY-MM-DD`: valid until the end of that day (UTC). */
  expires?: string;
  quota?: string;
  label?: string;
}

export interface KeyInfo {
  prefix: string;
  organisation: number;
  organisation_name: string;
  scopes: string[];
  quota: string | null;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  status: 'active' | 'revoked' | 'expired';
}

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const KEY_COLUMNS = `k.prefix, k.organisation, o.name AS organisation_name, k.scopes, k.quota, k.label,
  ${ISO('k.created_at')} AS created_at, ${ISO('k.expires_at')} AS expires_at, ${ISO('k.revoked_at')} AS revoked_at,
  ${ISO('k.last_used_at')} AS last_used_at,
  CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked' WHEN k.expires_at <= now() THEN 'expired' ELSE 'active' END AS status`;

/** Checks an issue request (scopes known, expiry a future date, quota syntax): a KeyError names the field. */
export function checkIssue(input: IssueInput, today = new Date()): void {
  if (!input.scopes.length) throw new KeyError('scope: at least one scope is required');
  for (const s of input.scopes) if (!isScope(s)) throw new KeyError(`scope: unknown scope ${JSON.stringify(s)}`);
  if (input.expires !== undefined) {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(input.expires) ? new Date(`${input.expires}T00:00:00Z`) : null;
    if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== input.expires) throw new KeyError(`expires: ${JSON.stringify(input.expires)} is not a date (YYYY-MM-DD)`);
    if (d.getTime() + 86_400_000 <= today.getTime()) throw new KeyError(`expires: ${input.expires} is in the past`);
  }
  if (input.quota !== undefined) {
    try {
      parseQuota(input.quota);
    } catch (e) {
      throw new KeyError(`quota: ${(e as Error).message}`);
    }
  }
}

/** Issues a key; the returned `key` is the only time the secret exists outside the client. */
export async function issueKey(db: Queryable, input: IssueInput): Promise<{ key: string; info: KeyInfo }> {
  checkIssue(input);
  const [org] = await db.query<{ id: number }>('SELECT id FROM auth_organisation WHERE id = $1', [input.organisation]);
  if (!org) throw new KeyError(`org: no organisation ${input.organisation}`);
  const scopes = [...new Set(input.scopes)].sort();
  for (let attempt = 0; ; attempt++) {
    const k = newKey();
    const rows = await db.query<{ prefix: string }>(
      `INSERT INTO auth_api_key (prefix, organisation, hash, scopes, quota, label, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, ($7::date + 1)::timestamp AT TIME ZONE 'UTC') ON CONFLICT (prefix) DO NOTHING RETURNING prefix`,
      [k.prefix, input.organisation, k.hash, scopes, input.quota ?? null, input.label ?? null, input.expires ?? null],
    );
    if (rows.length) return { key: k.key, info: (await listKeys(db, { prefix: k.prefix }))[0] };
    if (attempt > 5) throw new Error('could not draw a free key prefix');
  }
}

export async function listKeys(db: Queryable, filter: { organisation?: number; prefix?: string } = {}): Promise<KeyInfo[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.organisation !== undefined) where.push(`k.organisation = $${values.push(filter.organisation)}`);
  if (filter.prefix !== undefined) where.push(`k.prefix = $${values.push(filter.prefix)}`);
  return db.query<KeyInfo & Record<string, unknown>>(
    `SELECT ${KEY_COLUMNS} FROM auth_api_key k JOIN auth_organisation o ON o.id = k.organisation
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY k.organisation, k.created_at, k.prefix`,
    values,
  );
}

/** Accepts the prefix alone or with its `trr_`; never the whole key (it would end up in shell history). */
export function prefixOf(text: string): string {
  const m = /^(?:trr_)?([a-z0-9]{8})$/.exec(text.trim());
  if (!m) throw new KeyError(`prefix: ${JSON.stringify(text.slice(0, 20))} is not a key prefix (8 characters, as \`terroir key list\` shows)`);
  return m[1];
}

/** Revokes a key at once (every node sees it on the next request). Revoking twice keeps the first date. */
export async function revokeKey(db: Queryable, prefix: string): Promise<KeyInfo | undefined> {
  const p = prefixOf(prefix);
  await db.query('UPDATE auth_api_key SET revoked_at = COALESCE(revoked_at, now()) WHERE prefix = $1', [p]);
  return (await listKeys(db, { prefix: p }))[0];
}

/** Records that a key was used (called at most once a minute per key and node: not a write per request). */
export async function touchKey(db: Queryable, prefix: string): Promise<void> {
  await db.query('UPDATE auth_api_key SET last_used_at = now() WHERE prefix = $1', [prefix]);
}

export const displayPrefix = (prefix: string) => `trr_${prefix}`;
