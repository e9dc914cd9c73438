import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Layer } from '../catalog/layer.ts';
import type { CatalogTable } from '../catalog/table.ts';
import type { Database } from '../db/database.ts';

export interface TerroirModule {
  /** Public name: URL prefix `/api/<name>` and OpenAPI file `/api/doc/<name>.yml`. */
  name: string;
  description: string;
  /** The layers it serves and loads, each defined once in its layers.ts (defineLayer): the catalogue is built from them. */
  layers?: Layer[];
  /** Its tables without geometry, defined once each (defineTable, src/catalog/table.ts), in the same catalogue. */
  tables?: CatalogTable[];
  plugin: (app: FastifyInstance) => Promise<void>;
  /**
   * Loads the module's packaged reference data when it is missing or outdated (checked against
   * terroir_dataset), so the work is done on the first start only. Called by `serve` after migrations.
   */
  bootstrap?: (db: Database, log: FastifyBaseLogger) => Promise<void>;
}
