/**
 * Colours of the RPG crop groups (CODE_GROUP 1–28 of the nomenclature): close crops in close hues
 * (cereals in ochres, oilseeds in yellows, grassland in greens, vines in purple, orchards in reds).
 */
export const COULEURS_GROUPES: Record<string, string> = {
  '1': '#e3b505',
  '2': '#f08c00',
  '3': '#c8a45a',
  '4': '#b8860b',
  '5': '#f2e600',
  '6': '#ffc53d',
  '7': '#d4a017',
  '8': '#9c6ade',
  '9': '#7fb3d5',
  '10': '#b5838d',
  '11': '#bdbdbd',
  '12': '#9e9e9e',
  '13': '#8d8d8d',
  '14': '#66c2a5',
  '15': '#a1887f',
  '16': '#7cb342',
  '17': '#c5e1a5',
  '18': '#2e7d32',
  '19': '#8bc34a',
  '20': '#e57373',
  '21': '#8e24aa',
  '22': '#6d4c41',
  '23': '#827717',
  '24': '#00897b',
  '25': '#ec407a',
  '26': '#26a69a',
  '27': '#ad1457',
  '28': '#607d8b',
};
export const COULEUR_AUTRE = '#d0d0d0';

export function couleurGroupe(code: string | number): string {
  return COULEURS_GROUPES[String(code)] ?? COULEUR_AUTRE;
}

/** A MapLibre `match` on the tile property `code_group` (a string in the tiles). */
export function expressionCouleur(): unknown[] {
  const e: unknown[] = ['match', ['to-string', ['get', 'code_group']]];
  for (const [code, c] of Object.entries(COULEURS_GROUPES)) e.push(code, c);
  e.push(COULEUR_AUTRE);
  return e;
}

/** Urbanism zone kinds (CNIG TYPEZONE: U, AUc, AUs, A, N; secteurs de carte communale ZC / ZnC). */
export const COULEURS_ZONES: [string, string, string][] = [
  ['U', '#d7301f', 'U — urbaine'],
  ['AU', '#fc8d59', 'AU — à urbaniser'],
  ['A', '#fee08b', 'A — agricole'],
  ['N', '#1a9850', 'N — naturelle'],
];
