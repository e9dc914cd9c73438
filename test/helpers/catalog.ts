import { buildCatalog } from '../../src/modules/index.ts';

/** The catalogue the service builds at start, for tests that look layers and import targets up by id. */
export const CATALOG = buildCatalog();

/** The catalogue's import targets by id (`terroir import <id>`). */
export const IMPORT_TARGETS = { get: (id: string) => CATALOG.target(id) };
