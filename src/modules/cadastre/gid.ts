/**
 * Stable integer ids (`gid`, and the number of feature ids) computed from the cadastral natural keys,
 * so that a feature keeps its id across re-imports, vintages and machines without any registry.
 *
 * A parcel IDU is 14 characters: commune (2 + 3), prefix (3 digits), section (2 alphanumerics),
 * number (4 digits). Packed in mixed radix it stays below 2^53 (JSON numbers are exact):
 * commune 102 000 values (00…99, 2A, 2B × 000…999) × prefix 1 000 × section 36² × number 10 000
 * ≈ 1.3e15 < 9.007e15. The SQL functions of migration 0010 compute the same numbers for derived rows.
 */

const B36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 29158 → 29158; 2A004 → 100004; 97411 → 97411. Mirrors SQL cadastre_insee_number(). */
export function inseeNumber(insee: string): number {
  const c = insee.toUpperCase();
  if (!/^(?:\d{2}|2[AB])\d{3}$/.test(c)) throw new Error(`not an INSEE commune code: ${JSON.stringify(insee)}`);
  const dep = c.startsWith('2A') ? 100 : c.startsWith('2B') ? 101 : Number(c.slice(0, 2));
  return dep * 1000 + Number(c.slice(2));
}

/** Base-36 value of a 2-character section (`AW` → 392). Mirrors SQL cadastre_section_number(). */
export function sectionNumber(section: string): number {
  const s = section.toUpperCase();
  if (!/^[0-9A-Z]{2}$/.test(s)) throw new Error(`not a 2-character section: ${JSON.stringify(section)}`);
  return B36.indexOf(s[0]) * 36 + B36.indexOf(s[1]);
}

/** gid of a parcel (and of its localisant) from its 14-character IDU. */
export function parcelGid(idu: string): number {
  const m = /^((?:\d{2}|2[AB])\d{3})(\d{3})([0-9A-Z]{2})(\d{4})$/.exec(idu.toUpperCase());
  if (!m) throw new Error(`not a 14-character parcel IDU (commune, prefix, section, number): ${JSON.stringify(idu)}`);
  return ((inseeNumber(m[1]) * 1000 + Number(m[2])) * 1296 + sectionNumber(m[3])) * 10000 + Number(m[4]);
}

/** gid of a feuille: commune, prefix, section, sheet number (1…99). Mirrors SQL cadastre_feuille_gid(). */
export function feuilleGid(insee: string, comAbs: string, section: string, feuille: number): number {
  if (!/^\d{3}$/.test(comAbs)) throw new Error(`not a 3-digit prefix: ${JSON.stringify(comAbs)}`);
  if (!Number.isInteger(feuille) || feuille < 0 || feuille > 99) throw new Error(`not a sheet number 0…99: ${feuille}`);
  return ((inseeNumber(insee) * 1000 + Number(comAbs)) * 1296 + sectionNumber(section)) * 100 + feuille;
}

/** gid of a commune: its INSEE number. */
export const communeGid = inseeNumber;
