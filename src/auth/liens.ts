/**
 * Download links: an expiring, single-use token (`trl_<43 characters>`) standing for the key that
 * asked for it, for ONE purpose and ONE object (e.g. `n2-extraction` of request 7), so that a file can
 * be fetched by a browser or a mail client without the API key. Only the token's SHA-256 is stored.
 *
 * A route opens itself to links in its access rule (`link: { purpose, param }`, src/auth/access.ts);
 * the access plugin then reads `?jeton=` instead of a key, and admits the request only if the token
 * was issued for that purpose and for the object the path names, is not expired nor used, and the key
 * that asked for it is still valid (a revoked key takes its links with it). The principal is that
 * key's; the scope and territory rules of the route then apply as for the key itself, and the call is
 * in the audit trail like any restricted call (issuing the link is one too).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { isScope } from './access.ts';
import type { Principal } from './keys.ts';
import type { OrgKind } from './organisations.ts';

export const LINK_RE = /^trl_[A-Za-z0-9_-]{43}$/;
/** The query parameter carrying a link's token. */
export const LINK_PARAM = 'jeton';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export interface IssuedLink {
  token: string;
  expiresAt: string;
}

/**
 * A new link for `p`, valid `ttlSeconds` (never past `notAfter`, e.g. the end of the decision that
 * allows the download).
 */
export async function issueLink(db: Queryable, p: Principal, purpose: string, subject: string, ttlSeconds: number, notAfter?: Date, now: Date = new Date()): Promise<IssuedLink> {
  const end = Math.min(now.getTime() + ttlSeconds * 1000, notAfter?.getTime() ?? Infinity);
  if (!(end > now.getTime())) throw new Error('a link must expire in the future');
  const token = `trl_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(end).toISOString();
  await db.query(
    `INSERT INTO auth_lien (hash, purpose, subject, key_prefix, organisation, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [digest(token), purpose, subject, p.prefix, p.organisation.id, now.toISOString(), expiresAt],
  );
  return { token, expiresAt };
}

export type LinkAuthentication = { ok: true; principal: Principal } | { ok: false; reason: string };

/**
 * Spends the link `token` for (`purpose`, `subject`): at most once (the row is marked used in the same
 * statement that checks it), before its expiry, its issuing key still valid. What is wrong is told
 * once the token is known (to whoever holds it); an unknown token is just invalid.
 */
export async function useLink(db: Queryable, token: string, purpose: string, subject: string, now: Date = new Date()): Promise<LinkAuthentication> {
  if (!LINK_RE.test(token)) return { ok: false, reason: 'the download link is not valid' };
  const [row] = await db.query<{ id: number; purpose: string; subject: string; expired: boolean; used: boolean; expires_at: string }>(
    `SELECT id, purpose, subject, expires_at <= $2::timestamptz AS expired, used_at IS NOT NULL AS used,
            to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at
     FROM auth_lien WHERE hash = $1`,
    [digest(token), now.toISOString()],
  );
  if (!row) return { ok: false, reason: 'the download link is not valid' };
  if (row.purpose !== purpose || row.subject !== subject) return { ok: false, reason: `this download link was issued for another object (${row.purpose} ${row.subject}), not this one` };
  if (row.expired) return { ok: false, reason: `this download link expired (${row.expires_at}); ask for a new one` };
  if (row.used) return { ok: false, reason: 'this download link was already used; ask for a new one' };
  const [k] = await db.query<{ prefix: string; scopes: string[]; quota: string | null; org_id: number; org_name: string; kind: OrgKind; national: boolean }>(
    `UPDATE auth_lien l SET used_at = $2::timestamptz
     FROM auth_api_key k JOIN auth_organisation o ON o.id = k.organisation
     WHERE l.id = $1 AND l.used_at IS NULL AND k.prefix = l.key_prefix AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2::timestamptz)
     RETURNING k.prefix, k.scopes, k.quota, o.id AS org_id, o.name AS org_name, o.kind, o.national`,
    [row.id, now.toISOString()],
  );
  if (!k) return { ok: false, reason: 'this download link was already used, or the key that asked for it is no longer valid' };
  return {
    ok: true,
    principal: { prefix: k.prefix, scopes: k.scopes.filter(isScope), quota: k.quota, organisation: { id: k.org_id, name: k.org_name, kind: k.kind, national: k.national } },
  };
}
