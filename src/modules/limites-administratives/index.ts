import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { featureRoute } from '../../features/route.ts';
import type { Condition } from '../../features/query.ts';
import type { TerroirModule } from '../index.ts';
import { COMMUNE_LAYER, DEPARTEMENT_LAYER, EPCI_LAYER, REGION_LAYER } from './layers.ts';
import { upperNoAccent } from './names.ts';
import { loadReference } from './reference.ts';

export { loadContours, type AdminLevel, type ContourFeature, type ContourMeta, type ContourResult } from './contours.ts';

const TAGS = ['limites-administratives'];
const COMMUNE_CODE = '^(\\d{2}|2[AB])\\d{3}$';
const DEPARTEMENT_CODE = '^(\\d{2}|2[AB]|9[78]\\d)$';
const REGION_CODE = '^(\\d{2}|9[78]\\d)$';
const SIREN = '^\\d{9}$';

const nom = (what: string, example: string) =>
  Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: `Name of the ${what}, case- and accent-insensitive, whole name (compared with the \`_m\` form).`,
      examples: [example],
    }),
  );
const code = (pattern: string, description: string, example: string) => Type.Optional(Type.String({ pattern, description, examples: [example] }));

/** `code` and `nom`, the filters every level has. */
function codeAndName(input: { code?: string; nom?: string }): Condition[] {
  const where: Condition[] = [];
  if (input.code !== undefined) where.push({ sql: 't.code', value: input.code });
  if (input.nom !== undefined) where.push({ sql: 't.nom_m', value: upperNoAccent(input.nom) });
  return where;
}

const SPATIAL =
  'Spatial filter: `geom` (GeoJSON, features intersecting it) or `lon` + `lat` (features containing the point), not both; ' +
  'without either, the attribute filters alone (or the whole layer, paged). Geometry is null for units whose contour is not loaded.';

async function plugin(app: FastifyInstance) {
  const commune = app.catalog.register(COMMUNE_LAYER);
  const epci = app.catalog.register(EPCI_LAYER);
  const departement = app.catalog.register(DEPARTEMENT_LAYER);
  const region = app.catalog.register(REGION_LAYER);

  featureRoute(app, {
    url: '/commune',
    layer: commune,
    summary: 'Communes',
    description: `Current communes (INSEE COG) with their arrondissement, département, région, EPCI, population and postal codes. ${SPATIAL}`,
    tags: TAGS,
    lonLat: true,
    filters: {
      code: code(COMMUNE_CODE, 'INSEE code of the commune.', '29158'),
      nom: nom('commune', 'Penmarch'),
      insee_dep: code(DEPARTEMENT_CODE, 'INSEE code of the département.', '29'),
      insee_reg: code(REGION_CODE, 'INSEE code of the région.', '53'),
      code_epci: code(SIREN, 'SIREN of the EPCI the communes belong to.', '242900702'),
    },
    toConditions: (i) => {
      const where = codeAndName(i);
      if (i.insee_dep !== undefined) where.push({ sql: 't.departement', value: i.insee_dep });
      if (i.insee_reg !== undefined) where.push({ sql: 't.region', value: i.insee_reg });
      if (i.code_epci !== undefined) where.push({ sql: 't.code_epci', value: i.code_epci });
      return where;
    },
  });

  featureRoute(app, {
    url: '/epci',
    layer: epci,
    summary: 'EPCI à fiscalité propre',
    description: `Communautés de communes, d'agglomération, urbaines and métropoles (BANATIC), with their member communes. ${SPATIAL}`,
    tags: TAGS,
    lonLat: true,
    filters: {
      code: code(SIREN, 'SIREN of the EPCI.', '242900702'),
      nom: nom('EPCI', 'CC du Pays Bigouden Sud'),
    },
    toConditions: codeAndName,
  });

  featureRoute(app, {
    url: '/departement',
    layer: departement,
    summary: 'Départements',
    description: `Départements (INSEE COG), overseas ones and collectivités d'outre-mer included. ${SPATIAL}`,
    tags: TAGS,
    lonLat: true,
    filters: {
      code: code(DEPARTEMENT_CODE, 'INSEE code of the département.', '29'),
      nom: nom('département', 'Finistère'),
      insee_reg: code(REGION_CODE, 'INSEE code of the région.', '53'),
    },
    toConditions: (i) => {
      const where = codeAndName(i);
      if (i.insee_reg !== undefined) where.push({ sql: 't.region', value: i.insee_reg });
      return where;
    },
  });

  featureRoute(app, {
    url: '/region',
    layer: region,
    summary: 'Régions',
    description: `Régions (INSEE COG), collectivités d'outre-mer included under their own code. ${SPATIAL}`,
    tags: TAGS,
    lonLat: true,
    filters: {
      code: code(REGION_CODE, 'INSEE code of the région.', '53'),
      nom: nom('région', 'Bretagne'),
    },
    toConditions: codeAndName,
  });
}

const limitesAdministratives: TerroirModule = {
  name: 'limites-administratives',
  description:
    'Communes, EPCI, départements and régions (API Carto "limites administratives"): INSEE/BANATIC attributes, contours when loaded.',
  plugin,
  bootstrap: async (db, log) => {
    await loadReference(db, log);
  },
};
export default limitesAdministratives;
