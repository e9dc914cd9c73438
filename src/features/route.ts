import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LayerDescriptor } from '../catalog/layer.ts';
import { parseGeom } from '../geo/geom-param.ts';
import { featureCollection, pagingLinks } from '../formats/feature-collection.ts';
import { pagingSchema, requestUrl } from '../http/paging.ts';
import { invalidParam } from '../http/problems.ts';
import { queryFeatures, type Condition } from './query.ts';

export const FeatureCollectionSchema = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(Type.Object({}, { additionalProperties: true })),
    totalFeatures: Type.Integer(),
    numberMatched: Type.Integer(),
    numberReturned: Type.Integer(),
    timeStamp: Type.String(),
    crs: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    bbox: Type.Optional(Type.Array(Type.Number(), { minItems: 4, maxItems: 4 })),
    links: Type.Optional(Type.Array(Type.Object({ href: Type.String(), rel: Type.String() }, { additionalProperties: true }))),
  },
  { description: 'GeoJSON FeatureCollection in WGS84, with the API Carto (GeoServer) envelope.' },
);

const GEOM_DESCRIPTION = 'GeoJSON geometry in WGS84 lon/lat (Point, LineString, Polygon, Multi*): features intersecting it.';

export interface FeatureRouteOptions<F extends TProperties> {
  /** Path inside the module prefix, e.g. `/parcelle`. */
  url: string;
  layer: LayerDescriptor | ((input: Static<TObject<F>>) => Promise<LayerDescriptor> | LayerDescriptor);
  /** Paging bounds when `layer` is chosen per request (default: the static layer's). */
  limits?: { defaultLimit: number; maxLimit: number };
  summary: string;
  description?: string;
  tags: string[];
  /** Attribute parameters, validated by their TypeBox schemas (all optional unless marked). */
  filters: F;
  toConditions: (input: Static<TObject<F>>) => Condition[];
  geomRequired?: boolean;
  methods?: ('GET' | 'POST')[];
}

/**
 * Registers an API Carto feature route: GET with a query string and POST with a JSON body (whose
 * `geom` is an object; query parameters are honoured too, as the reference does), one schema each
 * for validation and OpenAPI, then the generic feature query and the GeoServer-shaped envelope.
 */
export function featureRoute<F extends TProperties>(app: FastifyInstance, opts: FeatureRouteOptions<F>) {
  const limits = opts.limits ?? (typeof opts.layer === 'function' ? undefined : opts.layer);
  if (!limits) throw new Error(`${opts.url}: limits are required when the layer is chosen per request`);
  const geomField = (kind: 'query' | 'body'): TSchema => {
    const s = kind === 'query' ? Type.String({ description: GEOM_DESCRIPTION }) : Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()], { description: GEOM_DESCRIPTION });
    return opts.geomRequired && kind === 'body' ? s : Type.Optional(s);
  };
  const props = (kind: 'query' | 'body') => ({
    ...opts.filters,
    geom: kind === 'query' && opts.geomRequired ? Type.Optional(geomField('query')) : geomField(kind),
    ...pagingSchema(limits.defaultLimit, limits.maxLimit),
  });
  const querySchema = Type.Object(props('query'), { additionalProperties: false });
  const bodySchema = Type.Object(props('body'), { additionalProperties: false });
  const methods = opts.methods ?? ['GET', 'POST'];

  const handler = async (req: FastifyRequest) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body = (req.method === 'POST' ? req.body ?? {} : {}) as Record<string, unknown>;
    const input = { ...query, ...body } as Static<TObject<F>> & { geom?: unknown; _start: number; _limit: number };
    const geomLocation = body.geom !== undefined ? 'body' : 'query';
    const geom = input.geom !== undefined ? parseGeom(input.geom, geomLocation) : undefined;
    if (opts.geomRequired && !geom) throw invalidParam('geom', 'is required', geomLocation);
    const layer = typeof opts.layer === 'function' ? await opts.layer(input) : opts.layer;
    const start = input._start ?? 0;
    const limit = input._limit ?? limits.defaultLimit;
    const page = await queryFeatures(app.db, layer, { where: opts.toConditions(input), geom, geomLocation, start, limit });
    return { page, links: pagingLinks(requestUrl(req), start, page.features.length, page.matched, limit) };
  };

  for (const method of methods) {
    app.route({
      method,
      url: opts.url,
      config: { access: 'public' },
      schema: {
        summary: opts.summary,
        description: opts.description,
        tags: opts.tags,
        querystring: method === 'GET' ? querySchema : Type.Partial(querySchema),
        ...(method === 'POST' ? { body: bodySchema } : {}),
        response: { 200: FeatureCollectionSchema },
      },
      handler: async (req, reply) => {
        const { page, links } = await handler(req);
        return reply.type('application/json; charset=utf-8').send(featureCollection(page, links));
      },
    });
  }
}
