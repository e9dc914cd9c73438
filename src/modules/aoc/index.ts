import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { LayerDescriptor, LayerProperty } from '../../catalog/layer.ts';
import { featureRoute } from '../../features/route.ts';
import { INPUT_GEOM } from '../../features/query.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import type { TerroirModule } from '../index.ts';

const INAO_TEXT = ['dt', 'type_prod', 'categorie', 'type_denom', 'signe'];

/**
 * Answered properties: the INAO attributes as published, then the fields API Carto's answers carry
 * (reference §8): `idapp` and `segment` of its upstream layer, and the ones it adds — `appellation`,
 * `id_uni`, `granularite`, `instruction_obligatoire`, `contains`. Every zone here is an exact parcel
 * delimitation, hence segment 1 / granularite `exacte`. `contains` (the input geometry contains the
 * zone) is computed by PostGIS against the bound input geometry, like the reference's former PostGIS
 * version did (ST_Contains(input, appellation)).
 */
const PROPERTIES: LayerProperty[] = [
  ...INAO_TEXT.map((name): LayerProperty => ({ name, type: 'string' })),
  { name: 'id_app', type: 'integer' },
  { name: 'app', type: 'string' },
  { name: 'id_denom', type: 'integer' },
  { name: 'denom', type: 'string' },
  { name: 'insee', type: 'string' },
  { name: 'cvi', type: 'string' },
  { name: 'nomcom', type: 'string' },
  { name: 'insee2011', type: 'string' },
  { name: 'nomcom2011', type: 'string' },
  { name: 'id_aire', type: 'integer' },
  { name: 'crinao', type: 'string' },
  { name: 'grp_name1', type: 'string' },
  { name: 'grp_name2', type: 'string' },
  { name: 'idapp', type: 'integer', sql: 't.id_app' },
  { name: 'segment', type: 'integer', sql: '1' },
  { name: 'appellation', type: 'string', sql: 't.app' },
  { name: 'id_uni', type: 'string' },
  { name: 'granularite', type: 'string', sql: `'exacte'` },
  // The reference flags Sable de Camargue (its upstream id 1022): declared by name here, since
  // INAO ids differ from the upstream layer's.
  { name: 'instruction_obligatoire', type: 'boolean', sql: `coalesce(t.app = 'Sable de Camargue' OR t.denom LIKE 'Sable de Camargue%', false)` },
  { name: 'contains', type: 'boolean', sql: `ST_Contains(${INPUT_GEOM}, t.geom)` },
];

export const AOC_LAYER: LayerDescriptor = {
  id: 'aoc.appellation-viticole',
  title: 'AOC viticoles — délimitation parcellaire INAO',
  table: 'aoc_appellation_viticole',
  geometryColumn: 'geom',
  geometryName: 'geom',
  featureIdPrefix: 'appellation_inao_fam',
  idColumn: 'id_uni',
  properties: PROPERTIES,
  defaultLimit: 1000,
  maxLimit: 1000,
  access: 'public',
  datasetColumn: 'dataset_id',
};

/** `source` (`prd`/`qlf`) and `apikey` as the reference takes them; accepted, never required (one data set here). */
const FILTERS = {
  source: Type.Optional(
    Type.String({
      maxLength: 10,
      description: "Accepted for compatibility: `prd` or `qlf` (the reference's production / qualification layers). Terroir answers from the INAO data it has loaded either way.",
      examples: ['prd'],
    }),
  ),
  apikey: Type.Optional(
    Type.String({ maxLength: 1000, description: 'Accepted for compatibility (the reference requires a Géoplateforme key); never required nor checked here.' }),
  ),
};

function checkSource(source: string | undefined, location: ParamLocation) {
  if (source !== undefined && source !== 'prd' && source !== 'qlf') {
    throw invalidParam('source', "La valeur de l'attribut 'Source' doit être 'qlf' ou 'prd'", location, source);
  }
}

async function plugin(app: FastifyInstance) {
  app.catalog.register(AOC_LAYER);
  for (const method of ['POST', 'GET'] as const) {
    const location: ParamLocation = method === 'GET' ? 'query' : 'body';
    featureRoute(app, {
      url: '/appellation-viticole',
      methods: [method],
      summary: 'Wine AOC zones (INAO parcel delimitation) intersecting a geometry',
      description:
        'The INAO delimited zones (one per denomination and commune) that intersect `geom`, with the INAO attributes and the ' +
        "reference's added properties: appellation, id_uni, granularite (always `exacte`), instruction_obligatoire, and contains " +
        '(the input geometry contains the zone; false for a point). Unlike the reference, zones are matched by real intersection, not by commune.',
      tags: ['aoc'],
      filters: FILTERS,
      geomRequired: true,
      limits: { defaultLimit: AOC_LAYER.defaultLimit, maxLimit: AOC_LAYER.maxLimit },
      layer: (input: { source?: string }) => {
        checkSource(input.source, location);
        return AOC_LAYER;
      },
      toConditions: () => [],
    });
  }
}

const aoc: TerroirModule = {
  name: 'aoc',
  description: 'Wine AOC zones of the INAO parcel delimitation intersecting a geometry (API Carto "AOC / appellations viticoles").',
  plugin,
};
export default aoc;
