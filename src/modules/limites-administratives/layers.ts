import type { LayerDescriptor } from '../../catalog/layer.ts';

/**
 * The four layers, with the reference's property names (API Carto renames ADMIN EXPRESS fields,
 * §12) in the order its answers list them. Codes and `population` are strings there; ids are the
 * INSEE (or SIREN) code, since ADMIN EXPRESS's `cleabs` does not exist in the package data.
 */
const common = {
  geometryColumn: 'geom',
  geometryName: 'geometrie',
  idColumn: 'code',
  defaultLimit: 1000,
  maxLimit: 1000,
  access: 'public',
} as const;

export const COMMUNE_LAYER: LayerDescriptor = {
  ...common,
  id: 'limites-administratives.commune',
  title: 'Communes (COG, current communes)',
  table: 'limites_commune_api',
  featureIdPrefix: 'commune',
  properties: [
    { name: 'id', type: 'string', sql: 't.code' },
    { name: 'nom_com', type: 'string', sql: 't.nom' },
    { name: 'nom_com_m', type: 'string', sql: 't.nom_m' },
    { name: 'insee_com', type: 'string', sql: 't.code' },
    { name: 'statut', type: 'string' },
    { name: 'population', type: 'string', sql: 't.population::text' },
    // ADMIN EXPRESS's arrondissement number within the département ('4'), not the full code ('294').
    { name: 'insee_arr', type: 'string', sql: 'substr(t.arrondissement, length(t.departement) + 1)' },
    { name: 'insee_dep', type: 'string', sql: 't.departement' },
    { name: 'insee_reg', type: 'string', sql: 't.region' },
    { name: 'code_epci', type: 'string' },
    { name: 'nom_dep', type: 'string' },
    { name: 'nom_reg', type: 'string' },
    // Flat like every GeoServer property: '/'-separated, as ADMIN EXPRESS joins multiple values.
    { name: 'codes_postaux', type: 'string', sql: "NULLIF(array_to_string(t.codes_postaux, '/'), '')" },
  ],
};

export const EPCI_LAYER: LayerDescriptor = {
  ...common,
  id: 'limites-administratives.epci',
  title: 'EPCI à fiscalité propre (BANATIC)',
  table: 'limites_epci_api',
  featureIdPrefix: 'epci',
  properties: [
    { name: 'id', type: 'string', sql: 't.code' },
    { name: 'nom_epci', type: 'string', sql: 't.nom' },
    { name: 'nom_epci_m', type: 'string', sql: 't.nom_m' },
    { name: 'code_epci', type: 'string', sql: 't.code' },
    {
      name: 'nature_epci',
      type: 'string',
      sql: `CASE t.type WHEN 'CC' THEN 'Communauté de communes' WHEN 'CA' THEN 'Communauté d''agglomération'
        WHEN 'CU' THEN 'Communauté urbaine' WHEN 'METRO' THEN 'Métropole' WHEN 'MET69' THEN 'Métropole de Lyon' ELSE t.type END`,
    },
    { name: 'type_epci', type: 'string', sql: 't.type' },
    { name: 'mode_financement', type: 'string' },
    { name: 'population', type: 'string', sql: 't.population_municipale::text' },
    { name: 'nb_communes', type: 'integer' },
    { name: 'insee_communes', type: 'string' },
  ],
};

export const DEPARTEMENT_LAYER: LayerDescriptor = {
  ...common,
  id: 'limites-administratives.departement',
  title: 'Départements (COG)',
  table: 'limites_departement',
  featureIdPrefix: 'departement',
  properties: [
    { name: 'id', type: 'string', sql: 't.code' },
    { name: 'nom_dep', type: 'string', sql: 't.nom' },
    { name: 'nom_dep_m', type: 'string', sql: 't.nom_m' },
    { name: 'insee_dep', type: 'string', sql: 't.code' },
    { name: 'insee_reg', type: 'string', sql: 't.region' },
  ],
};

export const REGION_LAYER: LayerDescriptor = {
  ...common,
  id: 'limites-administratives.region',
  title: 'Régions (COG)',
  table: 'limites_region',
  featureIdPrefix: 'region',
  properties: [
    { name: 'id', type: 'string', sql: 't.code' },
    { name: 'nom_reg', type: 'string', sql: 't.nom' },
    { name: 'nom_reg_m', type: 'string', sql: 't.nom_m' },
    { name: 'insee_reg', type: 'string', sql: 't.code' },
  ],
};
