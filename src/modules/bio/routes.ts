/**
 * The routes of CartoBio Territoires as Agence BIO documented them in 2020 (reference/cartobio.md §2),
 * plus `millesime`, paging, output CRS and a synthesis:
 *
 *   GET /api/v1/territoires/epci/{siren}[/synthese]     parcels touching the EPCI's communes
 *   GET /api/v1/territoires/insee/{code}[/synthese]     parcels touching the commune
 *   PUT /api/v1/territoires[/synthese]                  parcels touching an uploaded contour
 *
 * Access (scope cartobio:territoires, the territory inside the organisation's, audit) is declared in
 * `config.access` and enforced by src/auth/plugin.ts; the uploaded contour becomes the request's
 * `geom` before that check (upload.ts), so the contour is what is checked and audited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { RestrictedAccess } from '../../auth/access.ts';
import { CSV_CONTENT_TYPE, toCsv } from '../../formats/csv.ts';
import { HttpProblem, invalidParam, type ParamLocation } from '../../http/problems.ts';
import { requestUrl } from '../../http/paging.ts';
import { BIO_PARCELLE, BIO_SCOPE, CONVENTIONNEL_SCOPE } from './layers.ts';
import { DBF_FIELDS, digitsOf, geojsonStream, OUTPUT_SRIDS, prjOf, writeShapefile } from './output.ts';
import { pseudonymSecret } from './pseudonym.ts';
import { areasOf, countParcels, resolveMillesime, streamParcels, synthese, type Selection, type Territoire } from './territoire.ts';
import { contourOf, UPLOAD_LIMITS, ZIP_TYPES } from './upload.ts';

const SHAPEFILE_TYPES = ['application/vnd.shp+octet-stream', 'application/zip'];
const MAX_LIMIT = 10_000;

const SEMANTICS =
  'Every organic parcel (under `/conventionnel`: every conventional one) of the campaign that touches the territory is answered whole (not clipped), each parcel once, in a stable order (paging). ' +
  'Properties: the documented `codeculture`, `labelculture`, `groupeculture`, `bio`, `millesime`, then `precision`, `codecpf`, `conversion` ' +
  '(CONV, C1, C2, C3, AB, AB? when the year is not known), `dateengagement`, `surfaceha` (legal projection), `codecommune`, `nomcommune`, `codeepci`, ' +
  '`codedepartement`, `coderegion`. Feature `id`: a keyed pseudonym (HMAC-SHA-256), stable for a deployment, never a farm or parcel number. ' +
  `Zipped Shapefile (.shp .shx .dbf .prj .cpg, UTF-8) with \`format=shapefile\` or \`Accept: ${SHAPEFILE_TYPES.join('` / `')}\`; DBF fields: ` +
  Object.entries(DBF_FIELDS).map(([p, f]) => `${p}→${f.name}`).join(', ') + '.';

const common = {
  millesime: Type.Optional(Type.Integer({ minimum: 2010, maximum: 2100, description: 'PAC campaign; default: the latest complete campaign loaded (complete after 30 June of the next year).' })),
  srid: Type.Optional(Type.Integer({ description: `Output CRS: ${OUTPUT_SRIDS.join(', ')} (default 4326, WGS84; 2154 Lambert-93; 5490 Antilles, 2972 Guyane, 2975 Réunion, 4471 Mayotte).` })),
};
const featureQuery = {
  ...common,
  format: Type.Optional(Type.Union([Type.Literal('geojson'), Type.Literal('shapefile')], { description: 'Answer format; wins over Accept.' })),
  _start: Type.Optional(Type.Integer({ minimum: 0, description: 'Index of the first parcel (paging).' })),
  _limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `Parcels per page (at most ${MAX_LIMIT}); without it, the whole territory, streamed.` })),
};
const syntheseQuery = { ...common, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'JSON (default) or CSV.' })) };
const uploadQuery = {
  epsg: Type.Optional(Type.Integer({ minimum: 1024, maximum: 999999, description: 'EPSG code of the upload, when it has no .prj (or to override it), e.g. 2154.' })),
  crs: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'CRS of the upload by name: EPSG:2154, urn:ogc:def:crs:EPSG::2154, Lambert93, RGF93, WGS84.' })),
};

const SIREN = Type.Object({ siren: Type.String({ pattern: '^\\d{9}$', description: 'SIREN of the EPCI (9 digits).', examples: ['200067106'] }) }, { additionalProperties: false });
const INSEE = Type.Object({ code: Type.String({ pattern: '^(\\d{5}|2[AB]\\d{3})$', description: 'INSEE code of the commune (5 characters).', examples: ['64102'] }) }, { additionalProperties: false });

const TERRITORY = {
  epci: [{ in: 'params', name: 'siren', kind: 'epci' }],
  insee: [{ in: 'params', name: 'code', kind: 'commune' }],
  contour: [{ in: 'body', name: 'geom', kind: 'geom' }],
} satisfies Record<string, RestrictedAccess['territory']>;
const accessOf = (bio: 0 | 1, territory: RestrictedAccess['territory']): RestrictedAccess => ({ scope: bio ? BIO_SCOPE : CONVENTIONNEL_SCOPE, territory });

type Query = { millesime?: number; srid?: number; format?: string; _start?: number; _limit?: number; epsg?: number; crs?: string };

function territoireOf(req: FastifyRequest): Territoire {
  const p = req.params as { siren?: string; code?: string };
  if (p.siren) return { kind: 'epci', code: p.siren };
  if (p.code) return { kind: 'commune', code: p.code };
  return { kind: 'contour', geojson: JSON.stringify((req.body as { geom: unknown }).geom) };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** CartoBio routes: organic (1) or conventional (0) parcels. */
    bio?: 0 | 1;
  }
}

const slug = (t: Territoire) => (t.kind === 'contour' ? 'contour' : `${t.kind}-${t.code}`);

export async function territoiresRoutes(app: FastifyInstance): Promise<void> {
  let secret: Buffer | null | undefined;
  const secretOf = () => {
    if (secret === undefined) secret = pseudonymSecret(app.config, app.db.backend);
    if (!secret) throw new HttpProblem('unavailable', 'CartoBio Territoires is not configured: TERROIR_PSEUDONYM_KEY must be set on PostgreSQL');
    return secret;
  };

  // Uploads: a zipped Shapefile as bytes, GeoJSON as JSON (application/json is Fastify's own parser);
  // anything else is a 400 naming the body, not a 415 the documentation would not explain.
  app.addContentTypeParser(ZIP_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/geo+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      done(invalidParam('body', `not valid JSON (${(e as Error).message})`, 'body'));
    }
  });
  // Every upload parser reads at most UPLOAD_LIMITS.maxBytes (the routes' bodyLimit); a larger body
  // is Fastify's 413 "Request body is too large", answered here as the 400 naming the body that the
  // other bad uploads get. Anything else goes on to the service's error handler (thrown to the parent).
  app.setErrorHandler((err: Error & { code?: string }) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw invalidParam('body', `larger than ${UPLOAD_LIMITS.maxBytes} bytes`, 'body');
    throw err;
  });
  app.addContentTypeParser('*', (req, _payload, done) =>
    done(invalidParam('body', `Content-Type ${req.headers['content-type']}: expected GeoJSON (application/json, application/geo+json) or a zipped Shapefile (${ZIP_TYPES.slice(0, 3).join(', ')})`, 'body')),
  );

  async function selection(req: FastifyRequest, location: ParamLocation): Promise<Selection> {
    const q = req.query as Query;
    const bio = req.routeOptions.config.bio ?? 1;
    const territoire = territoireOf(req);
    // After the territory check (preHandler): a code outside the organisation's is a 403 before anyone learns whether it exists.
    const areas = await areasOf(app.db, territoire);
    const millesime = await resolveMillesime(app.db, q.millesime, location);
    return { territoire, millesime, areas, bio };
  }

  function outputSrid(q: Query): number {
    const srid = q.srid ?? 4326;
    if (!(OUTPUT_SRIDS as readonly number[]).includes(srid)) throw invalidParam('srid', `one of ${OUTPUT_SRIDS.join(', ')}`, 'query', srid);
    return srid;
  }

  async function features(req: FastifyRequest, reply: FastifyReply) {
    const key = secretOf();
    const q = req.query as Query;
    const srid = outputSrid(q);
    const accept = String(req.headers.accept ?? '');
    const shapefile = q.format ? q.format === 'shapefile' : SHAPEFILE_TYPES.some((t) => accept.includes(t));
    const s = await selection(req, 'query');
    const start = q._start ?? 0;
    const limit = q._limit ?? Infinity;
    const rows = streamParcels(app.db, s, { srid, digits: digitsOf(srid), start, limit });
    if (shapefile) {
      const name = `cartobio-${s.bio ? '' : 'conventionnel-'}${slug(s.territoire)}-${s.millesime}`;
      const writer = await writeShapefile(rows, key, name);
      req.auditFeatures = writer.records;
      const prj = await prjOf(app.db, srid);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${name}.zip"`)
        .send(writer.zip(prj));
    }
    const matched = await countParcels(app.db, s);
    const returned = Math.max(0, Math.min(limit, matched - start));
    req.auditFeatures = returned;
    const links: { href: string; rel: string; type: string; title: string }[] = [];
    if (Number.isFinite(limit) && start + returned < matched) {
      const next = requestUrl(req);
      next.searchParams.set('_start', String(start + returned));
      next.searchParams.delete('apikey');
      links.push({ href: next.toString(), rel: 'next', type: 'application/geo+json', title: 'Next page' });
    }
    return reply.header('content-type', 'application/geo+json; charset=utf-8').send(geojsonStream(rows, key, { millesime: s.millesime, numberMatched: matched, numberReturned: returned, srid, links }));
  }

  async function summary(req: FastifyRequest, reply: FastifyReply) {
    const q = req.query as Query;
    if (q.srid !== undefined) outputSrid(q);
    const s = await selection(req, 'query');
    const r = await synthese(app.db, s);
    req.auditFeatures = r.parcelles_bio;
    const csv = q.format ? q.format === 'csv' : String(req.headers.accept ?? '').includes('text/csv');
    const territoire = s.territoire.kind === 'contour' ? { type: 'contour' } : { type: s.territoire.kind, code: s.territoire.code };
    if (!csv) return reply.send({ territoire, ...r });
    const columns = ['millesime', 'groupeculture', 'conversion', 'parcelles', 'surface_ha', 'surface_agricole_ha', 'part_bio'];
    const lines = r.lignes.map((l) => ({ millesime: r.millesime, ...l }));
    lines.push({ millesime: r.millesime, groupeculture: 'Total', conversion: null, parcelles: r.parcelles_bio, surface_ha: r.surface_bio_ha, surface_agricole_ha: r.surface_agricole_ha, part_bio: r.part_bio } as never);
    return reply.header('content-type', CSV_CONTENT_TYPE).header('content-disposition', `attachment; filename="cartobio-${slug(s.territoire)}-${s.millesime}-synthese.csv"`).send(toCsv(columns, lines));
  }

  /** The uploaded contour, read once the key is known good (global preValidation runs first), becomes `geom`. */
  async function readUpload(req: FastifyRequest) {
    const geojson = await contourOf(app.db, req.body, req.query as Query);
    req.body = { geom: JSON.parse(geojson) };
  }

  const schema = (summaryText: string, params: TSchema | undefined, query: Record<string, TSchema>, synth: boolean) => ({
    summary: summaryText,
    description: synth
      ? 'Organic area (ha, legal projection) and parcel count by crop group (`groupeculture`) and conversion stage of the parcels the same call without `/synthese` answers, and the organic share of the agricultural area: RPG level-1 parcels of the same campaign touching the same territory. JSON, or CSV with `format=csv` / `Accept: text/csv`.'
      : `${BIO_PARCELLE.description} ${SEMANTICS}`,
    tags: ['v1/territoires'],
    ...(params ? { params } : {}),
    querystring: Type.Object(query, { additionalProperties: false }),
  });

  // The organic parcels (scope cartobio:territoires) and, under /conventionnel, the conventional
  // ones of the same territory (scope cartobio:conventionnel): only when asked, and only with that scope.
  for (const bio of [1, 0] as const) {
    const base = bio ? '' : '/conventionnel';
    const what = bio ? 'Organic parcels' : 'Conventional (non-organic) parcels';
    for (const synth of [false, true]) {
      const suffix = synth ? '/synthese' : '';
      const handler = synth ? summary : features;
      const q = synth ? syntheseQuery : featureQuery;
      const title = (of: string) => `${what} of ${of}${synth ? ': synthesis' : ''}`;
      app.get(`${base}/epci/:siren${suffix}`, { schema: schema(title('an EPCI'), SIREN, q, synth), config: { access: accessOf(bio, TERRITORY.epci), bio } }, handler);
      app.get(`${base}/insee/:code${suffix}`, { schema: schema(title('a commune'), INSEE, q, synth), config: { access: accessOf(bio, TERRITORY.insee), bio } }, handler);
      app.put(
        synth ? `${base}/synthese` : base || '/', // '/conventionnel', not '/conventionnel/', in the OpenAPI
        {
          schema: {
            ...schema(title('an uploaded contour'), undefined, { ...q, ...uploadQuery }, synth),
            consumes: ['application/json', 'application/geo+json', ...ZIP_TYPES.slice(0, 3)],
          },
          bodyLimit: UPLOAD_LIMITS.maxBytes,
          config: { access: accessOf(bio, TERRITORY.contour), bio },
          preValidation: readUpload,
        },
        handler,
      );
    }
  }
}
