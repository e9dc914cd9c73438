import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { TerroirModule } from '../index.ts';
import { featureRoute, FeatureCollectionSchema } from '../../features/route.ts';
import { assertValidGeom, queryFeatures } from '../../features/query.ts';
import { featureCollection, pagingLinks } from '../../features/feature-collection.ts';
import { parseGeom } from '../../geo/geom-param.ts';
import { pagingSchema, requestUrl } from '../../http/paging.ts';
import type { ParamLocation } from '../../http/problems.ts';
import { ALL_LIMITS, GPU_LAYERS } from './layers.ts';
import { FILTER_SCHEMAS, filterConditions, type FilterInput } from './params.ts';
import { refreshMunicipalities } from './municipality.ts';

const TAGS = ['gpu'];

const GEOM_DESCRIPTION = 'GeoJSON geometry in WGS84 lon/lat (Point, LineString, Polygon, Multi*): features intersecting it.';

/**
 * `/all`: the 17 layers for one geometry, as a JSON array of FeatureCollections in the reference's
 * order, each labelled with its own `featureType` (the reference labels all of them
 * `generateur-sup-s`, §15.2). Each collection is paged on its own (`_limit` per layer) and its `next`
 * link points at that layer's own route.
 */
function allRoute(app: FastifyInstance) {
  const props = (kind: 'query' | 'body') => ({
    geom: Type.Optional(
      kind === 'query' ? Type.String({ description: GEOM_DESCRIPTION }) : Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()], { description: GEOM_DESCRIPTION }),
    ),
    ...pagingSchema(ALL_LIMITS.defaultLimit, ALL_LIMITS.maxLimit),
  });
  const querySchema = Type.Object(props('query'), { additionalProperties: false });
  const bodySchema = Type.Object(props('body'), { additionalProperties: false });

  const handler = async (req: FastifyRequest) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body = (req.method === 'POST' ? (req.body ?? {}) : {}) as Record<string, unknown>;
    const input = { ...query, ...body } as { geom?: unknown; _start?: number; _limit?: number };
    const location: ParamLocation = body.geom !== undefined ? 'body' : 'query';
    const geom = input.geom !== undefined ? parseGeom(input.geom, location) : undefined;
    if (geom) await assertValidGeom(app.db, geom, location);
    const start = input._start ?? 0;
    const limit = input._limit ?? ALL_LIMITS.defaultLimit;
    const url = requestUrl(req);
    const parts: string[] = [];
    for (const l of GPU_LAYERS) {
      // Already checked once above: the per-layer query skips the validity round trip.
      const page = await queryFeatures(app.db, l.descriptor, { where: [], geom: geom && { ...geom, polygonal: false }, geomLocation: location, start, limit });
      const layerUrl = new URL(url);
      layerUrl.pathname = url.pathname.replace(/\/all\/?$/, `/${l.route}`);
      if (req.method === 'POST' && geom) layerUrl.searchParams.set('geom', geom.geojson);
      parts.push(featureCollection(page, pagingLinks(() => layerUrl, start, page.features.length, page.matched, limit), { featureType: l.route }));
    }
    return `[${parts.join(',')}]`;
  };

  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/all',
      config: { access: 'public' },
      schema: {
        summary: 'Every GPU layer intersecting one geometry',
        description:
          'The 17 layers (municipality … generateur-sup-s) as an array of FeatureCollections, each with `featureType` = its route name. ' +
          `Paged per layer: \`_limit\` features of each (default ${ALL_LIMITS.defaultLimit}, at most ${ALL_LIMITS.maxLimit}); a collection's \`next\` link continues on that layer's own route.`,
        tags: TAGS,
        querystring: method === 'GET' ? querySchema : Type.Partial(querySchema),
        ...(method === 'POST' ? { body: bodySchema } : {}),
        response: { 200: Type.Array(Type.Intersect([FeatureCollectionSchema, Type.Object({ featureType: Type.String() })])) },
      },
      handler: async (req, reply) => reply.type('application/json; charset=utf-8').send(await handler(req)),
    });
  }
}

async function plugin(app: FastifyInstance) {
  for (const l of GPU_LAYERS) {
    app.catalog.register(l.descriptor);
    const filters = Object.fromEntries(l.filters.map((f) => [f, FILTER_SCHEMAS[f]]));
    featureRoute(app, {
      url: `/${l.route}`,
      layer: l.descriptor,
      summary: l.summary,
      description:
        `${l.descriptor.title}: features intersecting \`geom\`, filtered by ${l.filters.map((f) => `\`${f}\``).join(', ')}. ` +
        `Paged: \`_limit\` default ${l.descriptor.defaultLimit}, at most ${l.descriptor.maxLimit} (the reference ignores paging and answers at most 5000).`,
      tags: TAGS,
      filters,
      toConditions: (input) => filterConditions(l.filters, input as FilterInput, 'query'),
    });
  }
  allRoute(app);
}

const gpu: TerroirModule = {
  name: 'gpu',
  description: 'Géoportail de l\u2019Urbanisme (API Carto "GPU"): documents d\u2019urbanisme, zonage, prescriptions, informations and servitudes d\u2019utilité publique.',
  plugin,
  bootstrap: async (db, log) => {
    const n = await refreshMunicipalities(db, { onlyIfMissing: true });
    if (n !== null) log.info({ communes: n }, 'gpu: municipality layer derived from the administrative units');
  },
};
export default gpu;
