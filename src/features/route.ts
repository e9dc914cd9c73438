import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LayerDescriptor } from '../catalog/layer.ts';
import { parseGeom, type GeomInput } from '../geo/geom-param.ts';
import { featureCollection, pagingLinks } from './feature-collection.ts';
import { pagingSchema, requestUrl } from '../http/paging.ts';
import { invalidParam, type ParamLocation } from '../http/problems.ts';
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

/** `lon` + `lat`: the Point alternative to `geom` some reference routes accept (§12, §13.2). */
const LON_LAT = {
  lon: Type.Optional(Type.Number({ description: 'Longitude (WGS84 degrees), with `lat`, instead of `geom`: features containing the point.', examples: [-4.3727] })),
  lat: Type.Optional(Type.Number({ description: 'Latitude (WGS84 degrees), with `lon`, instead of `geom`.', examples: [47.8087] })),
};

/**
 * The Point given by `lon` + `lat`, under the reference's rules and messages (§12): at most one of
 * the two forms, both coordinates or neither, each within WGS84 bounds.
 */
export function lonLatGeom(input: { lon?: number; lat?: number; geom?: unknown }, location: ParamLocation): GeomInput | undefined {
  const { lon, lat } = input;
  if (lon === undefined && lat === undefined) return undefined;
  if (input.geom !== undefined) {
    throw invalidParam('geom', 'Si le champ "geom" est renseigné, les champs "lon" et "lat" ne doivent pas être renseignés.', location);
  }
  const oneOf = 'Il faut renseigner soit le champ "geom", soit les champs "lon" et "lat".';
  if (lat === undefined) throw invalidParam('lat', oneOf, location);
  if (lon === undefined) throw invalidParam('lon', oneOf, location);
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) throw invalidParam('lon', 'La longitude est invalide', location, lon);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw invalidParam('lat', 'La latitude est invalide', location, lat);
  return { geojson: JSON.stringify({ type: 'Point', coordinates: [lon, lat] }), type: 'Point', polygonal: false };
}

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
  /**
   * Runs when a page comes back empty, to tell "nothing matched" from "a parameter names something
   * that is not there" (an RPG campaign not loaded) and throw the 400. Checking only then keeps that
   * lookup off the path of every answer that has features.
   */
  whenEmpty?: (input: Static<TObject<F>>) => Promise<void>;
  geomRequired?: boolean;
  /** Also accept `lon` + `lat` as a Point instead of `geom` (at most one of the two forms). */
  lonLat?: boolean;
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
    // Optional in both schemas: a POST may carry `geom` in its query string; the handler requires it.
    return Type.Optional(s);
  };
  const props = (kind: 'query' | 'body') => ({
    ...opts.filters,
    geom: geomField(kind),
    ...(opts.lonLat ? LON_LAT : {}),
    // No defaults in the body: they would override paging a POST gives in its query string.
    ...pagingSchema(limits.defaultLimit, limits.maxLimit, kind === 'query'),
  });
  const querySchema = Type.Object(props('query'), { additionalProperties: false });
  const bodySchema = Type.Object(props('body'), { additionalProperties: false });
  const methods = opts.methods ?? ['GET', 'POST'];

  const handler = async (req: FastifyRequest) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body = (req.method === 'POST' ? req.body ?? {} : {}) as Record<string, unknown>;
    const input = { ...query, ...body } as Static<TObject<F>> & { geom?: unknown; lon?: number; lat?: number; _start: number; _limit: number };
    const lonLatLocation: ParamLocation = body.lon !== undefined || body.lat !== undefined ? 'body' : 'query';
    const point = opts.lonLat ? lonLatGeom(input, lonLatLocation) : undefined;
    const geomLocation: ParamLocation = point ? lonLatLocation : body.geom !== undefined ? 'body' : 'query';
    const geom = point ?? (input.geom !== undefined ? parseGeom(input.geom, geomLocation) : undefined);
    if (opts.geomRequired && !geom) throw invalidParam('geom', 'is required', geomLocation);
    const layer = typeof opts.layer === 'function' ? await opts.layer(input) : opts.layer;
    const start = input._start ?? 0;
    const limit = input._limit ?? limits.defaultLimit;
    const page = await queryFeatures(app.db, layer, { where: opts.toConditions(input), geom, geomLocation, start, limit });
    if (page.features.length === 0 && opts.whenEmpty) await opts.whenEmpty(input);
    return { page, links: pagingLinks(() => requestUrl(req), start, page.features.length, page.matched, limit) };
  };

  for (const method of methods) {
    app.route({
      method,
      url: opts.url,
      config: { access: 'public' },
      // A POST without a body (parameters in the query string, as the R client happign sends) is
      // an empty one.
      ...(method === 'POST' ? { preValidation: async (req: FastifyRequest) => void (req.body ??= {}) } : {}),
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
