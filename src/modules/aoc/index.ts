import type { FastifyInstance } from 'fastify';
import { featureRoute } from '../../features/route.ts';
import type { TerroirModule } from '../module.ts';
import { AOC_LAYER } from './layers.ts';

async function plugin(app: FastifyInstance) {
  featureRoute(app, {
    url: '/appellation-viticole',
    layer: AOC_LAYER,
    methods: ['POST', 'GET'],
    summary: 'Wine AOC zones (INAO parcel delimitation) intersecting a geometry',
    description: AOC_LAYER.description,
    tags: ['aoc'],
    geomRequired: true,
  });
}

const aoc: TerroirModule = {
  name: 'aoc',
  description: 'Wine AOC zones of the INAO parcel delimitation intersecting a geometry (API Carto "AOC / appellations viticoles").',
  layers: [AOC_LAYER],
  plugin,
};
export default aoc;
