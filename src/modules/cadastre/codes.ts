/**
 * Commune codes of the cadastre: how an INSEE code splits into the reference's `code_dep` +
 * `code_com`, the arrondissements municipaux of Paris, Lyon and Marseille (cadastred per
 * arrondissement, answered by API Carto as the commune + `code_arr`), and commune names.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface CogCommune {
  code: string;
  nom: string;
  type: 'commune-actuelle' | 'arrondissement-municipal' | 'commune-deleguee' | 'commune-associee';
  departement?: string;
  commune?: string;
}

let cog: Map<string, CogCommune> | undefined;

/**
 * The INSEE COG communes of @etalab/decoupage-administratif (the package the administrative units
 * module loads too), read once on first use: current communes first, so that a code shared by a
 * commune déléguée and its commune nouvelle names the commune nouvelle.
 */
function communes(): Map<string, CogCommune> {
  if (!cog) {
    const rows = require('@etalab/decoupage-administratif/data/communes.json') as CogCommune[];
    cog = new Map();
    for (const c of rows) if (c.type === 'commune-actuelle' || c.type === 'arrondissement-municipal') cog.set(c.code, c);
    for (const c of rows) if (!cog.has(c.code)) cog.set(c.code, c);
  }
  return cog;
}

/** `^(\d{2}|2[AB])\d{3}$`, upper-cased: the shape of an INSEE commune code. */
export const INSEE_RE = /^(?:\d{2}|2[AB])\d{3}$/;

/**
 * The reference's rule for `code_insee` (apicarto checker/isCodeInsee): 5 characters, the last three
 * digits, the first two digits or 2A/2B, and not a prefix that no commune has (00, 20 since Corsica
 * was split, 96, 98, 99). Returns the reference's message, or null when the code is acceptable.
 */
export function inseeProblem(code: string): string | null {
  if (code.length !== 5) return 'INSEE code must have 5 characters';
  const c = code.toUpperCase();
  if (!INSEE_RE.test(c) || ['00', '20', '96', '98', '99'].includes(c.slice(0, 2))) return 'Invalid INSEE code';
  return null;
}

/** Overseas départements (971…976) have 3-character codes, so their communes 2-character `code_com`. */
export function splitInsee(insee: string): { code_dep: string; code_com: string } {
  const n = insee.startsWith('97') ? 3 : 2;
  return { code_dep: insee.slice(0, n), code_com: insee.slice(n) };
}

export interface CommuneCodes {
  /** The commune as API Carto answers it (75056 for every Paris arrondissement). */
  code_insee: string;
  code_dep: string;
  code_com: string;
  /** The arrondissement municipal (`112` for Paris 12e), `000` elsewhere. */
  code_arr: string;
}

/**
 * The codes of a cadastral commune as published by Etalab (`75112` for Paris 12e): API Carto
 * (PCI Express) files Paris, Lyon and Marseille parcels under the commune (75056, 69123, 13055)
 * with the arrondissement in `code_arr`.
 */
export function communeCodes(cadastralCommune: string): CommuneCodes {
  const code = cadastralCommune.toUpperCase();
  const c = communes().get(code);
  if (c?.type === 'arrondissement-municipal' && c.commune) {
    return { code_insee: c.commune, ...splitInsee(c.commune), code_arr: code.slice(2) };
  }
  return { code_insee: code, ...splitInsee(code), code_arr: '000' };
}

/** When `code_insee` names an arrondissement municipal: its commune and `code_arr`. */
export function arrondissementOf(code: string): { commune: string; code_arr: string } | null {
  const c = communes().get(code.toUpperCase());
  return c?.type === 'arrondissement-municipal' && c.commune ? { commune: c.commune, code_arr: code.slice(2) } : null;
}

/** The commune's current official name (COG), or null for a code the COG does not know. */
export function communeName(code: string): string | null {
  return communes().get(code.toUpperCase())?.nom ?? null;
}
