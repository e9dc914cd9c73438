import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { loadContours, type ContourFeature } from '../../../src/modules/limites-administratives/index.ts';
import { loadReference } from '../../../src/modules/limites-administratives/reference.ts';
import { box, FIXTURE, FIXTURE_META, PENMARCH_POINT } from './fixture.ts';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const BASE = '/api/limites-administratives';

let t: TestApp;
before(async () => {
  t = await testApp();
  await loadReference(t.db, log);
});
after(async () => {
  await t?.close();
});

async function geom(table: string, code: string) {
  const [r] = await t.db.query<{ type: string | null; area: number | null; valid: boolean | null; srid: number | null }>(
    `SELECT GeometryType(geom) AS type, ST_Area(geom) AS area, ST_IsValid(geom) AS valid, ST_SRID(geom) AS srid FROM ${table} WHERE code = $1`,
    [code],
  );
  return r;
}
async function dataset(id: string) {
  const rows = await t.db.query<Record<string, unknown>>('SELECT * FROM terroir_dataset WHERE id = $1', [id]);
  return rows[0];
}
const get = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url: `${BASE}${url}` });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json() as { totalFeatures: number; features: { properties: Record<string, string>; geometry: { type: string } | null }[] };
};

function* generated(): Generator<ContourFeature> {
  yield* FIXTURE.commune;
}

test('generated fixture: every level loads from a sync or async iterable, with its dataset row', async () => {
  const r = await loadContours(t.db, 'commune', generated(), FIXTURE_META);
  assert.deepEqual(r, {
    datasetId: 'limites-administratives.commune:fixture-penmarch',
    received: 2,
    updated: 2,
    unmatched: [],
    unmatchedCount: 0,
    rejected: [],
    rejectedCount: 0,
    merged: 0,
    merges: [],
    loaded: 2,
    repaired: 0,
    // Two communes of 10 in their EPCI, of hundreds in Finistère: nothing derived yet.
    derived: ['epci', 'departement', 'region'].map((level) => ({ level, set: [], withdrawn: 0 })),
  });
  async function* slowly() {
    for (const f of FIXTURE.region) yield f;
  }
  assert.equal((await loadContours(t.db, 'region', slowly(), FIXTURE_META)).updated, 1);
  assert.equal((await loadContours(t.db, 'epci', FIXTURE.epci, FIXTURE_META)).updated, 1);
  assert.equal((await loadContours(t.db, 'departement', FIXTURE.departement, FIXTURE_META)).updated, 1);
  const g = await geom('limites_commune', '29158');
  assert.deepEqual({ ...g, area: g.area!.toFixed(6) }, { type: 'MULTIPOLYGON', area: '0.002800', valid: true, srid: 4326 });
  assert.equal((await geom('limites_region', '53')).type, 'MULTIPOLYGON');
  const ds = await dataset('limites-administratives.commune:fixture-penmarch');
  assert.equal(ds.layer, 'limites-administratives.commune');
  assert.equal(ds.feature_count, 2);
  assert.equal(ds.synthetic, true);
  assert.equal(ds.producer, 'Terroir tests');
  assert.equal(ds.source_srid, 4326);
  const body = await get(`/commune?lon=${PENMARCH_POINT.lon}&lat=${PENMARCH_POINT.lat}`);
  assert.deepEqual(body.features.map((f) => f.properties.id), ['29158']);
});

test('repairs, rejects and reports: bowtie, spike, flat ring, non-polygons, unknown and merged codes', async () => {
  const features: ContourFeature[] = [
    // A bowtie (self-intersecting): ST_MakeValid makes two triangles of 0.25 each.
    { code: '29220', geometry: { type: 'Polygon', coordinates: [[[-4.3, 47.8], [-4.2, 47.9], [-4.2, 47.8], [-4.3, 47.9], [-4.3, 47.8]]] } },
    // A ring with a spike: ST_MakeValid gives a collection (polygon + line); the polygon is kept.
    {
      code: '29037',
      geometry: JSON.stringify({
        type: 'Polygon',
        coordinates: [[[-4.2, 47.8], [-4.1, 47.8], [-4.1, 47.9], [-4.1, 48.0], [-4.1, 47.9], [-4.2, 47.9], [-4.2, 47.8]]],
      }),
    },
    // Zero area: nothing polygonal left, the unit keeps what it had (no contour).
    { code: '29042', geometry: { type: 'Polygon', coordinates: [[[-4.5, 48.2], [-4.4, 48.2], [-4.3, 48.2], [-4.5, 48.2]]] } },
    { code: '29019', geometry: { type: 'Point', coordinates: [-4.48, 48.39] } },
    { code: '29019', geometry: null },
    { code: '', geometry: box(0, 0, 1, 1) },
    { code: '29003', geometry: '{not json' },
    { code: '00000', geometry: box(0, 0, 1, 1) },
    // 01340 merged into 01015 (Arboys en Bugey): both pieces make the commune.
    { code: '01015', geometry: box(5.6, 45.8, 5.61, 45.81) },
    { code: '01340', geometry: box(5.61, 45.8, 5.62, 45.81) },
  ];
  const r = await loadContours(t.db, 'commune', features, { ...FIXTURE_META, source: 'fixture-repairs' });
  assert.equal(r.received, features.length);
  assert.equal(r.updated, 3, '29220, 29037, 01015');
  assert.equal(r.merged, 1);
  assert.deepEqual(r.unmatched, ['00000']);
  assert.equal(r.unmatchedCount, 1);
  assert.equal(r.rejectedCount, 5);
  assert.deepEqual(r.rejected.map((x) => String(x.code)).sort(), ['29003', '29019', '29019', '29042', 'null']);
  assert.deepEqual(
    r.rejected.map((x) => x.reason).sort(),
    [
      'geometry is not valid JSON',
      'geometry type Point is not polygonal',
      'no code',
      'no geometry',
      'no polygon left after repair (ST_MakeValid)',
    ],
  );
  const bowtie = await geom('limites_commune', '29220');
  assert.equal(bowtie.type, 'MULTIPOLYGON');
  assert.equal(bowtie.valid, true);
  assert.ok(Math.abs(bowtie.area! - 0.005) < 1e-9, `bowtie area ${bowtie.area}`);
  const spike = await geom('limites_commune', '29037');
  assert.equal(spike.type, 'MULTIPOLYGON');
  assert.ok(Math.abs(spike.area! - 0.01) < 1e-9, `spike area ${spike.area}`);
  assert.equal((await geom('limites_commune', '29042')).type, null);
  const merged = await geom('limites_commune', '01015');
  assert.ok(Math.abs(merged.area! - 0.0002) < 1e-9, `01015 area ${merged.area}`);
  assert.equal(merged.type, 'MULTIPOLYGON');
  assert.equal((await geom('limites_commune', '29158')).area!.toFixed(6), '0.002800', 'units absent from the input keep their contour');
  const ds = await dataset('limites-administratives.commune:fixture-repairs');
  assert.equal(ds.feature_count, 3);
  assert.equal((ds.details as { unmatched: string[] }).unmatched[0], '00000');
});

test('a geometry PostGIS refuses aborts the whole load: nothing changes, no dataset row', async () => {
  const before = await geom('limites_commune', '29158');
  await assert.rejects(
    loadContours(
      t.db,
      'commune',
      [
        { code: '29158', geometry: box(0, 0, 1, 1) },
        { code: '29220', geometry: { type: 'Polygon', coordinates: [[0, 0]] } },
      ],
      { ...FIXTURE_META, source: 'fixture-broken' },
    ),
    /loadContours\(commune, fixture-broken\): PostGIS refused a geometry/,
  );
  assert.deepEqual(await geom('limites_commune', '29158'), before);
  assert.equal(await dataset('limites-administratives.commune:fixture-broken'), undefined);
  await assert.rejects(loadContours(t.db, 'canton' as never, [], FIXTURE_META), /unknown level "canton"/);
});

test('loading the same source again replaces its dataset row', async () => {
  await loadContours(t.db, 'region', FIXTURE.region, FIXTURE_META);
  const rows = await t.db.query(`SELECT id FROM terroir_dataset WHERE id = 'limites-administratives.region:fixture-penmarch'`);
  assert.equal(rows.length, 1);
});

interface SampleFC {
  features: { properties: Record<string, unknown>; geometry: ContourFeature['geometry'] }[];
}
const sample = (...parts: string[]) => JSON.parse(readFileSync(sharedPath(...parts), 'utf8')) as SampleFC;
const SAMPLE_META = { producer: 'IGN (ADMIN EXPRESS COG 2018) via gregoiredavid/france-geojson', licence: 'Licence Ouverte', vintage: '2018' };

test('real contours: Finistère communes (IGN ADMIN EXPRESS 2018)', { skip: skipWithoutShared('data', 'communes', 'communes-29-finistere.geojson') }, async () => {
  const fc = sample('data', 'communes', 'communes-29-finistere.geojson');
  const r = await loadContours(
    t.db,
    'commune',
    fc.features.map((f) => ({ code: String(f.properties.code), geometry: f.geometry })),
    { ...SAMPLE_META, source: 'communes-29-finistere.geojson' },
  );
  assert.equal(r.received, 279);
  assert.equal(r.rejectedCount, 0);
  assert.equal(r.unmatchedCount, 0, 'every 2018 code is a current commune or merged into one');
  assert.equal(r.updated + r.merged, 279);
  const [p] = await t.db.query<{ km2: number }>(`SELECT ST_Area(geom::geography) / 1e6 AS km2 FROM limites_commune WHERE code = '29158'`);
  assert.ok(p.km2 > 15 && p.km2 < 18, `Penmarch covers about 16.5 km², got ${p.km2}`);

  // Independent check: Penmarch's contour as API Carto's cadastre served it (recorded answer).
  const cad = sample('data', 'apicarto', 'cadastre', 'commune-9aed1e-POST.json');
  const [o] = await t.db.query<{ share: number }>(
    `SELECT ST_Area(ST_Intersection(geom, ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))) / ST_Area(geom) AS share FROM limites_commune WHERE code = '29158'`,
    [JSON.stringify(cad.features[0].geometry)],
  );
  assert.ok(o.share > 0.95, `the two contours of Penmarch overlap by ${o.share}`);

  const { lon, lat } = PENMARCH_POINT;
  const point = await get(`/commune?lon=${lon}&lat=${lat}`);
  assert.deepEqual(point.features.map((f) => f.properties.id), ['29158']);
  assert.equal(point.features[0].geometry?.type, 'MultiPolygon');
  // Saint-Guénolé harbour and the Eckmühl lighthouse are in Penmarch; Le Guilvinec is next door.
  const geomQuery = encodeURIComponent(JSON.stringify({ type: 'LineString', coordinates: [[-4.3737, 47.8155], [-4.3727, 47.7977], [-4.285, 47.795]] }));
  const line = await get(`/commune?geom=${geomQuery}`);
  const found = line.features.map((f) => f.properties.id);
  assert.ok(found.includes('29158') && found.includes('29072'), `Penmarch and Le Guilvinec, got ${found}`);
  const inside = await get(`/commune?geom=${encodeURIComponent(JSON.stringify(box(-4.36, 47.805, -4.35, 47.815)))}`);
  assert.deepEqual(inside.features.map((f) => f.properties.id), ['29158']);
});

test('real contours: départements, then the département of a point', { skip: skipWithoutShared('data', 'communes', 'departements-version-simplifiee.geojson') }, async () => {
  const fc = sample('data', 'communes', 'departements-version-simplifiee.geojson');
  const r = await loadContours(
    t.db,
    'departement',
    fc.features.map((f) => ({ code: String(f.properties.code), geometry: f.geometry })),
    { ...SAMPLE_META, source: 'departements-version-simplifiee.geojson' },
  );
  assert.equal(r.updated, 96);
  const body = await get(`/departement?lon=${PENMARCH_POINT.lon}&lat=${PENMARCH_POINT.lat}`);
  assert.deepEqual(body.features.map((f) => f.properties.id), ['29']);
  const paris = await get('/departement?lon=2.3488&lat=48.8534');
  assert.deepEqual(paris.features.map((f) => f.properties.nom_dep), ['Paris']);
});

test(
  'real contours: EPCI of Nouvelle-Aquitaine; the EPCI at a point is the commune’s code_epci',
  { skip: skipWithoutShared('data', 'epci', 'epci.geojson') || skipWithoutShared('data', 'communes', 'communes-17-charente-maritime.geojson') },
  async () => {
    const fc = sample('data', 'epci', 'epci.geojson');
    // epci_code is a JSON array there (OpenDataSoft layout): one SIREN per feature.
    const r = await loadContours(
      t.db,
      'epci',
      fc.features.map((f) => ({ code: String((f.properties.epci_code as string[])[0]), geometry: f.geometry })),
      { source: 'epci.geojson', producer: 'IGN / INSEE via OpenDataSoft (PGNAM/epci_na)', licence: 'Licence Ouverte', vintage: '2022' },
    );
    assert.equal(r.received, 156);
    assert.ok(r.updated >= 150, `most 2022 SIRENs are current: ${r.updated} (unmatched ${r.unmatched})`);
    const communes = sample('data', 'communes', 'communes-17-charente-maritime.geojson');
    await loadContours(
      t.db,
      'commune',
      communes.features.map((f) => ({ code: String(f.properties.code), geometry: f.geometry })),
      { ...SAMPLE_META, source: 'communes-17-charente-maritime.geojson' },
    );
    // A point inside Saint-Hilaire-du-Bois (17345).
    const at = 'lon=-0.4893&lat=45.4335';
    const commune = await get(`/commune?${at}`);
    assert.deepEqual(commune.features.map((f) => f.properties.id), ['17345']);
    const code = commune.features[0].properties.code_epci;
    const e = await get(`/epci?${at}`);
    assert.deepEqual(e.features.map((f) => f.properties.id), [code]);
    assert.ok(e.features[0].properties.insee_communes.split('/').includes('17345'));
  },
);
