/**
 * The demo territory's parameters: what `terroir demo` flags choose, and the two size presets.
 *
 * Location: Lot-et-Garonne (47), around Lambert-93 (495 km, 6 365 km): rural south-west France with
 * cereals, maize, grassland, orchards and vineyards on the hills, which lets every layer be plausible.
 * The territory is FICTIONAL: its communes are numbered 47501 and above, codes INSEE does not use
 * (the real 47 communes stop at 47328; a test checks against the COG), its EPCI SIRENs are absent from
 * BANATIC, and every dataset is flagged synthetic in terroir_dataset.
 */

export type DemoSize = 'default' | 'departement';

export interface DemoOptions {
  seed?: number;
  size?: DemoSize;
  communes?: number;
  /** Consecutive campaigns, e.g. [2017, …, 2023]. */
  annees?: number[];
}

export interface DemoParams {
  seed: number;
  size: DemoSize;
  communes: number;
  annees: number[];
  /** Département code the fictional communes are numbered in. */
  codeDep: string;
  /** First commune number (INSEE code = codeDep + 3 digits). */
  firstCommuneNumber: number;
  /** Centre of the territory, Lambert-93 metres. */
  centre: [number, number];
  /** Mean commune area, km². */
  communeKm2: number;
  /** Landscape block area (roads and hedges bound them), ha. */
  blockHa: number;
  /** Communes per EPCI, on average. */
  communesPerEpci: number;
  /** Target cadastre parcel sizes by land use. */
  lotM2: { urbain: number; agricole: number; foret: number };
  /** Share of the territory's blocks: forest, wine-growing hills, best slopes (cru). */
  shares: { foret: number; vigne: number; cru: number };
  /** Organic share of the declared area, every campaign within [min, max]. */
  bio: { min: number; max: number };
}

export const DEFAULT_SEED = 1;
export const DEFAULT_ANNEES = [2017, 2018, 2019, 2020, 2021, 2022, 2023];
export const FIRST_CAMPAIGN = 2010;
export const LAST_CAMPAIGN = 2025;
export const MAX_COMMUNES = 499;

/**
 * Size presets. `default` is what `npm start` builds on an empty database: it must leave the
 * embedded backend answering in well under a minute on 2 cores (docs/demo.md has the figures).
 * `departement` is what benchmarks use: ≥ 100 000 cadastre parcels and ≥ 50 000 RPG parcels a year.
 */
export const SIZES: Record<DemoSize, { communes: number }> = {
  default: { communes: 12 },
  departement: { communes: 300 },
};

export class DemoOptionError extends Error {
  override name = 'DemoOptionError';
}

/** `2017-2023` or `2019` → consecutive campaign years. */
export function parseAnnees(text: string): number[] {
  const m = /^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$/.exec(text);
  if (!m) throw new DemoOptionError(`--annees ${JSON.stringify(text)}: expected YYYY or YYYY-YYYY, e.g. 2017-2023`);
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  if (a > b) throw new DemoOptionError(`--annees ${text}: the first year is after the last`);
  if (a < FIRST_CAMPAIGN || b > LAST_CAMPAIGN) {
    throw new DemoOptionError(`--annees ${text}: campaigns ${FIRST_CAMPAIGN}–${LAST_CAMPAIGN} only`);
  }
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

export function resolveParams(opts: DemoOptions = {}): DemoParams {
  const size = opts.size ?? 'default';
  if (!(size in SIZES)) throw new DemoOptionError(`--size ${JSON.stringify(size)}: expected default or departement`);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    throw new DemoOptionError(`--seed ${seed}: expected an integer between 0 and ${2 ** 31 - 1}`);
  }
  const communes = opts.communes ?? SIZES[size].communes;
  if (!Number.isInteger(communes) || communes < 1 || communes > MAX_COMMUNES) {
    throw new DemoOptionError(`--communes ${communes}: expected an integer between 1 and ${MAX_COMMUNES}`);
  }
  const annees = opts.annees ?? DEFAULT_ANNEES;
  if (!annees.length || annees.some((y, i) => !Number.isInteger(y) || (i > 0 && y !== annees[i - 1] + 1))) {
    throw new DemoOptionError('--annees: expected consecutive campaign years');
  }
  return {
    seed,
    size,
    communes,
    annees,
    codeDep: '47',
    firstCommuneNumber: 501,
    centre: [495_000, 6_365_000],
    communeKm2: 8,
    blockHa: 25,
    communesPerEpci: 15,
    lotM2: { urbain: 1_500, agricole: 14_000, foret: 40_000 },
    shares: { foret: 0.24, vigne: 0.14, cru: 0.035 },
    bio: { min: 0.1, max: 0.15 },
  };
}
