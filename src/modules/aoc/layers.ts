/**
 * `aoc.appellation-viticole`, declared once: the INAO attributes as published, then the fields API
 * Carto's answers carry (reference §8): `idapp` and `segment` of its upstream layer, and the ones it
 * adds — `appellation`, `id_uni`, `granularite`, `instruction_obligatoire`, `contains`. Every zone
 * here is an exact parcel delimitation, hence segment 1 / granularite `exacte`. `contains` (the
 * input geometry contains the zone) is computed by PostGIS against the bound input geometry, like
 * the reference's former PostGIS version did (ST_Contains(input, appellation)).
 */
import { Type } from 'typebox';
import { defineLayer } from '../../catalog/layer.ts';
import { computed, integer, text } from '../../catalog/fields.ts';
import { INPUT_GEOM } from '../../catalog/sql.ts';
import { invalidParam } from '../../http/problems.ts';
import { fileKey } from '../../import/dataset-id.ts';
import { dedupe, departementOf, idDenom, idUni, insee, segmentOf, TABLE, zoneOption } from './import.ts';
import { communeSource } from './communes.ts';

export const AOC_LAYER = defineLayer({
  id: 'aoc.appellation-viticole',
  title: 'AOC viticoles — délimitation parcellaire INAO',
  description:
    'The INAO delimited zones (one per denomination and commune) that intersect `geom`, with the INAO attributes and the ' +
    "reference's added properties: appellation, id_uni, granularite (`exacte`: a parcel delimitation; `commune`: an appellation delimited at the commune level, served with the commune's contour, as the reference), instruction_obligatoire, and contains " +
    '(the input geometry contains the zone; false for a point). Unlike the reference, zones are matched by real intersection, not by commune.',
  table: TABLE,
  geometry: { type: 'MultiPolygon' },
  idColumn: 'id_uni',
  featureId: { prefix: 'appellation_inao_fam' },
  access: 'public',
  minZoom: 8, // zones of a commune's size at most: a wine region is seen whole
  fields: {
    dt: text(),
    type_prod: text(),
    categorie: text(),
    type_denom: text(),
    signe: text(),
    id_app: integer(),
    app: text(),
    id_denom: integer({ from: idDenom }),
    denom: text(),
    insee: text({ from: insee }),
    cvi: text(),
    nomcom: text(),
    insee2011: text(),
    nomcom2011: text(),
    id_aire: integer(),
    crinao: text(),
    grp_name1: text(),
    grp_name2: text(),
    idapp: computed('integer', 't.id_app'),
    // 1: exact parcel delimitation (the INAO delimitation files); 2: the whole commune (aires géographiques, communeSource).
    segment: integer({ from: segmentOf }),
    appellation: computed('string', 't.app'),
    id_uni: text({ from: idUni }),
    granularite: computed('string', `CASE WHEN t.segment = 1 THEN 'exacte' ELSE 'commune' END`),
    // The reference flags Sable de Camargue (its upstream id 1022): declared by name here, since
    // INAO ids differ from the upstream layer's.
    instruction_obligatoire: computed('boolean', `coalesce(t.app = 'Sable de Camargue' OR t.denom LIKE 'Sable de Camargue%', false)`),
    contains: computed('boolean', `ST_Contains(${INPUT_GEOM}, t.geom)`),
    departement: text({ hidden: true, from: departementOf }),
  },
  // `source` (`prd`/`qlf`) and `apikey` as the reference takes them; accepted, never required (one data set here).
  params: {
    source: {
      schema: Type.Optional(
        Type.String({
          maxLength: 10,
          description: "Accepted for compatibility: `prd` or `qlf` (the reference's production / qualification layers). Terroir answers from the INAO data it has loaded either way.",
          examples: ['prd'],
        }),
      ),
      check: (v, location) => {
        if (v !== 'prd' && v !== 'qlf') throw invalidParam('source', "La valeur de l'attribut 'Source' doit être 'qlf' ou 'prd'", location, v);
      },
    },
    apikey: {
      schema: Type.Optional(Type.String({ maxLength: 1000, description: 'Accepted for compatibility (the reference requires a Géoplateforme key); never required nor checked here.' })),
    },
  },
  producer: 'INAO (Institut national de l’origine et de la qualité)',
  licence: 'Licence Ouverte 2.0 (Etalab)',
  import: {
    inao: {
      title: 'AOC viticoles — délimitation parcellaire INAO',
      formats: ['ESRI Shapefile (INAO delimitation, Lambert-93)', 'GeoJSON (INAO fields, e.g. opendatawine delimitation_aoc/<dep>/<insee>/<id_denom>.geojson)'],
      // Each file (opendatawine: one denomination of one commune) is its own dataset, unless --option zone= groups them.
      datasetId: (ctx) => `aoc.appellation-viticole:${zoneOption(ctx) ?? fileKey(ctx.file)}`,
      afterLoad: (tx, datasetId) => dedupe(tx, datasetId),
    },
    communes: {
      suffix: 'communes',
      title: 'AOC viticoles — appellations delimited at the commune level (INAO aires géographiques, CSV)',
      formats: ['CSV of the INAO (insee or CI, id_app or IDA, app or Aire géographique…; `;` or `,`): one row per commune and appellation'],
      datasetId: (ctx) => `aoc.appellation-viticole:${zoneOption(ctx) ?? fileKey(ctx.file)}`,
      importSource: communeSource(() => AOC_LAYER.targets[0]),
    },
  },
});

export const [aocAppellationViticole] = AOC_LAYER.targets;
