/**
 * ADMIN EXPRESS's `NOM_M` form of a name: upper case, accents and ligatures removed, punctuation
 * kept ("L'Haÿ-les-Roses" → "L'HAY-LES-ROSES", "Œuilly" → "OEUILLY"). Computed here rather than with
 * PostgreSQL's `unaccent`, which the embedded backend does not load; the `nom` filters use it too,
 * so a search is case- and accent-insensitive.
 */
export function upperNoAccent(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .replace(/[œŒ]/g, 'OE')
    .replace(/[æÆ]/g, 'AE')
    .toUpperCase()
    .trim()
    .replace(/\s+/g, ' ');
}
