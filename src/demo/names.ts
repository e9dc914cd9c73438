import { Rng } from './random.ts';

/**
 * Fictional Gascon-sounding place names (the territory sits in Lot-et-Garonne): a root, a suffix, at
 * times a saint or a "-sur-<river>" complement. They read like place names and match no real commune
 * (a test checks them against the COG).
 */
const ROOTS = [
  'Aubr', 'Barr', 'Bel', 'Bouss', 'Brug', 'Cabr', 'Caub', 'Cast', 'Caz', 'Cout', 'Dam', 'Durb',
  'Esp', 'Faug', 'Fonv', 'Gal', 'Garr', 'Goud', 'Laf', 'Lagr', 'Lam', 'Laur', 'Lav', 'Lous',
  'Marc', 'Mauv', 'Mir', 'Mons', 'Montb', 'Mouss', 'Naz', 'Pard', 'Peyr', 'Pomp', 'Puym', 'Roqu',
  'Sauv', 'Ség', 'Sérign', 'Tourn', 'Tréb', 'Verd', 'Vill', 'Vaur', 'Aubi', 'Bourr', 'Cambr', 'Escl',
];
const SUFFIXES = ['ac', 'agnac', 'an', 'as', 'ens', 'ès', 'ignan', 'illac', 'on', 'ous', 'ade', 'ère', 'ieu', 'eyrac', 'ols', 'ust'];
const SAINTS = ['Saint-Aubin', 'Saint-Jean', 'Saint-Martin', 'Saint-Pierre', 'Saint-Sardos', 'Sainte-Livrade', 'Saint-Vite', 'Sainte-Radegonde', 'Saint-Sernin', 'Sainte-Foy'];
const RIVERS = ['Lède', 'Dropt', 'Séoune', 'Gélise', 'Auvignon', 'Masse', 'Tolzac', 'Lémance', 'Bourbon', 'Avance'];
const HILLS = ['Monts', 'Coteaux', 'Serres', 'Landes', 'Vallées'];

function baseName(rng: Rng): string {
  const root = rng.pick(ROOTS);
  const suffix = rng.pick(SUFFIXES);
  // Avoid a doubled vowel at the join (Aubi + ac → Aubiac is fine, Ségès is not).
  return /[aeiouéè]$/i.test(root) && /^[aeiouéè]/i.test(suffix) ? root + suffix.slice(1) : root + suffix;
}

/** `n` distinct commune names; deterministic for (seed, n). */
export function communeNames(seed: number, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < n; i++) {
    const rng = new Rng(seed, 7001, i);
    const r = rng.next();
    let name = baseName(rng);
    if (r < 0.14) name = `${rng.pick(SAINTS)}-de-${name}`;
    else if (r < 0.24) name = `${name}-sur-${rng.pick(RIVERS)}`;
    else if (r < 0.3) name = `${rng.pick(['Le ', 'La ', 'Les '])}${name}`;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(name);
  }
  return out;
}

/** An EPCI name from its main commune's name. */
export function epciName(seed: number, i: number, mainCommune: string, type: string): string {
  const rng = new Rng(seed, 7002, i);
  const kind = type === 'CA' ? "Communauté d'agglomération" : 'Communauté de communes';
  return rng.next() < 0.5 ? `${kind} ${rng.pick(['du Pays de', 'des', 'du Val de'])} ${mainCommune}`.replace(' des ', ` des ${rng.pick(HILLS)} de `) : `${kind} de ${mainCommune}`;
}

/** The appellation names of the wine-growing hills. */
export function appellationNames(seed: number, mainCommune: string, cruCommune: string): { aoc: string; cru: string } {
  const rng = new Rng(seed, 7003);
  return { aoc: `${rng.pick(['Côtes de', 'Coteaux de', 'Côtes du Pays de'])} ${mainCommune}`, cru: `${cruCommune}` };
}

/** Upper case without accents, as ADMIN EXPRESS NOM_M and the GPU name them. */
export function upperNoAccents(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
}
