/**
 * The four layers, each declared once, with the reference's property names (API Carto renames ADMIN
 * EXPRESS fields, §12) in the order its answers list them. Codes and `population` are strings
 * there; ids are the INSEE (or SIREN) code, since ADMIN EXPRESS's `cleabs` does not exist in the
 * package data. Communes and EPCI are served from views (migration 0003) that join their EPCI,
 * département and région names; the units' attributes come from the reference package (bootstrap),
 * their contours from ADMIN EXPRESS files (contourSource).
 */
import { defineLayer, type FilterSpec, type LayerSpec } from '../../catalog/layer.ts';
import { boolean, computed, integer, text, textArray } from '../../catalog/fields.ts';
import { contourSource } from './import.ts';
import type { AdminLevel } from './contours.ts';
import { upperNoAccent } from './names.ts';

const COMMUNE_CODE = '^(\\d{2}|2[AB])\\d{3}$';
const DEPARTEMENT_CODE = '^(\\d{2}|2[AB]|9[78]\\d)$';
const REGION_CODE = '^(\\d{2}|9[78]\\d)$';
const SIREN = '^\\d{9}$';

const code = (param: string, pattern: string, description: string, example: string): FilterSpec => ({ param, pattern, description, examples: [example] });

/** `nom`: the whole name, case- and accent-insensitive, compared with the `_m` column. */
const nom = (what: string, example: string): FilterSpec => ({
  param: 'nom',
  minLength: 1,
  maxLength: 200,
  description: `Name of the ${what}, case- and accent-insensitive, whole name (compared with the \`_m\` form).`,
  examples: [example],
  value: (v: string) => upperNoAccent(v),
});

/**
 * `code` (served as `id`), `nom` and `nom_m` (served as `nom_<x>`, `nom_<x>_m`): the columns every
 * level has, with their `code` and `nom` filters.
 */
function codeAndName(x: string, pattern: string, what: string, examples: [string, string], codeIs = `INSEE code of the ${what}.`) {
  return {
    code: text({ as: 'id', filter: code('code', pattern, codeIs, examples[0]) }),
    nom: text({ as: `nom_${x}` }),
    nom_m: text({ as: `nom_${x}_m`, filter: nom(what, examples[1]) }),
  };
}

/** Kept for the reference package's own use, not served by API Carto; whether the contour is derived from the communes (derive.ts). */
const STORED_ONLY = { chef_lieu: text({ hidden: true }), zone: text({ hidden: true }), contour_derived: boolean({ hidden: true, from: null }) };

const SPATIAL =
  'Spatial filter: `geom` (GeoJSON, features intersecting it) or `lon` + `lat` (features containing the point), not both; ' +
  'without either, the attribute filters alone (or the whole layer, paged). Geometry is null for units whose contour is not loaded.';

function level(l: AdminLevel, spec: Pick<LayerSpec, 'title' | 'description' | 'table' | 'fields'>) {
  return defineLayer({
    ...spec,
    description: `${spec.description} ${SPATIAL}`,
    id: `limites-administratives.${l}`,
    geometry: { type: 'MultiPolygon', name: 'geometrie' },
    idColumn: 'code',
    featureId: { prefix: l },
    access: 'public',
    dataset: false,
    minZoom: 0, // a few large units: every zoom
    import: { contours: contourSource(l) },
  });
}

export const COMMUNE_LAYER = level('commune', {
  title: 'Communes (COG, current communes)',
  description: 'Current communes (INSEE COG) with their arrondissement, département, région, EPCI, population and postal codes.',
  table: 'limites_commune_api',
  fields: {
    ...codeAndName('com', COMMUNE_CODE, 'commune', ['47501', 'Aubire']),
    insee_com: computed('string', 't.code'),
    statut: text(),
    population: integer({ sql: (c) => `${c}::text`, serves: 'string' }),
    // ADMIN EXPRESS's arrondissement number within the département ('4'), not the full code ('294').
    arrondissement: text({ as: 'insee_arr', sql: (c) => `substr(${c}, length(t.departement) + 1)` }),
    departement: text({ as: 'insee_dep', filter: code('insee_dep', DEPARTEMENT_CODE, 'INSEE code of the département.', '47') }),
    region: text({ as: 'insee_reg', filter: code('insee_reg', REGION_CODE, 'INSEE code of the région.', '75') }),
    code_epci: text({ filter: code('code_epci', SIREN, 'SIREN of the EPCI the communes belong to.', '242900702') }),
    nom_dep: text(),
    nom_reg: text(),
    // Flat like every GeoServer property: '/'-separated, as ADMIN EXPRESS joins multiple values.
    codes_postaux: textArray({ sql: (c) => `NULLIF(array_to_string(${c}, '/'), '')`, serves: 'string' }),
  },
});

export const EPCI_LAYER = level('epci', {
  title: 'EPCI à fiscalité propre (BANATIC)',
  description: "Communautés de communes, d'agglomération, urbaines and métropoles (BANATIC), with their member communes.",
  table: 'limites_epci_api',
  fields: {
    ...codeAndName('epci', SIREN, 'EPCI', ['242900702', 'CC du Pays Bigouden Sud'], 'SIREN of the EPCI.'),
    code_epci: computed('string', 't.code'),
    nature_epci: computed(
      'string',
      `CASE t.type WHEN 'CC' THEN 'Communauté de communes' WHEN 'CA' THEN 'Communauté d''agglomération'
        WHEN 'CU' THEN 'Communauté urbaine' WHEN 'METRO' THEN 'Métropole' WHEN 'MET69' THEN 'Métropole de Lyon' ELSE t.type END`,
    ),
    type: text({ as: 'type_epci' }),
    mode_financement: text(),
    population_totale: integer({ hidden: true }),
    population_municipale: integer({ as: 'population', sql: (c) => `${c}::text`, serves: 'string' }),
    nb_communes: integer(),
    insee_communes: text(),
  },
});

export const DEPARTEMENT_LAYER = level('departement', {
  title: 'Départements (COG)',
  description: "Départements (INSEE COG), overseas ones and collectivités d'outre-mer included.",
  table: 'limites_departement',
  fields: {
    ...codeAndName('dep', DEPARTEMENT_CODE, 'département', ['47', 'Lot-et-Garonne']),
    insee_dep: computed('string', 't.code'),
    region: text({ as: 'insee_reg', filter: code('insee_reg', REGION_CODE, 'INSEE code of the région.', '75') }),
    ...STORED_ONLY,
  },
});

export const REGION_LAYER = level('region', {
  title: 'Régions (COG)',
  description: "Régions (INSEE COG), collectivités d'outre-mer included under their own code.",
  table: 'limites_region',
  fields: {
    ...codeAndName('reg', REGION_CODE, 'région', ['53', 'Bretagne']),
    insee_reg: computed('string', 't.code'),
    ...STORED_ONLY,
  },
});

export const LIMITES_LAYERS = [COMMUNE_LAYER, EPCI_LAYER, DEPARTEMENT_LAYER, REGION_LAYER];
