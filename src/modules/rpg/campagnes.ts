/**
 * The campaign register (instruction DGPE/MVDGN/2018-706 §2): a PAC campaign is first under
 * declaration, then under instruction — its data are then preparatory documents, readable only by the
 * services instructing it — and becomes "constatée" (completed) once the aid amounts are decided, in
 * principle at the end of June of the following year. Only completed campaigns are published (level 1)
 * or extracted (level 2).
 *
 * A campaign's state is the row of `rpg_campagne` when an administrator set it (PUT
 * /api/niveau2/campagnes/{annee}, `terroir campagne set`) or a published level-1 file was imported
 * (published means completed); otherwise the instruction's default for the date.
 *
 * `assertOpenCampaign` is THE rule deciding which campaigns the open level-1 routes serve: keep it the
 * only one.
 */
import type { Queryable } from '../../db/database.ts';
import { HttpProblem } from '../../http/problems.ts';
import type { RestrictedAccess } from '../../auth/access.ts';

export const ETATS = ['declaration', 'instruction', 'constatee'] as const;
export type EtatCampagne = (typeof ETATS)[number];

export interface Campagne {
  annee: number;
  etat: EtatCampagne;
  /** The day it was (or will be, by default) completed, YYYY-MM-DD. */
  constatee_le: string | null;
  /** Where the state comes from: set by an administrator, an import of published data, or the instruction's default. */
  source: 'admin' | 'import' | 'defaut';
  note: string | null;
  modifie_le: string | null;
}

/** First campaign of the RPG (îlots, 2007). */
export const FIRST_CAMPAIGN = 2007;

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** End of June N+1: when the instruction says a campaign is completed ("constaté"), by default. */
export const defaultCompletion = (annee: number) => `${annee + 1}-06-30`;
/** The PAC declaration closes on 15 May of the campaign year. */
const declarationEnd = (annee: number) => `${annee}-05-15`;

/** The instruction's default state of campaign `annee` on `today`. */
export function defaultCampagne(annee: number, today: Date = new Date()): Campagne {
  const day = iso(today);
  const done = defaultCompletion(annee);
  const etat: EtatCampagne = day >= done ? 'constatee' : day > declarationEnd(annee) ? 'instruction' : 'declaration';
  return { annee, etat, constatee_le: etat === 'constatee' ? done : null, source: 'defaut', note: null, modifie_le: null };
}

type Row = {
  annee: number;
  etat: EtatCampagne;
  constatee_le: string | null;
  source: 'admin' | 'import';
  note: string | null;
  modifie_le: string;
};

const COLUMNS = `annee, etat, to_char(constatee_le, 'YYYY-MM-DD') AS constatee_le, source, note,
  to_char(modifie_le AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS modifie_le`;

/** The state of every campaign from 2007 to next year's (registered rows, else the default). */
export async function listCampagnes(db: Queryable, today: Date = new Date()): Promise<Campagne[]> {
  const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM rpg_campagne ORDER BY annee`);
  const byYear = new Map(rows.map((r) => [r.annee, r]));
  const last = Math.max(today.getUTCFullYear() + 1, ...rows.map((r) => r.annee));
  const out: Campagne[] = [];
  for (let y = FIRST_CAMPAIGN; y <= last; y++) out.push(byYear.get(y) ?? defaultCampagne(y, today));
  return out;
}

export async function getCampagne(db: Queryable, annee: number, today: Date = new Date()): Promise<Campagne> {
  const [r] = await db.query<Row>(`SELECT ${COLUMNS} FROM rpg_campagne WHERE annee = $1`, [annee]);
  return r ?? defaultCampagne(annee, today);
}

/** The campaigns among `annees` that are completed (the only ones level 2 may extract). */
export async function completedAmong(db: Queryable, annees: readonly number[], today: Date = new Date()): Promise<number[]> {
  const out: number[] = [];
  for (const y of annees) if ((await getCampagne(db, y, today)).etat === 'constatee') out.push(y);
  return out;
}

export class CampagneError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SetCampagne {
  etat: EtatCampagne;
  /** For `constatee`: the day the aid amounts were decided (default today); never in the future. */
  constatee_le?: string;
  note?: string;
  by?: number | null;
  source?: 'admin' | 'import';
}

/** Records a campaign's state (administrator or import); CampagneError names the wrong field. */
export async function setCampagne(db: Queryable, annee: number, input: SetCampagne, today: Date = new Date()): Promise<Campagne> {
  if (!Number.isInteger(annee) || annee < FIRST_CAMPAIGN || annee > today.getUTCFullYear() + 1) {
    throw new CampagneError('annee', `campaign ${annee} is outside ${FIRST_CAMPAIGN}–${today.getUTCFullYear() + 1}`);
  }
  if (!(ETATS as readonly string[]).includes(input.etat)) throw new CampagneError('etat', `etat must be one of ${ETATS.join(', ')}`);
  let date: string | null = null;
  if (input.etat === 'constatee') {
    date = input.constatee_le ?? iso(today);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || iso(new Date(`${date}T00:00:00Z`)) !== date) {
      throw new CampagneError('constatee_le', `${JSON.stringify(date)} is not a date (YYYY-MM-DD)`);
    }
    if (date > iso(today)) throw new CampagneError('constatee_le', `${date} is in the future: a campaign is recorded as completed once the aid amounts are decided`);
    if (date < `${annee}-01-01`) throw new CampagneError('constatee_le', `${date} is before the campaign ${annee} began`);
  } else if (input.constatee_le !== undefined) {
    throw new CampagneError('constatee_le', 'only a completed campaign (etat constatee) has a completion date');
  }
  if (input.note !== undefined && input.note.length > 500) throw new CampagneError('note', 'at most 500 characters');
  await db.query(
    `INSERT INTO rpg_campagne (annee, etat, constatee_le, source, modifie_par, note, modifie_le) VALUES ($1, $2, $3::date, $4, $5, $6, now())
     ON CONFLICT (annee) DO UPDATE SET etat = EXCLUDED.etat, constatee_le = EXCLUDED.constatee_le, source = EXCLUDED.source,
       modifie_par = EXCLUDED.modifie_par, note = EXCLUDED.note, modifie_le = now()`,
    [annee, input.etat, date, input.source ?? 'admin', input.by ?? null, input.note ?? null],
  );
  return getCampagne(db, annee, today);
}

/**
 * An import of a published level-1 file: the campaign is completed (published means completed). A
 * campaign already recorded as completed keeps its date.
 */
export async function markPublished(db: Queryable, annee: number): Promise<void> {
  await db.query(
    `INSERT INTO rpg_campagne (annee, etat, constatee_le, source, note) VALUES ($1, 'constatee', least(current_date, make_date($1 + 1, 6, 30)), 'import', 'level-1 data imported (published means completed)')
     ON CONFLICT (annee) DO UPDATE SET etat = 'constatee', source = 'import', note = EXCLUDED.note, modifie_le = now(),
       constatee_le = coalesce(rpg_campagne.constatee_le, EXCLUDED.constatee_le)`,
    [annee],
  );
}

/**
 * Who reads a campaign before it is completed (§2: preparatory documents, for the services
 * instructing it): the State services that read level-2 data, on their territory — the rule of the
 * level-2 layers (src/modules/niveau2/layers.ts). OGC API and tiles serve such a campaign to them as
 * a restricted collection of its own (`rpg-parcelle-restreint-<year>`, docs/ogc.md#access).
 */
export const LECTURE_AVANT_CONSTAT: RestrictedAccess = { scope: 'rpg:niveau2:lire', territory: [{ in: 'query', name: 'geom', kind: 'geom' }] };

/**
 * THE rule of the open level-1 routes: they serve completed campaigns only. Any other is a 403 naming
 * the rule (§2: before completion the data are preparatory documents, for the instructing services only).
 */
export async function assertOpenCampaign(db: Queryable, annee: number, today: Date = new Date()): Promise<void> {
  const c = await getCampagne(db, annee, today);
  if (c.etat === 'constatee') return;
  const when = c.source === 'defaut' ? `completed by default on ${defaultCompletion(annee)}` : `state set by ${c.source === 'admin' ? 'an administrator' : 'an import'} on ${c.modifie_le}`;
  throw new HttpProblem(
    'forbidden',
    `campaign ${annee} is not completed (état: ${c.etat}; ${when}): open level-1 routes serve completed ("constatée") campaigns only, ` +
      'instruction DGPE/MVDGN/2018-706 §2 — until then its data are preparatory documents for the instructing services',
    undefined,
    { rule: 'rpg-campagne-constatee', campagne: { annee, etat: c.etat, source: c.source } },
  );
}
