import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Queryable } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { featureRoute } from '../../features/route.ts';
import type { Condition } from '../../features/query.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import type { TerroirModule } from '../index.ts';
import { FIRST_PARCEL_YEAR, LAST_ILOT_YEAR } from './import.ts';
import { ILOT_LAYER, ilotLayerFor, PARCELLE_LAYER, parcelleLayerFor } from './layers.ts';

/**
 * The campaigns present in `table`, read from the data itself (not from a list in code, nor from a
 * cache that an import on another node would leave stale): a loose index scan on (campagne, gid), a
 * handful of index probes whatever the table size, and the same once the table is partitioned.
 */
export async function loadedCampaigns(db: Queryable, table: string): Promise<number[]> {
  const t = ident(table);
  const rows = await db.query<{ campagne: number }>(
    `WITH RECURSIVE y(campagne) AS (
       (SELECT campagne FROM ${t} ORDER BY campagne LIMIT 1)
       UNION ALL
       SELECT (SELECT c.campagne FROM ${t} c WHERE c.campagne > y.campagne ORDER BY c.campagne LIMIT 1) FROM y WHERE y.campagne IS NOT NULL
     )
     SELECT campagne FROM y WHERE campagne IS NOT NULL ORDER BY campagne`,
  );
  return rows.map((r) => r.campagne);
}

type Version = 'v1' | 'v2';
const TABLE: Record<Version, string> = { v1: ILOT_LAYER.table, v2: PARCELLE_LAYER.table };
const SPAN: Record<Version, string> = { v1: `${LAST_ILOT_YEAR} and before (îlots)`, v2: `${FIRST_PARCEL_YEAR} and later (parcels)` };

/**
 * `annee` must name a campaign that is loaded for this version: v1 = îlots (2007–2014), v2 = parcels
 * (2015+). The 400 lists what is available, and points to the other version when the year is there.
 */
async function checkAnnee(db: Queryable, version: Version, annee: number, location: ParamLocation): Promise<void> {
  const years = await loadedCampaigns(db, TABLE[version]);
  if (years.includes(annee)) return;
  const other: Version = version === 'v1' ? 'v2' : 'v1';
  const inRange = version === 'v1' ? annee <= LAST_ILOT_YEAR : annee >= FIRST_PARCEL_YEAR;
  let reason = inRange
    ? `campaign ${annee} is not loaded`
    : `/api/rpg/${version} serves campaigns ${SPAN[version]}; ${annee} belongs to /api/rpg/${other}`;
  reason += years.length ? `; campaigns available on /api/rpg/${version}: ${years.join(', ')}` : `; no campaign is loaded on /api/rpg/${version}`;
  throw invalidParam('annee', reason, location, annee);
}

// Optional in the schemas only so that a POST may give it in the query string, as the reference
// allows (the body schema would otherwise demand it); its presence is checked in checkAnnee().
const ANNEE = Type.Optional(
  Type.Integer({
    minimum: 1000,
    maximum: 9999,
    description: 'Required. Campaign year (4 digits), one of the campaigns loaded: v1 = îlots 2007–2014, v2 = parcels 2015 and later.',
    examples: [2021],
  }),
);
const LIBELLES = Type.Optional(
  Type.Boolean({
    description:
      'Terroir extension: also answer the labels of the crop codes from the RPG nomenclature (v2: libelle_cultu, libelle_group, libelle_d1, libelle_d2; v1: libelle_group). Off by default, so that the answer keeps the reference property set.',
    default: false,
  }),
);

const FILTERS = {
  v2: {
    annee: ANNEE,
    code_cultu: Type.Optional(
      Type.String({ pattern: '^[A-Z0-9]{3}$', description: 'Crop code (3 characters, upper case), e.g. PPH, MIE, BTH.', examples: ['PPH'] }),
    ),
    code_group: Type.Optional(
      Type.String({ pattern: '^([1-9]|1[0-9]|2[0-8])$', description: 'Crop group number, 1 to 28, without leading zero (as published), e.g. 18.', examples: ['18'] }),
    ),
    _libelles: LIBELLES,
  },
  v1: {
    annee: ANNEE,
    code_cultu: Type.Optional(
      Type.String({ pattern: '^(0[1-9]|1[0-9]|2[0-8])$', description: 'Crop group of the îlot, 2 digits 01 to 28 (e.g. 18 = prairies permanentes).', examples: ['18'] }),
    ),
    _libelles: LIBELLES,
  },
};

interface RpgInput {
  annee?: number;
  code_cultu?: string;
  code_group?: string;
  _libelles?: boolean;
}

function conditions(input: RpgInput): Condition[] {
  // annee is present: the layer, resolved first, requires it.
  const where: Condition[] = [{ sql: 't.campagne', value: input.annee }];
  if (input.code_cultu !== undefined) where.push({ sql: 't.code_cultu', value: input.code_cultu });
  if (input.code_group !== undefined) where.push({ sql: 't.code_group', value: input.code_group });
  return where;
}

const DESCRIPTION: Record<Version, string> = {
  v2:
    'RPG parcels (PARCELLES_GRAPHIQUES, campaigns 2015 and later) intersecting `geom`, for the campaign `annee`: ' +
    'id_parcel, surf_parc (ha), code_cultu, code_group, culture_d1, culture_d2 (catch crops, "" when none). ' +
    'Level-1 (anonymous) data only.',
  v1:
    'RPG îlots (ILOTS_ANONYMES, campaigns 2007–2014) intersecting `geom`, for the campaign `annee`: num_ilot, commune, ' +
    'forme_juri, surf_decla, dep_rattac, surf_graph, surf_cultu, code_cultu (2-digit crop group), nom_cultu; every value a string, as the reference answers them.',
};

async function plugin(app: FastifyInstance) {
  app.catalog.register(PARCELLE_LAYER);
  app.catalog.register(ILOT_LAYER);
  for (const version of ['v2', 'v1'] as const) {
    // One registration per method, so that a bad `annee` is reported where the client sent it.
    // POST /v1 behaves as v1 (the reference answers it as v2: quirk §15.1, fixed here).
    for (const method of ['GET', 'POST'] as const) {
      const location: ParamLocation = method === 'GET' ? 'query' : 'body';
      featureRoute(app, {
        url: `/${version}`,
        methods: [method],
        summary: version === 'v2' ? 'RPG parcels (2015+) intersecting a geometry' : 'RPG îlots (2007–2014) intersecting a geometry',
        description: DESCRIPTION[version],
        tags: ['rpg'],
        filters: FILTERS[version],
        geomRequired: true,
        limits: { defaultLimit: PARCELLE_LAYER.defaultLimit, maxLimit: PARCELLE_LAYER.maxLimit },
        layer: (input: RpgInput) => {
          if (input.annee === undefined) throw invalidParam('annee', 'is required', location);
          return version === 'v2' ? parcelleLayerFor(input._libelles === true) : ilotLayerFor(input.annee, input._libelles === true);
        },
        toConditions: conditions,
        // A page with features proves the campaign is loaded (annee is one of the conditions): the
        // campaign list is only read when nothing matched, to answer 400 if the year is not there.
        whenEmpty: (input: RpgInput) => checkAnnee(app.db, version, input.annee!, location),
      });
    }
  }
}

const rpg: TerroirModule = {
  name: 'rpg',
  description: 'Registre parcellaire graphique (ASP/IGN): declared agricultural parcels 2015+ (v2) and îlots 2007–2014 (v1), API Carto compatible.',
  plugin,
};
export default rpg;
