import type { LayerDescriptor, LayerProperty } from '../../catalog/layer.ts';

/**
 * The two RPG layers as API Carto answers them (reference §10, recorded answers under
 * shared/data/apicarto/rpg): v2 parcels 2015+ and v1 îlots 2007–2014. Text attributes answer '' for
 * absent values (GeoServer's convention: `culture_d1: ""`); v1 answers every value as a string,
 * surfaces with two decimals ("1.90"), as the reference does.
 */
const str = (name: string): LayerProperty => ({ name, type: 'string', sql: `coalesce(t.${name}, '')` });
/** Hectares stored as double precision, answered as the published 2-decimal text ("346.26", "0.80"). */
const ha2 = (name: string): LayerProperty => ({ name, type: 'string', sql: `round(t.${name}::numeric, 2)::text` });

export const PARCELLE_LAYER: LayerDescriptor = {
  id: 'rpg.parcelle',
  title: 'RPG — parcelles graphiques (campagnes 2015 et suivantes)',
  table: 'rpg_parcelle',
  geometryColumn: 'geom',
  // The 2024 answers say `geom` (2023 ones said `the_geom`): Terroir follows the current service.
  geometryName: 'geom',
  featureIdPrefix: 'parcelles_graphiques',
  idColumn: 'gid',
  properties: [
    { name: 'id_parcel', type: 'string' },
    { name: 'surf_parc', type: 'number' },
    str('code_cultu'),
    str('code_group'),
    str('culture_d1'),
    str('culture_d2'),
  ],
  defaultLimit: 1000,
  maxLimit: 1000,
  access: 'public',
  datasetColumn: 'dataset_id',
  partitionedBy: ['campagne'],
};

export const ILOT_LAYER: LayerDescriptor = {
  id: 'rpg.ilot',
  title: 'RPG — îlots anonymes (campagnes 2007 à 2014)',
  table: 'rpg_ilot',
  geometryColumn: 'geom',
  geometryName: 'geom',
  // Per campaign, `rpg_<annee>` (the reference's layer name): see ilotLayerFor().
  featureIdPrefix: 'rpg',
  idColumn: 'gid',
  properties: [
    str('num_ilot'),
    str('commune'),
    str('forme_juri'),
    ha2('surf_decla'),
    str('dep_rattac'),
    ha2('surf_graph'),
    ha2('surf_cultu'),
    str('code_cultu'),
    str('nom_cultu'),
  ],
  defaultLimit: 1000,
  maxLimit: 1000,
  access: 'public',
  datasetColumn: 'dataset_id',
  partitionedBy: ['campagne'],
};

/** Feature ids read `rpg_2010.2806733`: the reference's layer is one per campaign. */
export function ilotLayerFor(annee: number, withLabels: boolean): LayerDescriptor {
  const base = withLabels ? { ...ILOT_LAYER, properties: [...ILOT_LAYER.properties, ...ILOT_LABELS] } : ILOT_LAYER;
  return { ...base, featureIdPrefix: `rpg_${annee}` };
}

export function parcelleLayerFor(withLabels: boolean): LayerDescriptor {
  return withLabels ? { ...PARCELLE_LAYER, properties: [...PARCELLE_LAYER.properties, ...PARCELLE_LABELS] } : PARCELLE_LAYER;
}

/**
 * Opt-in labels (`_libelles=true`) from the crop nomenclature tables (migration 0002): extra
 * properties only when asked, so the reference's property set stays exactly as clients know it.
 * Scalar sub-queries on primary keys: one index probe per returned feature, never a join over the
 * matched set. Unknown codes answer null.
 */
/** A text code as integer, or null when it is not digits (CASE: AND gives no evaluation order for the cast). */
const intOrNull = (col: string) => `CASE WHEN ${col} ~ '^[0-9]{1,2}$' THEN ${col}::int END`;

const PARCELLE_LABELS: LayerProperty[] = [
  { name: 'libelle_cultu', type: 'string', sql: '(SELECT n.libelle FROM nomenclature_culture n WHERE n.code = t.code_cultu)' },
  {
    name: 'libelle_group',
    type: 'string',
    sql: `(SELECT n.libelle FROM nomenclature_groupe n WHERE n.code = ${intOrNull('t.code_group')})`,
  },
  { name: 'libelle_d1', type: 'string', sql: '(SELECT n.libelle FROM nomenclature_derobee n WHERE n.code = t.culture_d1)' },
  { name: 'libelle_d2', type: 'string', sql: '(SELECT n.libelle FROM nomenclature_derobee n WHERE n.code = t.culture_d2)' },
];

const ILOT_LABELS: LayerProperty[] = [
  {
    name: 'libelle_group',
    type: 'string',
    sql: `(SELECT n.libelle FROM nomenclature_groupe_avant_2015 n WHERE n.code = ${intOrNull('t.code_cultu')})`,
  },
];
