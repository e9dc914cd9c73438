import { Type, type TSchema } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessRule, LayerDescriptor } from '../catalog/layer.ts';
import { checkParameters, conditions, hasChecks, parameterSchemas, requireFilters } from '../catalog/filters.ts';
import { parseGeom, type GeomInput } from '../geo/geom-param.ts';
import { featureCollection, pagingLinks } from './feature-collection.ts';
import { pagingSchema, requestUrl } from '../http/paging.ts';
import { invalidParam, type ParamLocation } from '../http/problems.ts';
import { assertValidGeom, queryFeatures, type Condition } from './query.ts';

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
  lon: Type.Optional(Type.Number({ description: 'Longitude (WGS84 degrees), with `lat`, instead of `geom`: features containing the point.', examples: [0.45] })),
  lat: Type.Optional(Type.Number({ description: 'Latitude (WGS84 degrees), with `lon`, instead of `geom`.', examples: [44.345] })),
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

type Method = 'GET' | 'POST';

interface RouteShape {
  url: string;
  summary: string;
  description?: string;
  tags: string[];
  methods?: Method[];
  /** Also accept `lon` + `lat` as a Point instead of `geom` (at most one of the two forms). */
  lonLat?: boolean;
  geomRequired?: boolean;
}

export interface FeatureRouteOptions extends RouteShape {
  /** A layer of the catalogue: its filters, parameters, paging bounds and access rule make the route. */
  layer: LayerDescriptor;
  /** The descriptor answering one request when it is not `layer` itself (RPG `_libelles`: the same layer with labels). */
  variant?: (input: Record<string, unknown>) => LayerDescriptor;
  /**
   * Runs when a page comes back empty, to tell "nothing matched" from "a parameter names something
   * that is not there" (an RPG campaign out of range: throw the 400), or to explain the empty answer
   * (a campaign not loaded: the members returned, e.g. a `notice`, end the envelope). Checking only
   * then keeps that lookup off the path of every answer that has features. `location`: where the
   * method carries its parameters.
   */
  whenEmpty?: (input: Record<string, unknown>, location: ParamLocation) => Promise<void | Record<string, unknown>>;
}

export interface FeatureSetRouteOptions extends RouteShape {
  /** Layers answered together, each as its own FeatureCollection labelled `featureType`, paged on its own. */
  layers: { layer: LayerDescriptor; featureType: string; url: string }[];
  limits: { defaultLimit: number; maxLimit: number };
}

/** One request as every feature route reads it: parameters of both locations merged, the geometry parsed. */
interface FeatureRequest {
  input: Record<string, unknown>;
  geom?: GeomInput;
  geomLocation: ParamLocation;
  start: number;
  limit: number;
}

function readRequest(req: FastifyRequest, shape: RouteShape, defaultLimit: number): FeatureRequest {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const body = (req.method === 'POST' ? (req.body ?? {}) : {}) as Record<string, unknown>;
  const input = { ...query, ...body } as Record<string, unknown> & { geom?: unknown; lon?: number; lat?: number };
  const lonLatLocation: ParamLocation = body.lon !== undefined || body.lat !== undefined ? 'body' : 'query';
  const point = shape.lonLat ? lonLatGeom(input, lonLatLocation) : undefined;
  const geomLocation: ParamLocation = point ? lonLatLocation : body.geom !== undefined ? 'body' : 'query';
  const geom = point ?? (input.geom !== undefined ? parseGeom(input.geom, geomLocation) : undefined);
  if (shape.geomRequired && !geom) throw invalidParam('geom', 'is required', geomLocation);
  return { input, geom, geomLocation, start: (input._start as number | undefined) ?? 0, limit: (input._limit as number | undefined) ?? defaultLimit };
}

/** One layer's page of a request, as the GeoServer-shaped FeatureCollection text. */
async function layerPage(app: FastifyInstance, layer: LayerDescriptor, r: FeatureRequest, where: Condition[], linkUrl: () => URL, extra?: Record<string, unknown>) {
  const page = await queryFeatures(app.db, layer, { where, geom: r.geom, geomLocation: r.geomLocation, start: r.start, limit: r.limit });
  return { page, body: featureCollection(page, pagingLinks(linkUrl, r.start, page.features.length, page.matched, r.limit), extra) };
}

function geomField(kind: 'query' | 'body'): TSchema {
  const s = kind === 'query' ? Type.String({ description: GEOM_DESCRIPTION }) : Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()], { description: GEOM_DESCRIPTION });
  // Optional in both schemas: a POST may carry `geom` in its query string; the handler requires it.
  return Type.Optional(s);
}

/**
 * GET with a query string and POST with a JSON body (whose `geom` is an object; query parameters
 * are honoured too, as the reference does), one schema each for validation and OpenAPI, the access
 * rule of what is served in the route's config (enforced in one place, src/auth).
 */
function registerRoutes(
  app: FastifyInstance,
  shape: RouteShape,
  parts: { params: Record<string, TSchema>; limits: { defaultLimit: number; maxLimit: number }; access: AccessRule; response: TSchema },
  handlers: { preHandler?: (req: FastifyRequest) => Promise<void>; send: (req: FastifyRequest) => Promise<string> },
) {
  const props = (kind: 'query' | 'body') => ({
    ...parts.params,
    geom: geomField(kind),
    ...(shape.lonLat ? LON_LAT : {}),
    // No defaults in the body: they would override paging a POST gives in its query string.
    ...pagingSchema(parts.limits.defaultLimit, parts.limits.maxLimit, kind === 'query'),
  });
  const querySchema = Type.Object(props('query'), { additionalProperties: false });
  const bodySchema = Type.Object(props('body'), { additionalProperties: false });
  for (const method of shape.methods ?? ['GET', 'POST']) {
    app.route({
      method,
      url: shape.url,
      config: { access: parts.access },
      // A POST without a body (parameters in the query string, as the R client happign sends) is
      // an empty one.
      ...(method === 'POST' ? { preValidation: async (req: FastifyRequest) => void (req.body ??= {}) } : {}),
      ...(handlers.preHandler ? { preHandler: handlers.preHandler } : {}),
      schema: {
        summary: shape.summary,
        description: shape.description,
        tags: shape.tags,
        querystring: method === 'GET' ? querySchema : Type.Partial(querySchema),
        ...(method === 'POST' ? { body: bodySchema } : {}),
        response: { 200: parts.response },
      },
      handler: async (req, reply) => reply.type('application/json; charset=utf-8').send(await handlers.send(req)),
    });
  }
}

function assertCatalogued(app: FastifyInstance, layer: LayerDescriptor): void {
  if (!app.catalog.has(layer.id)) throw new Error(`${layer.id}: not in the catalogue this app was built with`);
}

/**
 * Registers an API Carto feature route for a catalogue layer: its filters and parameters (checked
 * where they were given, with the reference's messages), then the generic feature query and the
 * GeoServer-shaped envelope.
 */
export function featureRoute(app: FastifyInstance, opts: FeatureRouteOptions) {
  const { layer } = opts;
  assertCatalogued(app, layer);
  registerRoutes(
    app,
    opts,
    { params: parameterSchemas(layer), limits: layer, access: layer.access, response: FeatureCollectionSchema },
    {
      // The parameters' own rules after the schemas (types, unknown names) and before the query;
      // each location on its own, so that a problem says where the value was.
      preHandler: hasChecks(layer)
        ? async (req) => {
            checkParameters(layer, (req.query ?? {}) as Record<string, unknown>, 'query');
            if (req.method === 'POST' && req.body && typeof req.body === 'object') checkParameters(layer, req.body as Record<string, unknown>, 'body');
          }
        : undefined,
      send: async (req) => {
        const r = readRequest(req, opts, layer.defaultLimit);
        const location: ParamLocation = req.method === 'GET' ? 'query' : 'body';
        requireFilters(layer, r.input, location);
        const served = opts.variant ? opts.variant(r.input) : layer;
        const { page, body } = await layerPage(app, served, r, conditions(layer, r.input), () => requestUrl(req));
        const extra = page.features.length === 0 && opts.whenEmpty ? await opts.whenEmpty(r.input, location) : undefined;
        return extra ? featureCollection(page, pagingLinks(() => requestUrl(req), r.start, 0, page.matched, r.limit), extra) : body;
      },
    },
  );
}

/**
 * Several layers for one geometry, as a JSON array of their FeatureCollections (GPU `/all`): the
 * same request reading and the same per-layer page as featureRoute, each collection paged on its
 * own and its `next` link pointing at that layer's own route.
 */
export function featureSetRoute(app: FastifyInstance, opts: FeatureSetRouteOptions) {
  for (const l of opts.layers) assertCatalogued(app, l.layer);
  const access = opts.layers[0].layer.access;
  if (opts.layers.some((l) => JSON.stringify(l.layer.access) !== JSON.stringify(access))) throw new Error(`${opts.url}: layers with different access rules`);
  registerRoutes(
    app,
    opts,
    { params: {}, limits: opts.limits, access, response: Type.Array(Type.Intersect([FeatureCollectionSchema, Type.Object({ featureType: Type.String() })])) },
    {
      send: async (req) => {
        const r = readRequest(req, opts, opts.limits.defaultLimit);
        // Checked once here: the per-layer queries skip the validity round trip.
        if (r.geom) await assertValidGeom(app.db, r.geom, r.geomLocation);
        const each: FeatureRequest = { ...r, geom: r.geom && { ...r.geom, polygonal: false } };
        const url = requestUrl(req);
        const parts: string[] = [];
        for (const l of opts.layers) {
          const linkUrl = () => {
            const u = new URL(url);
            u.pathname = url.pathname.replace(new RegExp(`${opts.url.replace(/\//g, '\\/')}\\/?$`), l.url);
            if (req.method === 'POST' && r.geom) u.searchParams.set('geom', r.geom.geojson);
            return u;
          };
          parts.push((await layerPage(app, l.layer, each, [], linkUrl, { featureType: l.featureType })).body);
        }
        return `[${parts.join(',')}]`;
      },
    },
  );
}
