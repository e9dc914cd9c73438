import type { FastifyInstance } from 'fastify';
import { featureRoute } from '../../features/route.ts';
import type { TerroirModule } from '../module.ts';
import { COMMUNE_LAYER, DEPARTEMENT_LAYER, EPCI_LAYER, LIMITES_LAYERS, REGION_LAYER } from './layers.ts';
import { loadReference } from './reference.ts';

export { loadContours, type AdminLevel, type ContourFeature, type ContourMeta, type ContourResult } from './contours.ts';

async function plugin(app: FastifyInstance) {
  const routes = [
    { url: '/commune', layer: COMMUNE_LAYER, summary: 'Communes' },
    { url: '/epci', layer: EPCI_LAYER, summary: 'EPCI à fiscalité propre' },
    { url: '/departement', layer: DEPARTEMENT_LAYER, summary: 'Départements' },
    { url: '/region', layer: REGION_LAYER, summary: 'Régions' },
  ];
  for (const r of routes) featureRoute(app, { ...r, description: r.layer.description, tags: ['limites-administratives'], lonLat: true });
}

const limitesAdministratives: TerroirModule = {
  name: 'limites-administratives',
  description:
    'Communes, EPCI, départements and régions (API Carto "limites administratives"): INSEE/BANATIC attributes, contours when loaded.',
  layers: LIMITES_LAYERS,
  plugin,
  bootstrap: async (db, log) => {
    await loadReference(db, log);
  },
};
export default limitesAdministratives;
