/**
 * The catalogue: every layer the service serves and loads, built once at start from the modules'
 * definitions and handed to whatever needs it (buildApp for the routes, `terroir import`, `fetch`
 * and `demo` for the import targets, OGC API and tiles later). No module-level registry: what a
 * catalogue holds is what it was built from.
 */
import type { ImportTarget } from '../import/target.ts';
import type { CatalogTable } from './table.ts';
import type { Layer } from './types.ts';

export class Catalog {
  readonly #layers = new Map<string, Layer>();
  readonly #targets = new Map<string, ImportTarget>();
  readonly #tables = new Map<string, CatalogTable>();

  /** `tables`: those without geometry (defineTable), served by their module, never by the feature routes. */
  constructor(layers: readonly Layer[], tables: readonly CatalogTable[] = []) {
    for (const t of tables) {
      if (this.#tables.has(t.id) || layers.some((l) => l.id === t.id)) throw new Error(`table ${t.id} defined twice`);
      this.#tables.set(t.id, t);
    }
    for (const layer of layers) {
      if (this.#layers.has(layer.id)) throw new Error(`layer ${layer.id} defined twice`);
      this.#layers.set(layer.id, layer);
      for (const t of layer.targets) {
        if (this.#targets.has(t.layer)) throw new Error(`import target ${t.layer} defined twice`);
        this.#targets.set(t.layer, t);
      }
    }
  }

  has(id: string): boolean {
    return this.#layers.has(id);
  }

  get(id: string): Layer {
    const layer = this.#layers.get(id);
    if (!layer) throw new Error(`unknown layer ${id}`);
    return layer;
  }

  all(): Layer[] {
    return [...this.#layers.values()];
  }

  /** The import target `terroir import <id>` names (a layer's, or one of its other formats: `rpg.parcelle-apicarto`). */
  target(id: string): ImportTarget | undefined {
    return this.#targets.get(id);
  }

  targets(): ImportTarget[] {
    return [...this.#targets.values()];
  }

  tables(): CatalogTable[] {
    return [...this.#tables.values()];
  }

  table(id: string): CatalogTable | undefined {
    return this.#tables.get(id);
  }
}
