/**
 * The GPU parameters besides `geom` and paging, as the layer definitions declare them: `insee`
 * (municipality), `partition` (every other layer) and `categorie` (SUP assiettes and générateurs).
 * The schemas only bound the size; the shapes are checked here so that the 400 says what a valid
 * value looks like (the reference checks `insee` with the rule of §6.2 and lets any string through
 * for the other two, which then match nothing).
 */
import type { FilterSpec } from '../../catalog/layer.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';

/**
 * INSEE commune code under the reference's rule (§6.2): 5 characters, upper-cased, the last 3 digits,
 * the first 2 digits or 2A/2B, prefixes 00, 20, 96, 98 and 99 refused (97x overseas accepted).
 */
export function checkInsee(raw: string, location: ParamLocation = 'query'): string {
  const v = raw.toUpperCase();
  if (v.length !== 5) throw invalidParam('insee', 'INSEE code must have 5 characters', location, raw);
  const dep = v.slice(0, 2);
  if (!/^[0-9]{3}$/.test(v.slice(2)) || !/^([0-9]{2}|2A|2B)$/.test(dep) || ['00', '20', '96', '98', '99'].includes(dep)) {
    throw invalidParam('insee', 'Invalid INSEE code', location, raw);
  }
  return v;
}

const INSEE = '(?:[0-9]{5}|2[AB][0-9]{3})';
/** DU_<INSEE|SIREN>, PSMV_<INSEE>, [<SIREN>_]SUP_<INSEE|dép|Rxx|FR>_<catégorie> (GPU partition naming). */
export const PARTITION_RE = new RegExp(
  `^(?:DU_(?:${INSEE}|[0-9]{9})|PSMV_${INSEE}|(?:[0-9]{9}_)?SUP_(?:${INSEE}|[0-9]{2,3}|2[AB]|R[0-9]{2}|FR)_[A-Za-z0-9]{1,12})$`,
);

export function checkPartition(v: string, location: ParamLocation = 'query'): string {
  if (!PARTITION_RE.test(v)) {
    throw invalidParam(
      'partition',
      'expected DU_<INSEE or SIREN>, PSMV_<INSEE> or [<SIREN>_]SUP_<territory>_<category> (e.g. DU_17345, DU_200011781, 130007123_SUP_93_A7)',
      location,
      v,
    );
  }
  return v;
}

/** SUP categories: letters then a number, optional suffix (A7, AC1, EL11, INT1, PM1bis). */
const CATEGORIE_RE = /^[A-Za-z]{1,4}[0-9]{1,2}(?:[A-Za-z]{1,3})?$/;

export function checkCategorie(v: string, location: ParamLocation = 'query'): string {
  if (!CATEGORIE_RE.test(v)) throw invalidParam('categorie', 'expected a SUP category such as AC1, PM1, A7 or EL11', location, v);
  return v.toLowerCase();
}

export const INSEE_FILTER: FilterSpec = {
  maxLength: 20,
  description: 'INSEE code of the commune (5 characters, e.g. 29158, 2A004; 47502 in the demo territory).',
  examples: ['47502'],
  check: (raw, location) => void checkInsee(raw, location),
  value: (raw: string) => raw.toUpperCase(),
};

export const PARTITION_FILTER: FilterSpec = {
  maxLength: 100,
  description: 'GPU partition: DU_<INSEE> (PLU, POS, CC), DU_<SIREN> (PLUi), PSMV_<INSEE>, [<SIREN>_]SUP_<INSEE|département|Rxx|FR>_<catégorie> (SUP).',
  examples: ['DU_47502'],
  check: (raw, location) => void checkPartition(raw, location),
};

/** `categorie` filters the SUP category, stored as `suptype`. */
export const CATEGORIE_FILTER: FilterSpec = {
  param: 'categorie',
  maxLength: 20,
  description: 'SUP category of the national nomenclature, any case (e.g. AC1, PM1, A7).',
  examples: ['AC1'],
  check: (raw, location) => void checkCategorie(raw, location),
  // The GPU stores suptype in lower case; the reference lower-cases the parameter the same way.
  value: (raw: string) => raw.toLowerCase(),
};
