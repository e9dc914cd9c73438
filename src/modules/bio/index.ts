/**
 * CartoBio Territoires (issue 15, seed 000): the organic parcels of a territory for habilitated public
 * bodies, by EPCI, commune or uploaded contour, as GeoJSON or zipped Shapefile (docs/cartobio.md).
 * Mounted at /api/v1/territoires, the paths Agence BIO documented in 2020.
 */
import type { TerroirModule } from '../module.ts';
import { BIO_PARCELLE } from './layers.ts';
import { territoiresRoutes } from './routes.ts';

const bio: TerroirModule = {
  name: 'v1/territoires',
  description: 'CartoBio Territoires: organic parcels (RPG bio, CartoBio) of a territory, for habilitated public bodies (scope cartobio:territoires).',
  layers: [BIO_PARCELLE],
  plugin: territoiresRoutes,
};

export default bio;
