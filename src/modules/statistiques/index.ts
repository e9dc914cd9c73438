/**
 * Territorial statistics (issue 17): for a commune, an EPCI, a département, a région or a drawn
 * polygon, and a campaign or a range, the agricultural area and parcels by crop group and crop, the
 * catch-crop share, the crop transitions between consecutive campaigns, the share of the agricultural
 * area in AOC, urbanism and nature zones, and (restricted as CartoBio) the organic share by stage.
 * JSON, or CSV with `format=csv` / `Accept: text/csv`. docs/statistiques.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { formatParam, negotiateFormat, sendCsv, type ResponseFormat } from '../../formats/csv.ts';
import type { TerroirModule } from '../module.ts';
import { datasetVersion, LAYERS, Lru } from './cache.ts';
import { campagnesBio, campagnesRpg, completes, selectCampagnes, type CampagneQuery } from './campagnes.ts';
import { CULTURES_CSV, culturesAnswer, culturesCsv } from './cultures.ts';
import { BioOut, CAMPAGNE_QUERY, CulturesOut, jsonOrCsv, statsQuery, TERRITOIRE_QUERY, TerritoiresOut, TransitionsOut, ZonagesOut } from './schemas.ts';
import { BIO_CSV, bioAnswer, bioCsv, pairesCampagnes, TRANSITIONS_CSV, transitionsAnswer, transitionsCsv, ZONAGES, ZONAGES_CSV, zonagesAnswer, zonagesCsv } from './answers.ts';
import type { RestrictedAccess } from '../../auth/access.ts';
import { BIO_SCOPE } from '../bio/layers.ts';
import { invalidParam } from '../../http/problems.ts';
import { chercherTerritoires, resolveTerritoire, territoryParam } from './territoire.ts';

const tags = ['statistiques'];
const access = 'public' as const;
type StatsQuery = CampagneQuery & Record<string, unknown> & { format?: ResponseFormat };

/** Exactly one territory parameter, checked on the raw query (after the key, before validation and any territory rule). */
async function oneTerritory(req: FastifyRequest) {
  territoryParam(req.query);
}

/**
 * /bio is restricted exactly as CartoBio Territoires (src/modules/bio/routes.ts): scope
 * cartobio:territoires, and the territory named must lie inside the organisation's (src/auth).
 */
const BIO_ACCESS: RestrictedAccess = {
  scope: BIO_SCOPE,
  territory: [
    { in: 'query', name: 'code_insee', kind: 'commune' },
    { in: 'query', name: 'code_epci', kind: 'epci' },
    { in: 'query', name: 'code_dep', kind: 'departement' },
    { in: 'query', name: 'code_reg', kind: 'region' },
    { in: 'query', name: 'geom', kind: 'geom' },
  ],
};

/** Answers cached per node and dataset version (cache.ts). */
const CACHE_SIZE = 500;

async function plugin(app: FastifyInstance) {
  const cache = new Lru<unknown>(CACHE_SIZE);

  /** The answer of `name` for this request: from the cache under the current dataset version, else computed and kept. */
  async function cached<T>(req: FastifyRequest, reply: FastifyReply, name: keyof typeof LAYERS, compute: () => Promise<T>): Promise<T> {
    const version = await datasetVersion(app.db, LAYERS[name]);
    const q = { ...(req.query as Record<string, unknown>) };
    delete q.format;
    delete q.apikey;
    const key = `${name}\n${version}\n${JSON.stringify(Object.entries(q).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    const hit = cache.get(key) as T | undefined;
    reply.header('x-terroir-cache', hit === undefined ? 'miss' : 'hit');
    if (hit !== undefined) return hit;
    const value = await compute();
    cache.set(key, value);
    return value;
  }

  app.get<{ Querystring: { q: string; limit?: number; format?: ResponseFormat } }>(
    '/territoires',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Find a territory by name or code',
        description:
          'Communes, EPCI, départements and régions whose name starts with `q` (or has a word starting with it; accents, case, hyphens and apostrophes ignored) or whose code starts with it. ' +
          'Exact name or code first, then communes and EPCI before départements and régions (names starting with `q` before those with a later word starting with it); `bbox` of the contour for the map (null when no contour is loaded).',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 100, description: 'Start of a name or of a code.', examples: ['aub', '47501'] }),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'At most this many answers (default 10, at most 50).' })),
            format: formatParam,
          },
          { additionalProperties: false },
        ),
        response: { 200: jsonOrCsv(TerritoiresOut, 'Territories found', ['type', 'code', 'nom', 'minx', 'miny', 'maxx', 'maxy']) },
      },
    },
    async (req, reply) => {
      const territoires = await chercherTerritoires(app.db, req.query.q, req.query.limit ?? 10);
      reply.header('vary', 'accept');
      if (negotiateFormat(req, req.query.format) === 'csv') {
        const rows = territoires.map((t) => ({ type: t.type, code: t.code, nom: t.nom, minx: t.bbox?.[0], miny: t.bbox?.[1], maxx: t.bbox?.[2], maxy: t.bbox?.[3] }));
        return sendCsv(reply, 'territoires.csv', ['type', 'code', 'nom', 'minx', 'miny', 'maxx', 'maxy'], rows);
      }
      return { territoires };
    },
  );

  /**
   * One statistic: exactly one territory (checked before validation and any territory rule), the
   * answer cached under the data's version, JSON or CSV (`format`, `Accept`).
   */
  function statistique<B extends { territoire: { type: string; code: string | null } }>(
    name: keyof typeof LAYERS,
    doc: { access: typeof access | RestrictedAccess; summary: string; description: string; querystring: TSchema; out: TSchema; title: string },
    csv: { columns: readonly string[]; rows: (body: B) => Record<string, unknown>[]; filename?: (body: B) => string },
    compute: (query: StatsQuery) => Promise<B>,
  ) {
    app.get<{ Querystring: StatsQuery }>(
      `/${name}`,
      {
        config: { access: doc.access },
        preValidation: oneTerritory,
        schema: { tags, summary: doc.summary, description: doc.description, querystring: doc.querystring, response: { 200: jsonOrCsv(doc.out, doc.title, csv.columns) } },
      },
      async (req, reply) => {
        const body = await cached(req, reply, name, () => compute(req.query));
        reply.header('vary', 'accept');
        if (negotiateFormat(req, req.query.format) === 'csv') return sendCsv(reply, csv.filename?.(body) ?? `${name}-${slug(body.territoire)}.csv`, csv.columns, csv.rows(body));
        return body;
      },
    );
  }

  statistique(
    'cultures',
    {
      access,
      summary: 'Agricultural area and parcels by crop group and crop',
      description:
        'Per campaign: the declared agricultural area inside the territory (RPG parcels 2015+, clipped to it), the parcels (counted where their point on surface lies), ' +
        'the share of the area carrying a catch crop, and the same by crop group and crop (largest first). Areas geodesic, in hectares. ' +
        'A campaign not completed ("constatée") is listed with `complete: false` and no figure.',
      querystring: statsQuery(),
      out: CulturesOut,
      title: 'Crop mix per campaign',
    },
    { columns: CULTURES_CSV, rows: culturesCsv },
    async (query) => {
      const t = await resolveTerritoire(app.db, query);
      const annees = selectCampagnes(query, await campagnesRpg(app.db));
      return culturesAnswer(app.db, t, annees, await completes(app.db, annees));
    },
  );

  statistique(
    'transitions',
    {
      access,
      summary: 'Crop-group transitions between consecutive campaigns',
      description:
        'For each pair of consecutive campaigns N-1 → N (`campagne=N`; a range: every pair inside it; default: every pair loaded), the area (hectares, geodesic) where a parcel of group A in N-1 ' +
        'overlaps a parcel of group B in N, inside the territory (parcel overlap computed in PostGIS), largest flow first. A pair with a campaign not completed has `complete: false` and no flow.',
      querystring: statsQuery(),
      out: TransitionsOut,
      title: 'Transitions per pair of campaigns',
    },
    { columns: TRANSITIONS_CSV, rows: transitionsCsv },
    async (query) => {
      const t = await resolveTerritoire(app.db, query);
      const pairs = pairesCampagnes(query, await campagnesRpg(app.db));
      return transitionsAnswer(app.db, t, pairs, await completes(app.db, pairs.flat()));
    },
  );

  statistique(
    'zonages',
    {
      access,
      summary: 'Share of the agricultural area in AOC, urbanism and nature zones',
      description:
        'For one campaign (default: the latest complete campaign loaded), the declared agricultural area inside the territory and the part of it inside: the AOC viticoles (`aoc`), each urbanism zone type ' +
        '(PLU `U`, `AU`, `A`, `N`; carte communale `ZC`, `ZnC`) and each protected or inventoried zone kind (`' + ZONAGES.filter((z) => z.famille === 'nature').map((z) => z.type).join('`, `') + '`). ' +
        'Overlapping zones of one type count once. Areas geodesic, in hectares; `part` of the agricultural area.',
      querystring: Type.Object({ ...TERRITOIRE_QUERY, campagne: CAMPAGNE_QUERY.campagne, format: formatParam }, { additionalProperties: false }),
      out: ZonagesOut,
      title: 'Zoning shares',
    },
    { columns: ZONAGES_CSV, rows: zonagesCsv, filename: (body) => `zonages-${slug(body.territoire)}-${body.campagne}.csv` },
    async (query) => {
      const t = await resolveTerritoire(app.db, query);
      const loaded = await campagnesRpg(app.db);
      if (!loaded.length) throw invalidParam('campagne', 'no campaign is loaded');
      const done = await completes(app.db, loaded);
      // Default: the latest complete campaign loaded (the latest loaded when none is complete).
      const [campagne] = query.campagne === undefined ? [loaded.filter((c) => done.has(c)).pop() ?? loaded[loaded.length - 1]] : selectCampagnes(query, loaded);
      return zonagesAnswer(app.db, t, campagne, done.has(campagne));
    },
  );

  statistique(
    'bio',
    {
      access: BIO_ACCESS,
      summary: 'Organic area and share by conversion stage (restricted, as CartoBio Territoires)',
      description:
        'Per campaign of organic parcels loaded (CartoBio / RPG bio; `campagne` or a range), the organic area inside the territory (parcels clipped to it), its share of the declared ' +
        'agricultural area (RPG of the same campaign), and the same per conversion stage (C1, C2, C3, AB, AB?). Areas geodesic, in hectares; `part` of the agricultural area (the stages add up to `part_bio`).',
      querystring: statsQuery(),
      out: BioOut,
      title: 'Organic share per campaign',
    },
    { columns: BIO_CSV, rows: bioCsv },
    async (query) => {
      const t = await resolveTerritoire(app.db, query);
      const annees = selectCampagnes(query, await campagnesBio(app.db));
      return bioAnswer(app.db, t, annees, await completes(app.db, annees));
    },
  );
}

export const slug = (t: { type: string; code: string | null }) => (t.code ? `${t.type}-${t.code}` : t.type);

const statistiques: TerroirModule = {
  name: 'statistiques',
  description: 'Territorial statistics: crops, transitions, zonings, organic farming (JSON or CSV), per commune, EPCI, département, région or drawn polygon.',
  plugin,
};

export default statistiques;
