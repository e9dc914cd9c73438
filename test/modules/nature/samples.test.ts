/**
 * The real nature samples of ../shared/data/nature (SOURCES.md), each imported through the target
 * `terroir import` uses, with its exact counts and attributes, then served by its route.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { CATALOG } from '../../helpers/catalog.ts';
import { importWith } from '../../../src/import/engine.ts';
import { readFileSync } from 'node:fs';
import { DbfText, decodeRecord, encodingFromCpg, parseDbfHeader } from '../../../src/import/readers/shapefile-dbf.ts';

/** The records of a lone .dbf (an attribute table without its .shp), decoded as the shapefile reader does. */
function readDbf(path: string): Record<string, unknown>[] {
  const b = readFileSync(path);
  const headerLength = b.readUInt16LE(8);
  const h = parseDbfHeader(b.subarray(0, 32), b.subarray(32, headerLength), (x) => x.toString('latin1'));
  const text = new DbfText(encodingFromCpg(readFileSync(path.replace(/\.dbf$/, '.cpg'), 'utf8')));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < h.records; i++) {
    const r = decodeRecord(h, b.subarray(headerLength + i * h.recordLength, headerLength + (i + 1) * h.recordLength), text, i + 1);
    if (r) out.push(r);
  }
  return out;
}

const N = (...p: string[]) => sharedPath('data', 'nature', ...p);
const skip = skipWithoutShared('data', 'nature', 'natura2000', 'natura2000_zps.geojson');

let t: TestApp;
before(async () => {
  if (!skip) t = await testApp();
});
after(async () => t?.close());

const target = (id: string) => {
  const x = CATALOG.target(id);
  assert.ok(x, id);
  return x;
};
const get = async (path: string) => {
  const res = await t.app.inject({ method: 'GET', url: path });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};
/** A point PostGIS says is inside the row of `table` where `where` holds. */
const inside = async (table: string, where: string) =>
  (await t.db.query<{ p: string }>(`SELECT ST_AsGeoJSON(ST_PointOnSurface(geom), 12) AS p FROM ${table} WHERE ${where}`))[0].p;

test(`${BACKEND}: the 3 real ZPS of Côtes-d'Armor (GeoJSON, SITECODE/SITENAME) are served by natura-oiseaux`, { skip }, async () => {
  const [s] = await importWith(t.db, target('nature.natura-oiseaux'), [N('natura2000', 'natura2000_zps.geojson')]);
  assert.deepEqual([s.read, s.loaded, s.rejected, s.datasets[0].id], [3, 3, 0, 'nature.natura-oiseaux:natura2000/natura2000_zps.geojson']);
  const all = await get('/api/nature/natura-oiseaux');
  assert.equal(all.totalFeatures, 3);
  assert.deepEqual(
    all.features.map((f: { properties: { sitecode: string; sitename: string } }) => [f.properties.sitecode, f.properties.sitename]),
    [['FR5310050', 'Baie de Saint-Brieuc - Est'], ['FR5310070', 'Tregor Goëlo'], ['FR5310095', "Cap d'Erquy-Cap Fréhel"]],
  );
  // Every vertex of the file kept (1,138, 7,743 and 1,503: SOURCES.md), nothing simplified or repaired.
  assert.equal(s.repaired, 0);
  const vertices = await t.db.query<{ id_mnhn: string; n: number }>('SELECT id_mnhn, ST_NPoints(geom) AS n FROM nature_zps ORDER BY id_mnhn');
  assert.deepEqual(vertices.map((v) => [v.id_mnhn, v.n]), [['FR5310050', 1138], ['FR5310070', 7743], ['FR5310095', 1503]]);
  const p = await inside('nature_zps', `id_mnhn = 'FR5310095'`);
  const hit = await get(`/api/nature/natura-oiseaux?geom=${encodeURIComponent(p)}`);
  assert.deepEqual(hit.features.map((f: { properties: { sitecode: string } }) => f.properties.sitecode), ['FR5310095']);
  const [b] = hit.bbox;
  assert.ok(b > -3.4 && b < -2.1, `bbox in WGS84: ${hit.bbox}`);
});

test(`${BACKEND}: the 4 PNR of Île-de-France (OpenDataSoft records export) are served by pnr`, { skip }, async () => {
  const [s] = await importWith(t.db, target('nature.pnr-ods'), [N('pnr', 'pnr.json')]);
  assert.deepEqual([s.read, s.loaded, s.rejected, s.datasets[0].id], [4, 4, 0, 'nature.pnr:pnr/pnr.json']);
  const all = await get('/api/nature/pnr');
  const byName = Object.fromEntries(all.features.map((f: { properties: Record<string, unknown> }) => [f.properties.nom, f.properties]));
  assert.deepEqual(Object.keys(byName).sort(), ['Gâtinais français', 'Haute-Vallée de Chevreuse', 'Oise-Pays de France', 'Vexin français'].sort());
  const vexin = byName['Vexin français'] as Record<string, unknown>;
  assert.equal(vexin.id_local, '38');
  assert.equal(vexin.date_crea, '1995-05-09');
  assert.equal(vexin.id_mnhn, null);
  const chevreuse = byName['Haute-Vallée de Chevreuse'] as Record<string, unknown>;
  assert.deepEqual([chevreuse.id_local, chevreuse.date_crea], ['17', '1985-12-11']);
  const byNom = await get(`/api/nature/pnr?nom=${encodeURIComponent('Gâtinais français')}`);
  assert.deepEqual(byNom.features.map((f: { properties: { id_local: string } }) => f.properties.id_local), ['13']);
});

test(`${BACKEND}: the 2 real RNN of Vanoise (GeoJSON in Lambert-93, Geotrek layout) are reprojected and served by rnn`, { skip }, async () => {
  const [s] = await importWith(t.db, target('nature.rnn'), [N('reserves', 'restrictedareas.geojson')]);
  assert.deepEqual([s.read, s.loaded, s.rejected, s.files[0].srid], [2, 2, 0, 2154]);
  const all = await get('/api/nature/rnn');
  assert.deepEqual(all.features.map((f: { properties: Record<string, unknown> }) => [f.properties.id_local, f.properties.nom]).sort(), [['RNN150', 'La Bailletaz'], ['RNN7', 'Grande Sassière']]);
  const [x0, y0] = all.bbox;
  assert.ok(x0 > 6.8 && x0 < 7.2 && y0 > 45.3 && y0 < 45.6, `Vanoise in WGS84: ${all.bbox}`);
});

test(`${BACKEND}: the Parc national des Écrins shapefile (Lambert-93, nom/Surf_ha) is served by pn`, { skip }, async () => {
  const [s] = await importWith(t.db, target('nature.pn'), [N('parcs-nationaux', 'territoire-pne.shp')]);
  assert.deepEqual([s.read, s.loaded, s.rejected, s.files[0].srid], [1, 1, 0, 2154]);
  const [f] = (await get('/api/nature/pn')).features;
  assert.equal(f.properties.nom, 'aa + coeur');
  assert.equal(f.properties.surf_off, 252608.74);
  assert.equal(f.geometry.coordinates[0].length, 2, 'the polygon and its hole');
  // An outer ring of 8,832 vertices and a hole of 703 (SOURCES.md; ogr2ogr reads the same): both kept whole.
  const [g] = await t.db.query<{ n: number; hole: number }>('SELECT ST_NPoints(ST_ExteriorRing(ST_GeometryN(geom, 1))) AS n, ST_NPoints(ST_InteriorRingN(ST_GeometryN(geom, 1), 1)) AS hole FROM nature_pn');
  assert.deepEqual([g.n, g.hole], [8832, 703]);
  const p = await inside('nature_pn', 'true');
  assert.equal((await get(`/api/nature/pn?geom=${encodeURIComponent(p)}`)).totalFeatures, 1);
});

test('the INPN attribute tables (SIC 2023-12, ZNIEFF 2) read with their exact counts and fields; without geometry, an import refuses them', { skip }, async () => {
  const sic = await readDbf(N('natura2000', 'inpn-sic-attributes-2023-12', 'sic.dbf'));
  assert.equal(sic.length, 1354);
  assert.deepEqual([sic[0].SITECODE, sic[0].SITENAME], ['FR1100795', 'Massif de Fontainebleau']);
  assert.deepEqual(Object.keys(sic[0]), ['SITECODE', 'SITENAME']);
  assert.deepEqual([sic[1353].SITECODE, sic[1353].SITENAME], ['FR7200668', 'La Vézère']);
  assert.equal(new Set(sic.map((r) => r.SITECODE)).size, 1354, 'one row per site');
  const z2 = await readDbf(N('znieff', 'inpn-znieff2-attributes', 'znieff2.dbf'));
  assert.equal(z2.length, 2156);
  assert.ok(z2.some((r) => r.ID_MNHN === '240030651' && r.NOM === 'LA LOIRE ORLEANAISE'));
  assert.deepEqual(Object.keys(z2[0]), ['ID_MNHN', 'ID_ORG', 'NOM', 'GENERATION']);
  // No .shp (Git LFS upstream): the import says so, nothing is loaded.
  await assert.rejects(importWith(t.db, target('nature.natura-habitat'), [N('natura2000', 'inpn-sic-attributes-2023-12', 'sic.dbf')]), /without its \.shp/);
});
