/**
 * Vector tiles of every collection: OGC API – Tiles at
 * `/ogc/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`, the XYZ path
 * MapLibre expects at `/tiles/{id}/{z}/{x}/{y}.mvt`, and a TileJSON at `/tiles/{id}.json`.
 *
 * HTTP: a strong ETag derived from the collection's dataset signature (ids, checksums, import
 * times), the backend and the tile address, checked before any query (a 304 costs no database
 * work); Cache-Control; 204 for a tile without features; 400 for z/x/y out of range; 404 below the
 * layer's minimum zoom.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tileProperties } from '../catalog/ogc.ts';
import { invalidParam, notFound } from '../http/problems.ts';
import type { Collection, Collections } from '../ogc/collections.ts';
import { serviceRoot } from '../ogc/plugin.ts';
import { describeRule, restrictedRoutes, tileRule } from '../ogc/routes-access.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { isPublic, scopesOf, type AccessRule } from '../auth/access.ts';
import { encodeTile } from './encode.ts';
import { MAX_ZOOM, tileAddress, type TileAddress } from './tile.ts';

export interface TilesOptions {
  collections: Collections;
  catalog: Catalog;
}

export const MVT = 'application/vnd.mapbox-vector-tile';
/** Bumped when the encoding changes, so that cached tiles are not taken for new ones. */
const ENCODING = 'mvt1';
export const CACHE_CONTROL = 'public, max-age=600';
/** A restricted layer's tiles are for their caller only (revalidated with the ETag, never kept by a shared cache). */
export const PRIVATE_CACHE_CONTROL = 'private, no-cache';

const hidden = { hide: true };
type Resolve = (req: FastifyRequest) => Promise<Collection>;

function noQuery(req: FastifyRequest) {
  for (const name of Object.keys(req.query as object)) throw invalidParam(name, 'unknown parameter');
}

export function tileEtag(c: Collection, backend: string, t: TileAddress): string {
  const h = createHash('sha256').update(`${ENCODING}\0${backend}\0${c.id}\0${c.signature}\0${t.z}/${t.x}/${t.y}`).digest('base64url');
  return `"${h.slice(0, 27)}"`;
}

/** Whether If-None-Match names this ETag (a list, or `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((v) => v.trim().replace(/^W\//, '') === etag);
}

export async function tilesPlugin(app: FastifyInstance, opts: TilesOptions) {
  const { collections } = opts;
  // Open collections on open routes; a restricted layer's on routes declaring its rule (see src/ogc/plugin.ts).
  tileRoutes(app, ':collectionId', 'public', (req) => collections.get((req.params as { collectionId: string }).collectionId, null), collections);
  for (const f of restrictedRoutes(opts.catalog, collections.closedCampaignAccess)) {
    tileRoutes(app, f.segment, f.rule, (req) => collections.get(f.idOf(req.params as Record<string, string>), scopesOf(f.rule)), collections);
  }
}

/** The tile routes of one collection or family (`segment`: an id, `<prefix>:campagne`), or of any open one (`:collectionId`). */
function tileRoutes(app: FastifyInstance, segment: string, access: AccessRule, resolve: Resolve, collections: Collections) {
  const db = app.db;
  const id = segment;
  const open = isPublic(access);
  const config = { access: open ? access : describeRule(access) };
  const xyz = { access: open ? access : tileRule(access, 'z') };
  const ogc = { access: open ? access : tileRule(access, 'tileMatrix') };

  async function serve(req: FastifyRequest, reply: FastifyReply, raw: { z: string; x: string; y: string }, names: { z: string; x: string; y: string }) {
    noQuery(req);
    const c = await resolve(req);
    const tile = tileAddress(raw, names);
    const min = c.layer.minZoom; // its definition's (src/catalog, default 13)
    if (tile.z < min) throw notFound(`tiles of ${c.id} start at zoom ${min} (a tile at zoom ${tile.z} would carry more features than a map can show)`);
    const etag = tileEtag(c, db.backend, tile);
    reply.header('etag', etag).header('cache-control', isPublic(access) ? CACHE_CONTROL : PRIVATE_CACHE_CONTROL).header('vary', 'accept-encoding');
    if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
    const mvt = await encodeTile(db, c, tile);
    if (!mvt) return reply.code(204).send();
    return reply.type(MVT).send(Buffer.from(mvt.buffer, mvt.byteOffset, mvt.byteLength));
  }

  app.get(`/ogc/collections/${id}/tiles/WebMercatorQuad/:tileMatrix/:tileRow/:tileCol`, { config: ogc, schema: hidden }, (req, reply) => {
    const p = req.params as { tileMatrix: string; tileRow: string; tileCol: string };
    return serve(req, reply, { z: p.tileMatrix, x: p.tileCol, y: p.tileRow }, { z: 'tileMatrix', x: 'tileCol', y: 'tileRow' });
  });

  app.get(`/tiles/${id}/:z/:x/:y.mvt`, { config: xyz, schema: hidden }, (req, reply) => serve(req, reply, req.params as { z: string; x: string; y: string }, { z: 'z', x: 'x', y: 'y' }));

  app.get(`/ogc/collections/${id}/tiles`, { config, schema: hidden }, async (req) => {
    noQuery(req);
    const c = await resolve(req);
    const base = `${serviceRoot(req)}/ogc/collections/${c.id}/tiles`;
    return {
      tilesets: [
        {
          title: c.title,
          dataType: 'vector',
          crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
          tileMatrixSetURI: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad',
          links: [
            { href: `${base}/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`, rel: 'item', type: MVT, templated: true },
            { href: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad', rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme' },
          ],
        },
      ],
    };
  });

  app.get(`/tiles/${id}.json`, { config, schema: hidden }, async (req) => {
    noQuery(req);
    const c = await resolve(req);
    const stats = await collections.stats(c);
    const min = c.layer.minZoom; // its definition's (src/catalog, default 13)
    const bounds = stats.extent ?? [-180, -85.0511, 180, 85.0511];
    const fields = Object.fromEntries(tileProperties(c.layer).map((p) => [p.name, p.type === 'string' ? 'String' : p.type === 'boolean' ? 'Boolean' : 'Number']));
    return {
      tilejson: '3.0.0',
      name: c.title,
      description: c.description,
      attribution: [...c.producer, ...c.licence].join(' — '),
      scheme: 'xyz',
      tiles: [`${serviceRoot(req)}/tiles/${c.id}/{z}/{x}/{y}.mvt`],
      minzoom: min,
      maxzoom: MAX_ZOOM,
      bounds,
      center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, Math.max(min, 13)],
      vector_layers: [{ id: c.id, description: c.title, minzoom: min, maxzoom: MAX_ZOOM, fields }],
    };
  });
}
