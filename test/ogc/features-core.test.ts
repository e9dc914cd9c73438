/**
 * OGC API – Features Part 1: the requirement classes /conf/core, /conf/geojson, /conf/html and
 * /conf/oas30, through the HTTP interface on a demo territory (both backends).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { ogcApp } from './fixture.ts';
import { CONFORMANCE } from '../../src/ogc/plugin.ts';
import { FEATURES_PER_CHUNK } from '../../src/ogc/items.ts';
import { Validator } from '@seriousme/openapi-schema-validator';

let t: TestApp;
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

before(async () => {
  t = await ogcApp();
});
after(async () => t?.close());

test(`${BACKEND}: /req/core/root-success — the landing page links the API definition, conformance and collections`, async () => {
  const res = await get('/ogc');
  assert.equal(res.statusCode, 200);
  const body = res.json();
  const rels = new Map(body.links.map((l: { rel: string; href: string }) => [l.rel, l.href]));
  for (const rel of ['self', 'service-desc', 'conformance', 'data']) assert.ok(rels.has(rel), `link ${rel}`);
  assert.match(String(rels.get('data')), /^http:\/\/localhost(:\d+)?\/ogc\/collections$/);
  assertProblem(await get('/ogc?foo=1'), 400, 'foo');
  assertProblem(await get('/ogc?f=xml'), 400, 'f');
});

test(`${BACKEND}: /req/core/conformance-success — exactly the implemented classes`, async () => {
  const body = (await get('/ogc/conformance')).json();
  assert.deepEqual(body.conformsTo, CONFORMANCE);
  for (const c of ['ogcapi-features-1/1.0/conf/core', 'ogcapi-features-1/1.0/conf/geojson', 'ogcapi-features-1/1.0/conf/html', 'ogcapi-features-1/1.0/conf/oas30', 'ogcapi-features-2/1.0/conf/crs']) {
    assert.ok(body.conformsTo.includes(`http://www.opengis.net/spec/${c}`), c);
  }
});

test(`${BACKEND}: /req/oas30/oas-definition-1 — /ogc/api is an OpenAPI 3.0 document declaring limit 1..10000, default 100`, async () => {
  const res = await get('/ogc/api');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/vnd\.oai\.openapi\+json; ?version="?3\.0/);
  const doc = res.json();
  assert.match(doc.openapi, /^3\.0\./);
  assert.deepEqual(await new Validator().validate(doc), { valid: true });
  assert.deepEqual(doc.components.parameters.limit.schema, { type: 'integer', minimum: 1, maximum: 10000, default: 100 });
  assert.ok(doc.paths['/collections/rpg-parcelle-2023/items'], 'items path of a campaign');
  const items = doc.paths['/collections/rpg-parcelle-2023/items'].get.parameters.map((p: { $ref?: string; name?: string }) => p.$ref ?? p.name);
  assert.ok(items.includes('#/components/parameters/limit') && items.includes('#/components/parameters/bbox') && items.includes('id_parcel'));
});

test(`${BACKEND}: /req/core/fc-md-success — one collection per layer and per RPG campaign, described from the database`, async () => {
  const body = (await get('/ogc/collections')).json();
  const ids = body.collections.map((c: { id: string }) => c.id);
  for (const id of ['cadastre-parcelle', 'rpg-parcelle-2023', 'rpg-parcelle-2022', 'aoc-appellation-viticole', 'limites-administratives-commune']) assert.ok(ids.includes(id), id);
  assert.ok(!ids.includes('rpg-parcelle'), 'a campaign layer is listed per campaign only');
  const rpg = body.collections.find((c: { id: string }) => c.id === 'rpg-parcelle-2023');
  const [n] = await t.db.query<{ n: number; x0: number; y1: number }>(
    `SELECT count(*)::int AS n, ST_XMin(ST_Extent(geom)) AS x0, ST_YMax(ST_Extent(geom)) AS y1 FROM rpg_parcelle WHERE campagne = 2023`,
  );
  assert.ok(n.n > 50);
  assert.equal(rpg.featureCount, n.n);
  assert.ok(Math.abs(rpg.extent.spatial.bbox[0][0] - n.x0) < 1e-9 && Math.abs(rpg.extent.spatial.bbox[0][3] - n.y1) < 1e-9);
  assert.deepEqual(rpg.extent.temporal.interval, [['2023-01-01T00:00:00Z', '2023-12-31T23:59:59Z']]);
  assert.equal(rpg.storageCrs, 'http://www.opengis.net/def/crs/OGC/1.3/CRS84');
  assert.ok(rpg.crs.includes('http://www.opengis.net/def/crs/EPSG/0/2154'));
  assert.match(rpg.producer[0], /SYNTHETIC/);
  assert.equal(rpg.synthetic, true);
  const rels = rpg.links.map((l: { rel: string }) => l.rel);
  for (const rel of ['items', 'http://www.opengis.net/def/rel/ogc/1.0/queryables', 'http://www.opengis.net/def/rel/ogc/1.0/schema', 'describedby', 'license']) assert.ok(rels.includes(rel), rel);
  const one = (await get('/ogc/collections/rpg-parcelle-2023')).json();
  assert.equal(one.id, 'rpg-parcelle-2023');
  assertProblem(await get('/ogc/collections/rpg-parcelle-1999'), 404);
  assertProblem(await get('/ogc/collections/nope'), 404);
});

test(`${BACKEND}: a newly imported campaign appears without restart`, async () => {
  const before = (await get('/ogc/collections')).json().collections.map((c: { id: string }) => c.id);
  assert.ok(!before.includes('rpg-parcelle-2024'));
  await t.db.query(`INSERT INTO terroir_dataset (id, layer, campagne, source, producer, licence, feature_count) VALUES ('rpg.parcelle:2024:test', 'rpg.parcelle', 2024, 'test', 'ASP', 'Licence Ouverte 2.0', 1)`);
  await t.db.query(
    `INSERT INTO rpg_parcelle (dataset_id, campagne, gid, id_parcel, surf_parc, code_cultu, code_group, geom)
     SELECT 'rpg.parcelle:2024:test', 2024, gid, id_parcel, surf_parc, code_cultu, code_group, geom FROM rpg_parcelle WHERE campagne = 2023 ORDER BY gid LIMIT 1`,
  );
  const res = await get('/ogc/collections/rpg-parcelle-2024/items');
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().numberMatched, 1);
  await t.db.query(`DELETE FROM rpg_parcelle WHERE campagne = 2024`);
  await t.db.query(`DELETE FROM terroir_dataset WHERE id = 'rpg.parcelle:2024:test'`);
});

test(`${BACKEND}: only completed RPG campaigns are served (the rule of the open level-1 routes): another is not listed, and named it is the rule's 403`, async () => {
  const set = (etat: string, date: string | null) =>
    t.db.query(
      `INSERT INTO rpg_campagne (annee, etat, constatee_le, source, note) VALUES (2023, $1, $2::date, 'admin', 'test')
       ON CONFLICT (annee) DO UPDATE SET etat = EXCLUDED.etat, constatee_le = EXCLUDED.constatee_le, source = 'admin'`,
      [etat, date],
    );
  await set('instruction', null);
  await new Promise((r) => setTimeout(r, 2100)); // the register is re-read every 2 s
  try {
    const ids = (await get('/ogc/collections')).json().collections.map((c: { id: string }) => c.id);
    assert.ok(!ids.includes('rpg-parcelle-2023') && ids.includes('rpg-parcelle-2022'));
    for (const url of ['/ogc/collections/rpg-parcelle-2023', '/ogc/collections/rpg-parcelle-2023/items', '/tiles/rpg-parcelle-2023/15/0/0.mvt', '/tiles/rpg-parcelle-2023.json']) {
      const body = assertProblem(await get(url), 403);
      assert.equal(body.rule, 'rpg-campagne-constatee', url);
    }
  } finally {
    await set('constatee', '2024-06-30');
    await new Promise((r) => setTimeout(r, 2100));
  }
  assert.equal((await get('/ogc/collections/rpg-parcelle-2023')).statusCode, 200);
});

test(`${BACKEND}: /req/core/fc-response, /req/geojson/content — items are a GeoJSON FeatureCollection with numberMatched and a typed next link`, async () => {
  const res = await get('/ogc/collections/rpg-parcelle-2023/items?limit=10');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/geo\+json/);
  assert.equal(res.headers['content-crs'], '<http://www.opengis.net/def/crs/OGC/1.3/CRS84>');
  const body = res.json();
  assert.equal(body.type, 'FeatureCollection');
  assert.equal(body.numberReturned, 10);
  assert.equal(body.features.length, 10);
  const f = body.features[0];
  assert.equal(f.type, 'Feature');
  assert.match(f.id, /^parcelles_graphiques\.\d+$/);
  assert.equal(f.geometry.type, 'MultiPolygon');
  assert.ok(Math.abs(f.geometry.coordinates[0][0][0][0]) < 10, 'lon/lat');
  assert.deepEqual(Object.keys(f.properties).sort(), ['code_cultu', 'code_group', 'culture_d1', 'culture_d2', 'id_parcel', 'surf_parc']);
  const next = body.links.find((l: { rel: string }) => l.rel === 'next');
  assert.equal(next.type, 'application/geo+json');
  assert.ok(body.links.find((l: { rel: string; type: string }) => l.rel === 'self' && l.type === 'application/geo+json'));
  assert.ok(body.links.find((l: { rel: string; type: string }) => l.rel === 'alternate' && l.type === 'text/html'));
});

test(`${BACKEND}: /req/core/fc-limit-response, /req/core/fc-links — limit default 100, max 10,000; keyset pages cover every feature once`, async () => {
  const all = (await get('/ogc/collections/rpg-parcelle-2022/items?limit=10000')).json();
  assert.equal(all.numberReturned, all.numberMatched);
  assert.ok(!all.links.some((l: { rel: string }) => l.rel === 'next'));
  const dflt = (await get('/ogc/collections/rpg-parcelle-2022/items')).json();
  assert.equal(dflt.numberReturned, Math.min(100, all.numberMatched));
  // Below, at and above the chunk PostgreSQL joins features by (src/ogc/items.ts chunkedPageSql): at
  // it, the row that tells a next page exists is alone in a chunk of its own.
  assert.ok(all.numberMatched > FEATURES_PER_CHUNK + 1, 'a page of several chunks (limit=10000 above)');
  for (const limit of [37, FEATURES_PER_CHUNK, FEATURES_PER_CHUNK + 1]) {
    const seen: string[] = [];
    let url: string | undefined = `/ogc/collections/rpg-parcelle-2022/items?limit=${limit}`;
    let pages = 0;
    while (url) {
      const body: { numberMatched: number; numberReturned: number; features: { id: string }[]; links: { rel: string; href: string }[] } = (await get(url)).json();
      assert.equal(body.numberMatched, all.numberMatched, 'numberMatched carried by the cursor');
      assert.equal(body.numberReturned, body.features.length);
      seen.push(...body.features.map((f: { id: string }) => f.id));
      const next = body.links.find((l: { rel: string }) => l.rel === 'next');
      url = next ? new URL(next.href).pathname + new URL(next.href).search : undefined;
      pages++;
    }
    assert.equal(pages, Math.ceil(all.numberMatched / limit), `limit ${limit}`);
    assert.deepEqual(seen, all.features.map((f: { id: string }) => f.id), `limit ${limit}`);
  }
  for (const bad of ['0', '10001', 'x', '1.5', '-1']) assertProblem(await get(`/ogc/collections/rpg-parcelle-2022/items?limit=${bad}`), 400, 'limit');
  assertProblem(await get('/ogc/collections/rpg-parcelle-2022/items?cursor=abc'), 400, 'cursor');
  assertProblem(await get(`/ogc/collections/rpg-parcelle-2022/items?cursor=${Buffer.from('[["x"],1]').toString('base64url')}`), 400, 'cursor');
  assertProblem(await get('/ogc/collections/rpg-parcelle-2022/items?limit=1&limit=2'), 400, 'limit');
});

test(`${BACKEND}: /req/core/fc-bbox-response — bbox selects the features intersecting it; bad boxes are 400s`, async () => {
  const all = (await get('/ogc/collections/rpg-parcelle-2023/items?limit=10000')).json();
  const f = all.features[0];
  const ring = f.geometry.coordinates[0][0];
  const xs = ring.map((p: number[]) => p[0]);
  const ys = ring.map((p: number[]) => p[1]);
  const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const res = (await get(`/ogc/collections/rpg-parcelle-2023/items?limit=10000&bbox=${box.join(',')}`)).json();
  assert.ok(res.features.some((g: { id: string }) => g.id === f.id));
  assert.ok(res.numberMatched < all.numberMatched && res.numberMatched === res.numberReturned);
  const [sql] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_parcelle WHERE campagne = 2023 AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`, box);
  assert.equal(res.numberMatched, sql.n);
  for (const bad of ['1,2,3', 'a,b,c,d', '10,10,0,0', '0,0,200,10']) assertProblem(await get(`/ogc/collections/rpg-parcelle-2023/items?bbox=${bad}`), 400, 'bbox');
});

test(`${BACKEND}: /req/core/fc-time-response — datetime against a campaign`, async () => {
  const inYear = (await get('/ogc/collections/rpg-parcelle-2023/items?limit=1&datetime=2023-05-01T00:00:00Z')).json();
  assert.equal(inYear.numberReturned, 1);
  const open = (await get('/ogc/collections/rpg-parcelle-2023/items?limit=1&datetime=../2023-01-01')).json();
  assert.equal(open.numberReturned, 1);
  const outside = (await get('/ogc/collections/rpg-parcelle-2023/items?datetime=2020-01-01/2021-12-31')).json();
  assert.equal(outside.numberMatched, 0);
  assert.equal(outside.features.length, 0);
  assertProblem(await get('/ogc/collections/rpg-parcelle-2023/items?datetime=yesterday'), 400, 'datetime');
  assertProblem(await get('/ogc/collections/cadastre-parcelle/items?datetime=2023-01-01'), 400, 'datetime');
});

test(`${BACKEND}: /req/core/query-param-unknown, property filters — a queryable equals its value; an unknown parameter is a 400 naming it`, async () => {
  const all = (await get('/ogc/collections/rpg-parcelle-2023/items?limit=10000')).json();
  const code = all.features[0].properties.code_cultu;
  const expected = all.features.filter((f: { properties: { code_cultu: string } }) => f.properties.code_cultu === code).length;
  const res = (await get(`/ogc/collections/rpg-parcelle-2023/items?limit=10000&code_cultu=${code}`)).json();
  assert.equal(res.numberMatched, expected);
  assert.ok(res.features.every((f: { properties: { code_cultu: string } }) => f.properties.code_cultu === code));
  assertProblem(await get('/ogc/collections/rpg-parcelle-2023/items?colour=red'), 400, 'colour');
  assertProblem(await get('/ogc/collections/rpg-parcelle-2023/items?surf_parc=big'), 400, 'surf_parc');
});

test(`${BACKEND}: /req/core/f-success — one feature by its id; unknown ids are 404s`, async () => {
  const first = (await get('/ogc/collections/rpg-parcelle-2023/items?limit=1')).json().features[0];
  const res = await get(`/ogc/collections/rpg-parcelle-2023/items/${first.id}`);
  assert.equal(res.statusCode, 200);
  const f = res.json();
  assert.equal(f.id, first.id);
  assert.deepEqual(f.properties, first.properties);
  assert.ok(f.links.some((l: { rel: string }) => l.rel === 'collection'));
  assertProblem(await get(`/ogc/collections/rpg-parcelle-2023/items/parcelles_graphiques.999999999999`), 404);
  assertProblem(await get(`/ogc/collections/rpg-parcelle-2023/items/parcelles_graphiques.x'--`), 404);
  assertProblem(await get(`/ogc/collections/rpg-parcelle-2022/items/${first.id}x`), 404);
  const parcel = (await get('/ogc/collections/cadastre-parcelle/items?limit=1')).json().features[0];
  assert.equal((await get(`/ogc/collections/cadastre-parcelle/items/${parcel.id}`)).json().id, parcel.id);
});

test(`${BACKEND}: /req/html/content — HTML pages, with an SVG map of the items`, async () => {
  const landing = await get('/ogc', { accept: 'text/html,application/xhtml+xml' });
  assert.match(String(landing.headers['content-type']), /^text\/html/);
  assert.match(landing.body, /<a href="[^"]*\/ogc\/collections"/);
  const items = await get('/ogc/collections/rpg-parcelle-2023/items?f=html&limit=20');
  assert.match(String(items.headers['content-type']), /^text\/html/);
  assert.match(items.body, /<svg[^>]*viewBox/);
  assert.equal((items.body.match(/<path /g) ?? []).length, 20);
  assert.match(items.body, /next page/);
  assert.match((await get('/ogc/collections?f=html')).body, /rpg-parcelle-2023/);
  assert.match((await get('/ogc/collections/rpg-parcelle-2023/queryables?f=html')).body, /surf_parc/);
});

test(`${BACKEND}: CSV items — a header of the properties, one record per feature, WKT geometry`, async () => {
  const res = await get('/ogc/collections/rpg-parcelle-2023/items?f=csv&limit=5');
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  const lines = res.body.trim().split('\r\n');
  assert.equal(lines[0], 'id,id_parcel,surf_parc,code_cultu,code_group,culture_d1,culture_d2,wkt');
  assert.equal(lines.length, 6);
  assert.match(lines[1], /^parcelles_graphiques\.\d+,.*"MULTIPOLYGON\(\(\(/);
  const viaAccept = await get('/ogc/collections/rpg-parcelle-2023/items?limit=1', { accept: 'text/csv' });
  assert.match(String(viaAccept.headers['content-type']), /^text\/csv/);
});

test(`${BACKEND}: /schema (OGC API Features Part 5) describes the features /items answers: their properties in order, then the geometry`, async () => {
  const res = await get('/ogc/collections/rpg-parcelle-2023/schema');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/schema\+json/);
  const schema = res.json();
  assert.match(schema.$id, /\/ogc\/collections\/rpg-parcelle-2023\/schema$/);
  const item = (await get('/ogc/collections/rpg-parcelle-2023/items?limit=1')).json().features[0];
  const names = Object.keys(schema.properties);
  assert.deepEqual(names.slice(0, -1), Object.keys(item.properties), 'the properties of an answered feature, in their order');
  assert.equal(schema.properties[names.at(-1)!]['x-ogc-role'], 'primary-geometry');
  assert.deepEqual(names.slice(0, -1).map((n) => schema.properties[n]['x-ogc-propertySeq']), names.slice(0, -1).map((_, i) => i + 1));
  for (const n of names.slice(0, -1)) assert.ok(schema.properties[n].type.includes(typeof item.properties[n] === 'number' ? 'number' : item.properties[n] === null ? 'null' : typeof item.properties[n]), n);
  assertProblem(await get('/ogc/collections/rpg-parcelle-2023/schema?f=html'), 400);
  assertProblem(await get('/ogc/collections/rpg-parcelle-2023/schema?bbox=1,2,3,4'), 400);
});
