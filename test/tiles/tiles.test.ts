/**
 * Vector tiles (OGC API – Tiles /conf/core and /conf/mvt, and the XYZ + TileJSON paths MapLibre
 * reads), decoded with @mapbox/vector-tile. Both encoders find the same features with the same
 * properties: on PostgreSQL ST_AsMVT and the geojson-vt path run on the same rows; on PGlite the
 * geojson-vt tile is checked against the items the OGC API answers for the tile's box.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { assertProblem, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { ogcApp } from '../ogc/fixture.ts';
import { Collections } from '../../src/ogc/collections.ts';
import { encodeTile } from '../../src/tiles/encode.ts';
import { tileBounds } from '../../src/tiles/tile.ts';
import { buildCatalog } from '../../src/modules/index.ts';

let t: TestApp;
/** A z15 tile in the middle of the 2023 parcels, and its z13/z10 ancestors. */
let z15: { z: number; x: number; y: number };
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x, y };
}

interface Decoded {
  id: number | undefined;
  properties: Record<string, unknown>;
  type: number;
}

function decode(body: Buffer | Uint8Array, layer: string): Decoded[] {
  const vt = new VectorTile(new PbfReader(body));
  assert.deepEqual(Object.keys(vt.layers), [layer]);
  const l = vt.layers[layer];
  assert.equal(l.extent, 4096);
  const out: Decoded[] = [];
  for (let i = 0; i < l.length; i++) {
    const f = l.feature(i);
    out.push({ id: f.id, properties: { ...f.properties }, type: f.type });
  }
  return out.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

before(async () => {
  t = await ogcApp();
  const [c] = await t.db.query<{ x: number; y: number }>(
    `SELECT ST_X(ST_Centroid(ST_Extent(geom))) AS x, ST_Y(ST_Centroid(ST_Extent(geom))) AS y FROM rpg_parcelle WHERE campagne = 2023`,
  );
  z15 = tileOf(c.x, c.y, 15);
});
after(async () => t?.close());

test(`${BACKEND}: /req/core/tc-success, /req/mvt/content — an MVT tile of a campaign, with its features' properties and ids`, async () => {
  const res = await get(`/ogc/collections/rpg-parcelle-2023/tiles/WebMercatorQuad/${z15.z}/${z15.y}/${z15.x}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/vnd.mapbox-vector-tile');
  const features = decode(res.rawPayload, 'rpg-parcelle-2023');
  assert.ok(features.length > 0);
  for (const f of features) {
    assert.equal(f.type, 3, 'polygons');
    assert.ok(Number.isInteger(f.id));
    assert.deepEqual(Object.keys(f.properties).sort(), ['code_cultu', 'code_group', 'culture_d1', 'culture_d2', 'id_parcel', 'surf_parc']);
  }
  const xyz = await get(`/tiles/rpg-parcelle-2023/${z15.z}/${z15.x}/${z15.y}.mvt`);
  assert.equal(xyz.statusCode, 200);
  assert.deepEqual(decode(xyz.rawPayload, 'rpg-parcelle-2023'), features);
});

test(`${BACKEND}: both encoders find the same features with the same properties`, async () => {
  const collections = new Collections(t.db, buildCatalog());
  const c = await collections.get('rpg-parcelle-2023', null);
  const z13 = { z: 13, x: z15.x >> 2, y: z15.y >> 2 };
  for (const tile of [z15, z13]) {
    const js = decode((await encodeTile(t.db, c, tile, 'js'))!, c.id);
    if (BACKEND === 'postgres') {
      const sql = decode((await encodeTile(t.db, c, tile, 'postgis'))!, c.id);
      assert.deepEqual(js, sql, `z${tile.z}: ST_AsMVT and geojson-vt`);
    }
    // The same features as the items of the tile's box (with its buffer), same properties.
    const bbox = tileBounds(tile).join(',');
    const items = (await get(`/ogc/collections/rpg-parcelle-2023/items?limit=10000&bbox=${bbox}`)).json();
    const expected = items.features
      .map((f: { id: string; properties: Record<string, unknown> }) => ({ id: Number(f.id.split('.')[1]), properties: f.properties, type: 3 }))
      .sort((a: Decoded, b: Decoded) => a.id! - b.id!);
    assert.equal(js.length, expected.length, `z${tile.z}: features in the tile`);
    assert.deepEqual(js, expected);
  }
});

test(`${BACKEND}: ETag tied to the datasets, 304 on If-None-Match, Cache-Control`, async () => {
  const url = `/tiles/rpg-parcelle-2023/${z15.z}/${z15.x}/${z15.y}.mvt`;
  const first = await get(url);
  const etag = String(first.headers.etag);
  assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/, 'a strong ETag');
  assert.equal(first.headers['cache-control'], 'public, max-age=600');
  const again = await get(url, { 'if-none-match': etag });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
  assert.equal((await get(url, { 'if-none-match': `"other", ${etag}` })).statusCode, 304);
  assert.equal((await get(url, { 'if-none-match': '"other"' })).statusCode, 200);
  // Another campaign's tile at the same address has another ETag; a re-import changes it.
  const other = await get(`/tiles/rpg-parcelle-2022/${z15.z}/${z15.x}/${z15.y}.mvt`);
  assert.notEqual(other.headers.etag, etag);
  await t.db.query(`UPDATE terroir_dataset SET imported_at = imported_at + interval '1 second' WHERE layer = 'rpg.parcelle' AND campagne = 2023`);
  await new Promise((r) => setTimeout(r, 2100)); // the dataset register is re-read every 2 s
  const after = await get(url, { 'if-none-match': etag });
  assert.equal(after.statusCode, 200);
  assert.notEqual(after.headers.etag, etag);
});

test(`${BACKEND}: 204 for an empty tile, 400 out of range, 404 below the layer's minimum zoom`, async () => {
  const empty = await get(`/tiles/rpg-parcelle-2023/15/0/0.mvt`);
  assert.equal(empty.statusCode, 204);
  assert.ok(empty.headers.etag);
  assertProblem(await get(`/tiles/rpg-parcelle-2023/15/32768/0.mvt`), 400, 'x');
  assertProblem(await get(`/tiles/rpg-parcelle-2023/15/0/40000.mvt`), 400, 'y');
  assertProblem(await get(`/tiles/rpg-parcelle-2023/23/0/0.mvt`), 400, 'z');
  assertProblem(await get(`/tiles/rpg-parcelle-2023/a/0/0.mvt`), 400, 'z');
  assertProblem(await get(`/ogc/collections/rpg-parcelle-2023/tiles/WebMercatorQuad/3/8/0`), 400, 'tileRow');
  assertProblem(await get(`/ogc/collections/rpg-parcelle-2023/tiles/WebMercatorQuad/3/0/-1`), 400, 'tileCol');
  assertProblem(await get(`/tiles/rpg-parcelle-2023/15/0/0.mvt?limit=5`), 400, 'limit');
  const low = await get(`/tiles/rpg-parcelle-2023/10/${z15.x >> 5}/${z15.y >> 5}.mvt`);
  assertProblem(low, 404);
  assert.match(low.json().detail, /zoom 13/);
  assertProblem(await get(`/tiles/nope/15/0/0.mvt`), 404);
});

test(`${BACKEND}: administrative units are tiled from zoom 0, generalised for the zoom`, async () => {
  const z10 = { z: 10, x: z15.x >> 5, y: z15.y >> 5 };
  const res = await get(`/tiles/limites-administratives-commune/${z10.z}/${z10.x}/${z10.y}.mvt`);
  assert.equal(res.statusCode, 200);
  const vt = new VectorTile(new PbfReader(res.rawPayload)).layers['limites-administratives-commune'];
  assert.ok(vt.length >= 1);
  let tilePoints = 0;
  for (let i = 0; i < vt.length; i++) tilePoints += vt.feature(i).loadGeometry().reduce((n, ring) => n + ring.length, 0);
  const [stored] = await t.db.query<{ n: number; k: number }>(
    `SELECT sum(ST_NPoints(geom))::int AS n, count(*)::int AS k FROM limites_commune WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`,
    tileBounds(z10),
  );
  assert.equal(vt.length, stored.k, 'every commune of the tile');
  assert.ok(tilePoints < stored.n / 2, `z10 keeps ${tilePoints} of ${stored.n} vertices`);
});

test(`${BACKEND}: TileJSON for MapLibre, and the collection's tileset list`, async () => {
  const tj = (await get('/tiles/rpg-parcelle-2023.json')).json();
  assert.equal(tj.tilejson, '3.0.0');
  assert.match(tj.tiles[0], /^http:\/\/localhost(:\d+)?\/tiles\/rpg-parcelle-2023\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
  assert.equal(tj.minzoom, 13);
  assert.equal(tj.vector_layers[0].id, 'rpg-parcelle-2023');
  assert.deepEqual(Object.keys(tj.vector_layers[0].fields).sort(), ['code_cultu', 'code_group', 'culture_d1', 'culture_d2', 'id_parcel', 'surf_parc']);
  assert.equal(tj.bounds.length, 4);
  const sets = (await get('/ogc/collections/rpg-parcelle-2023/tiles')).json();
  assert.equal(sets.tilesets[0].dataType, 'vector');
  const coll = (await get('/ogc/collections/rpg-parcelle-2023')).json();
  assert.ok(coll.links.some((l: { type: string }) => l.type === 'application/vnd.mapbox-vector-tile'));
});

test(`${BACKEND}: each layer's tiles start at its definition's minZoom: a protected area from 8, a parcel layer from 13`, async () => {
  assert.equal((await get('/tiles/nature-pnr.json')).json().minzoom, 8);
  assert.equal((await get('/tiles/cadastre-parcelle.json')).json().minzoom, 13);
  assert.equal((await get('/tiles/limites-administratives-commune.json')).json().minzoom, 0);
  const below = await get('/tiles/nature-pnr/7/65/45.mvt');
  assert.equal(below.statusCode, 404);
  assert.match(below.json().detail, /start at zoom 8/);
  assert.ok([200, 204].includes((await get('/tiles/nature-pnr/8/131/91.mvt')).statusCode), 'zoom 8 is served');
});
