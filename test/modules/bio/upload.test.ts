/**
 * PUT /api/v1/territoires: the contour as GeoJSON or zipped Shapefile (.prj, or epsg/crs), checked
 * against the organisation's territory and audited; every bad upload a 400 naming the part; zip bombs
 * and path traversal refused before anything is inflated.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import yazl from 'yazl';
import { readZipUpload, ZipRefused } from '../../../src/import/readers/zip.ts';
import { assertProblem } from '../../helpers/app.ts';
import { tempDir, writeShapefile } from '../../import/helpers.ts';
import { zipStored } from '../../fetch/zip.ts';
import { auditCount, auth, bioApp, type BioApp } from './helpers.ts';

let t: BioApp;
const tmp = tempDir('terroir-bio-up-');
before(async () => {
  t = await bioApp();
});
after(async () => {
  await t?.close();
  tmp.cleanup();
});

const sq = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
/** Inside commune 29158: the BTH (-4.45, 47.75) and PPH (-4.40, 47.80) parcels. */
const INSIDE = sq(-4.47, 47.74, -4.38, 47.82);
const OUTSIDE = sq(-4.47, 47.74, -4.2, 47.82);

async function put(body: string | Buffer, contentType: string, key = t.world.penmarch.key, query = '', url = '/api/v1/territoires') {
  return t.app.inject({ method: 'PUT', url: `${url}${query}`, payload: body, headers: { ...auth(key), 'content-type': contentType } });
}
const codes = (res: { json(): { features: { properties: { codeculture: string } }[] } }) => res.json().features.map((f) => f.properties.codeculture);

/** The ring of `g` in Lambert-93, clockwise (a shapefile outer ring), as PostGIS computes it. */
async function lambert93(g: object): Promise<[number, number][]> {
  const [r] = await t.db.query<{ g: string }>('SELECT ST_AsGeoJSON(ST_ForcePolygonCW(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 2154)), 3) AS g', [JSON.stringify(g)]);
  return JSON.parse(r.g).coordinates[0];
}

/** A zipped Shapefile of one polygon (files as `writeShapefile` writes them), with members dropped or renamed. */
async function shapefileZip(ring: [number, number][], opts: { prj?: boolean; drop?: string[]; shapeType?: number } = {}): Promise<Buffer> {
  const base = join(tmp.dir, `contour-${Math.random().toString(36).slice(2)}`);
  writeShapefile({ base, count: 1, fields: [{ name: 'NOM', type: 'C', length: 20 }], values: () => ({ NOM: 'Périmètre' }), ring: () => ring, prj: opts.prj === false ? null : undefined });
  const entries = [];
  for (const ext of ['shp', 'shx', 'dbf', 'prj']) {
    if (opts.drop?.includes(ext) || (ext === 'prj' && opts.prj === false)) continue;
    const data = readFileSync(`${base}.${ext}`);
    if (opts.shapeType && (ext === 'shp' || ext === 'shx')) {
      data.writeInt32LE(opts.shapeType, 32);
      if (ext === 'shp') data.writeInt32LE(opts.shapeType, 108);
    }
    entries.push({ name: `perimetre/contour.${ext}`, data });
  }
  return zipStored(entries);
}

test('no key: 401 before the upload is even read', async () => {
  const res = await t.app.inject({ method: 'PUT', url: '/api/v1/territoires', payload: 'not a zip', headers: { 'content-type': 'application/zip' } });
  assertProblem(res, 401);
});

test('GeoJSON contour (geometry, Feature, FeatureCollection; application/json or geo+json) inside the territory: its parcels', async () => {
  for (const [body, type] of [
    [INSIDE, 'application/json'],
    [{ type: 'Feature', properties: {}, geometry: INSIDE }, 'application/geo+json'],
    [{ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: sq(-4.47, 47.74, -4.42, 47.78) }, { type: 'Feature', properties: {}, geometry: sq(-4.43, 47.76, -4.38, 47.82) }] }, 'application/json'],
  ] as const) {
    const res = await put(JSON.stringify(body), type);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(codes(res), ['BTH', 'PPH']);
  }
  const [audit] = await t.db.query<{ route: string; territory: string; features: number }>('SELECT route, territory, features FROM auth_audit ORDER BY seq DESC LIMIT 1');
  assert.equal(audit.route, '/api/v1/territoires');
  assert.equal(audit.features, 2);
  assert.match(audit.territory, /^\{"geom":\{"coordinates":/, 'the uploaded contour is what is audited');
});

test('one audit row per PUT call: an answer, a bad upload, a refusal', async () => {
  const before = await auditCount(t);
  assert.equal((await put(JSON.stringify(INSIDE), 'application/json')).statusCode, 200);
  assertProblem(await put('contour please', 'text/plain'), 400, 'body');
  assertProblem(await put(JSON.stringify(OUTSIDE), 'application/json'), 403);
  assert.equal((await put(JSON.stringify(INSIDE), 'application/json', t.world.penmarch.key, '', '/api/v1/territoires/synthese')).statusCode, 200);
  assert.equal(await auditCount(t), before + 4);
});

test('a contour reaching outside the territory: 403 naming the part outside, nothing about parcels', async () => {
  const res = await put(JSON.stringify(OUTSIDE), 'application/json');
  const body = assertProblem(res, 403);
  assert.equal(body.outside.name, 'geom');
  assert.ok(body.outside.area_ha > 0);
  assert.doesNotMatch(res.body, /codeculture|VRC|LEC/);
});

test('zipped Shapefile with its .prj (application/zip, application/vnd.shp+octet-stream): same parcels as the GeoJSON contour', async () => {
  const zip = await shapefileZip(await lambert93(INSIDE));
  for (const type of ['application/zip', 'application/vnd.shp+octet-stream']) {
    const res = await put(zip, type);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(codes(res), ['BTH', 'PPH']);
  }
  const shp = await put(zip, 'application/zip', t.world.penmarch.key, '?format=shapefile');
  assert.equal(shp.headers['content-type'], 'application/zip');
  assert.match(String(shp.headers['content-disposition']), /cartobio-contour-2023\.zip/);
  const synth = await put(zip, 'application/zip', t.world.penmarch.key, '', '/api/v1/territoires/synthese');
  assert.equal(synth.statusCode, 200, synth.body);
  assert.equal(synth.json().parcelles_bio, 2);
  assert.deepEqual(synth.json().territoire, { type: 'contour' });
});

test('no .prj: epsg or crs is required (400 naming epsg), then used', async () => {
  const zip = await shapefileZip(await lambert93(INSIDE), { prj: false });
  assertProblem(await put(zip, 'application/zip'), 400, 'epsg');
  for (const q of ['?epsg=2154', '?crs=EPSG:2154', '?crs=urn:ogc:def:crs:EPSG::2154', '?crs=Lambert93']) {
    const res = await put(zip, 'application/zip', t.world.penmarch.key, q);
    assert.equal(res.statusCode, 200, `${q}: ${res.body}`);
    assert.deepEqual(codes(res), ['BTH', 'PPH']);
  }
  assertProblem(await put(zip, 'application/zip', t.world.penmarch.key, '?crs=Mercator-du-coin'), 400, 'crs');
  assertProblem(await put(zip, 'application/zip', t.world.penmarch.key, '?epsg=4326'), 400, 'epsg'); // metres read as degrees
  assertProblem(await put(zip, 'application/zip', t.world.penmarch.key, '?epsg=12'), 400, 'epsg');
  assertProblem(await put(zip, 'application/zip', t.world.penmarch.key, '?epsg=999999'), 400, 'epsg');
});

test('bad uploads: 400 naming the part', async () => {
  const ring = await lambert93(INSIDE);
  const cases: [string, Buffer | string, string, RegExp, string?][] = [
    ['text', 'contour please', 'text/plain', /Content-Type text\/plain/],
    ['not a zip', Buffer.from('GIF89a……'), 'application/zip', /not a zip archive/],
    ['no .dbf', await shapefileZip(ring, { drop: ['dbf'] }), 'application/zip', /no \.dbf/],
    ['no .shx', await shapefileZip(ring, { drop: ['shx'] }), 'application/zip', /no \.shx/],
    ['no .shp', await shapefileZip(ring, { drop: ['shp'] }), 'application/zip', /no \.shp/],
    ['lines', await shapefileZip(ring, { shapeType: 3 }), 'application/zip', /LineString is not a contour/],
    ['points', await shapefileZip(ring, { shapeType: 1 }), 'application/zip', /record 1: a Point is not a contour/],
    ['point', JSON.stringify({ type: 'Point', coordinates: [-4.4, 47.8] }), 'application/json', /Point is not a contour/],
    ['line', JSON.stringify({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[-4.4, 47.8], [-4.3, 47.8]] } }), 'application/json', /LineString is not a contour/],
    ['empty collection', JSON.stringify({ type: 'FeatureCollection', features: [] }), 'application/json', /no features/],
    ['bad JSON', '{"type":', 'application/geo+json', /not valid JSON/],
    ['unknown crs member', JSON.stringify({ ...INSIDE, crs: { type: 'name', properties: { name: 'foo' } } }), 'application/json', /crs member/, 'crs'],
    ['too many vertices', JSON.stringify({ type: 'Polygon', coordinates: [[...Array.from({ length: 50_001 }, (_, i) => [-4.45 + 0.05 * Math.cos(i / 8000), 47.8 + 0.05 * Math.sin(i / 8000)]), [-4.4, 47.8]]] }), 'application/json', /more than 50000 vertices/],
    ['too large', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(21 * 1024 * 1024)]), 'application/zip', /larger than 20971520 bytes/],
    // GeoJSON is held to the same 20 MB, whatever its vertex count (here a large property).
    ['GeoJSON too large', JSON.stringify({ type: 'Feature', properties: { note: 'x'.repeat(21 * 1024 * 1024) }, geometry: INSIDE }), 'application/json', /larger than 20971520 bytes/],
    ['GeoJSON too large (geo+json)', JSON.stringify({ type: 'Feature', properties: { note: 'x'.repeat(21 * 1024 * 1024) }, geometry: INSIDE }), 'application/geo+json', /larger than 20971520 bytes/],
  ];
  for (const [what, body, type, detail, param] of cases) {
    const res = await put(body, type, t.world.ssp.key);
    const p = assertProblem(res, 400, param ?? 'body');
    assert.match(p.detail, detail, `${what}: ${p.detail}`);
  }
});

test('zip bombs and path traversal are refused before anything is inflated', async () => {
  const many = zipStored(Array.from({ length: 21 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })));
  assert.match(assertProblem(await put(many, 'application/zip', t.world.ssp.key), 400, 'body').detail, /21 members: at most 20/);
  const traversal = zipStored([{ name: '../../etc/contour.shp', data: Buffer.from('x') }, { name: 'contour.dbf', data: Buffer.from('x') }]);
  assert.match(assertProblem(await put(traversal, 'application/zip', t.world.ssp.key), 400, 'body').detail, /path traversal/);
  // 8 MiB of zeros deflate to a few KiB: ratio far above 100.
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.alloc(8 * 1024 * 1024), 'contour.dbf', { compress: true });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  assert.match(assertProblem(await put(Buffer.concat(chunks), 'application/zip', t.world.ssp.key), 400, 'body').detail, /compression ratio above 100/);
  // Two members declaring 60 MB each (ratio 60, under the ratio limit): 120 MB in all, over the 100 MB
  // total. Their central directory entries say deflated, 60 MB inflated; the data is never inflated.
  const declared = zipStored([{ name: 'contour.shp', data: Buffer.alloc(700_000, 1) }, { name: 'contour.dbf', data: Buffer.alloc(700_000, 2) }]);
  for (let at = declared.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = declared.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    declared.writeUInt16LE(8, at + 10); // deflate
    declared.writeUInt32LE(60 * 1024 * 1024, at + 24); // uncompressed size
  }
  assert.match(assertProblem(await put(declared, 'application/zip', t.world.ssp.key), 400, 'body').detail, /members inflate to more than 104857600 bytes/);
});

test('readZipUpload: entry count, total size, ratio and traversal limits on their own', async () => {
  const limits = { maxEntries: 3, maxTotalBytes: 1000, maxRatio: 10, ratioFrom: 100 };
  const ok = zipStored([{ name: 'a/b.shp', data: Buffer.from('abc') }, { name: 'a/b.dbf', data: Buffer.from('de') }]);
  assert.deepEqual((await readZipUpload(ok, limits, (p) => p.endsWith('.shp'))).map((m) => [m.path, m.data.toString()]), [['a/b.shp', 'abc']]);
  const refused = async (buf: Buffer, re: RegExp) => {
    const e = await readZipUpload(buf, limits, () => true).then(() => null, (x: Error) => x);
    assert.ok(e instanceof ZipRefused, String(e));
    assert.match(e.message, re);
  };
  await refused(zipStored(Array.from({ length: 4 }, (_, i) => ({ name: `${i}`, data: Buffer.from('x') }))), /4 members/);
  await refused(zipStored([{ name: 'a', data: Buffer.alloc(600) }, { name: 'b', data: Buffer.alloc(600) }]), /more than 1000 bytes/);
  for (const name of ['../x.shp', '/etc/x.shp', 'C:/x.shp', 'a\\..\\x.shp']) await refused(zipStored([{ name, data: Buffer.from('x') }]), /path traversal/);
  // A deflated member whose ratio is over the limit (the central directory is trusted only because yauzl checks the inflated size).
  const zeros = Buffer.alloc(500);
  const deflated = deflateRawSync(zeros);
  const z = new yazl.ZipFile();
  z.addBuffer(zeros, 'zeros.bin', { compress: true });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  assert.ok(500 / deflated.length > 10);
  await refused(Buffer.concat(chunks), /compression ratio/);
});
