import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { featureRoute } from '../../features/route.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import type { TerroirModule } from '../module.ts';
import { FIRST_ILOT_YEAR, FIRST_PARCEL_YEAR, LAST_ILOT_YEAR } from './import.ts';
import { ILOT_LAYER, LABELLED, PARCELLE_LAYER } from './layers.ts';
import { assertOpenCampaign } from './campagnes.ts';

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

/** Whether `annee` is in the span of campaigns `version` serves (v1 îlots 2007–2014, v2 parcels 2015 to this year). */
function inSpan(version: Version, annee: number): boolean {
  return version === 'v1' ? annee >= FIRST_ILOT_YEAR && annee <= LAST_ILOT_YEAR : annee >= FIRST_PARCEL_YEAR && annee <= new Date().getUTCFullYear();
}

/**
 * What an empty page means for `annee`, the one place campaigns are judged (a register of completed
 * campaigns would be consulted here): a loaded campaign where nothing matched (nothing to add); a
 * campaign of the version's span that is not loaded: 200 with an empty collection, as the reference
 * answers, and a `notice` naming the loaded campaigns (a client looping over years keeps going); a
 * year outside the span: 400, saying where the year belongs.
 */
async function campaignNotice(db: Queryable, version: Version, annee: number, location: ParamLocation): Promise<{ notice: string } | undefined> {
  const years = await loadedCampaigns(db, TABLE[version]);
  if (years.includes(annee)) return undefined;
  const loaded = years.length ? `campaigns loaded on /api/rpg/${version}: ${years.join(', ')}` : `no campaign is loaded on /api/rpg/${version}`;
  if (inSpan(version, annee)) return { notice: `campaign ${annee} is not loaded on this Terroir; ${loaded}` };
  const other: Version = annee <= LAST_ILOT_YEAR ? 'v1' : 'v2';
  const where = other !== version && inSpan(other, annee) ? `${annee} belongs to /api/rpg/${other}` : `${annee} is not a campaign of the RPG`;
  throw invalidParam('annee', `/api/rpg/${version} serves campaigns ${SPAN[version]}; ${where}; ${loaded}`, location, annee);
}

/** `annee` of a validated request (POST: the body wins over the query string, as for every parameter). */
function anneeOf(req: { body?: unknown; query?: unknown }): number | undefined {
  const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).annee : undefined;
  const v = body ?? (req.query as Record<string, unknown> | undefined)?.annee;
  return typeof v === 'number' ? v : undefined;
}

async function plugin(app: FastifyInstance) {
  // Open level-1 routes serve completed campaigns only (the campaign register, campagnes.ts): checked
  // once the parameters are valid, before any query.
  app.addHook('preHandler', async (req) => {
    const annee = anneeOf(req);
    if (annee !== undefined) await assertOpenCampaign(app.db, annee);
  });
  for (const [version, layer] of [['v2', PARCELLE_LAYER], ['v1', ILOT_LAYER]] as const) {
    // POST /v1 behaves as v1 (the reference answers it as v2: quirk §15.1, fixed here).
    featureRoute(app, {
      url: `/${version}`,
      layer,
      summary: version === 'v2' ? 'RPG parcels (2015+) intersecting a geometry' : 'RPG îlots (2007–2014) intersecting a geometry',
      description: layer.description,
      tags: ['rpg'],
      geomRequired: true,
      variant: (input) => (input._libelles === true ? LABELLED[layer.id] : layer),
      // A page with features proves the campaign is loaded (annee is one of the conditions): the
      // campaign list is only read when nothing matched, to explain an empty answer or refuse the year.
      whenEmpty: (input, location) => campaignNotice(app.db, version, input.annee as number, location),
    });
  }
}

const rpg: TerroirModule = {
  name: 'rpg',
  description: 'Registre parcellaire graphique (ASP/IGN): declared agricultural parcels 2015+ (v2) and îlots 2007–2014 (v1), API Carto compatible.',
  layers: [PARCELLE_LAYER, ILOT_LAYER],
  plugin,
};
export default rpg;
