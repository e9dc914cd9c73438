/** `/api/statistiques/cultures`: the crop mix of a territory per campaign, as JSON and CSV rows. */
import type { Queryable } from '../../db/database.ts';
import { cultures } from './sql.ts';
import { round2, round4, territoireOut, type Territoire } from './territoire.ts';

export const CULTURES_CSV = ['campagne', 'code_groupe', 'libelle_groupe', 'code_cultu', 'libelle_culture', 'surface_ha', 'parcelles'] as const;

export interface CultureOut {
  code_cultu: string | null;
  libelle: string | null;
  surface_ha: number;
  parcelles: number;
}
export interface GroupeOut {
  code_groupe: string | null;
  libelle: string | null;
  surface_ha: number;
  parcelles: number;
  cultures: CultureOut[];
}
export interface CampagneCultures {
  campagne: number;
  complete: boolean;
  surface_agricole_ha: number | null;
  parcelles: number | null;
  part_derobee: number | null;
  groupes: GroupeOut[];
}
export interface CulturesAnswer {
  territoire: ReturnType<typeof territoireOut>;
  campagnes: CampagneCultures[];
}

/** Largest first, then by code (a stable order for equal areas). */
const bySurface = <T extends { m2: number; code: string | null }>(a: T, b: T) => b.m2 - a.m2 || String(a.code).localeCompare(String(b.code));

export async function culturesAnswer(db: Queryable, t: Territoire, annees: number[], complete: Set<number>): Promise<CulturesAnswer> {
  const lignes = await cultures(db, t, annees.filter((a) => complete.has(a)));
  const campagnes = annees.map((campagne): CampagneCultures => {
    if (!complete.has(campagne)) return { campagne, complete: false, surface_agricole_ha: null, parcelles: null, part_derobee: null, groupes: [] };
    const mine = lignes.filter((l) => l.campagne === campagne);
    const groupes = new Map<string, { code: string | null; libelle: string | null; m2: number; n: number; cultures: { code: string | null; libelle: string | null; m2: number; n: number }[] }>();
    let m2 = 0;
    let m2d = 0;
    let n = 0;
    for (const l of mine) {
      const key = String(l.code_groupe);
      let g = groupes.get(key);
      if (!g) groupes.set(key, (g = { code: l.code_groupe, libelle: l.libelle_groupe, m2: 0, n: 0, cultures: [] }));
      g.m2 += l.m2;
      g.n += l.parcelles;
      g.cultures.push({ code: l.code_cultu, libelle: l.libelle_culture, m2: l.m2, n: l.parcelles });
      m2 += l.m2;
      m2d += l.m2_derobee;
      n += l.parcelles;
    }
    return {
      campagne,
      complete: true,
      surface_agricole_ha: round2(m2 / 1e4),
      parcelles: n,
      part_derobee: m2 > 0 ? round4(m2d / m2) : null,
      groupes: [...groupes.values()].sort(bySurface).map((g) => ({
        code_groupe: g.code,
        libelle: g.libelle,
        surface_ha: round2(g.m2 / 1e4),
        parcelles: g.n,
        cultures: g.cultures.sort(bySurface).map((c) => ({ code_cultu: c.code, libelle: c.libelle, surface_ha: round2(c.m2 / 1e4), parcelles: c.n })),
      })),
    };
  });
  return { territoire: territoireOut(t), campagnes };
}

/** One CSV row per campaign, group and crop (a campaign not complete: one row with its number only). */
export function culturesCsv(a: CulturesAnswer): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const c of a.campagnes) {
    if (!c.complete) rows.push({ campagne: c.campagne });
    for (const g of c.groupes) {
      for (const k of g.cultures) {
        rows.push({ campagne: c.campagne, code_groupe: g.code_groupe, libelle_groupe: g.libelle, code_cultu: k.code_cultu, libelle_culture: k.libelle, surface_ha: k.surface_ha, parcelles: k.parcelles });
      }
    }
  }
  return rows;
}
