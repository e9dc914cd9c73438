/**
 * The crop model: what each PAC field grows every campaign, its catch crops, and which farms are
 * organic. Decisions are pure functions of (seed, field or farm, year) (see random.ts), so adding a
 * campaign never changes the others.
 *
 * Realism, in short: a field keeps its use (permanent grassland, vines, orchard, arable land) and
 * arable fields follow the rotation of their farm type, with yearly substitutions (durum or triticale
 * for soft wheat, spring barley, fallow...). Shares come out close to a south-west French département:
 * grassland ≈ 30–40 % of the declared area, soft wheat ≈ 12–18 %, maize ≈ 10–15 %, sunflower, barley,
 * rapeseed, soya, vines in the hills, plum orchards (prune d'Ente). Catch crops (CULTURE_D1/D2) follow
 * a winter crop when a spring crop comes next. Every code is checked against nomenclature_culture /
 * nomenclature_derobee (migration 0002): a code missing there falls back to the next alternative.
 */
import type { Queryable } from '../db/database.ts';
import type { DemoParams } from './params.ts';
import { OTEX, type Otex } from './farms.ts';
import { hash01, Rng } from './random.ts';

export interface Nomenclature {
  /** Crop code → group number. */
  groups: Map<string, number>;
  groupLabels: Map<number, string>;
  /** Pre-2015 group labels (NOM_CULTU of the îlots). */
  groupLabelsBefore2015: Map<number, string>;
  derobees: Set<string>;
}

export async function loadNomenclature(db: Queryable): Promise<Nomenclature> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('nomenclature_culture')::text AS t");
  if (!exists[0]?.t) throw new Error('table nomenclature_culture is missing: the demo draws crop codes from the RPG nomenclature (migration 0002)');
  const cult = await db.query<{ code: string; g: number }>('SELECT code, code_groupe AS g FROM nomenclature_culture');
  const grp = await db.query<{ code: number; libelle: string }>('SELECT code, libelle FROM nomenclature_groupe');
  const grp14 = await db.query<{ code: number; libelle: string }>('SELECT code, libelle FROM nomenclature_groupe_avant_2015');
  const der = await db.query<{ code: string }>("SELECT code FROM nomenclature_derobee WHERE code <> 'ZZZ'");
  return {
    groups: new Map(cult.map((r) => [r.code, Number(r.g)])),
    groupLabels: new Map(grp.map((r) => [Number(r.code), r.libelle])),
    groupLabelsBefore2015: new Map(grp14.map((r) => [Number(r.code), r.libelle])),
    derobees: new Set(der.map((r) => r.code)),
  };
}

/** A slot of a rotation: alternatives with weights; the first one present in the nomenclature wins ties. */
type Slot = readonly (readonly [string, number])[];
const S = (...alts: (readonly [string, number])[]): Slot => alts;

const WHEAT = S(['BTH', 80], ['BDH', 10], ['TTH', 7], ['EPE', 3]);
const BARLEY = S(['ORH', 75], ['ORP', 25]);
const MAIZE = S(['MIS', 88], ['MID', 2], ['SOG', 10]);
const SILAGE = S(['MIE', 100]);
const SUNFLOWER = S(['TRN', 100]);
const RAPE = S(['CZH', 92], ['CZP', 8]);
const SOYA = S(['SOJ', 100]);
const PULSE = S(['PHI', 40], ['FVL', 35], ['PPR', 25]);
const TEMP_GRASS = S(['PTR', 70], ['RGA', 20], ['LUZ', 10]);
const VEG = S(['PTC', 18], ['TOM', 10], ['CCT', 12], ['MLO', 14], ['LBF', 12], ['HAR', 10], ['FRA', 8], ['CAR', 8], ['OIG', 8]);

/** Rotations per farm type (each field draws one, then an offset in it). */
const ROTATIONS: Record<Otex, readonly (readonly Slot[])[]> = {
  'grandes-cultures': [
    [RAPE, WHEAT, BARLEY],
    [SUNFLOWER, WHEAT, MAIZE, WHEAT],
    [MAIZE, MAIZE, WHEAT, SOYA],
    [SUNFLOWER, WHEAT, PULSE, WHEAT, BARLEY],
    [MAIZE, WHEAT, SUNFLOWER, BARLEY],
  ],
  'bovins': [
    [TEMP_GRASS, TEMP_GRASS, TEMP_GRASS, SILAGE, WHEAT, BARLEY],
    [TEMP_GRASS, TEMP_GRASS, SILAGE, WHEAT],
    [SILAGE, WHEAT, TEMP_GRASS, TEMP_GRASS, TEMP_GRASS],
  ],
  'polyculture-elevage': [
    [SILAGE, WHEAT, BARLEY, TEMP_GRASS, TEMP_GRASS],
    [MAIZE, WHEAT, RAPE, WHEAT, BARLEY],
    [SUNFLOWER, WHEAT, TEMP_GRASS, TEMP_GRASS, MAIZE],
  ],
  'arboriculture': [[WHEAT, SUNFLOWER, MAIZE], [MAIZE, WHEAT, SOYA]],
  'maraichage': [[VEG, VEG, WHEAT], [VEG, VEG, VEG, BARLEY]],
  'viticulture': [[WHEAT, SUNFLOWER, BARLEY], [TEMP_GRASS, TEMP_GRASS, WHEAT]],
};

/** Crops sown in spring: a catch crop may precede them after a summer harvest. */
const SPRING = new Set(['MIS', 'MID', 'MIE', 'SOG', 'TRN', 'SOJ', 'ORP', 'CZP', 'PPR', 'PTC', 'TOM', 'CCT', 'MLO', 'HAR', 'CAR', 'OIG']);
const SUMMER_HARVEST = new Set(['BTH', 'BDH', 'TTH', 'EPE', 'ORH', 'CZH', 'PHI', 'FVL']);
const CATCH = S(['DMD', 30], ['DPH', 20], ['DVN', 15], ['DRG', 10], ['DTR', 8], ['DVS', 8], ['DRD', 5], ['DFV', 4]);

type Use = { kind: 'fixed'; slot: Slot } | { kind: 'vine' } | { kind: 'rotation'; rotation: readonly Slot[]; offset: number };

export interface FieldInput {
  id: number;
  farm: number;
  otex: Otex;
  vigne: boolean;
  surf_ha: number;
}

export interface CropRow {
  field_id: number;
  campagne: number;
  code_cultu: string;
  culture_d1: string | null;
  culture_d2: string | null;
}

export class CropModel {
  readonly #seed: number;
  readonly #nom: Nomenclature;
  constructor(seed: number, nom: Nomenclature) {
    this.#seed = seed;
    this.#nom = nom;
  }

  /** A field's lasting use, from its farm type. */
  use(f: FieldInput): Use {
    const r = hash01(this.#seed, 401, f.id);
    const rot = (otex: Otex): Use => {
      const list = ROTATIONS[otex];
      const rotation = list[Math.floor(hash01(this.#seed, 402, f.id) * list.length)];
      return { kind: 'rotation', rotation, offset: Math.floor(hash01(this.#seed, 403, f.id) * rotation.length) };
    };
    switch (f.otex) {
      case 'viticulture':
        if (f.vigne && r < 0.86) return { kind: 'vine' };
        return r < 0.93 ? { kind: 'fixed', slot: S(['PPH', 100]) } : rot('viticulture');
      case 'bovins':
        if (r < 0.52) return { kind: 'fixed', slot: S(['PPH', 88], ['PRL', 12]) };
        return rot('bovins');
      case 'polyculture-elevage':
        if (r < 0.28) return { kind: 'fixed', slot: S(['PPH', 90], ['PRL', 10]) };
        return rot('polyculture-elevage');
      case 'grandes-cultures':
        if (r < 0.04) return { kind: 'fixed', slot: S(['PPH', 100]) };
        if (r < 0.06) return { kind: 'fixed', slot: S(['J6P', 100]) };
        return rot('grandes-cultures');
      case 'arboriculture':
        if (r < 0.62) return { kind: 'fixed', slot: S(['PRU', 55], ['NOS', 20], ['VRG', 15], ['NOX', 10]) };
        return rot('arboriculture');
      case 'maraichage':
        return r < 0.1 ? { kind: 'fixed', slot: S(['PPH', 100]) } : rot('maraichage');
    }
  }

  /** Draws one code of a slot for (field, year); falls back when the nomenclature lacks the draw. */
  #draw(slot: Slot, key: number, year: number, salt: number, valid: (c: string) => boolean): string | null {
    const rng = new Rng(this.#seed, salt, key, year);
    const present = slot.filter(([c]) => valid(c));
    if (!present.length) return null;
    return rng.weighted(present);
  }

  #main(slot: Slot, key: number, year: number): string {
    const code = this.#draw(slot, key, year, 404, (c) => this.#nom.groups.has(c));
    if (code) return code;
    // Nothing of the slot exists in the nomenclature: the field is declared as temporary grassland.
    return this.#nom.groups.has('PTR') ? 'PTR' : [...this.#nom.groups.keys()].sort()[0];
  }

  /** The main crop of a field for a campaign (before catch crops). */
  mainCrop(f: FieldInput, use: Use, year: number): string {
    if (use.kind === 'fixed') return this.#main(use.slot, f.id, 0); // same code every year
    if (use.kind === 'vine') {
      // Vines are replanted about every 50 years: 2 years out of production (2 % of vineyards a year).
      const offset = Math.floor(hash01(this.#seed, 405, f.id) * 100);
      if ((year + offset) % 100 < 2) return this.#nom.groups.has('VRN') ? 'VRN' : this.#main(S(['J5M', 1]), f.id, year);
      return this.#main(S(['VRC', 1]), f.id, 0);
    }
    // 3 % of arable fields are left fallow a year.
    if (hash01(this.#seed, 407, f.id, year) < 0.03) return this.#main(S(['J5M', 100]), f.id, year);
    const slot = use.rotation[(((year + use.offset) % use.rotation.length) + use.rotation.length) % use.rotation.length];
    return this.#main(slot, f.id, year);
  }

  /** Main crop and catch crops of one field for every year. */
  fieldYears(f: FieldInput, years: readonly number[]): CropRow[] {
    const use = this.use(f);
    const out: CropRow[] = [];
    for (const y of years) {
      const code = this.mainCrop(f, use, y);
      let d1: string | null = null;
      let d2: string | null = null;
      if (use.kind === 'rotation' && SUMMER_HARVEST.has(code) && SPRING.has(this.mainCrop(f, use, y + 1))) {
        const r = hash01(this.#seed, 408, f.id, y);
        if (r < 0.45) {
          d1 = this.#draw(CATCH, f.id, y, 409, (c) => this.#nom.derobees.has(c));
          if (d1 && r < 0.07) {
            const second = this.#draw(CATCH.filter(([c]) => c !== d1), f.id, y, 410, (c) => this.#nom.derobees.has(c));
            d2 = second;
          }
        }
      }
      out.push({ field_id: f.id, campagne: y, code_cultu: code, culture_d1: d1, culture_d2: d2 });
    }
    return out;
  }
}

export interface FarmArea {
  id: number;
  otex: Otex;
  ha: number;
}

/** Likelihood weight of organic farming by farm type (market gardening and wine more often organic). */
const BIO_WEIGHT: Record<Otex, number> = {
  'maraichage': 3,
  'viticulture': 2,
  'arboriculture': 1.6,
  'bovins': 1.2,
  'polyculture-elevage': 1,
  'grandes-cultures': 0.7,
};

/**
 * The first campaign each organic farm is engaged (converting), chosen so that the organic share of
 * the declared area rises from ≈ 11 % to ≈ 14 % over the campaigns, always inside [bio.min, bio.max]
 * when the territory has enough farms. Farms already organic before the first campaign get an earlier
 * year (so their fields are certified AB throughout).
 */
export function organicFarms(p: DemoParams, farms: readonly FarmArea[]): Map<number, number> {
  const total = farms.reduce((s, f) => s + f.ha, 0);
  const first = p.annees[0];
  const last = p.annees[p.annees.length - 1];
  const span = p.bio.max - p.bio.min;
  const start = p.bio.min + 0.2 * span;
  const end = p.bio.min + 0.8 * span;
  const ceiling = p.bio.max - 0.1 * span;
  const order = [...farms].sort((a, b) => {
    const ka = -Math.log(Math.max(hash01(p.seed, 501, a.id), 1e-12)) / BIO_WEIGHT[a.otex];
    const kb = -Math.log(Math.max(hash01(p.seed, 501, b.id), 1e-12)) / BIO_WEIGHT[b.otex];
    return ka - kb || a.id - b.id;
  });
  const out = new Map<number, number>();
  let area = 0;
  // Already organic at the first campaign (engaged 1 to 12 years before).
  for (const f of order) {
    if (area / total >= start) break;
    if ((area + f.ha) / total > ceiling) continue;
    out.set(f.id, first - 1 - Math.floor(hash01(p.seed, 502, f.id) * 12));
    area += f.ha;
  }
  // Conversions during the period, spread over the campaigns after the first.
  const newcomers: FarmArea[] = [];
  for (const f of order) {
    if (out.has(f.id)) continue;
    if ((area + f.ha) / total > Math.max(end, area / total)) continue;
    if (area / total >= end) break;
    newcomers.push(f);
    area += f.ha;
  }
  const years = last - first;
  newcomers.forEach((f, i) => out.set(f.id, years === 0 ? first : first + 1 + Math.floor((i * years) / newcomers.length)));
  return out;
}

/** Conversion level of an organic parcel: C1, C2 (C3 for perennial crops), then AB. */
export function conversionLevel(since: number, year: number, perennial: boolean): 'C1' | 'C2' | 'C3' | 'AB' {
  const n = year - since;
  if (n <= 0) return 'C1';
  if (n === 1) return 'C2';
  if (n === 2 && perennial) return 'C3';
  return 'AB';
}

export const PERENNIAL = new Set(['VRC', 'VRN', 'PRU', 'NOS', 'NOX', 'VRG', 'PPH', 'PRL']);

/** Certification bodies (codes as Agence BIO lists them), weighted by their rough market shares. */
export const ORGANISMES: readonly (readonly [string, number])[] = [
  ['FR-BIO-01', 45], // Ecocert France
  ['FR-BIO-10', 18], // Bureau Veritas Certification France
  ['FR-BIO-09', 12], // Certipaq
  ['FR-BIO-16', 10], // Certisud
  ['FR-BIO-13', 8], // Certis
  ['FR-BIO-15', 7], // Bureau Alpes Contrôles
];

export { OTEX };
