/**
 * The campaigns of a statistics request: `campagne=2023`, or `campagne_debut` and/or `campagne_fin`
 * (a range, bounds included), or by default every campaign loaded. "Loaded" is read from the dataset
 * register (terroir_dataset: RPG parcels since 2015, or the organic parcels for /bio).
 *
 * Completion is THE rule of the RPG module (src/modules/rpg/campagnes.ts): a campaign is complete
 * when it is "constatée" (set by an administrator, by the import of published data, or by default
 * after 30 June of the next year). Open level-1 routes serve completed campaigns only; so a campaign
 * that is not complete is listed with `complete: false` and no figure (they would be the preparatory
 * documents of an instruction still running).
 */
import type { Queryable } from '../../db/database.ts';
import { invalidParam } from '../../http/problems.ts';
import { listCampagnes } from '../rpg/campagnes.ts';

export interface CampagneQuery {
  campagne?: number;
  campagne_debut?: number;
  campagne_fin?: number;
}

/** Campaigns of RPG parcels (2015+) loaded, oldest first. */
export async function campagnesRpg(db: Queryable): Promise<number[]> {
  const rows = await db.query<{ c: number }>(`SELECT DISTINCT campagne AS c FROM terroir_dataset WHERE layer = 'rpg.parcelle' AND campagne IS NOT NULL ORDER BY 1`);
  return rows.map((r) => r.c);
}

/**
 * Millésimes of organic parcels loaded, oldest first (a dataset may hold several): read as a loose
 * index scan (one index probe per millésime on bio_parcelle (millesime, gid)), not a DISTINCT over
 * every parcel of the country.
 */
export async function campagnesBio(db: Queryable): Promise<number[]> {
  const rows = await db.query<{ c: number }>(
    `WITH RECURSIVE m AS (
       SELECT min(millesime) AS c FROM bio_parcelle
       UNION ALL SELECT (SELECT min(millesime) FROM bio_parcelle b WHERE b.millesime > m.c) FROM m WHERE m.c IS NOT NULL
     )
     SELECT c FROM m WHERE c IS NOT NULL ORDER BY c`,
  );
  return rows.map((r) => r.c);
}

const loadedText = (loaded: number[]) => (loaded.length ? `loaded: ${loaded.join(', ')}` : 'no campaign is loaded');

/** The campaigns asked among those loaded; a campaign not loaded, or a range holding none, is a 400 naming the parameter. */
export function selectCampagnes(q: CampagneQuery, loaded: number[]): number[] {
  if (q.campagne !== undefined) {
    if (q.campagne_debut !== undefined || q.campagne_fin !== undefined) {
      throw invalidParam('campagne', 'give either campagne or a range (campagne_debut, campagne_fin), not both', 'query', q.campagne);
    }
    if (!loaded.includes(q.campagne)) throw invalidParam('campagne', `campaign ${q.campagne} is not loaded (${loadedText(loaded)})`, 'query', q.campagne);
    return [q.campagne];
  }
  const from = q.campagne_debut ?? -Infinity;
  const to = q.campagne_fin ?? Infinity;
  if (from > to) throw invalidParam('campagne_debut', `campagne_debut ${from} is after campagne_fin ${to}`, 'query', from);
  const out = loaded.filter((c) => c >= from && c <= to);
  if (!out.length) {
    const name = q.campagne_debut !== undefined ? 'campagne_debut' : q.campagne_fin !== undefined ? 'campagne_fin' : 'campagne';
    throw invalidParam(name, `no campaign in the range asked (${loadedText(loaded)})`, 'query', q[name as keyof CampagneQuery]);
  }
  return out;
}

/** The complete campaigns among `annees` (RPG rule, src/modules/rpg/campagnes.ts). */
export async function completes(db: Queryable, annees: readonly number[], today: Date = new Date()): Promise<Set<number>> {
  const all = await listCampagnes(db, today);
  const done = new Set(all.filter((c) => c.etat === 'constatee').map((c) => c.annee));
  return new Set(annees.filter((a) => done.has(a)));
}
