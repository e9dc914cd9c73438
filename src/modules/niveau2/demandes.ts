/**
 * Requests for level-2 data (instruction §3.2.2 – 3.2.4) and the register the instructing service
 * keeps of them: filing (with routing by kind), decisions (acceptance, possibly narrowed, or refusal
 * with a reason), and every state change and transmitted dataset appended to `n2_registre`.
 */
import type { Principal } from '../../auth/keys.ts';
import type { Database, Queryable } from '../../db/database.ts';
import { HttpProblem, invalidParam, notFound } from '../../http/problems.ts';
import { toCsv } from '../../formats/csv.ts';
import { isState, registreWhere, visibleWhere } from './habilitation.ts';
import { tableById, type N2Table } from './tables.ts';

export const NATURES = ['service-public', 'recherche', 'interesse'] as const;
export type Nature = (typeof NATURES)[number];

export interface Contact {
  nom: string;
  courriel: string;
  adresse?: string;
  telephone?: string;
}

/** A request as filed (the body of POST /demandes). */
export interface DemandeInput {
  nature: Nature;
  traitement: string;
  finalite: string;
  sous_finalites?: string[];
  mission: string;
  responsable: Contact;
  dpo: Contact;
  engagements: { usage_limite_au_traitement: boolean; information_des_exploitants: boolean };
  tables: Record<string, string[]>;
  communes?: string[];
  epci?: string[];
  departements?: string[];
  regions?: string[];
  campagnes: number[];
  pacage?: string;
  conservation: string;
  destinataires?: string;
}

export interface Accorde {
  tables: Record<string, string[]>;
  communes: string[];
  campagnes: number[];
}

export type Demande = {
  id: number;
  organisation: number;
  organisation_nom: string;
  nature: Nature;
  instructeur: 'draaf' | 'ssp';
  region: string | null;
  statut: 'deposee' | 'acceptee' | 'refusee';
  demande: DemandeInput;
  communes: string[];
  campagnes: number[];
  pacage: string | null;
  accorde: Accorde | null;
  motif_refus: string | null;
  depose_le: string;
  decide_le: string | null;
  expire_le: string | null;
};

const TS = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const COLUMNS = `d.id, d.organisation, o.name AS organisation_nom, d.nature, d.instructeur, d.region, d.statut, d.demande, d.communes,
  d.campagnes, d.pacage, d.accorde, d.motif_refus, ${TS('d.depose_le')} AS depose_le, ${TS('d.decide_le')} AS decide_le, ${TS('d.expire_le')} AS expire_le`;

/** Checks the tables and attributes asked (or granted); a 400 names `tables.<table>`. */
export function checkTables(tables: Record<string, string[]>, p: Principal, field = 'tables'): void {
  const names = Object.keys(tables);
  if (!names.length) throw invalidParam(field, 'name at least one table', 'body');
  for (const name of names) {
    const t = tableById(name);
    if (!t) throw invalidParam(`${field}.${name}`, 'unknown table', 'body');
    if (t.etatSeulement && !isState(p)) {
      throw invalidParam(`${field}.${name}`, 'this table is for State services only (instruction annex 1 §2): it is never transmitted to another body', 'body');
    }
    const attrs = tables[name];
    if (!attrs.length) throw invalidParam(`${field}.${name}`, 'name at least one attribute', 'body');
    for (const a of attrs) {
      if (!t.attributes.some((x) => x.name === a)) throw invalidParam(`${field}.${name}`, `unknown attribute ${JSON.stringify(a)}; attributes: ${t.attributes.map((x) => x.name).join(', ')}`, 'body');
    }
  }
}

/** The communes the request's units cover (each unit must exist); a 400 names the field of an unknown one. */
async function resolveCommunes(db: Queryable, input: DemandeInput): Promise<string[]> {
  const out = new Set<string>();
  const units: [keyof DemandeInput, string][] = [
    ['communes', 'SELECT code AS c FROM limites_commune WHERE code = $1'],
    ['epci', 'SELECT commune AS c FROM limites_epci_commune WHERE epci = $1'],
    ['departements', 'SELECT code AS c FROM limites_commune WHERE departement = $1'],
    ['regions', 'SELECT code AS c FROM limites_commune WHERE region = $1'],
  ];
  for (const [field, sql] of units) {
    for (const code of (input[field] as string[] | undefined) ?? []) {
      const rows = await db.query<{ c: string }>(sql, [code]);
      if (!rows.length) throw invalidParam(field, `${code} is not a known unit with communes`, 'body', code);
      for (const r of rows) out.add(r.c);
    }
  }
  if (!out.size) throw invalidParam('communes', 'name the territory: communes, epci, departements or regions', 'body');
  return [...out].sort();
}

/**
 * Routing (§3.2.2 – 3.2.4): a public-service request or one by/for the interested party goes to the
 * DRAAF/DAAF of the region (one region per request), a research request to the SSP (national).
 */
async function route(db: Queryable, nature: Nature, communes: string[]): Promise<{ instructeur: 'draaf' | 'ssp'; region: string | null }> {
  if (nature === 'recherche') return { instructeur: 'ssp', region: null };
  const regions = await db.query<{ r: string | null }>('SELECT DISTINCT region AS r FROM limites_commune WHERE code = ANY($1::text[]) ORDER BY 1', [communes]);
  if (regions.length !== 1 || !regions[0].r) {
    throw invalidParam('communes', `a ${nature} request is instructed by the DRAAF of one region: this territory spans ${regions.map((r) => r.r ?? '?').join(', ')}; file one request per region`, 'body');
  }
  return { instructeur: 'draaf', region: regions[0].r };
}

export async function appendRegistre(
  db: Queryable,
  demande: number,
  evenement: 'depot' | 'acceptation' | 'refus' | 'extraction',
  p: Principal | null,
  detail: Record<string, unknown>,
  checksum: string | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO n2_registre (demande, evenement, organisation, key_prefix, detail, checksum) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`,
    [demande, evenement, p?.organisation.id ?? null, p?.prefix ?? null, JSON.stringify(detail), checksum],
  );
}

/** Files a request: checks, resolves its territory, routes it, records it in the register. */
export async function fileDemande(db: Database, p: Principal, input: DemandeInput): Promise<Demande> {
  if (!input.engagements.usage_limite_au_traitement) {
    throw invalidParam('engagements.usage_limite_au_traitement', 'the requester commits to use the data only for the processing named (§3.2.2)', 'body');
  }
  if (!input.engagements.information_des_exploitants) {
    throw invalidParam('engagements.information_des_exploitants', 'the requester commits to inform the farmers (GDPR art. 14, §3.2.2)', 'body');
  }
  checkTables(input.tables, p);
  if (input.nature === 'interesse' && !input.pacage) throw invalidParam('pacage', 'a request by or for the interested party (CRPA L.311-6) names its farm (PACAGE)', 'body');
  if (input.nature !== 'interesse' && input.pacage) throw invalidParam('pacage', 'only a request by or for the interested party names one farm', 'body');
  const campagnes = [...new Set(input.campagnes)].sort((a, b) => a - b);
  const communes = await resolveCommunes(db, input);
  const r = await route(db, input.nature, communes);
  const id = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO n2_demande (organisation, nature, instructeur, region, statut, demande, communes, campagnes, pacage)
       VALUES ($1, $2, $3, $4, 'deposee', $5::jsonb, $6::text[], $7::int[], $8) RETURNING id`,
      [p.organisation.id, input.nature, r.instructeur, r.region, JSON.stringify(input), communes, campagnes, input.pacage ?? null],
    );
    await appendRegistre(tx, row.id, 'depot', p, { nature: input.nature, instructeur: r.instructeur, region: r.region, traitement: input.traitement, tables: input.tables, communes: communes.length, campagnes });
    return row.id;
  });
  return (await readDemande(db, id))!;
}

export async function readDemande(db: Queryable, id: number): Promise<Demande | undefined> {
  const [d] = await db.query<Demande>(`SELECT ${COLUMNS} FROM n2_demande d JOIN auth_organisation o ON o.id = d.organisation WHERE d.id = $1`, [id]);
  return d;
}

/** A request the principal may see, or a 404 (whether it exists elsewhere is not told). */
export async function visibleDemande(db: Queryable, p: Principal, id: number): Promise<Demande> {
  const w = visibleWhere(p, 2);
  const [d] = await db.query<Demande>(`SELECT ${COLUMNS} FROM n2_demande d JOIN auth_organisation o ON o.id = d.organisation WHERE d.id = $1 AND ${w.sql}`, [id, ...w.params]);
  if (!d) throw notFound(`no request ${id} among those of your organisation or routed to it`);
  return d;
}

export async function listDemandes(db: Queryable, p: Principal, statut?: string): Promise<Demande[]> {
  const w = visibleWhere(p, 1);
  const params = [...w.params];
  const extra = statut ? ` AND d.statut = $${params.push(statut)}` : '';
  return db.query<Demande>(`SELECT ${COLUMNS} FROM n2_demande d JOIN auth_organisation o ON o.id = d.organisation WHERE ${w.sql}${extra} ORDER BY d.id`, params);
}

export interface DecisionInput {
  decision: 'acceptation' | 'refus';
  motif?: string;
  tables?: Record<string, string[]>;
  communes?: string[];
  campagnes?: number[];
  validite_jours?: number;
}

/** Narrowing only: what is granted is a subset of what was asked. */
function narrowed(d: Demande, input: DecisionInput, requester: Principal): Accorde {
  const tables = input.tables ?? d.demande.tables;
  checkTables(tables, requester);
  for (const [name, attrs] of Object.entries(tables)) {
    const asked = d.demande.tables[name];
    if (!asked) throw invalidParam(`tables.${name}`, 'this table was not asked: a decision can only narrow the request', 'body');
    const extra = attrs.filter((a) => !asked.includes(a));
    if (extra.length) throw invalidParam(`tables.${name}`, `attributes not asked: ${extra.join(', ')}`, 'body');
  }
  const communes = input.communes ?? d.communes;
  const outside = communes.filter((c) => !d.communes.includes(c));
  if (outside.length || !communes.length) throw invalidParam('communes', outside.length ? `not in the territory asked: ${outside.join(', ')}` : 'grant at least one commune', 'body');
  const campagnes = input.campagnes ?? d.campagnes;
  const notAsked = campagnes.filter((c) => !d.campagnes.includes(c));
  if (notAsked.length || !campagnes.length) throw invalidParam('campagnes', notAsked.length ? `not asked: ${notAsked.join(', ')}` : 'grant at least one campaign', 'body');
  return { tables, communes: [...new Set(communes)].sort(), campagnes: [...new Set(campagnes)].sort((a, b) => a - b) };
}

/** The requester as a principal-like value (its kind decides whether State-only tables may be granted). */
async function requesterOf(db: Queryable, d: Demande): Promise<Principal> {
  const [o] = await db.query<{ id: number; name: string; kind: string; national: boolean }>('SELECT id, name, kind, national FROM auth_organisation WHERE id = $1', [d.organisation]);
  return { organisation: o, scopes: [], prefix: '' } as unknown as Principal;
}

/** Records the decision of the instructor the request was routed to (the caller checked `mayInstruct`). */
export async function decide(db: Database, p: Principal, d: Demande, input: DecisionInput, now: Date = new Date()): Promise<Demande> {
  if (d.statut !== 'deposee') throw new HttpProblem('conflict', `request ${d.id} was already decided (${d.statut}, ${d.decide_le})`);
  if (input.decision === 'refus') {
    if (!input.motif?.trim()) throw invalidParam('motif', 'a refusal states its reason', 'body');
    if (input.tables || input.communes || input.campagnes || input.validite_jours) throw invalidParam('decision', 'a refusal grants nothing: no tables, communes, campagnes or validite_jours', 'body');
    await db.transaction(async (tx) => {
      await tx.query(`UPDATE n2_demande SET statut = 'refusee', motif_refus = $2, decide_le = $3, decide_par = $4 WHERE id = $1`, [d.id, input.motif, now.toISOString(), p.organisation.id]);
      await appendRegistre(tx, d.id, 'refus', p, { motif: input.motif });
    });
  } else {
    const accorde = narrowed(d, input, await requesterOf(db, d));
    const expire = new Date(now.getTime() + (input.validite_jours ?? 90) * 86_400_000);
    await db.transaction(async (tx) => {
      await tx.query(
        `UPDATE n2_demande SET statut = 'acceptee', accorde = $2::jsonb, motif_refus = NULL, decide_le = $3, decide_par = $4, expire_le = $5 WHERE id = $1`,
        [d.id, JSON.stringify(accorde), now.toISOString(), p.organisation.id, expire.toISOString()],
      );
      await appendRegistre(tx, d.id, 'acceptation', p, { accorde: { ...accorde, communes: accorde.communes.length }, motif: input.motif ?? null, expire_le: expire.toISOString() });
    });
  }
  return (await readDemande(db, d.id))!;
}

export const grantedTables = (a: Accorde): [N2Table, string[]][] => Object.entries(a.tables).map(([k, v]) => [tableById(k)!, v]);

export type RegistreRow = {
  seq: number;
  demande: number;
  at: string;
  evenement: string;
  organisation: number | null;
  organisation_nom: string | null;
  key_prefix: string | null;
  nature: string;
  instructeur: string;
  region: string | null;
  demandeur: number;
  traitement: string;
  detail: Record<string, unknown>;
  checksum: string | null;
};

/** The register as `p` may read it (null: the operator on the command line, everything). */
export async function readRegistre(db: Queryable, p: Principal | null, filter: { demande?: number; evenement?: string } = {}): Promise<RegistreRow[]> {
  const w = p ? registreWhere(p, 1) : { sql: 'true', params: [] as unknown[] };
  const params = [...w.params];
  const conds = [w.sql];
  if (filter.demande !== undefined) conds.push(`r.demande = $${params.push(filter.demande)}`);
  if (filter.evenement !== undefined) conds.push(`r.evenement = $${params.push(filter.evenement)}`);
  return db.query<RegistreRow>(
    `SELECT r.seq, r.demande, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, r.evenement, r.organisation, o.name AS organisation_nom,
       r.key_prefix, d.nature, d.instructeur, d.region, d.organisation AS demandeur, d.demande->>'traitement' AS traitement, r.detail, r.checksum
     FROM n2_registre r JOIN n2_demande d ON d.id = r.demande LEFT JOIN auth_organisation o ON o.id = r.organisation
     WHERE ${conds.join(' AND ')} ORDER BY r.seq`,
    params,
  );
}

export const registreCsv = (rows: readonly RegistreRow[]) =>
  toCsv(
    ['seq', 'demande', 'at', 'evenement', 'organisation', 'organisation_nom', 'key_prefix', 'nature', 'instructeur', 'region', 'demandeur', 'traitement', 'checksum', 'detail'],
    rows.map((r) => ({ ...r, detail: JSON.stringify(r.detail) })),
  );

/** Every request (the operator on the command line). */
export async function allDemandes(db: Queryable, statut?: string): Promise<Demande[]> {
  return db.query<Demande>(`SELECT ${COLUMNS} FROM n2_demande d JOIN auth_organisation o ON o.id = d.organisation ${statut ? 'WHERE d.statut = $1' : ''} ORDER BY d.id`, statut ? [statut] : []);
}
