/**
 * The reference modules that only proxy IGN's own commercial or internal products (reference §13):
 * `wfs-geoportail` (any Géoplateforme WFS layer), `bduni` (BD TOPO road sections), `er` (the
 * reseller catalogue). Terroir serves open agricultural and land data from its own database and has
 * none of these: a client calling them gets a 501 problem saying so, not a bare 404 that reads like
 * a typo. Hidden from the OpenAPI document (nothing there to describe).
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problems.ts';

export const OUT_OF_SCOPE: Record<string, string> = {
  'wfs-geoportail': 'it passes any Géoplateforme WFS layer through; query https://data.geopf.fr/wfs directly',
  bduni: 'it serves BD TOPO road sections (BDUni), an IGN product Terroir does not hold',
  er: "it serves IGN's reseller catalogue (espace revendeurs), not open land data",
};

export function registerOutOfScope(app: FastifyInstance): void {
  for (const [module, why] of Object.entries(OUT_OF_SCOPE)) {
    for (const url of [`/api/${module}`, `/api/${module}/*`]) {
      app.route({
        method: ['GET', 'POST'],
        url,
        config: { access: 'public' },
        schema: { hide: true },
        handler: async () => {
          throw new HttpProblem('not-implemented', `the API Carto module ${module} is out of Terroir's scope: ${why} (README, "Differences from API Carto")`);
        },
      });
    }
  }
}
