import { adminExpressSource } from './admin-express.ts';
import { bioSource } from './bio.ts';
import { cadastreSource } from './cadastre.ts';
import { gpuSource } from './gpu.ts';
import { inaoSource } from './inao.ts';
import { rpgSource } from './rpg.ts';
import type { FetchSource } from './types.ts';

/** Every source `terroir fetch` knows, in the order `--help` lists them. */
export const FETCH_SOURCES: FetchSource[] = [cadastreSource, rpgSource, adminExpressSource, inaoSource, gpuSource, bioSource];

export function findSource(name: string): FetchSource | undefined {
  const n = name.toLowerCase();
  return FETCH_SOURCES.find((s) => s.name === n || s.aliases?.includes(n));
}
