import type { FastifyInstance } from 'fastify';
import type { TerroirModule } from '../module.ts';
import { featureRoute, featureSetRoute } from '../../features/route.ts';
import { ALL_LIMITS, GPU_LAYERS } from './layers.ts';
import { refreshMunicipalities } from './municipality.ts';

const TAGS = ['gpu'];

async function plugin(app: FastifyInstance) {
  for (const l of GPU_LAYERS) featureRoute(app, { url: `/${l.route}`, layer: l.descriptor, summary: l.summary, description: l.descriptor.description, tags: TAGS });
  // `/all`: the 17 layers for one geometry, as a JSON array of FeatureCollections in the reference's
  // order, each labelled with its own `featureType` (the reference labels all of them
  // `generateur-sup-s`, §15.2). Each collection is paged on its own (`_limit` per layer) and its
  // `next` link points at that layer's own route.
  featureSetRoute(app, {
    url: '/all',
    layers: GPU_LAYERS.map((l) => ({ layer: l.descriptor, featureType: l.route, url: `/${l.route}` })),
    limits: ALL_LIMITS,
    summary: 'Every GPU layer intersecting one geometry',
    description:
      'The 17 layers (municipality … generateur-sup-s) as an array of FeatureCollections, each with `featureType` = its route name. ' +
      `Paged per layer: \`_limit\` features of each (default ${ALL_LIMITS.defaultLimit}, at most ${ALL_LIMITS.maxLimit}); a collection's \`next\` link continues on that layer's own route.`,
    tags: TAGS,
  });
}

const gpu: TerroirModule = {
  name: 'gpu',
  description: 'Géoportail de l\u2019Urbanisme (API Carto "GPU"): documents d\u2019urbanisme, zonage, prescriptions, informations and servitudes d\u2019utilité publique.',
  layers: GPU_LAYERS.map((l) => l.descriptor),
  plugin,
  bootstrap: async (db, log) => {
    const n = await refreshMunicipalities(db, { onlyIfMissing: true });
    if (n !== null) log.info({ communes: n }, 'gpu: municipality layer derived from the administrative units');
  },
};
export default gpu;
