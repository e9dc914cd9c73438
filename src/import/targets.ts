import { ImportTargets } from './target.ts';

/**
 * Every importable layer. Each module exports its targets from src/modules/<name>/import.ts and adds
 * them here (one line per module).
 */
export const IMPORT_TARGETS = new ImportTargets();
