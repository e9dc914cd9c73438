import type { ContourFeature } from '../../../src/modules/limites-administratives/contours.ts';

/** An axis-aligned square polygon, WGS84. */
export function box(x0: number, y0: number, x1: number, y1: number) {
  return { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] };
}

/**
 * Tiny generated contours around Penmarch: real codes, boxes where the units roughly are, so that
 * a point or polygon query has one known answer. Penmarch and Pont-l'Abbé share the edge x = -4.33.
 */
export const FIXTURE: Record<'commune' | 'epci' | 'departement' | 'region', ContourFeature[]> = {
  commune: [
    { code: '29158', geometry: box(-4.4, 47.79, -4.33, 47.83) }, // Penmarch
    { code: '29220', geometry: box(-4.33, 47.79, -4.2, 47.9) }, // Pont-l'Abbé
  ],
  epci: [{ code: '242900702', geometry: box(-4.45, 47.75, -4.15, 47.95) }], // CC du Pays Bigouden Sud
  departement: [{ code: '29', geometry: box(-5.2, 47.7, -3.3, 48.8) }],
  region: [{ code: '53', geometry: box(-5.3, 47.2, -1.0, 48.95) }],
};

export const FIXTURE_META = { source: 'fixture-penmarch', producer: 'Terroir tests', licence: 'none', synthetic: true };

/** Inside Penmarch only, in the fixture and in the real 2018 contour. */
export const PENMARCH_POINT = { lon: -4.35, lat: 47.81 };
