import type { FastifyInstance } from 'fastify';
import { featureRoute } from '../../features/route.ts';
import type { TerroirModule } from '../module.ts';
import { NATURE_LAYERS } from './layers.ts';

async function plugin(app: FastifyInstance) {
  for (const n of NATURE_LAYERS) {
    featureRoute(app, { url: `/${n.route}`, layer: n.layer, summary: n.title, description: n.layer.description, tags: ['nature'] });
  }
}

const nature: TerroirModule = {
  name: 'nature',
  description:
    'Natura 2000 (SIC/ZSC, ZPS), ZNIEFF 1 and 2, parcs nationaux and régionaux, réserves naturelles (API Carto "nature"), from the MNHN/INPN files.',
  layers: NATURE_LAYERS.map((n) => n.layer),
  plugin,
};
export default nature;
