/**
 * OGC API – Features at /ogc: landing page, conformance, OpenAPI 3.0, collections (from the
 * catalogue and the database, src/ogc/collections.ts), items with keyset paging, one item,
 * queryables. GeoJSON, HTML and CSV. Every route is open (`config.access: 'public'`); a restricted
 * layer is listed only to a caller whose key holds its scope (mayList) and is otherwise unknown here.
 *
 * Parameters are checked by hand rather than by a route schema: which names an items request may
 * carry depends on the collection (its queryables), and the OpenAPI document says it per collection.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestUrl } from '../http/paging.ts';
import { csvField, CSV_CONTENT_TYPE } from '../formats/csv.ts';
import { invalidParam, notFound } from '../http/problems.ts';
import { CRS84, CRS_URIS, crsParam } from './crs.ts';
import type { Collection, Collections } from './collections.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { propertySchema, queryables, tileProperties } from '../catalog/ogc.ts';
import { isPublic, scopesOf as scopesOfRule, type AccessRule } from '../auth/access.ts';
import { describeRule, itemsRule, restrictedRoutes, territoryBound } from './routes-access.ts';
import { escapeHtml, linkList, page, svgMap } from './html.ts';
import { fetchItem, fetchItems, itemsRequest, single, type ItemsFormat, type Query } from './items.ts';
import { openApiDocument } from './openapi.ts';
import { queryablesOf } from './queryables.ts';

export interface OgcOptions {
  collections: Collections;
  catalog: Catalog;
}

/** Exactly what is implemented, each class backed by tests named after it (test/ogc). */
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
];

type Format = 'json' | 'html' | 'csv';
const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';
const HTML = 'text/html';

/** `f` when given (json, html, csv where allowed), else the Accept header: HTML only when a browser asks for it before JSON. */
export function negotiate(req: FastifyRequest, q: Query, allowed: readonly Format[] = ['json', 'html']): Format {
  const f = single(q, 'f');
  if (f !== undefined) {
    const v = f === 'geojson' ? 'json' : f;
    if (!(allowed as readonly string[]).includes(v)) throw invalidParam('f', `one of ${allowed.join(', ')}`, 'query', f);
    return v as Format;
  }
  const accept = String(req.headers.accept ?? '');
  const at = (t: string) => (accept.includes(t) ? accept.indexOf(t) : Infinity);
  const jsonAt = Math.min(at('json'), at('*/*'));
  if (allowed.includes('html') && at(HTML) < jsonAt) return 'html';
  if (allowed.includes('csv') && at('text/csv') < jsonAt) return 'csv';
  return 'json';
}

/** Only `f` (and `apikey`, taken out by access control before) on pages other than items. */
function onlyF(q: Query, also: string[] = []) {
  for (const name of Object.keys(q)) if (name !== 'f' && !also.includes(name)) throw invalidParam(name, 'unknown parameter');
}

const scopesOf = (req: FastifyRequest) => req.principal?.scopes ?? null;

/** Where the service is, as clients see it: TERROIR_PUBLIC_URL (with its path prefix) when set, else the request's origin. */
export function serviceRoot(req: FastifyRequest): string {
  const publicUrl = req.server.config?.publicUrl;
  return publicUrl ? publicUrl.replace(/\/+$/, '') : requestUrl(req).origin;
}

function baseUrl(req: FastifyRequest): string {
  return `${serviceRoot(req)}/ogc`;
}

function link(href: string, rel: string, type: string, title?: string) {
  return { href, rel, type, ...(title ? { title } : {}) };
}

/** Self and alternate links of a page, by format. */
function selfLinks(url: string, current: Format, formats: readonly Format[], jsonType = JSON_TYPE) {
  const types: Record<Format, string> = { json: jsonType, html: HTML, csv: 'text/csv' };
  return formats.map((f) => link(withParam(url, 'f', f), f === current ? 'self' : 'alternate', types[f], `this document as ${f.toUpperCase()}`));
}

function withParam(url: string, name: string, value: string | undefined): string {
  const u = new URL(url);
  if (value === undefined) u.searchParams.delete(name);
  else u.searchParams.set(name, value);
  return u.toString();
}

async function collectionDocument(collections: Collections, c: Collection, base: string) {
  const stats = await collections.stats(c);
  const self = `${base}/collections/${c.id}`;
  const temporal = c.campaign === undefined ? undefined : { interval: [[`${c.campaign}-01-01T00:00:00Z`, `${c.campaign}-12-31T23:59:59Z`]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' };
  const datasets = new URL(`${base.replace(/\/ogc$/, '')}/api/datasets`);
  datasets.searchParams.set('layer', c.layer.id);
  if (c.campaign !== undefined) datasets.searchParams.set('campagne', String(c.campaign));
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    itemType: 'feature',
    extent: { spatial: { bbox: [stats.extent ?? [-180, -90, 180, 90]], crs: CRS84 }, ...(temporal ? { temporal } : {}) },
    crs: CRS_URIS,
    storageCrs: CRS84,
    featureCount: stats.count,
    producer: c.producer,
    licence: c.licence,
    synthetic: c.synthetic,
    datasets: c.datasets,
    links: [
      link(self, 'self', JSON_TYPE),
      link(`${self}?f=html`, 'alternate', HTML),
      link(`${self}/items`, 'items', GEOJSON, 'Features (GeoJSON)'),
      link(`${self}/items?f=html`, 'items', HTML, 'Features (HTML)'),
      link(`${self}/items?f=csv`, 'items', 'text/csv', 'Features (CSV)'),
      link(`${self}/queryables`, 'http://www.opengis.net/def/rel/ogc/1.0/queryables', 'application/schema+json', 'Queryables'),
      link(`${self}/schema`, 'http://www.opengis.net/def/rel/ogc/1.0/schema', 'application/schema+json', 'Schema of the features (OGC API Features Part 5)'),
      link(datasets.toString(), 'describedby', JSON_TYPE, 'Dataset sheets (producer, licence, vintage, checksums)'),
      link(`${self}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`, 'item', 'application/vnd.mapbox-vector-tile', 'Vector tiles (MVT, WebMercatorQuad)'),
      link(`${base.replace(/\/ogc$/, '')}/tiles/${c.id}.json`, 'describedby', JSON_TYPE, 'TileJSON (MapLibre)'),
      ...c.licence.map((l) => ({ href: datasets.toString(), rel: 'license', type: JSON_TYPE, title: l })),
    ],
  };
}

function sendHtml(reply: FastifyReply, html: string) {
  return reply.type('text/html; charset=utf-8').send(html);
}

const config = { access: 'public' as const };
const hidden = { hide: true };

export async function ogcPlugin(app: FastifyInstance, opts: OgcOptions) {
  const collections = opts.collections;

  app.get('/', { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    const f = negotiate(req, q);
    const base = baseUrl(req);
    const links = [
      ...selfLinks(`${base}/`, f, ['json', 'html']),
      link(`${base}/api`, 'service-desc', 'application/vnd.oai.openapi+json;version=3.0', 'OpenAPI 3.0 definition'),
      link(`${base}/api?f=html`, 'service-doc', HTML, 'API documentation'),
      link(`${base}/conformance`, 'conformance', JSON_TYPE, 'Conformance classes'),
      link(`${base}/collections`, 'data', JSON_TYPE, 'Collections'),
    ];
    const doc = { title: 'Terroir — OGC API', description: 'France’s agricultural and land reference geodata (cadastre, RPG, AOC, urbanisme, administrative units) as OGC API – Features and vector tiles.', links };
    if (f === 'html') return sendHtml(reply, page(doc.title, `<p>${escapeHtml(doc.description)}</p>${linkList(links)}`));
    return doc;
  });

  app.get('/conformance', { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    if (negotiate(req, q) === 'html') return sendHtml(reply, page('Conformance', `<ul>${CONFORMANCE.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ul>`));
    return { conformsTo: CONFORMANCE };
  });

  app.get('/api', { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    const doc = openApiDocument(baseUrl(req), await collections.list(scopesOf(req)));
    if (negotiate(req, q) === 'html') {
      return sendHtml(reply, page('OpenAPI 3.0', `<p><a href="?f=json">JSON document</a></p><ul>${Object.keys(doc.paths as object).map((p) => `<li><code>${escapeHtml(p)}</code></li>`).join('')}</ul>`));
    }
    return reply.type('application/vnd.oai.openapi+json;version=3.0').send(JSON.stringify(doc));
  });

  app.get('/collections', { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    const f = negotiate(req, q);
    const base = baseUrl(req);
    const list = await collections.list(scopesOf(req));
    const docs = [];
    for (const c of list) docs.push(await collectionDocument(collections, c, base));
    const links = selfLinks(`${base}/collections`, f, ['json', 'html']);
    if (f === 'html') {
      const rows = docs.map((d) => `<tr><td><a href="${escapeHtml(`${base}/collections/${d.id}?f=html`)}">${escapeHtml(d.id)}</a></td><td>${escapeHtml(d.title)}</td><td>${d.featureCount}</td></tr>`);
      return sendHtml(reply, page('Collections', `<table><tr><th>id</th><th>title</th><th>features</th></tr>${rows.join('')}</table>`));
    }
    return { links, crs: CRS_URIS, collections: docs };
  });

  // Open collections through open routes; a collection a key must unlock has its own routes below,
  // declaring its rule, so that the one enforcement point (src/auth/plugin.ts) checks it (routes-access.ts).
  collectionRoutes(app, '/collections/:collectionId', 'public', (req) => collections.get((req.params as { collectionId: string }).collectionId, null), collections);
  for (const f of restrictedRoutes(opts.catalog, collections.closedCampaignAccess)) {
    collectionRoutes(app, `/collections/${f.segment}`, f.rule, (req) => collections.get(f.idOf(req.params as Record<string, string>), scopesOfRule(f.rule)), collections);
  }
}

type Resolve = (req: FastifyRequest) => Promise<Collection>;

/** The routes of one collection (or of any open one, `:collectionId`): description, queryables, items, one item. */
function collectionRoutes(app: FastifyInstance, path: string, access: AccessRule, resolve: Resolve, collections: Collections) {
  const config = { access: isPublic(access) ? access : describeRule(access) };
  const items = { access: isPublic(access) ? access : itemsRule(access) };
  const bboxOnItem = territoryBound(access);
  app.get(`${path}`, { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    const f = negotiate(req, q);
    const c = await resolve(req);
    const doc = await collectionDocument(collections, c, baseUrl(req));
    if (f === 'html') {
      const facts = `<p>${escapeHtml(doc.description)}</p><p>${doc.featureCount} features · extent ${escapeHtml(doc.extent.spatial.bbox[0].join(', '))} · producer ${escapeHtml(doc.producer.join('; '))} · licence ${escapeHtml(doc.licence.join('; '))}${doc.synthetic ? ' · <strong>SYNTHETIC demo data</strong>' : ''}</p>`;
      return sendHtml(reply, page(doc.title, facts + linkList(doc.links)));
    }
    return doc;
  });

  app.get(`${path}/queryables`, { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    const c = await resolve(req);
    const doc = queryables(c.layer, `${baseUrl(req)}/collections/${c.id}/queryables`, c.title);
    if (negotiate(req, q) === 'html') {
      const rows = Object.entries(doc.properties as Record<string, { type?: string; format?: string }>).map(([n, p]) => `<tr><td>${escapeHtml(n)}</td><td>${escapeHtml(p.type ?? p.format)}</td></tr>`);
      return sendHtml(reply, page(`Queryables of ${c.id}`, `<table><tr><th>name</th><th>type</th></tr>${rows.join('')}</table>`));
    }
    return reply.type('application/schema+json').send(JSON.stringify(doc));
  });

  // OGC API Features Part 5 (draft): the schema of the features /items answers, from the definition.
  app.get(`${path}/schema`, { config, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    onlyF(q);
    if (q.f !== undefined && q.f !== 'json') throw invalidParam('f', 'json only: the schema is a JSON Schema document', 'query', q.f);
    const c = await resolve(req);
    const doc = propertySchema(c.layer, `${baseUrl(req)}/collections/${c.id}/schema`, tileProperties(c.layer), c.title);
    return reply.type('application/schema+json').send(JSON.stringify(doc));
  });

  app.get(`${path}/items`, { config: items, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    const c = await resolve(req);
    const f = negotiate(req, q, ['json', 'html', 'csv']);
    const r = itemsRequest(c, q);
    const pageOf = await fetchItems(app.db, collections, c, r, f as ItemsFormat);
    // What a restricted call disclosed, for the audit trail (the streamed answer is not read back).
    req.auditFeatures = pageOf.returned;
    const url = requestUrl(req).toString();
    reply.header('content-crs', `<${r.crs.uri}>`);
    const next = pageOf.next ? withParam(withParam(url, 'cursor', pageOf.next), 'f', f === 'json' ? undefined : f) : undefined;
    if (f === 'csv') return reply.type(CSV_CONTENT_TYPE).send(Readable.from(csvChunks(c, pageOf.rows)));
    if (f === 'html') return sendHtml(reply, itemsHtml(c, pageOf, url, next));
    const links = [
      ...selfLinks(url, 'json', ['json', 'html', 'csv'], GEOJSON),
      ...(next ? [link(next, 'next', GEOJSON, 'next page')] : []),
      link(`${baseUrl(req)}/collections/${c.id}`, 'collection', JSON_TYPE, c.title),
    ];
    const head = `{"type":"FeatureCollection","timeStamp":${JSON.stringify(new Date().toISOString())},${pageOf.matched === null ? '' : `"numberMatched":${pageOf.matched},`}"numberReturned":${pageOf.returned},"links":${JSON.stringify(links)}${c.synthetic ? ',"synthetic":true' : ''},"features":[`;
    return reply.type(`${GEOJSON}; charset=utf-8`).send(Readable.from(featureChunks(head, pageOf.chunks!)));
  });

  app.get<{ Params: { featureId: string } }>(`${path}/items/:featureId`, { config: items, schema: hidden }, async (req, reply) => {
    const q = req.query as Query;
    // On a territory-bound collection the feature is served within the `bbox` the enforcement point checked.
    onlyF(q, bboxOnItem ? ['crs', 'bbox'] : ['crs']);
    const c = await resolve(req);
    const crs = crsParam('crs', single(q, 'crs'));
    const f = negotiate(req, q);
    const feature = await fetchItem(app.db, c, req.params.featureId, crs, single(q, 'bbox'));
    if (!feature) throw notFound(`no feature ${req.params.featureId} in ${c.id}`);
    reply.header('content-crs', `<${crs.uri}>`);
    const self = `${baseUrl(req)}/collections/${c.id}/items/${encodeURIComponent(req.params.featureId)}`;
    if (f === 'html') {
      const props = (JSON.parse(feature) as { properties: Record<string, unknown> }).properties;
      const rows = Object.entries(props).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`);
      return sendHtml(reply, page(req.params.featureId, `<table>${rows.join('')}</table><p><a href="${escapeHtml(self)}?f=json">GeoJSON</a></p>`));
    }
    const links = [link(self, 'self', GEOJSON), link(`${self}?f=html`, 'alternate', HTML), link(`${baseUrl(req)}/collections/${c.id}`, 'collection', JSON_TYPE)];
    return reply.type(`${GEOJSON}; charset=utf-8`).send(`${feature.slice(0, -1)},"links":${JSON.stringify(links)}}`);
  });
}

/** The page: the head, then PostgreSQL's chunks of features (src/ogc/items.ts chunkedPageSql) one after the other, never joined into one string. */
function* featureChunks(head: string, chunks: string[]): Generator<string> {
  yield head;
  for (let i = 0; i < chunks.length; i++) {
    if (i) yield ',';
    yield chunks[i];
  }
  yield ']}';
}

function* csvChunks(c: Collection, rows: { values?: unknown[] }[]): Generator<string> {
  const names = ['id', ...queryablesOf(c.layer).properties.keys(), 'wkt'];
  yield names.map(csvField).join(',') + '\r\n';
  let buf = '';
  for (let i = 0; i < rows.length; i++) {
    buf += rows[i].values!.map(csvField).join(',') + '\r\n';
    if (i % 200 === 199) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

function itemsHtml(c: Collection, p: Awaited<ReturnType<typeof fetchItems>>, url: string, next?: string): string {
  const names = [...queryablesOf(c.layer).properties.keys()];
  const rows = p.rows.map((r) => {
    const f = JSON.parse(r.feature!) as { id: string; properties: Record<string, unknown> };
    return `<tr><td>${escapeHtml(f.id)}</td>${names.map((n) => `<td>${escapeHtml(f.properties[n])}</td>`).join('')}</tr>`;
  });
  const pointLike = /Point/.test(c.layer.geometry.type);
  const map = svgMap(p.rows.map((r) => r.svg ?? ''), p.mercator, pointLike);
  const nav = `<p>${p.rows.length} features${p.matched === null ? '' : ` of ${p.matched}`}${next ? ` · <a href="${escapeHtml(next)}">next page</a>` : ''} · <a href="${escapeHtml(withParam(url, 'f', 'json'))}">GeoJSON</a> · <a href="${escapeHtml(withParam(url, 'f', 'csv'))}">CSV</a></p>`;
  return page(c.title, `${nav}${map}<table><tr><th>id</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>${rows.join('')}</table>`);
}
