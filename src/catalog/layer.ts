/**
 * A layer descriptor: everything the generic feature query (and, later, OGC API Features and vector
 * tiles) needs to serve a table, declared once by the module that owns it. SQL identifiers come only
 * from here, never from a request.
 */
export type PropertyType = 'string' | 'integer' | 'number' | 'boolean';

export interface LayerProperty {
  /** Public name, as API Carto answers it (`code_insee`, `surf_parc`). */
  name: string;
  type: PropertyType;
  /** SQL expression over the table alias `t`; defaults to the column of the same name. */
  sql?: string;
}

import type { AccessRule } from '../auth/access.ts';

export type { AccessRule };

export interface LayerDescriptor {
  /** Catalogue id, `<module>.<layer>`, e.g. `cadastre.parcelle`. */
  id: string;
  title: string;
  /** Table (or view) holding the features; its geometry is stored in WGS84 (EPSG:4326). */
  table: string;
  geometryColumn: string;
  /** What the answer reports as `geometry_name` (the reference's GeoServer field name). */
  geometryName: string;
  /** Feature ids read `<featureIdPrefix>.<idColumn>` as the reference's do (`parcelle.3351542`). */
  featureIdPrefix: string;
  idColumn: string;
  properties: LayerProperty[];
  defaultLimit: number;
  maxLimit: number;
  access: AccessRule;
  /** Partition key columns (campaign, département) that queries should always constrain when known. */
  partitionedBy?: string[];
  /**
   * Column naming each row's dataset (terroir_dataset.id). Answers then say when their features come
   * from a synthetic dataset (the demo territory), so no one mistakes it for official data.
   */
  datasetColumn?: string;
}

/** The catalogue of every servable layer: one place for feature routes, OGC API and tiles to look. */
export class LayerCatalog {
  readonly #layers = new Map<string, LayerDescriptor>();

  register(layer: LayerDescriptor): LayerDescriptor {
    if (this.#layers.has(layer.id)) throw new Error(`layer ${layer.id} registered twice`);
    this.#layers.set(layer.id, Object.freeze(layer));
    return layer;
  }

  get(id: string): LayerDescriptor {
    const layer = this.#layers.get(id);
    if (!layer) throw new Error(`unknown layer ${id}`);
    return layer;
  }

  all(): LayerDescriptor[] {
    return [...this.#layers.values()];
  }
}
