import type { FastifyInstance, FastifyRequest } from 'fastify';
import { featureRoute } from '../../features/route.ts';
import type { TerroirModule } from '../module.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import { CADASTRE_LAYERS, COMMUNE, DIVISION, FEUILLE, LOCALISANT, PARCELLE } from './layers.ts';

const ROUTES = [
  { url: '/commune', layer: COMMUNE, summary: 'Communes (cadastral contours)' },
  { url: '/division', layer: DIVISION, summary: 'Divisions (sheets, BD Parcellaire layout)' },
  { url: '/feuille', layer: FEUILLE, summary: 'Feuilles (cadastral sheets)' },
  { url: '/parcelle', layer: PARCELLE, summary: 'Parcelles' },
  { url: '/localisant', layer: LOCALISANT, summary: 'Localisants (one point per parcel)' },
];

/**
 * `_limit` above the route's maximum gets the reference's own sentence (it has it for communes),
 * before the schema would answer its generic one.
 */
function checkLimit(max: number, req: FastifyRequest) {
  const where: [Record<string, unknown> | undefined, ParamLocation][] = [
    [req.query as Record<string, unknown> | undefined, 'query'],
    [req.method === 'POST' && req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : undefined, 'body'],
  ];
  for (const [values, location] of where) {
    const v = values?._limit;
    if ((typeof v === 'string' && /^\d{1,15}$/.test(v)) || typeof v === 'number') {
      if (Number(v) > max) throw invalidParam('_limit', `La valeur de l'attribut "limit" doit être inférieur ou égal à ${max}.`, location, v);
    }
  }
}

async function plugin(app: FastifyInstance) {
  // The maximum of each route, for the hook below (it sees every request of this plugin).
  const maxByUrl = new Map<string, number>();
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const max = maxByUrl.get(req.routeOptions.url ?? '');
    if (max !== undefined) checkLimit(max, req);
  });
  for (const r of ROUTES) {
    maxByUrl.set(`${app.prefix}${r.url}`, r.layer.maxLimit);
    featureRoute(app, { url: r.url, layer: r.layer, summary: r.summary, description: r.layer.description, tags: ['cadastre'] });
  }
}

const cadastre: TerroirModule = {
  name: 'cadastre',
  description: 'Cadastral parcels, sheets, divisions, localisants and communes (API Carto "cadastre", PCI).',
  layers: CADASTRE_LAYERS,
  plugin,
};
export default cadastre;
