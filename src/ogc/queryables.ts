/**
 * What a client may filter a collection on (Part 3 queryables, and the property filters of Part 1
 * items): every served property that does not read a request's geometry, compared as it is served
 * (its SQL from the definition: `code_cultu` is compared as `coalesce(code_cultu, '')`, the value the
 * client sees), and the geometry. Derived from the layer definition through the catalogue's tile
 * properties, never declared again.
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

const GEOJSON_SCHEMA: Record<string, string> = {
  Point: 'https://geojson.org/schema/Point.json',
  MultiPoint: 'https://geojson.org/schema/MultiPoint.json',
  MultiLineString: 'https://geojson.org/schema/MultiLineString.json',
  MultiPolygon: 'https://geojson.org/schema/MultiPolygon.json',
  Geometry: 'https://geojson.org/schema/Geometry.json',
};

/** The queryables document (JSON Schema 2020-12, Part 3 §6.2). */
export function queryablesDocument(layer: LayerDescriptor, id: string, title: string): Record<string, unknown> {
  const q = queryablesOf(layer);
  const properties: Record<string, unknown> = {};
  for (const [name, p] of q.properties) properties[name] = { title: name, type: p.type };
  properties[q.geometry.name] = { title: q.geometry.name, 'x-ogc-role': 'primary-geometry', format: `geometry-${layer.geometry.type.toLowerCase()}`, $ref: GEOJSON_SCHEMA[layer.geometry.type] };
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, type: 'object', title, properties, additionalProperties: false };
}
