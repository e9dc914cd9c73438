import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { importFeatures, importFiles, type ImportSummary } from '../../src/import/engine.ts';
import { ImportError } from '../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { createZoneTable, zoneTarget, ZONE_TABLE } from '../fixtures/import/target.ts';
import { ZONE_FIELDS, tempDir, writeShapefile } from './helpers.ts';

const FIX = new URL('../fixtures/import/', import.meta.url).pathname;
let t: TestDb;
let tmp: ReturnType<typeof tempDir>;

before(async () => {
  t = await freshDb();
  tmp = tempDir();
  await createZoneTable(t.db);
  await createZoneTable(t.db, 'test_import_point', 'Point');
  await createZoneTable(t.db, 'test_import_line', 'MultiLineString');
});
after(async () => {
  await t?.close();
  tmp?.cleanup();
});

/** The rows a dataset serves, in a comparable form (geometry as rounded text). */
async function rows(lot: string, table = ZONE_TABLE) {
  return t.db.query<{ code: string; nom: string | null; surface: number | null; rang: number | null; g: string }>(
    `SELECT code, nom, surface, rang, ST_AsText(ST_Normalize(geom), 7) AS g FROM ${table} WHERE dataset_id = $1 ORDER BY code, rang`,
    [`test.zone:${lot}`],
  );
}

async function dataset(lot: string) {
  const r = await t.db.query<Record<string, unknown>>(`SELECT * FROM terroir_dataset WHERE id = $1`, [`test.zone:${lot}`]);
  return r[0];
}

async function leftovers(): Promise<string[]> {
  return (await t.db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'terroir_stage_%' OR tablename LIKE 'terroir_prep_%'`)).map((r) => r.t);
}

function sha256(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex');
}

test('shapefile → WGS84 rows, repaired geometry counted, dataset row filled, afterLoad run', async () => {
  const s = await importFiles(t.db, zoneTarget(), [join(FIX, 'latin1/ZONES.shp')], { options: { lot: 'latin1' }, vintage: '2024-01' });
  assert.equal(s.read, 3);
  assert.equal(s.loaded, 3);
  assert.equal(s.repaired, 1, 'the bow-tie Z3');
  assert.equal(s.repairs[0].feature, 3);
  assert.match(s.repairs[0].reason, /Self-intersection/);
  assert.equal(s.rejected, 0);
  assert.deepEqual(s.datasets.map((d) => [d.id, d.features, d.replaced]), [['test.zone:latin1', 3, 0]]);
  const r = await rows('latin1');
  assert.deepEqual(r.map((x) => [x.code, x.nom, x.surface, x.rang]), [
    ['Z1', "Étang de l'Œuvre", 12.5, 1],
    ['Z2', 'Prés du Château', 3.25, 2],
    ['Z3', 'Noué-sur-Aÿ', null, 3],
  ]);
  // Lambert-93 (700000, 6600000) is the projection origin: 3°E, 46.5°N.
  const [z1] = await t.db.query<{ x: number; y: number; valid: boolean; type: string }>(
    `SELECT ST_XMin(geom) x, ST_YMin(geom) y, ST_IsValid(geom) valid, GeometryType(geom) type FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:latin1' AND code = 'Z1'`,
  );
  assert.ok(Math.abs(z1.x - 3) < 1e-6 && Math.abs(z1.y - 46.5) < 1e-6, `${z1.x} ${z1.y}`);
  assert.equal(z1.type, 'MULTIPOLYGON');
  const [invalid] = await t.db.query<{ n: number }>(`SELECT count(*)::int n FROM ${ZONE_TABLE} WHERE NOT ST_IsValid(geom)`);
  assert.equal(invalid.n, 0);
  const d = await dataset('latin1');
  assert.equal(d.layer, 'test.zone');
  assert.equal(d.source, 'ZONES.shp');
  assert.equal(d.producer, 'Terroir tests');
  assert.equal(d.licence, 'CC0');
  assert.equal(d.vintage, '2024-01');
  assert.equal(d.source_srid, 2154);
  assert.equal(d.feature_count, 3);
  assert.equal(d.synthetic, false);
  assert.equal(d.campagne, null);
  const files = ['shp', 'shx', 'dbf', 'prj'].map((e) => join(FIX, `latin1/ZONES.${e}`));
  assert.equal(d.checksum, sha256(...files));
  const details = d.details as { sources: { encoding: string; srid: number }[]; repaired: number; files: { sha256: string }[] };
  assert.equal(details.sources[0].encoding, 'windows-1252');
  assert.equal(details.repaired, 1);
  assert.equal(details.files[0].sha256, sha256(files[0]));
  assert.deepEqual(await t.db.query(`SELECT n FROM ${ZONE_TABLE}_summary WHERE dataset_id = 'test.zone:latin1'`), [{ n: 3 }]);
  assert.deepEqual(await leftovers(), []);
});

test('re-importing the same file is idempotent: same rows, one dataset row', async () => {
  const before = await rows('latin1');
  const s = await importFiles(t.db, zoneTarget(), [join(FIX, 'latin1/ZONES.shp')], { options: { lot: 'latin1' } });
  assert.equal(s.replaced, 3);
  assert.deepEqual(await rows('latin1'), before);
  const [n] = await t.db.query<{ n: number }>(`SELECT count(*)::int n FROM terroir_dataset WHERE id = 'test.zone:latin1'`);
  assert.equal(n.n, 1);
  // A zipped copy of the same layer, upper-case members: same rows again.
  await importFiles(t.db, zoneTarget(), [join(FIX, 'zones-latin1.zip')], { options: { lot: 'zip' } });
  assert.deepEqual(await rows('zip'), before);
  assert.equal((await dataset('zip')).source, 'zones-latin1.zip/Donnees_geographiques/ZONES.SHP');
  // UTF-8 with .cpg: same text.
  await importFiles(t.db, zoneTarget(), [join(FIX, 'utf8/zones.shp')], { options: { lot: 'utf8' } });
  assert.deepEqual(await rows('utf8'), before);
});

test('GeoPackage: a layer chosen with --entry loads the same rows as the shapefile', async () => {
  const s = await importFiles(t.db, zoneTarget(), [join(FIX, 'zones.gpkg')], { options: { lot: 'gpkg' }, entry: 'ZONES' });
  assert.equal(s.files[0].format, 'gpkg');
  assert.equal(s.files[0].srid, 2154);
  assert.equal(s.repaired, 1);
  assert.deepEqual(await rows('gpkg'), await rows('latin1'));
  assert.equal((await dataset('gpkg')).source, 'zones.gpkg/ZONES');
  await assert.rejects(importFiles(t.db, zoneTarget(), [join(FIX, 'zones.gpkg')], { options: { lot: 'gpkg' } }), /holds several layers/);
});

test('overseas CRS from the .prj (RGR92 / UTM 40S, La Réunion) lands in the right place', async () => {
  const s = await importFiles(t.db, zoneTarget(), [join(FIX, 'reunion/PARCELLES.shp')], { options: { lot: 'reunion' } });
  assert.equal(s.files[0].srid, 2975);
  const r = await t.db.query<{ code: string; x: number; y: number }>(
    `SELECT code, ST_X(ST_Centroid(geom)) x, ST_Y(ST_Centroid(geom)) y FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:reunion' ORDER BY code`,
  );
  assert.ok(Math.abs(r[0].x - 55.45) < 1e-4 && Math.abs(r[0].y + 20.875) < 1e-4, JSON.stringify(r[0]));
  assert.ok(Math.abs(r[1].x - 55.475) < 1e-4 && Math.abs(r[1].y + 21.135) < 1e-4, JSON.stringify(r[1]));
  assert.equal((await dataset('reunion')).source_srid, 2975);
});

test('a WGS 84 / UTM 40S shapefile (no authority code in its .prj) lands in La Réunion, not near the Arctic', async () => {
  const dir = join(tmp.dir, 'utm40s');
  mkdirSync(dir);
  for (const ext of ['shp', 'shx', 'dbf', 'cpg']) copyFileSync(join(FIX, `reunion/PARCELLES.${ext}`), join(dir, `PARCELLES.${ext}`));
  // The same coordinates as RGR92 / UTM 40S (the two datums agree within a metre), as ArcGIS writes WGS 84's.
  writeFileSync(
    join(dir, 'PARCELLES.prj'),
    'PROJCS["WGS_1984_UTM_Zone_40S",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",10000000.0],PARAMETER["Central_Meridian",57.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]',
  );
  const s = await importFiles(t.db, zoneTarget(), [join(dir, 'PARCELLES.shp')], { options: { lot: 'utm40s' } });
  assert.equal(s.files[0].srid, 32740);
  const r = await t.db.query<{ code: string; x: number; y: number }>(
    `SELECT code, ST_X(ST_Centroid(geom)) x, ST_Y(ST_Centroid(geom)) y FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:utm40s' ORDER BY code`,
  );
  // Saint-Denis and Saint-Pierre, 21 °S (a north reading would put them at 69 °N).
  assert.ok(Math.abs(r[0].x - 55.45) < 1e-4 && Math.abs(r[0].y + 20.875) < 1e-4, JSON.stringify(r[0]));
  assert.ok(Math.abs(r[1].x - 55.475) < 1e-4 && Math.abs(r[1].y + 21.135) < 1e-4, JSON.stringify(r[1]));
  assert.equal((await dataset('utm40s')).source_srid, 32740);
});

test('--srid wins over the .prj; unknown CRS, missing .prj and unknown EPSG codes are clear errors', async () => {
  const dir = join(tmp.dir, 'crs');
  await import('node:fs').then((fs) => fs.mkdirSync(dir));
  for (const e of ['shp', 'shx', 'dbf']) copyFileSync(join(FIX, `latin1/ZONES.${e}`), join(dir, `ZONES.${e}`));
  await assert.rejects(importFiles(t.db, zoneTarget(), [join(dir, 'ZONES.shp')], { options: { lot: 'crs' } }), (e: unknown) => e instanceof ImportError && /unknown CRS \(no \.prj\): pass --srid/.test(e.message) && e.file!.endsWith('ZONES.shp'));
  writeFileSync(join(dir, 'ZONES.prj'), 'PROJCS["Made_Up_Conic",GEOGCS["GCS_Somewhere"]]');
  await assert.rejects(importFiles(t.db, zoneTarget(), [join(dir, 'ZONES.shp')], { options: { lot: 'crs' } }), /unknown CRS \(\.prj PROJCS\["Made_Up_Conic"/);
  await assert.rejects(importFiles(t.db, zoneTarget(), [join(dir, 'ZONES.shp')], { options: { lot: 'crs' }, srid: 999999 }), /EPSG:999999 is not a CRS PostGIS knows/);
  await assert.rejects(importFiles(t.db, zoneTarget(), [join(dir, 'ZONES.shp')], { options: { lot: 'crs' }, srid: 2154, encoding: 'klingon' }), /unknown encoding "klingon"/);
  const s = await importFiles(t.db, zoneTarget(), [join(dir, 'ZONES.shp')], { options: { lot: 'crs' }, srid: 2154 });
  assert.equal(s.files[0].srid, 2154);
  assert.deepEqual((await rows('crs')).map((r) => r.g), (await rows('latin1')).map((r) => r.g));
  assert.equal((await t.db.query(`SELECT 1 FROM terroir_dataset WHERE id = 'test.zone:nothing'`)).length, 0);
});

const gj = (i: number, geometry: unknown, props: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties: { CODE: `G${String(i).padStart(3, '0')}`, NOM: `Parcelle ${i}`, SURF: i / 2, RANG: i, ...props },
  geometry,
});
const sq = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]] });

test('GeoJSON .gz and NDJSON: rejected features (no geometry, a line for a polygon layer) counted and named; --strict refuses them', async () => {
  const feats = [
    gj(1, sq(2, 48)),
    gj(2, null),
    gj(3, { type: 'LineString', coordinates: [[2, 48], [2.1, 48.1]] }),
    gj(4, { type: 'GeometryCollection', geometries: [sq(2.2, 48), { type: 'Point', coordinates: [2, 48] }] }),
    gj(5, { type: 'Polygon', coordinates: [[[2, 48], [2.001, 48.001], [2.001, 48], [2, 48.001], [2, 48]]] }),
  ];
  writeFileSync(join(tmp.dir, 'p.geojson.gz'), gzipSync(JSON.stringify({ type: 'FeatureCollection', features: feats })));
  writeFileSync(join(tmp.dir, 'p.ndjson'), feats.map((f) => JSON.stringify(f)).join('\n'));
  for (const [file, lot] of [['p.geojson.gz', 'gz'], ['p.ndjson', 'nd']]) {
    const s = await importFiles(t.db, zoneTarget(), [join(tmp.dir, file)], { options: { lot } });
    assert.equal(s.read, 5, file);
    assert.equal(s.loaded, 3, file);
    assert.equal(s.rejected, 2, file);
    assert.equal(s.repaired, 1, file);
    assert.deepEqual(s.rejections.map((r) => [r.feature, r.reason]), [[2, 'no geometry'], [3, 'no polygon in its geometry']]);
    assert.equal(s.repairs[0].feature, 5);
    assert.equal(s.files[0].srid, 4326);
    assert.deepEqual((await rows(lot)).map((r) => r.code), ['G001', 'G004', 'G005']);
    assert.equal((await dataset(lot)).feature_count, 3);
  }
  const before = await rows('gz');
  await assert.rejects(
    importFiles(t.db, zoneTarget(), [join(tmp.dir, 'p.geojson.gz')], { options: { lot: 'gz' }, strict: true }),
    (e: unknown) => e instanceof ImportError && e.feature === 2 && /no geometry \(--strict: 1 geometry to repair, 2 features to reject\)/.test(e.message),
  );
  assert.deepEqual(await rows('gz'), before, 'previous data intact');
  assert.deepEqual(await leftovers(), []);
});

test('CORRUPTION: a bad geometry with --strict leaves the previous data intact', async () => {
  const before = await rows('latin1');
  const ds = await dataset('latin1');
  await assert.rejects(
    importFiles(t.db, zoneTarget(), [join(FIX, 'latin1/ZONES.shp')], { options: { lot: 'latin1' }, strict: true }),
    (e: unknown) => e instanceof ImportError && e.feature === 3 && /ZONES\.shp: feature 3: invalid geometry made valid \(Self-intersection/.test(e.message),
  );
  assert.deepEqual(await rows('latin1'), before);
  assert.deepEqual(await dataset('latin1'), ds, 'dataset row unchanged');
});

test('CORRUPTION: a truncated .dbf leaves the previous data intact and names file and feature', async () => {
  const base = join(tmp.dir, 'trunc');
  const values = (i: number) => ({ CODE: `T${i}`, NOM: 'Côte', SURF: 1.5, RANG: i });
  const shp = writeShapefile({ base, count: 2000, fields: ZONE_FIELDS, values });
  await importFiles(t.db, zoneTarget(), [shp], { options: { lot: 'trunc' } });
  const before = await rows('trunc');
  assert.equal(before.length, 2000);
  const dbf = `${base}.dbf`;
  truncateSync(dbf, statSync(dbf).size - 1 - 72 * 500 - 30); // records of 72 bytes: the last 500 gone, record 1500 cut
  await assert.rejects(importFiles(t.db, zoneTarget(), [shp], { options: { lot: 'trunc' } }), (e: unknown) => {
    assert.ok(e instanceof ImportError);
    assert.equal(e.file, shp);
    assert.equal(e.feature, 1500);
    assert.match(e.message, /trunc\.shp: feature 1500: the \.dbf is truncated/);
    return true;
  });
  assert.deepEqual(await rows('trunc'), before);
  assert.equal((await dataset('trunc')).feature_count, 2000);
  assert.deepEqual(await leftovers(), []);
});

test('CORRUPTION: a value rejected half-way through a 50,000-feature file leaves the previous data intact', async () => {
  const base = join(tmp.dir, 'big');
  const N = 50_000;
  const good = writeShapefile({ base, count: N, fields: ZONE_FIELDS, values: (i) => ({ CODE: `B${i}`, NOM: i % 2 ? 'Prés' : 'Bois', SURF: i / 4, RANG: i }) });
  const s = await importFiles(t.db, zoneTarget(), [good], { options: { lot: 'big' } });
  assert.equal(s.loaded, N);
  const [sum1] = await t.db.query<{ n: number; s: number }>(`SELECT count(*)::int n, sum(rang)::float8 s FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:big'`);
  writeShapefile({ base, count: N, fields: ZONE_FIELDS, values: (i) => ({ CODE: `X${i}`, NOM: 'Nouveau', SURF: 1, RANG: i === 30_000 ? -1 : i }) });
  await assert.rejects(importFiles(t.db, zoneTarget(), [good], { options: { lot: 'big' } }), (e: unknown) => {
    assert.ok(e instanceof ImportError);
    assert.equal(e.feature, 30_001);
    assert.equal(e.message, `${good}: feature 30001: rang: RANG -1 is not allowed`);
    return true;
  });
  const [sum2] = await t.db.query<{ n: number; s: number }>(`SELECT count(*)::int n, sum(rang)::float8 s FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:big'`);
  assert.deepEqual(sum2, sum1);
  const [codes] = await t.db.query<{ n: number }>(`SELECT count(*)::int n FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:big' AND code LIKE 'X%'`);
  assert.equal(codes.n, 0, 'none of the new rows');
  assert.deepEqual(await t.db.query(`SELECT n FROM ${ZONE_TABLE}_summary WHERE dataset_id = 'test.zone:big'`), [{ n: N }]);
  assert.deepEqual(await leftovers(), []);
});

test('CORRUPTION: wrong encoding (a .cpg claiming UTF-8 over Windows-1252 text) fails, previous data intact', async () => {
  const base = join(tmp.dir, 'enc');
  const shp = writeShapefile({ base, count: 10, fields: ZONE_FIELDS, values: (i) => ({ CODE: `E${i}`, NOM: 'Plaine', SURF: 1, RANG: i }), cpg: 'UTF-8' });
  await importFiles(t.db, zoneTarget(), [shp], { options: { lot: 'enc' } });
  const before = await rows('enc');
  writeShapefile({ base, count: 10, fields: ZONE_FIELDS, values: (i) => ({ CODE: `E${i}`, NOM: i === 6 ? 'Marécage' : 'Plaine', SURF: 1, RANG: i }), cpg: 'UTF-8', encoding: 'windows-1252' });
  await assert.rejects(importFiles(t.db, zoneTarget(), [shp], { options: { lot: 'enc' } }), /enc\.shp: feature 7: field NOM is not valid UTF-8/);
  assert.deepEqual(await rows('enc'), before);
  const s = await importFiles(t.db, zoneTarget(), [shp], { options: { lot: 'enc' }, encoding: 'windows-1252' });
  assert.equal(s.loaded, 10);
  assert.ok((await rows('enc')).some((r) => r.nom === 'Marécage'));
});

test('a value of the wrong type for its column is refused with the feature number', async () => {
  const target = zoneTarget({ columns: [...zoneTarget().columns.slice(0, 3), { name: 'rang', type: 'integer', value: (f) => (f.index === 2 ? 2.5 : f.index) }] });
  await assert.rejects(
    importFiles(t.db, target, [join(FIX, 'latin1/ZONES.shp')], { options: { lot: 'type' } }),
    /ZONES\.shp: feature 2: rang: expected a 32-bit integer, got 2\.5/,
  );
  const badText = zoneTarget({ columns: [{ name: 'code', type: 'text', value: () => ({ not: 'text' }) }] });
  await assert.rejects(importFiles(t.db, badText, [join(FIX, 'latin1/ZONES.shp')], { options: { lot: 'type' } }), /feature 1: code: expected text, got object/);
});

test('afterLoad failing rolls the whole import back', async () => {
  const before = await rows('latin1');
  const target = zoneTarget({
    afterLoad: async () => {
      throw new Error('derived layer broke');
    },
  });
  await assert.rejects(importFiles(t.db, target, [join(FIX, 'utf8/zones.shp')], { options: { lot: 'latin1' } }), /afterLoad of test\.zone failed: derived layer broke/);
  assert.deepEqual(await rows('latin1'), before);
});

test('importFeatures: generated features through the same path, flagged synthetic', async () => {
  async function* gen(): AsyncGenerator<SourceFeature> {
    for (let i = 1; i <= 250; i++) yield { index: i, properties: { CODE: `S${i}`, NOM: 'Démo', SURF: i, RANG: i }, geometry: sq(1 + i / 100, 45) };
  }
  const s: ImportSummary = await importFeatures(t.db, zoneTarget(), gen(), { file: 'demo', srid: 4326, options: { lot: 'demo' } }, { synthetic: true, source: 'terroir-demo@0.1.0' });
  assert.equal(s.loaded, 250);
  const d = await dataset('demo');
  assert.equal(d.synthetic, true);
  assert.equal(d.source, 'terroir-demo@0.1.0');
  assert.equal(d.feature_count, 250);
  assert.equal(d.checksum, null);
  // A generated geometry that is not one is reported like a file's.
  const broken = [{ index: 1, properties: { CODE: 'S1', RANG: 1 }, geometry: { type: 'Polygon', coordinates: [[[1, 'x']]] } }];
  await assert.rejects(importFeatures(t.db, zoneTarget(), broken, { file: 'demo', srid: 4326, options: { lot: 'demo' } }), /demo: feature 1: bad geometry: bad position/);
  assert.equal((await dataset('demo')).feature_count, 250);
});

test('several files: one dataset per dataset id, replaced together', async () => {
  const a = writeShapefile({ base: join(tmp.dir, 'm1'), count: 5, fields: ZONE_FIELDS, values: (i) => ({ CODE: `M${i}`, NOM: null, SURF: null, RANG: i }) });
  const b = writeShapefile({ base: join(tmp.dir, 'm2'), count: 7, fields: ZONE_FIELDS, values: (i) => ({ CODE: `N${i}`, NOM: null, SURF: null, RANG: i }), ring: (i) => [[660000 + i * 20, 6870000], [660000 + i * 20, 6870010], [660010 + i * 20, 6870010], [660010 + i * 20, 6870000], [660000 + i * 20, 6870000]] });
  const s = await importFiles(t.db, zoneTarget(), [a, b], { options: { lot: 'multi' } });
  assert.equal(s.loaded, 12);
  assert.deepEqual(s.datasets.map((d) => [d.id, d.features]), [['test.zone:multi', 12]]);
  assert.equal((await dataset('multi')).source, 'm1.shp, m2.shp');
  const per = zoneTarget({ datasetId: (ctx) => `test.zone:${ctx.file.endsWith('m1.shp') ? 'one' : 'two'}` });
  const s2 = await importFiles(t.db, per, [a, b]);
  assert.deepEqual(s2.datasets.map((d) => [d.id, d.features]), [['test.zone:one', 5], ['test.zone:two', 7]]);
});

test('geometry types are forced to the target: Point from a one-point MultiPoint, lines to MultiLineString', async () => {
  const pts = [
    gj(1, { type: 'MultiPoint', coordinates: [[2, 48]] }),
    gj(2, { type: 'Point', coordinates: [2.5, 48.5] }),
    gj(3, { type: 'MultiPoint', coordinates: [[2, 48], [3, 49]] }),
    gj(4, sq(2, 48)),
  ];
  writeFileSync(join(tmp.dir, 'pts.geojson'), JSON.stringify({ type: 'FeatureCollection', features: pts }));
  const s = await importFiles(t.db, zoneTarget({ table: 'test_import_point', geometry: { column: 'geom', type: 'Point' }, afterLoad: undefined }), [join(tmp.dir, 'pts.geojson')], { options: { lot: 'pts' } });
  assert.equal(s.loaded, 2);
  assert.deepEqual(s.rejections.map((r) => r.feature), [3, 4]);
  assert.deepEqual((await rows('pts', 'test_import_point')).map((r) => r.g), ['POINT(2 48)', 'POINT(2.5 48.5)']);
  const lines = [gj(1, { type: 'LineString', coordinates: [[2, 48], [3, 49]] }), gj(2, { type: 'Point', coordinates: [2, 48] })];
  writeFileSync(join(tmp.dir, 'lines.geojson'), JSON.stringify({ type: 'FeatureCollection', features: lines }));
  const l = await importFiles(t.db, zoneTarget({ table: 'test_import_line', geometry: { column: 'geom', type: 'MultiLineString' }, afterLoad: undefined }), [join(tmp.dir, 'lines.geojson')], { options: { lot: 'lines' } });
  assert.equal(l.loaded, 1);
  assert.deepEqual((await rows('lines', 'test_import_line')).map((r) => r.g), ['MULTILINESTRING((2 48,3 49))']);
});

test('a geometry PROJ cannot reproject fails by feature number; one outside WGS84 bounds is rejected', async () => {
  const far = [gj(1, { type: 'Point', coordinates: [500000, 5000000] }), gj(2, { type: 'Point', coordinates: [1e20, 1e20] })];
  const fc = (crs: string, features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: crs } }, features });
  writeFileSync(join(tmp.dir, 'far.geojson'), fc('EPSG:32631', far));
  const pointTarget = zoneTarget({ table: 'test_import_point', geometry: { column: 'geom', type: 'Point' }, afterLoad: undefined });
  await assert.rejects(importFiles(t.db, pointTarget, [join(tmp.dir, 'far.geojson')], { options: { lot: 'far' } }), (e: unknown) => {
    assert.ok(e instanceof ImportError, String(e));
    assert.equal(e.feature, 2);
    assert.match(e.message, /far\.geojson: feature 2: bad geometry: transform: Point outside of projection domain/);
    return true;
  });
  assert.equal(await dataset('far'), undefined);
  assert.deepEqual(await leftovers(), []);
  // Geographic coordinates beyond ±180/±90 (a wrong --srid, typically): rejected, named.
  writeFileSync(join(tmp.dir, 'geo.geojson'), fc('EPSG:4171', [gj(1, { type: 'Point', coordinates: [2, 48] }), gj(2, { type: 'Point', coordinates: [651000, 6862000] })]));
  const s = await importFiles(t.db, pointTarget, [join(tmp.dir, 'geo.geojson')], { options: { lot: 'geo' } });
  assert.deepEqual(s.rejections.map((r) => [r.feature, r.reason]), [[2, 'outside WGS84 bounds once reprojected (wrong source CRS?)']]);
  assert.equal(s.loaded, 1);
});

test('statistics: ANALYZE after a load into a never-analyzed table, then only once the table has grown by a tenth since', async () => {
  const table = 'test_import_stats';
  await createZoneTable(t.db, table);
  const target = zoneTarget({ table });
  const lot = (name: string, from: number, n: number) =>
    (async function* (): AsyncGenerator<SourceFeature> {
      for (let i = from; i < from + n; i++) yield { index: i - from + 1, properties: { CODE: `${name}${i}`, NOM: 'Statistiques', SURF: i, RANG: i }, geometry: sq(1 + (i % 100) / 100, 45 + Math.floor(i / 100) / 100) };
    })();
  const load = (name: string, from: number, n: number) => importFeatures(t.db, target, lot(name, from, n), { file: name, srid: 4326, options: { lot: name } });
  const reltuples = async () => (await t.db.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [table]))[0].n;

  const first = await load('a', 0, 4000);
  assert.ok('analyze' in first.timings, 'never analyzed: analyzed now');
  assert.equal(await reltuples(), 4000);
  const small = await load('b', 4000, 100);
  assert.ok(!('analyze' in small.timings), `2.5 % more rows: no ANALYZE (${JSON.stringify(small.timings)})`);
  assert.equal(await reltuples(), 4000);
  // Small loads add up: the size is compared with what the last ANALYZE saw, not with each load.
  let analyzed = false;
  for (let k = 0; k < 6 && !analyzed; k++) analyzed = 'analyze' in (await load(`c${k}`, 4100 + k * 100, 100)).timings;
  assert.ok(analyzed, 'a tenth more rows over several loads: analyzed');
  assert.ok((await reltuples()) > 4000);
});
