/**
 * Object-level rules of level 2 (who may see, decide or download WHICH request), in one place. The
 * route-level rule (a valid key holding the route's scope, the territory asked inside the
 * organisation's) is enforced by src/auth/plugin.ts before any handler; what is left here cannot be
 * told from the route alone: whose request it is, and which instructor it was routed to (OWASP API1,
 * broken object-level authorisation). Every query of the module that reads requests goes through
 * `visibleWhere`, every decision through `mayInstruct`, every download through `mayDownload`.
 */
import type { Principal } from '../../auth/keys.ts';
import type { Scope } from '../../auth/access.ts';
import type { Queryable } from '../../db/database.ts';

/** State services (annex 1 §2: the State-only farm table is theirs alone). */
export const STATE_KINDS = ['etat', 'draaf', 'ddt', 'ssp'] as const;
export const isState = (p: Principal) => (STATE_KINDS as readonly string[]).includes(p.organisation.kind);

const holds = (p: Principal, scope: Scope) => p.scopes.includes(scope);

/** Instructs requests routed to the SSP (research, §3.2.3) or to a DRAAF/DAAF of its territory (§3.2.2, §3.2.4). */
export function instructorRole(p: Principal): 'ssp' | 'draaf' | null {
  if (!holds(p, 'demandes:instruire')) return null;
  if (p.organisation.kind === 'ssp') return 'ssp';
  if (p.organisation.kind === 'draaf') return 'draaf';
  return null;
}

/**
 * The SQL condition (over `d`, n2_demande) of the requests routed to a principal as instructor: the SSP
 * every research request; a DRAAF those whose communes all lie in its territory. `$n` from `first`.
 */
export function routedWhere(p: Principal, first: number): { sql: string; params: unknown[] } {
  const role = instructorRole(p);
  if (role === 'ssp') return { sql: `d.instructeur = 'ssp'`, params: [] };
  if (role === 'draaf') {
    return {
      sql: `(d.instructeur = 'draaf' AND ($${first + 1}::boolean OR NOT EXISTS (
         SELECT 1 FROM unnest(d.communes) AS c(code)
         WHERE NOT EXISTS (SELECT 1 FROM auth_territory_commune t WHERE t.organisation = $${first}::int AND t.commune = c.code))))`,
      params: [p.organisation.id, p.organisation.national],
    };
  }
  return { sql: 'false', params: [] };
}

/** The requests a principal may see: its organisation's own, and those routed to it. */
export function visibleWhere(p: Principal, first: number): { sql: string; params: unknown[] } {
  const routed = routedWhere(p, first + 1);
  return { sql: `(d.organisation = $${first}::int OR ${routed.sql})`, params: [p.organisation.id, ...routed.params] };
}

/** Whether `p` is the instructor the request was routed to. */
export async function mayInstruct(db: Queryable, p: Principal, id: number): Promise<boolean> {
  const w = routedWhere(p, 2);
  const [r] = await db.query<{ ok: boolean }>(`SELECT (${w.sql}) AS ok FROM n2_demande d WHERE d.id = $1`, [id, ...w.params]);
  return r?.ok === true;
}

/** The register entries a principal reads: those of the requests routed to it; an administrator all. */
export function registreWhere(p: Principal, first: number): { sql: string; params: unknown[] } {
  return holds(p, 'admin') ? { sql: 'true', params: [] } : routedWhere(p, first);
}

/** The services that instruct a PAC campaign (DRAAF/DAAF, DDT(M)): they read it before it is completed. */
export const INSTRUCTING_KINDS = ['draaf', 'ddt'] as const;
export const instructsCampaigns = (p: Principal) => holds(p, 'demandes:instruire') && (INSTRUCTING_KINDS as readonly string[]).includes(p.organisation.kind);

/**
 * Who reads level-2 data directly (GET /api/niveau2/campagnes/{annee}/{table}), beyond the route's
 * scope and territory (checked by src/auth before this): a campaign under declaration or instruction
 * only by the services instructing it (its data are preparatory documents, CRPA L.311-2; instruction
 * §2); a completed campaign by State services. Any other body receives level 2 only as the extraction
 * of an accepted request. The answer names the rule that refused.
 */
export function directReadRefusal(p: Principal, campagne: { annee: number; etat: string }): { rule: string; detail: string } | null {
  if (campagne.etat !== 'constatee') {
    if (instructsCampaigns(p)) return null;
    return {
      rule: 'rpg-niveau2-instruction',
      detail: `campaign ${campagne.annee} is not completed (état: ${campagne.etat}): before completion only the services instructing it (DRAAF/DAAF or DDT(M) holding demandes:instruire) read level-2 data (instruction DGPE/MVDGN/2018-706 §2, CRPA L.311-2); ${p.organisation.name} is not one`,
    };
  }
  if (isState(p)) return null;
  return {
    rule: 'rpg-niveau2-demande',
    detail: `${p.organisation.name} is not a State service: it receives level-2 data only as the extraction of an accepted request (POST /api/niveau2/demandes, instruction §3.2)`,
  };
}
