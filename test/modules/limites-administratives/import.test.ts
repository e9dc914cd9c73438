import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND } from '../../helpers/db.ts';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';
import { MODULES } from '../../../src/modules/index.ts';

let t: TestApp;
let dir: string;
before(async () => {
  t = await testApp();
  dir = mkdtempSync(join(tmpdir(), 'terroir-contours-'));
  const limites = MODULES.find((m) => m.name === 'limites-administratives')!;
  await limites.bootstrap!(t.db, t.app.log);
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const penmarch = async () =>
  (await t.app.inject('/api/limites-administratives/commune?lon=-4.3440&lat=47.8130')).json().features.map((f: { properties: { insee_com: string } }) => f.properties.insee_com);

test(`${BACKEND}: terroir import limites-administratives.commune reprojects a Lambert-93 file in PostGIS`, async () => {
  // A square of 4 km around Penmarch, in Lambert-93, as ADMIN EXPRESS publishes contours.
  const [{ g }] = await t.db.query<{ g: string }>(
    `SELECT ST_AsGeoJSON(ST_Expand(ST_Transform(ST_SetSRID(ST_MakePoint(-4.344, 47.813), 4326), 2154), 2000)) AS g`,
  );
  const file = join(dir, 'COMMUNE.geojson');
  writeFileSync(file, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } },
    features: [
      { type: 'Feature', properties: { INSEE_COM: '29158', NOM: 'Penmarch' }, geometry: JSON.parse(g) },
      { type: 'Feature', properties: { INSEE_COM: '99999' }, geometry: JSON.parse(g) },
    ],
  }));
  const target = IMPORT_TARGETS.get('limites-administratives.commune')!;
  const [summary] = await target.importSource!(t.db, [file], {});
  assert.equal(summary.read, 2);
  assert.equal(summary.loaded, 1);
  assert.equal(summary.rejected, 1, 'the unknown code is reported, not loaded');
  assert.equal(summary.files[0].srid, 2154);
  assert.deepEqual(await penmarch(), ['29158']);
  const [{ w }] = await t.db.query<{ w: number }>(`SELECT ST_XMin(geom) AS w FROM limites_commune WHERE code = '29158'`);
  assert.ok(w > -4.4 && w < -4.3, `reprojected to WGS84 (west edge ${w})`);
  const sheets = (await t.app.inject('/api/datasets?layer=limites-administratives.commune')).json();
  assert.ok(sheets.some((d: { id: string }) => d.id.endsWith('COMMUNE.geojson')), 'recorded in /api/datasets');
});

test(`${BACKEND}: the real Finistère contours import through the same command`, { skip: skipWithoutShared('data/communes/communes-29-finistere.geojson') }, async () => {
  const target = IMPORT_TARGETS.get('limites-administratives.commune')!;
  const [summary] = await target.importSource!(t.db, [sharedPath('data/communes/communes-29-finistere.geojson')], {});
  assert.equal(summary.read, 279);
  assert.ok(summary.loaded >= 275, `${summary.loaded} communes given a contour`);
  assert.deepEqual(await penmarch(), ['29158']);
});
