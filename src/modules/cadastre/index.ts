import type { FastifyInstance, FastifyRequest } from 'fastify';
import { featureRoute } from '../../features/route.ts';
import type { TerroirModule } from '../index.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import { CADASTRE_LAYERS, COMMUNE, COMMUNE_LIMIT, DIVISION, FEUILLE, LOCALISANT, MAX_LIMIT, PARCELLE } from './layers.ts';
import { checkParams, filtersFor, toConditions, type CadastreInput, type RouteKind } from './params.ts';
import type { LayerDescriptor } from '../../catalog/layer.ts';

const ROUTES: { kind: RouteKind; layer: LayerDescriptor; summary: string; description: string }[] = [
  {
    kind: 'commune',
    layer: COMMUNE,
    summary: 'Communes (cadastral contours)',
    description: 'Commune contours of the cadastral plan. `_limit` defaults to 500 and may not exceed 500.',
  },
  {
    kind: 'division',
    layer: DIVISION,
    summary: 'Divisions (sheets, BD Parcellaire layout)',
    description: 'Cadastral sheets with the 10 attributes of BD Parcellaire `divcad` (no gid). `source_ign` is ignored.',
  },
  {
    kind: 'feuille',
    layer: FEUILLE,
    summary: 'Feuilles (cadastral sheets)',
    description: 'Cadastral sheets (PCI Express `feuille`). `source_ign` is ignored.',
  },
  {
    kind: 'parcelle',
    layer: PARCELLE,
    summary: 'Parcelles',
    description: 'Cadastral parcels with their IDU and contenance (m²). Large answers are paged: follow `links` (rel next) or `_start`.',
  },
  {
    kind: 'localisant',
    layer: LOCALISANT,
    summary: 'Localisants (one point per parcel)',
    description: 'One point inside each parcel (MultiPoint), with the parcel attributes but contenance.',
  },
];

/**
 * `_limit` above the route's maximum gets the reference's own sentence (it has it for communes),
 * before the schema would answer its generic one.
 */
function checkLimit(kind: RouteKind, req: FastifyRequest) {
  const max = kind === 'commune' ? COMMUNE_LIMIT : MAX_LIMIT;
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
  for (const layer of CADASTRE_LAYERS) app.catalog.register(layer);
  // The route of each request, for the hooks below (they see every request of this plugin).
  const kindByUrl = new Map<string, RouteKind>();

  app.addHook('preValidation', async (req: FastifyRequest) => {
    const kind = kindByUrl.get(req.routeOptions.url ?? '');
    if (kind) checkLimit(kind, req);
  });

  // The reference's value rules and messages, after the schemas (types, unknown names) and before the
  // query; each location is checked on its own so that the problem says where the value was.
  app.addHook('preHandler', async (req: FastifyRequest) => {
    const kind = kindByUrl.get(req.routeOptions.url ?? '');
    if (!kind) return;
    checkParams(kind, (req.query ?? {}) as Record<string, unknown>, 'query');
    if (req.method === 'POST' && req.body && typeof req.body === 'object') checkParams(kind, req.body as Record<string, unknown>, 'body');
  });

  for (const r of ROUTES) {
    const url = `/${r.kind}`;
    kindByUrl.set(`${app.prefix}${url}`, r.kind);
    featureRoute(app, {
      url,
      layer: r.layer,
      summary: r.summary,
      description: r.description,
      tags: ['cadastre'],
      filters: filtersFor(r.kind),
      toConditions: (input) => toConditions(r.kind, input as CadastreInput),
    });
  }
}

const cadastre: TerroirModule = {
  name: 'cadastre',
  description: 'Cadastral parcels, sheets, divisions, localisants and communes (API Carto "cadastre", PCI).',
  plugin,
};
export default cadastre;
