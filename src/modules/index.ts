import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import codesPostaux from './codes-postaux/index.ts';
import cadastre from './cadastre/index.ts';
import rpg from './rpg/index.ts';
import aoc from './aoc/index.ts';
import gpu from './gpu/index.ts';
import limitesAdministratives from './limites-administratives/index.ts';
import nomenclature from './nomenclature/index.ts';
import datasets from './datasets/index.ts';
import admin from './admin/index.ts';

export interface TerroirModule {
  /** Public name: URL prefix `/api/<name>` and OpenAPI file `/api/doc/<name>.yml`. */
  name: string;
  description: string;
  plugin: (app: FastifyInstance) => Promise<void>;
  /**
   * Loads the module's packaged reference data when it is missing or outdated (checked against
   * terroir_dataset), so the work is done on the first start only. Called by `serve` after migrations.
   */
  bootstrap?: (db: Database, log: FastifyBaseLogger) => Promise<void>;
}

/** Every module the service mounts, in documentation order. */
export const MODULES: TerroirModule[] = [codesPostaux, cadastre, rpg, aoc, nomenclature, limitesAdministratives, gpu, datasets, admin];
