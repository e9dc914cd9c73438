/**
 * The two RPG layers, each declared once (src/catalog/layer.ts), as API Carto answers them
 * (reference §10, recorded answers under shared/data/apicarto/rpg): v2 parcels 2015+ and v1 îlots
 * 2007–2014. Text attributes answer '' for absent values (GeoServer's convention: `culture_d1: ""`);
 * v1 answers every value as a string, surfaces with two decimals ("1.90"), as the reference does.
 * Each loads from the published shapefiles (or GeoJSON) and from API Carto's own answers.
 */
import { Type } from 'typebox';
import { defineLayer, withProperties, type ComputedSpec, type FilterSpec, type LayerDescriptor } from '../../catalog/layer.ts';
import { bigint, computed, float, integer, orEmpty, text } from '../../catalog/fields.ts';
import type { SourceFeature } from '../../import/readers/feature.ts';
import type { Queryable } from '../../db/database.ts';
import type { ImportContext } from '../../import/target.ts';
import { markPublished } from './campagnes.ts';
import {
  code, datasetIdFor, depOf, depRattac, featureIdNumber, FIRST_ILOT_YEAR, FIRST_PARCEL_YEAR, hectares, idParcel, ilotCommune, ilotDepartement,
  ilotGid, ilotGroup, LAST_ILOT_YEAR, LICENCE, numIlot, PRODUCER, regionOf, upperCode,
} from './import.ts';

// Optional in the schemas only so that a POST may give it in the query string, as the reference
// allows (the body schema would otherwise demand it); the route requires it where the method expects it.
const ANNEE: FilterSpec = {
  param: 'annee',
  required: true,
  minimum: 1000,
  maximum: 9999,
  description: 'Required. Campaign year (4 digits), one of the campaigns loaded: v1 = îlots 2007–2014, v2 = parcels 2015 and later.',
  examples: [2021],
};

const LIBELLES = {
  schema: Type.Optional(
    Type.Boolean({
      description:
        'Terroir extension: also answer the labels of the crop codes from the RPG nomenclature (v2: libelle_cultu, libelle_group, libelle_d1, libelle_d2; v1: libelle_group). Off by default, so that the answer keeps the reference property set.',
      default: false,
    }),
  ),
};

/** Hectares stored as double precision, answered as the published 2-decimal text ("346.26", "0.80"). */
const ha2 = (c: string) => `round(${c}::numeric, 2)::text`;

/** Level-1 data are published once their campaign is completed: importing them records it (campagnes.ts). */
const published = async (tx: Queryable, _dataset: string, ctx: ImportContext) => {
  if (ctx.campagne !== undefined) await markPublished(tx, ctx.campagne);
};

const common = {
  geometry: { type: 'MultiPolygon' },
  idColumn: 'gid',
  access: 'public',
  campaign: 'campagne',
  partitionedBy: ['campagne'],
  producer: PRODUCER,
  licence: LICENCE,
} as const;

/** The gid: from the file's own number, or the GeoServer feature id number of an API Carto answer. */
const gidOf = (own: (f: SourceFeature) => number) => bigint({ hidden: true, from: { default: own, apicarto: (f) => featureIdNumber(f) ?? own(f) } });

export const PARCELLE_LAYER = defineLayer({
  ...common,
  id: 'rpg.parcelle',
  title: 'RPG — parcelles graphiques (campagnes 2015 et suivantes)',
  description:
    'RPG parcels (PARCELLES_GRAPHIQUES, campaigns 2015 and later) intersecting `geom`, for the campaign `annee`: ' +
    'id_parcel, surf_parc (ha), code_cultu, code_group, culture_d1, culture_d2 (catch crops, "" when none). ' +
    'Level-1 (anonymous) data only.',
  table: 'rpg_parcelle',
  // The 2024 answers say `geom` (2023 ones said `the_geom`): Terroir follows the current service.
  featureId: { prefix: 'parcelles_graphiques' },
  fields: {
    campagne: integer({ hidden: true, filter: ANNEE }),
    gid: gidOf((f) => Number(idParcel(f))),
    id_parcel: text({ from: idParcel }),
    surf_parc: float({ from: hectares('SURF_PARC') }),
    code_cultu: text({
      sql: orEmpty,
      from: upperCode('CODE_CULTU'),
      filter: { pattern: '^[A-Z0-9]{3}$', description: 'Crop code (3 characters, upper case), e.g. PPH, MIE, BTH.', examples: ['PPH'] },
    }),
    code_group: text({
      sql: orEmpty,
      from: (f) => code(f, 'CODE_GROUP'),
      filter: { pattern: '^([1-9]|1[0-9]|2[0-8])$', description: 'Crop group number, 1 to 28, without leading zero (as published), e.g. 18.', examples: ['18'] },
    }),
    culture_d1: text({ sql: orEmpty, from: upperCode('CULTURE_D1') }),
    culture_d2: text({ sql: orEmpty, from: upperCode('CULTURE_D2') }),
    region: text({ hidden: true, from: regionOf }),
    departement: text({ hidden: true, from: depOf }),
  },
  params: { _libelles: LIBELLES },
  import: {
    shapefile: {
      title: 'RPG — parcelles graphiques (2015 and later)',
      formats: ['ESRI Shapefile (PARCELLES_GRAPHIQUES.shp, Lambert-93 or overseas CRS)', 'GeoJSON'],
      datasetId: (ctx) => datasetIdFor('rpg.parcelle', ctx, FIRST_PARCEL_YEAR, 9999),
      afterLoad: published,
    },
    // Recorded API Carto v2 answers: same fields in lower case, feature id number kept as gid.
    apicarto: {
      suffix: 'apicarto',
      title: 'RPG — parcelles graphiques, from API Carto /api/rpg/v2 answers',
      formats: ['GeoJSON FeatureCollection as answered by API Carto /api/rpg/v2'],
      datasetId: (ctx) => datasetIdFor('rpg.parcelle', ctx, FIRST_PARCEL_YEAR, 9999, 'apicarto'),
      afterLoad: published,
    },
  },
});

export const ILOT_LAYER = defineLayer({
  ...common,
  id: 'rpg.ilot',
  title: 'RPG — îlots anonymes (campagnes 2007 à 2014)',
  description:
    'RPG îlots (ILOTS_ANONYMES, campaigns 2007–2014) intersecting `geom`, for the campaign `annee`: num_ilot, commune, ' +
    'forme_juri, surf_decla, dep_rattac, surf_graph, surf_cultu, code_cultu (2-digit crop group), nom_cultu; every value a string, as the reference answers them.',
  table: 'rpg_ilot',
  // `rpg_<annee>.<gid>`: the reference's layer is one per campaign.
  featureId: { sql: `'rpg_' || t."campagne" || '.'` },
  fields: {
    campagne: integer({ hidden: true, filter: ANNEE }),
    gid: gidOf(ilotGid),
    num_ilot: text({ sql: orEmpty, from: numIlot }),
    commune: text({ sql: orEmpty, from: ilotCommune }),
    forme_juri: text({ sql: orEmpty }),
    surf_decla: float({ sql: ha2, serves: 'string', from: hectares('SURF_DECLA') }),
    dep_rattac: text({ sql: orEmpty, from: depRattac }),
    surf_graph: float({ sql: ha2, serves: 'string', from: hectares('SURF_GRAPH') }),
    surf_cultu: float({ sql: ha2, serves: 'string', from: hectares('SURF_CULTU') }),
    code_cultu: text({
      sql: orEmpty,
      from: ilotGroup,
      filter: { pattern: '^(0[1-9]|1[0-9]|2[0-8])$', description: 'Crop group of the îlot, 2 digits 01 to 28 (e.g. 18 = prairies permanentes).', examples: ['18'] },
    }),
    nom_cultu: text({ sql: orEmpty }),
    departement: text({ hidden: true, from: ilotDepartement }),
  },
  params: { _libelles: LIBELLES },
  import: {
    shapefile: {
      title: 'RPG — îlots anonymes (2007–2014)',
      formats: ['ESRI Shapefile (ILOTS_ANONYMES.shp, Lambert-93 or overseas CRS)', 'GeoJSON'],
      datasetId: (ctx) => datasetIdFor('rpg.ilot', ctx, FIRST_ILOT_YEAR, LAST_ILOT_YEAR),
      afterLoad: published,
    },
    // Recorded API Carto v1 answers (`rpg_<annee>.<n>` ids, every value a string).
    apicarto: {
      suffix: 'apicarto',
      title: 'RPG — îlots anonymes, from API Carto /api/rpg/v1 answers',
      formats: ['GeoJSON FeatureCollection as answered by API Carto /api/rpg/v1'],
      datasetId: (ctx) => datasetIdFor('rpg.ilot', ctx, FIRST_ILOT_YEAR, LAST_ILOT_YEAR, 'apicarto'),
      afterLoad: published,
    },
  },
});

export const [rpgParcelle, rpgParcelleApicarto] = PARCELLE_LAYER.targets;
export const [rpgIlot, rpgIlotApicarto] = ILOT_LAYER.targets;

/**
 * Opt-in labels (`_libelles=true`) from the crop nomenclature tables (migration 0002): extra
 * properties only when asked, so the reference's property set stays exactly as clients know it.
 * Scalar sub-queries on primary keys: one index probe per returned feature, never a join over the
 * matched set. Unknown codes answer null.
 */
/** A text code as integer, or null when it is not digits (CASE: AND gives no evaluation order for the cast). */
const intOrNull = (col: string) => `CASE WHEN ${col} ~ '^[0-9]{1,2}$' THEN ${col}::int END`;

const PARCELLE_LABELS: Record<string, ComputedSpec> = {
  libelle_cultu: computed('string', '(SELECT n.libelle FROM nomenclature_culture n WHERE n.code = t.code_cultu)'),
  libelle_group: computed('string', `(SELECT n.libelle FROM nomenclature_groupe n WHERE n.code = ${intOrNull('t.code_group')})`),
  libelle_d1: computed('string', '(SELECT n.libelle FROM nomenclature_derobee n WHERE n.code = t.culture_d1)'),
  libelle_d2: computed('string', '(SELECT n.libelle FROM nomenclature_derobee n WHERE n.code = t.culture_d2)'),
};

const ILOT_LABELS: Record<string, ComputedSpec> = {
  libelle_group: computed('string', `(SELECT n.libelle FROM nomenclature_groupe_avant_2015 n WHERE n.code = ${intOrNull('t.code_cultu')})`),
};

/** Each layer with its labels, built once. */
export const LABELLED: Record<string, LayerDescriptor> = {
  [PARCELLE_LAYER.id]: withProperties(PARCELLE_LAYER, PARCELLE_LABELS),
  [ILOT_LAYER.id]: withProperties(ILOT_LAYER, ILOT_LABELS),
};
