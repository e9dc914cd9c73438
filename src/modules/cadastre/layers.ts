import type { LayerDescriptor, LayerProperty } from '../../catalog/layer.ts';

/**
 * The five cadastre layers, with the reference's property names and order (apicarto.md §6.3, PCI
 * Express as observed in 2025; division = BD Parcellaire `divcad`). Feature ids read
 * `<prefix>.<fid>` like GeoServer's; `fid` is also the paging order.
 */
const p = (name: string, type: LayerProperty['type'] = 'string'): LayerProperty => ({ name, type });

const base = {
  geometryColumn: 'geom',
  geometryName: 'geom',
  idColumn: 'fid',
  access: 'public' as const,
  datasetColumn: 'dataset_id',
  partitionedBy: ['code_dep'],
};

/** Default page size of every route but commune (the reference sends count=1000 upstream). */
export const DEFAULT_LIMIT = 1000;
/** The documented maximum: above it Terroir answers 400 (the reference has no cap in code, §15.8). */
export const MAX_LIMIT = 1000;
/** Commune pages: default and hard maximum 500, as the reference. */
export const COMMUNE_LIMIT = 500;

export const PARCELLE: LayerDescriptor = {
  ...base,
  id: 'cadastre.parcelle',
  title: 'Parcelles cadastrales (PCI)',
  table: 'cadastre_parcelle',
  featureIdPrefix: 'parcelle',
  properties: [
    p('gid', 'integer'),
    p('numero'),
    p('feuille', 'integer'),
    p('section'),
    p('code_dep'),
    p('nom_com'),
    p('code_com'),
    p('com_abs'),
    p('code_arr'),
    p('idu'),
    p('contenance', 'integer'),
    p('code_insee'),
  ],
  defaultLimit: DEFAULT_LIMIT,
  maxLimit: MAX_LIMIT,
};

export const LOCALISANT: LayerDescriptor = {
  ...base,
  id: 'cadastre.localisant',
  title: 'Localisants des parcelles (PCI)',
  table: 'cadastre_localisant',
  featureIdPrefix: 'localisant',
  properties: PARCELLE.properties.filter((x) => x.name !== 'contenance'),
  defaultLimit: DEFAULT_LIMIT,
  maxLimit: MAX_LIMIT,
};

export const FEUILLE: LayerDescriptor = {
  ...base,
  id: 'cadastre.feuille',
  title: 'Feuilles cadastrales (PCI)',
  table: 'cadastre_feuille',
  featureIdPrefix: 'feuille',
  properties: [
    p('gid', 'integer'),
    p('feuille', 'integer'),
    p('section'),
    p('code_dep'),
    p('nom_com'),
    p('code_com'),
    p('com_abs'),
    p('echelle'),
    p('edition'),
    p('code_arr'),
    p('code_insee'),
  ],
  defaultLimit: DEFAULT_LIMIT,
  maxLimit: MAX_LIMIT,
};

export const DIVISION: LayerDescriptor = {
  ...base,
  id: 'cadastre.division',
  title: 'Divisions cadastrales (BD Parcellaire divcad)',
  table: 'cadastre_division',
  featureIdPrefix: 'divcad',
  properties: [
    p('feuille', 'integer'),
    p('section'),
    p('code_dep'),
    p('nom_com'),
    p('code_com'),
    p('com_abs'),
    p('echelle'),
    p('edition', 'integer'),
    p('code_arr'),
    p('code_insee'),
  ],
  defaultLimit: DEFAULT_LIMIT,
  maxLimit: MAX_LIMIT,
};

export const COMMUNE: LayerDescriptor = {
  ...base,
  id: 'cadastre.commune',
  title: 'Communes cadastrales (PCI)',
  table: 'cadastre_commune',
  featureIdPrefix: 'commune',
  properties: [p('gid', 'integer'), p('nom_com'), p('code_dep'), p('code_insee')],
  defaultLimit: COMMUNE_LIMIT,
  maxLimit: COMMUNE_LIMIT,
};

export const CADASTRE_LAYERS = [COMMUNE, DIVISION, FEUILLE, PARCELLE, LOCALISANT];
