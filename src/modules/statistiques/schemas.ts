/** TypeBox schemas of the statistics routes: the query parameters and the answers (OpenAPI at /api/doc/statistiques.json). */
import { Type, type TSchema } from 'typebox';
import { formatParam } from '../../formats/csv.ts';

const campagne = (description: string) => Type.Optional(Type.Integer({ minimum: 2007, maximum: 2100, description }));

export const TERRITOIRE_QUERY = {
  code_insee: Type.Optional(Type.String({ pattern: '^(\\d{5}|2[AB]\\d{3})$', description: 'A commune (INSEE code).', examples: ['47501'] })),
  code_epci: Type.Optional(Type.String({ pattern: '^\\d{9}$', description: 'An EPCI à fiscalité propre (SIREN).' })),
  code_dep: Type.Optional(Type.String({ pattern: '^(\\d{2}|2[AB]|97\\d)$', description: 'A département (INSEE code).', examples: ['47'] })),
  code_reg: Type.Optional(Type.String({ pattern: '^\\d{2}$', description: 'A région (INSEE code).', examples: ['75'] })),
  geom: Type.Optional(Type.String({ description: 'A drawn territory: GeoJSON Polygon or MultiPolygon (WGS84 lon/lat), checked as every `geom` (vertex and size limits, valid polygon).' })),
};

export const CAMPAGNE_QUERY = {
  campagne: campagne('One PAC campaign. Default: every campaign loaded.'),
  campagne_debut: campagne('First campaign of a range (included).'),
  campagne_fin: campagne('Last campaign of a range (included).'),
};

export const statsQuery = (extra: Record<string, TSchema> = {}) =>
  Type.Object({ ...TERRITOIRE_QUERY, ...CAMPAGNE_QUERY, ...extra, format: formatParam }, { additionalProperties: false });

const ha = (description: string) => Type.Union([Type.Number(), Type.Null()], { description: `${description} (hectares, geodesic, 2 decimals)` });
const part = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: `${description} (0..1, 4 decimals)` });

export const TerritoireOut = Type.Object({
  type: Type.Union([Type.Literal('commune'), Type.Literal('epci'), Type.Literal('departement'), Type.Literal('region'), Type.Literal('geom')]),
  code: Type.Union([Type.String(), Type.Null()], { description: 'Code asked (null for a drawn polygon).' }),
  nom: Type.Union([Type.String(), Type.Null()]),
  surface_ha: Type.Number({ description: 'Area of the territory (hectares, geodesic).' }),
});

export const TerritoiresOut = Type.Object({
  territoires: Type.Array(
    Type.Object({
      type: Type.Union([Type.Literal('commune'), Type.Literal('epci'), Type.Literal('departement'), Type.Literal('region')]),
      code: Type.String(),
      nom: Type.String(),
      bbox: Type.Union([Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()]), Type.Null()], { description: '[minx, miny, maxx, maxy] of the contour, WGS84; null when no contour is loaded.' }),
    }),
  ),
});

const Culture = Type.Object({
  code_cultu: Type.Union([Type.String(), Type.Null()]),
  libelle: Type.Union([Type.String(), Type.Null()]),
  surface_ha: Type.Number(),
  parcelles: Type.Integer(),
});
const Groupe = Type.Object({
  code_groupe: Type.Union([Type.String(), Type.Null()], { description: 'RPG crop group (CODE_GROUP, text as published).' }),
  libelle: Type.Union([Type.String(), Type.Null()]),
  surface_ha: Type.Number(),
  parcelles: Type.Integer(),
  cultures: Type.Array(Culture),
});
export const CulturesOut = Type.Object({
  territoire: TerritoireOut,
  campagnes: Type.Array(
    Type.Object({
      campagne: Type.Integer(),
      complete: Type.Boolean({ description: 'Campaign completed ("constatée"); when false no figure is given (null, no group).' }),
      surface_agricole_ha: ha('Declared agricultural area inside the territory'),
      parcelles: Type.Union([Type.Integer(), Type.Null()], { description: 'Parcels whose point on surface lies in the territory.' }),
      part_derobee: part('Share of the agricultural area carrying a catch crop (CULTURE_D1 or D2)'),
      groupes: Type.Array(Groupe),
    }),
  ),
});

export const TransitionsOut = Type.Object({
  territoire: TerritoireOut,
  transitions: Type.Array(
    Type.Object({
      de: Type.Integer(),
      vers: Type.Integer(),
      complete: Type.Boolean({ description: 'Both campaigns completed; when false no flow is given.' }),
      flux: Type.Array(
        Type.Object({
          groupe_de: Type.Union([Type.String(), Type.Null()]),
          libelle_de: Type.Union([Type.String(), Type.Null()]),
          groupe_vers: Type.Union([Type.String(), Type.Null()]),
          libelle_vers: Type.Union([Type.String(), Type.Null()]),
          surface_ha: Type.Number(),
        }),
      ),
    }),
  ),
});

export const ZonagesOut = Type.Object({
  territoire: TerritoireOut,
  campagne: Type.Integer(),
  complete: Type.Boolean(),
  surface_agricole_ha: ha('Declared agricultural area inside the territory'),
  zonages: Type.Array(
    Type.Object({
      famille: Type.Union([Type.Literal('aoc'), Type.Literal('urbanisme'), Type.Literal('nature')]),
      type: Type.String({ description: '`aoc`; U, AU, A, N (PLU zones), ZC, ZnC (carte communale sectors); a nature kind (natura-habitat, znieff1…).' }),
      libelle: Type.String(),
      surface_ha: Type.Number(),
      part: part('Share of the agricultural area'),
    }),
  ),
});

export const BioOut = Type.Object({
  territoire: TerritoireOut,
  campagnes: Type.Array(
    Type.Object({
      campagne: Type.Integer(),
      complete: Type.Boolean(),
      surface_agricole_ha: ha('Declared agricultural area inside the territory (RPG of the same campaign)'),
      surface_bio_ha: ha('Organic area inside the territory'),
      part_bio: part('Organic share of the agricultural area'),
      etapes: Type.Array(Type.Object({ etape: Type.String({ description: 'C1, C2, C3 (conversion years), AB (organic), AB? (year unknown)' }), surface_ha: Type.Number(), part: part('Share of the agricultural area') })),
    }),
  ),
});

export { jsonOrCsvResponse as jsonOrCsv } from '../../formats/csv.ts';
