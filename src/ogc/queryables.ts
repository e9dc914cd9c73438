/**
 * What a client may filter a collection on (Part 3 queryables, and the property filters of Part 1
 * items): every served property that does not read a request's geometry, compared as it is served
 * (its SQL from the definition: `code_cultu` is compared as `coalesce(code_cultu, '')`, the value the
 * client sees), and the geometry. Derived from the layer definition through the catalogue's tile
 * properties, never declared again. The document a client reads (GET …/queryables) is queryables()
 * of src/catalog/ogc.ts, over the same properties.
 */
import { tileProperties } from '../catalog/ogc.ts';
import type { LayerDescriptor } from '../catalog/layer.ts';
import type { Queryables } from './cql2/compile.ts';

const cache = new WeakMap<LayerDescriptor, Queryables>();

export function queryablesOf(layer: LayerDescriptor): Queryables {
  let q = cache.get(layer);
  if (!q) {
    q = {
      properties: new Map(tileProperties(layer).map((p) => [p.name, { type: p.type, sql: p.sql }])),
      geometry: { name: layer.geometry.name, sql: layer.sql.geom },
    };
    cache.set(layer, q);
  }
  return q;
}
