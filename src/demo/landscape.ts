/**
 * The seeded random fields that shape the demo's landscape (outline, commune and EPCI displacements,
 * forest, vineyards, livestock), shared by the geometry stages (geometry.ts, farms.ts).
 */
import type { DemoParams } from './params.ts';
import { Rng, waveField } from './random.ts';

/** Seeded random fields shared by the stages (passed to SQL as demo_wave() coefficients). */
export interface Fields {
  outline: number[];
  communeDx: number[];
  communeDy: number[];
  epciDx: number[];
  epciDy: number[];
  forest: number[];
  vine: number[];
  livestock: number[];
}

export function randomFields(p: DemoParams): Fields {
  const rng = new Rng(p.seed, 101);
  // Outline radius: integer harmonics of the angle (so the curve closes), decreasing amplitudes.
  const outline: number[] = [];
  for (let k = 2; k <= 9; k++) outline.push((0.13 / k ** 0.9) * (0.5 + rng.next()), k, 0, rng.next() * Math.PI * 2);
  for (let k = 11; k <= 29; k += 3) outline.push(0.012 * rng.next(), k, 0, rng.next() * Math.PI * 2);
  const communeSide = Math.sqrt(p.communeKm2) * 1000;
  return {
    outline,
    communeDx: waveField(rng, 5, communeSide * 0.8, communeSide * 2.5),
    communeDy: waveField(rng, 5, communeSide * 0.8, communeSide * 2.5),
    epciDx: waveField(rng, 4, communeSide * 3, communeSide * 8),
    epciDy: waveField(rng, 4, communeSide * 3, communeSide * 8),
    forest: waveField(rng, 6, 2_500, 9_000),
    vine: waveField(rng, 4, 9_000, 24_000),
    livestock: waveField(rng, 4, 6_000, 20_000),
  };
}
