/**
 * OGC API – Features Part 3 (/conf/queryables, /conf/filter, /conf/features-filter with cql2-text
 * and cql2-json) and Part 2 (/conf/crs) through the HTTP interface, each answer checked against the
 * same condition written straight in SQL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { ogcApp } from './fixture.ts';

let t: TestApp;
const ITEMS = '/ogc/collections/rpg-parcelle-2023/items';
const get = (url: string) => t.app.inject({ method: 'GET', url });
const items = async (query: Record<string, string>) => {
  const res = await get(`${ITEMS}?${new URLSearchParams({ limit: '10000', ...query })}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};
const count = async (where: string, params: unknown[] = []) =>
  (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_parcelle WHERE campagne = 2023 AND ${where}`, params))[0].n;

before(async () => {
  t = await ogcApp();
});
after(async () => t?.close());

test(`${BACKEND}: /req/queryables/get-queryables — a JSON Schema of the filterable properties and the geometry`, async () => {
  const res = await get('/ogc/collections/rpg-parcelle-2023/queryables');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/schema\+json/);
  const doc = res.json();
  assert.equal(doc.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(doc.additionalProperties, false);
  assert.deepEqual(doc.properties.surf_parc, { title: 'surf_parc', type: 'number' });
  assert.deepEqual(doc.properties.code_cultu, { title: 'code_cultu', type: 'string' });
  assert.equal(doc.properties.geom['x-ogc-role'], 'primary-geometry');
  assert.ok(!('campagne' in doc.properties) && !('departement' in doc.properties), 'hidden columns are not queryable');
});

test(`${BACKEND}: /req/filter, /req/cql2-text — comparison, IN, LIKE, BETWEEN, IS NULL, NOT, AND/OR answer what SQL answers`, async () => {
  const cases: [string, string][] = [
    ["code_cultu = 'PPH'", `coalesce(code_cultu, '') = 'PPH'`],
    ["code_cultu <> 'PPH' AND surf_parc >= 2", `coalesce(code_cultu, '') <> 'PPH' AND surf_parc >= 2`],
    ["code_group IN ('18', '19') OR surf_parc < 0.5", `(coalesce(code_group, '') IN ('18', '19') OR surf_parc < 0.5)`],
    ["id_parcel LIKE '2300001%'", `id_parcel LIKE '2300001%'`],
    ['surf_parc BETWEEN 1 AND 3', 'surf_parc BETWEEN 1 AND 3'],
    ['NOT surf_parc BETWEEN 1 AND 3', 'NOT surf_parc BETWEEN 1 AND 3'],
    ["surf_parc NOT BETWEEN 1 AND 3 AND code_cultu NOT IN ('PPH')", `NOT surf_parc BETWEEN 1 AND 3 AND coalesce(code_cultu, '') <> 'PPH'`],
    ['id_parcel IS NULL', 'id_parcel IS NULL'],
    ['id_parcel IS NOT NULL', 'id_parcel IS NOT NULL'],
  ];
  for (const [filter, where] of cases) {
    const body = await items({ filter });
    const expected = await count(where);
    assert.equal(body.numberMatched, expected, filter);
    assert.equal(body.numberReturned, expected, filter);
  }
  assert.ok((await items({ filter: "code_cultu = 'PPH'" })).numberMatched > 0, 'a filter that selects something');
});

test(`${BACKEND}: /req/cql2-json — the same filters in CQL2 JSON give the same answers`, async () => {
  const text = await items({ filter: "code_cultu IN ('PPH', 'MIE') AND surf_parc > 1" });
  const json = await items({
    'filter-lang': 'cql2-json',
    filter: JSON.stringify({ op: 'and', args: [{ op: 'in', args: [{ property: 'code_cultu' }, ['PPH', 'MIE']] }, { op: '>', args: [{ property: 'surf_parc' }, 1] }] }),
  });
  assert.deepEqual(json.features.map((f: { id: string }) => f.id), text.features.map((f: { id: string }) => f.id));
  assert.ok(text.numberMatched > 0);
});

test(`${BACKEND}: /req/basic-spatial-functions — S_INTERSECTS with a point, a bbox, a polygon (WKT and GeoJSON)`, async () => {
  const [c] = await t.db.query<{ x: number; y: number; x0: number; y0: number; x1: number; y1: number }>(
    `SELECT ST_X(p) AS x, ST_Y(p) AS y, ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
     FROM (SELECT ST_PointOnSurface(geom) AS p, ST_Expand(ST_Envelope(geom), 0.002) AS e FROM rpg_parcelle WHERE campagne = 2023 ORDER BY gid LIMIT 1) s`,
  );
  const point = await items({ filter: `S_INTERSECTS(geom, POINT(${c.x} ${c.y}))` });
  assert.equal(point.numberMatched, await count('ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))', [c.x, c.y]));
  assert.ok(point.numberMatched >= 1);
  const env = 'ST_MakeEnvelope($1, $2, $3, $4, 4326)';
  const expected = await count(`ST_Intersects(geom, ${env})`, [c.x0, c.y0, c.x1, c.y1]);
  const bbox = await items({ filter: `S_INTERSECTS(geom, BBOX(${c.x0}, ${c.y0}, ${c.x1}, ${c.y1}))` });
  assert.equal(bbox.numberMatched, expected);
  const wkt = await items({ filter: `S_INTERSECTS(geom, POLYGON((${c.x0} ${c.y0}, ${c.x1} ${c.y0}, ${c.x1} ${c.y1}, ${c.x0} ${c.y1}, ${c.x0} ${c.y0})))` });
  assert.equal(wkt.numberMatched, expected);
  const ring = [[c.x0, c.y0], [c.x1, c.y0], [c.x1, c.y1], [c.x0, c.y1], [c.x0, c.y0]];
  const json = await items({ 'filter-lang': 'cql2-json', filter: JSON.stringify({ op: 's_intersects', args: [{ property: 'geom' }, { type: 'Polygon', coordinates: [ring] }] }) });
  assert.equal(json.numberMatched, expected);
  const combined = await items({ filter: `S_INTERSECTS(geom, BBOX(${c.x0}, ${c.y0}, ${c.x1}, ${c.y1})) AND surf_parc > 1` });
  assert.equal(combined.numberMatched, await count(`ST_Intersects(geom, ${env}) AND surf_parc > 1`, [c.x0, c.y0, c.x1, c.y1]));
});

test(`${BACKEND}: a bad filter is a 400 naming the position, never a 500; injection attempts stay values`, async () => {
  const bad = async (query: Record<string, string>, detail: RegExp, param = 'filter') => {
    const body = assertProblem(await get(`${ITEMS}?${new URLSearchParams(query)}`), 400, param);
    assert.match(body.detail, detail);
  };
  await bad({ filter: "colour = 'red'" }, /at position 1: unknown property "colour"/);
  await bad({ filter: "surf_parc > 'big'" }, /at position 13: "big" is not a number/);
  await bad({ filter: 'surf_parc >' }, /at position 12/);
  await bad({ filter: 'S_INTERSECTS(geom, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))' }, /at position 20: invalid geometry \(Self-intersection/);
  await bad({ filter: 'S_INTERSECTS(geom, POLYGON((0 0, 1 1)))' }, /at position 20: invalid geometry/);
  await bad({ 'filter-lang': 'cql2-json', filter: '{"op":"=","args":[{"property":"nope"},1]}' }, /at \/\/args\/0: unknown property "nope"/);
  await bad({ 'filter-lang': 'cql3' }, /cql2-text or cql2-json/, 'filter-lang');
  await bad({ 'filter-crs': 'EPSG:2154' }, /without filter/, 'filter-crs');
  const sneaky = await items({ filter: "id_parcel = 'x''; DROP TABLE rpg_parcelle; --'" });
  assert.equal(sneaky.numberMatched, 0);
  await bad({ filter: '"id_parcel; DROP TABLE rpg_parcelle" = 1' }, /unknown property/);
  assert.ok((await count('TRUE')) > 0, 'the table is still there');
});

test(`${BACKEND}: /req/crs — crs answers in Lambert-93, Web Mercator, EPSG:4326 (lat, lon) with Content-Crs; bbox-crs and filter-crs read boxes in them`, async () => {
  const ref = (await items({ limit: '1' })).features[0];
  const [lon, lat] = ref.geometry.coordinates[0][0][0];
  const l93 = await get(`${ITEMS}?limit=1&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/2154')}`);
  assert.equal(l93.headers['content-crs'], '<http://www.opengis.net/def/crs/EPSG/0/2154>');
  const [e, n] = l93.json().features[0].geometry.coordinates[0][0][0];
  const [exp] = await t.db.query<{ x: number; y: number }>(`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 2154) p`, [lon, lat]);
  assert.ok(Math.abs(e - exp.x) < 0.01 && Math.abs(n - exp.y) < 0.01, `${e},${n} vs ${exp.x},${exp.y}`);
  const wgs = (await get(`${ITEMS}?limit=1&crs=EPSG:4326`)).json().features[0].geometry.coordinates[0][0][0];
  assert.deepEqual(wgs, [lat, lon], 'EPSG:4326 answers latitude first');
  const merc = (await get(`${ITEMS}?limit=1&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3857')}`)).json().features[0].geometry.coordinates[0][0][0];
  assert.ok(Math.abs(merc[0] - (lon * 20037508.342789244) / 180) < 0.01);
  const one = await get(`/ogc/collections/rpg-parcelle-2023/items/${ref.id}?crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/2154')}`);
  assert.equal(one.headers['content-crs'], '<http://www.opengis.net/def/crs/EPSG/0/2154>');
  assert.deepEqual(one.json().geometry.coordinates[0][0][0], [e, n]);

  // The same box in CRS84, in Lambert-93 and in EPSG:4326 (lat, lon) selects the same features.
  const [b] = await t.db.query<{ x0: number; y0: number; x1: number; y1: number }>(
    `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 2154) AS e) s`,
    [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01],
  );
  const inL93 = await items({ bbox: [b.x0, b.y0, b.x1, b.y1].join(','), 'bbox-crs': 'http://www.opengis.net/def/crs/EPSG/0/2154' });
  const expected = await count(`ST_Intersects(geom, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 2154), 4326))`, [b.x0, b.y0, b.x1, b.y1]);
  assert.equal(inL93.numberMatched, expected);
  assert.ok(expected > 0);
  const latLon = await items({ bbox: [lat - 0.01, lon - 0.01, lat + 0.01, lon + 0.01].join(','), 'bbox-crs': 'http://www.opengis.net/def/crs/EPSG/0/4326' });
  const lonLat = await items({ bbox: [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01].join(',') });
  assert.equal(latLon.numberMatched, lonLat.numberMatched);
  const filtered = await items({ filter: `S_INTERSECTS(geom, BBOX(${b.x0}, ${b.y0}, ${b.x1}, ${b.y1}))`, 'filter-crs': 'http://www.opengis.net/def/crs/EPSG/0/2154' });
  assert.equal(filtered.numberMatched, expected);

  const coll = (await get('/ogc/collections/rpg-parcelle-2023')).json();
  for (const srid of [2154, 3857, 5490, 2972, 2975, 4471]) assert.ok(coll.crs.includes(`http://www.opengis.net/def/crs/EPSG/0/${srid}`), String(srid));
  assertProblem(await get(`${ITEMS}?crs=EPSG:9999`), 400, 'crs');
  assertProblem(await get(`${ITEMS}?bbox=0,0,1,1&bbox-crs=urn:nope`), 400, 'bbox-crs');
  assertProblem(await get(`${ITEMS}?bbox-crs=EPSG:2154`), 400, 'bbox-crs');
});
