import { Catalog } from '../catalog/catalog.ts';
import type { TerroirModule } from './module.ts';
import codesPostaux from './codes-postaux/index.ts';
import cadastre from './cadastre/index.ts';
import rpg from './rpg/index.ts';
import aoc from './aoc/index.ts';
import gpu from './gpu/index.ts';
import limitesAdministratives from './limites-administratives/index.ts';
import nature from './nature/index.ts';
import nomenclature from './nomenclature/index.ts';
import datasets from './datasets/index.ts';
import admin from './admin/index.ts';
import bio from './bio/index.ts';
import niveau2 from './niveau2/index.ts';
import statistiques from './statistiques/index.ts';

export type { TerroirModule };

/** Every module the service mounts, in documentation order. */
export const MODULES: TerroirModule[] = [codesPostaux, cadastre, rpg, aoc, nomenclature, limitesAdministratives, gpu, nature, bio, niveau2, statistiques, datasets, admin];

/**
 * The catalogue of `modules`' layers and tables. Built once at start by the CLI and handed to buildApp and the
 * commands; programmatic callers (tests, benches) that give none get this one.
 */
export function buildCatalog(modules: readonly TerroirModule[] = MODULES): Catalog {
  return new Catalog(modules.flatMap((m) => m.layers ?? []), modules.flatMap((m) => m.tables ?? []));
}
