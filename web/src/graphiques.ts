/**
 * Hand-written SVG charts (no chart library: a few hundred bytes instead of tens of kilobytes).
 * Each chart is an `<svg role="img">` with a title, next to the table of its figures (the table is
 * what a screen reader and the print view read; the chart is the picture of it).
 */
const NS = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, texte?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (texte !== undefined) e.textContent = texte;
  return e;
}

export interface Barre {
  libelle: string;
  valeur: number;
  couleur: string;
  texte: string;
}

/** Horizontal bars, longest first as given. */
export function barres(titre: string, donnees: Barre[]): SVGSVGElement {
  const h = 18;
  const gauche = 150;
  const largeur = 340;
  const max = Math.max(...donnees.map((d) => d.valeur), 1e-9);
  const svg = s('svg', { viewBox: `0 0 ${largeur} ${donnees.length * (h + 4) + 4}`, role: 'img', class: 'graphique' });
  svg.append(s('title', {}, titre));
  donnees.forEach((d, i) => {
    const y = 4 + i * (h + 4);
    const l = Math.max(1, ((largeur - gauche - 70) * d.valeur) / max);
    const g = s('g');
    g.append(s('text', { x: gauche - 6, y: y + h * 0.72, 'text-anchor': 'end', class: 'etiquette' }, d.libelle.length > 24 ? `${d.libelle.slice(0, 23)}…` : d.libelle));
    g.append(s('rect', { x: gauche, y, width: l.toFixed(1), height: h, fill: d.couleur }));
    g.append(s('text', { x: gauche + l + 4, y: y + h * 0.72, class: 'valeur' }, d.texte));
    svg.append(g);
  });
  return svg;
}

export interface Pile {
  libelle: string;
  parts: { cle: string; valeur: number; couleur: string }[];
  total: string;
}

/** Vertical stacked bars, one per campaign. */
export function piles(titre: string, donnees: Pile[]): SVGSVGElement {
  const hauteur = 170;
  const bas = 20;
  const haut = 16;
  const pas = Math.min(56, 320 / Math.max(donnees.length, 1));
  const largeur = Math.max(340, donnees.length * pas + 20);
  const max = Math.max(...donnees.map((d) => d.parts.reduce((a, p) => a + p.valeur, 0)), 1e-9);
  const svg = s('svg', { viewBox: `0 0 ${largeur} ${hauteur}`, role: 'img', class: 'graphique' });
  svg.append(s('title', {}, titre));
  donnees.forEach((d, i) => {
    const x = 10 + i * pas;
    let y = hauteur - bas;
    for (const p of d.parts) {
      const hh = ((hauteur - bas - haut) * p.valeur) / max;
      y -= hh;
      const r = s('rect', { x, y: y.toFixed(1), width: (pas * 0.7).toFixed(1), height: hh.toFixed(1), fill: p.couleur });
      r.append(s('title', {}, p.cle));
      svg.append(r);
    }
    svg.append(s('text', { x: x + pas * 0.35, y: hauteur - 5, 'text-anchor': 'middle', class: 'etiquette' }, d.libelle));
    svg.append(s('text', { x: x + pas * 0.35, y: y - 3, 'text-anchor': 'middle', class: 'valeur' }, d.total));
  });
  return svg;
}
