/**
 * What OGC API Features and vector tiles read of a layer, derived from its definition (never
 * declared again): the queryables (OGC API Features Part 3: the properties a client may filter on,
 * each compared as served), the schema of a feature's properties (Part 5, "returnables"),
 * and the properties a vector tile carries.
 */
import { INPUT_GEOM, type LayerProperty } from './sql.ts';
import type { LayerDescriptor, PropertyType } from './types.ts';

type JsonSchema = Record<string, unknown>;

const GEOJSON_SCHEMA: Record<string, string> = {
  Point: 'https://geojson.org/schema/Point.json',
  MultiPoint: 'https://geojson.org/schema/MultiPoint.json',
  MultiLineString: 'https://geojson.org/schema/MultiLineString.json',
  MultiPolygon: 'https://geojson.org/schema/MultiPolygon.json',
  Geometry: 'https://geojson.org/schema/Geometry.json',
};

/** The JSON Schema of one served property (nullable: any attribute may be absent from a source). */
function propertySchemaOf(p: LayerProperty): JsonSchema {
  return { title: p.name, type: [p.type satisfies PropertyType, 'null'] };
}

function geometrySchema(layer: LayerDescriptor): JsonSchema {
  return { title: layer.geometry.name, 'x-ogc-role': 'primary-geometry', format: `geometry-${layer.geometry.type.toLowerCase()}`, $ref: GEOJSON_SCHEMA[layer.geometry.type] };
}

/**
 * OGC API Features Part 3 queryables, as /ogc serves them (src/ogc/plugin.ts) and as its CQL2 and
 * property filters compare them (src/ogc/queryables.ts): every served property that does not read
 * a request's geometry, typed as served (compared as the client sees it), and the geometry.
 */
export function queryables(layer: LayerDescriptor, id = `${layer.id}/queryables`, title = layer.title): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const p of tileProperties(layer)) properties[p.name] = { title: p.name, type: p.type satisfies PropertyType };
  properties[layer.geometry.name] = geometrySchema(layer);
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, type: 'object', title, properties, additionalProperties: false };
}

/**
 * The schema of a feature's properties as answered, in the answer's order, and its geometry: by the
 * layer's own route (every property), or by /ogc items (`served` = the properties that need no request
 * geometry, tileProperties()).
 */
export function propertySchema(layer: LayerDescriptor, id = `${layer.id}/schema`, served: readonly LayerProperty[] = layer.properties, title = layer.title): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const p of served) properties[p.name] = { ...propertySchemaOf(p), 'x-ogc-propertySeq': Object.keys(properties).length + 1 };
  properties[layer.geometry.name] = geometrySchema(layer);
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, type: 'object', title, description: layer.description, properties };
}

/**
 * The properties of a vector tile feature: every served property that does not depend on a
 * request's geometry (a tile has none), with the SQL that computes it over the alias `t`.
 */
export function tileProperties(layer: LayerDescriptor): LayerProperty[] {
  return layer.properties.filter((p) => !p.sql.includes(INPUT_GEOM));
}
