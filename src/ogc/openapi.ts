/**
 * The OpenAPI 3.0 document of the OGC API (`oas30` class), built in code: the service's own
 * /api/doc is OpenAPI 3.1 and generated from route schemas, but OGC clients (GDAL, QGIS, the OGC
 * validator) expect 3.0 and parameters that depend on the collection (its queryables), which a
 * static route schema cannot say.
 */
import { CRS_URIS } from './crs.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from './items.ts';
import type { Collection } from './collections.ts';
import { queryablesOf } from './queryables.ts';

const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (description: string, type = 'application/json') => ({ description, content: { [type]: { schema: { type: 'object' } } } });
const problem = { description: 'A bad parameter (RFC 9457 problem naming it).', content: { 'application/problem+json': { schema: { type: 'object' } } } };
const notFound = { description: 'Unknown collection or feature.', content: { 'application/problem+json': { schema: { type: 'object' } } } };

export function openApiDocument(base: string, collections: Collection[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    '/': { get: { operationId: 'getLandingPage', summary: 'Landing page', parameters: [ref('f')], responses: { 200: json('Links to the API, conformance and collections') } } },
    '/conformance': { get: { operationId: 'getConformance', summary: 'Conformance classes implemented', parameters: [ref('f')], responses: { 200: json('conformsTo') } } },
    '/api': { get: { operationId: 'getApi', summary: 'This document', responses: { 200: json('OpenAPI 3.0', 'application/vnd.oai.openapi+json;version=3.0') } } },
    '/collections': { get: { operationId: 'getCollections', summary: 'The collections (one per layer, one per RPG campaign)', parameters: [ref('f')], responses: { 200: json('collections') } } },
  };
  for (const c of collections) {
    const p = `/collections/${c.id}`;
    const props = [...queryablesOf(c.layer).properties].map(([name, q]) => ({
      name,
      in: 'query',
      required: false,
      description: `Features whose ${name} equals this value (${q.type}).`,
      schema: { type: q.type },
    }));
    const items = [ref('limit'), ref('bbox'), ref('bbox-crs'), ref('crs'), ref('datetime'), ref('filter'), ref('filter-lang'), ref('filter-crs'), ref('cursor'), ref('f-items'), ...props];
    paths[p] = { get: { operationId: `describeCollection.${c.id}`, summary: c.title, parameters: [ref('f')], responses: { 200: json('The collection'), 404: notFound } } };
    paths[`${p}/items`] = {
      get: {
        operationId: `getFeatures.${c.id}`,
        summary: `Features of ${c.title}`,
        parameters: items,
        responses: { 200: json('GeoJSON FeatureCollection (or HTML, CSV)', 'application/geo+json'), 400: problem, 404: notFound },
      },
    };
    paths[`${p}/items/{featureId}`] = {
      get: {
        operationId: `getFeature.${c.id}`,
        summary: `One feature of ${c.title}`,
        parameters: [{ name: 'featureId', in: 'path', required: true, schema: { type: 'string' } }, ref('crs'), ref('f')],
        responses: { 200: json('GeoJSON Feature', 'application/geo+json'), 404: notFound },
      },
    };
    paths[`${p}/queryables`] = { get: { operationId: `getQueryables.${c.id}`, summary: 'Queryables (JSON Schema)', responses: { 200: json('JSON Schema', 'application/schema+json') } } };
    paths[`${p}/schema`] = { get: { operationId: `getSchema.${c.id}`, summary: 'Schema of the features (JSON Schema, OGC API Features Part 5)', responses: { 200: json('JSON Schema', 'application/schema+json') } } };
    paths[`${p}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`] = {
      get: {
        operationId: `getTile.${c.id}`,
        summary: `Vector tile (MVT) of ${c.title}`,
        parameters: ['tileMatrix', 'tileRow', 'tileCol'].map((name) => ({ name, in: 'path', required: true, schema: { type: 'integer', minimum: 0 } })),
        responses: {
          200: { description: 'Mapbox Vector Tile', content: { 'application/vnd.mapbox-vector-tile': { schema: { type: 'string', format: 'binary' } } } },
          204: { description: 'No feature in this tile' },
          304: { description: 'Not modified (If-None-Match)' },
          400: problem,
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Terroir — OGC API Features and Tiles',
      version: '0.1.0',
      description: 'Every public layer of Terroir (cadastre, RPG per campaign, AOC, urbanisme, administrative units) as OGC API – Features (Part 1 Core, Part 2 CRS, Part 3 Filtering with CQL2) and vector tiles.',
    },
    servers: [{ url: base }],
    paths,
    components: {
      parameters: {
        f: { name: 'f', in: 'query', required: false, description: 'Format: json or html (default: from Accept).', schema: { type: 'string', enum: ['json', 'html'] } },
        'f-items': { name: 'f', in: 'query', required: false, description: 'Format: json (GeoJSON), html or csv (default: from Accept).', schema: { type: 'string', enum: ['json', 'html', 'csv'] } },
        limit: {
          name: 'limit',
          in: 'query',
          required: false,
          style: 'form',
          explode: false,
          description: `Features per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}); follow the \`next\` link for the following page.`,
          schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
        },
        bbox: {
          name: 'bbox',
          in: 'query',
          required: false,
          style: 'form',
          explode: false,
          description: 'minx,miny,maxx,maxy (or six numbers with heights) in bbox-crs (default CRS84): features intersecting the box.',
          schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
        },
        'bbox-crs': { name: 'bbox-crs', in: 'query', required: false, description: 'CRS of bbox.', schema: { type: 'string', format: 'uri', enum: CRS_URIS } },
        crs: { name: 'crs', in: 'query', required: false, description: 'CRS of the answered geometries (Content-Crs header says it).', schema: { type: 'string', format: 'uri', enum: CRS_URIS } },
        datetime: { name: 'datetime', in: 'query', required: false, description: 'RFC 3339 instant or interval (`..` open); RPG campaign collections only.', schema: { type: 'string' } },
        filter: { name: 'filter', in: 'query', required: false, description: 'CQL2 expression (text or JSON, see filter-lang) over the queryables.', schema: { type: 'string' } },
        'filter-lang': { name: 'filter-lang', in: 'query', required: false, schema: { type: 'string', enum: ['cql2-text', 'cql2-json'], default: 'cql2-text' } },
        'filter-crs': { name: 'filter-crs', in: 'query', required: false, description: 'CRS of geometry literals in filter.', schema: { type: 'string', format: 'uri', enum: CRS_URIS } },
        cursor: { name: 'cursor', in: 'query', required: false, description: 'Opaque position of a page, as the `next` link gives it.', schema: { type: 'string' } },
      },
    },
  };
}
