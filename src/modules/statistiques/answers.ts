/** `/transitions`, `/zonages` and `/bio`: answers built from the SQL of sql.ts, and their CSV rows. */
import type { Queryable } from '../../db/database.ts';
import { invalidParam } from '../../http/problems.ts';
import { NATURE_KINDS } from '../nature/layers.ts';
import type { CampagneQuery } from './campagnes.ts';
import { bio, surfaceAgricole, transitions, zonages, zonagesOf } from './sql.ts';
import { round2, round4, territoireOut, type Territoire } from './territoire.ts';

type TerritoireOut = ReturnType<typeof territoireOut>;
const share = (m2: number, of: number | undefined) => (of ? round4(m2 / of) : null);

/**
 * The pairs of consecutive campaigns (N-1 → N) asked: `campagne=N` is the pair ending in N; a range
 * the pairs inside it; by default every pair of consecutive campaigns loaded.
 */
export function pairesCampagnes(q: CampagneQuery, loaded: number[]): [number, number][] {
  const pairs = loaded.filter((y) => loaded.includes(y - 1)).map((y): [number, number] => [y - 1, y]);
  const list = loaded.length ? `loaded: ${loaded.join(', ')}` : 'no campaign is loaded';
  if (q.campagne !== undefined) {
    if (q.campagne_debut !== undefined || q.campagne_fin !== undefined) throw invalidParam('campagne', 'give either campagne or a range (campagne_debut, campagne_fin), not both', 'query', q.campagne);
    const p = pairs.find(([, v]) => v === q.campagne);
    if (!p) throw invalidParam('campagne', `the transition to ${q.campagne} needs campaigns ${q.campagne - 1} and ${q.campagne} loaded (${list})`, 'query', q.campagne);
    return [p];
  }
  const from = q.campagne_debut ?? -Infinity;
  const to = q.campagne_fin ?? Infinity;
  if (from > to) throw invalidParam('campagne_debut', `campagne_debut ${from} is after campagne_fin ${to}`, 'query', from);
  const out = pairs.filter(([d, v]) => d >= from && v <= to);
  if (!out.length) {
    const name = q.campagne_debut !== undefined ? 'campagne_debut' : q.campagne_fin !== undefined ? 'campagne_fin' : 'campagne';
    throw invalidParam(name, `no two consecutive campaigns in the range asked (${list})`, 'query');
  }
  return out;
}

export interface TransitionsAnswer {
  territoire: TerritoireOut;
  transitions: { de: number; vers: number; complete: boolean; flux: { groupe_de: string | null; libelle_de: string | null; groupe_vers: string | null; libelle_vers: string | null; surface_ha: number }[] }[];
}

export async function transitionsAnswer(db: Queryable, t: Territoire, pairs: [number, number][], complete: Set<number>): Promise<TransitionsAnswer> {
  const out: TransitionsAnswer['transitions'] = [];
  for (const [de, vers] of pairs) {
    if (!complete.has(de) || !complete.has(vers)) {
      out.push({ de, vers, complete: false, flux: [] });
      continue;
    }
    const flux = await transitions(db, t, de, vers);
    out.push({ de, vers, complete: true, flux: flux.map(({ m2, ...f }) => ({ ...f, surface_ha: round2(m2 / 1e4) })) });
  }
  return { territoire: territoireOut(t), transitions: out };
}

export const TRANSITIONS_CSV = ['de', 'vers', 'groupe_de', 'libelle_de', 'groupe_vers', 'libelle_vers', 'surface_ha'] as const;
export const transitionsCsv = (a: TransitionsAnswer) => a.transitions.flatMap((t) => (t.complete ? t.flux.map((f) => ({ de: t.de, vers: t.vers, ...f })) : [{ de: t.de, vers: t.vers }]));

export const ZONAGES = zonagesOf(NATURE_KINDS);

export interface ZonagesAnswer {
  territoire: TerritoireOut;
  campagne: number;
  complete: boolean;
  surface_agricole_ha: number | null;
  zonages: { famille: string; type: string; libelle: string; surface_ha: number; part: number | null }[];
}

export async function zonagesAnswer(db: Queryable, t: Territoire, campagne: number, complete: boolean): Promise<ZonagesAnswer> {
  if (!complete) return { territoire: territoireOut(t), campagne, complete, surface_agricole_ha: null, zonages: [] };
  const total = (await surfaceAgricole(db, t, [campagne])).get(campagne) ?? 0;
  const m2 = await zonages(db, t, campagne, ZONAGES);
  return {
    territoire: territoireOut(t),
    campagne,
    complete,
    surface_agricole_ha: round2(total / 1e4),
    zonages: ZONAGES.map((z, i) => ({ famille: z.famille, type: z.type, libelle: z.libelle, surface_ha: round2(m2[i] / 1e4), part: share(m2[i], total) })),
  };
}

export const ZONAGES_CSV = ['campagne', 'famille', 'type', 'libelle', 'surface_ha', 'part', 'surface_agricole_ha'] as const;
export const zonagesCsv = (a: ZonagesAnswer) => a.zonages.map((z) => ({ campagne: a.campagne, ...z, surface_agricole_ha: a.surface_agricole_ha }));

/** Conversion stages in the order of a conversion (AB? last: organic, year unknown). */
const ETAPES = ['C1', 'C2', 'C3', 'AB', 'AB?'];

export interface BioAnswer {
  territoire: TerritoireOut;
  campagnes: { campagne: number; complete: boolean; surface_agricole_ha: number | null; surface_bio_ha: number | null; part_bio: number | null; etapes: { etape: string; surface_ha: number; part: number | null }[] }[];
}

export async function bioAnswer(db: Queryable, t: Territoire, annees: number[], complete: Set<number>): Promise<BioAnswer> {
  const done = annees.filter((a) => complete.has(a));
  const lignes = await bio(db, t, done);
  const rpg = done.length ? await surfaceAgricole(db, t, done) : new Map<number, number>();
  return {
    territoire: territoireOut(t),
    campagnes: annees.map((campagne) => {
      if (!complete.has(campagne)) return { campagne, complete: false, surface_agricole_ha: null, surface_bio_ha: null, part_bio: null, etapes: [] };
      const mine = lignes.filter((l) => l.millesime === campagne);
      const total = rpg.get(campagne);
      const m2 = mine.reduce((s, l) => s + l.m2, 0);
      const rank = (e: string | null) => (e === null ? 99 : ETAPES.indexOf(e) < 0 ? 98 : ETAPES.indexOf(e));
      return {
        campagne,
        complete: true,
        surface_agricole_ha: total === undefined ? null : round2(total / 1e4),
        surface_bio_ha: round2(m2 / 1e4),
        part_bio: share(m2, total),
        etapes: mine.sort((a, b) => rank(a.conversion) - rank(b.conversion)).map((l) => ({ etape: l.conversion ?? 'inconnue', surface_ha: round2(l.m2 / 1e4), part: share(l.m2, total) })),
      };
    }),
  };
}

export const BIO_CSV = ['campagne', 'etape', 'surface_ha', 'part', 'surface_bio_ha', 'part_bio', 'surface_agricole_ha'] as const;
export const bioCsv = (a: BioAnswer) =>
  a.campagnes.flatMap((c) => (c.etapes.length ? c.etapes.map((e) => ({ campagne: c.campagne, ...e, surface_bio_ha: c.surface_bio_ha, part_bio: c.part_bio, surface_agricole_ha: c.surface_agricole_ha })) : [{ campagne: c.campagne, surface_bio_ha: c.surface_bio_ha, part_bio: c.part_bio, surface_agricole_ha: c.surface_agricole_ha }]));
