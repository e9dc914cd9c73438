import { ImportTargets } from './target.ts';
import { RPG_IMPORT_TARGETS } from '../modules/rpg/import.ts';
import { AOC_IMPORT_TARGETS } from '../modules/aoc/import.ts';
import { CADASTRE_IMPORT_TARGETS } from '../modules/cadastre/import.ts';
import { GPU_IMPORT_TARGETS } from '../modules/gpu/import.ts';
import { SUP_TARGETS } from '../modules/gpu/sup.ts';
import { CONTOUR_TARGETS } from '../modules/limites-administratives/import.ts';

/**
 * Every importable layer. Each module exports its targets from src/modules/<name>/import.ts and adds
 * them here (one line per module).
 */
export const IMPORT_TARGETS = new ImportTargets();
for (const t of RPG_IMPORT_TARGETS) IMPORT_TARGETS.register(t);
for (const t of AOC_IMPORT_TARGETS) IMPORT_TARGETS.register(t);
for (const t of CADASTRE_IMPORT_TARGETS) IMPORT_TARGETS.register(t);
for (const t of GPU_IMPORT_TARGETS) IMPORT_TARGETS.register(t);
for (const t of SUP_TARGETS) IMPORT_TARGETS.register(t);
for (const t of CONTOUR_TARGETS) IMPORT_TARGETS.register(t);
