/**
 * The `rpg.parcelle` and `rpg.ilot` targets end to end: real Penmarch data in the published shapefile
 * layouts (fixtures/README.md), Lambert-93, through the import engine, then served by the routes and
 * compared with the recorded API Carto answers by natural key (feature ids are Terroir's own here:
 * a shapefile has no GeoServer id, see docs/rpg.md).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { assertClose } from '../../helpers/geometry.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { importFiles } from '../../../src/import/engine.ts';
import { rpgIlot, rpgParcelle } from '../../../src/modules/rpg/layers.ts';

const skip = skipWithoutShared('data', 'apicarto', 'rpg', 'raw', '_requests.json');
const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));
const recorded = (name: string) => JSON.parse(readFileSync(sharedPath('data', 'apicarto', 'rpg', name), 'utf8'));
const ALL = { type: 'Polygon', coordinates: [[[-4.4, 47.79], [-4.3, 47.79], [-4.3, 47.84], [-4.4, 47.84], [-4.4, 47.79]]] };

interface Feature { id: string; geometry: { coordinates: unknown }; properties: Record<string, unknown> }

let t: TestApp;
before(async () => {
  if (!skip) t = await testApp();
});
after(async () => t?.close());

test(`${BACKEND}: PARCELLES_GRAPHIQUES.shp (Lambert-93) → rpg.parcelle → /api/rpg/v2 answers the recorded values`, { skip }, async () => {
  const summary = await importFiles(t.db, rpgParcelle, [fixture('pg2021')], { campagne: 2021, options: { region: '53' } });
  assert.deepEqual(summary.datasets.map((d) => [d.id, d.features]), [['rpg.parcelle:2021:R53', 9]]);
  assert.equal(summary.files[0].srid, 2154);
  const [ds] = await t.db.query<{ layer: string; campagne: number; feature_count: number; licence: string }>(
    `SELECT layer, campagne, feature_count, licence FROM terroir_dataset WHERE id = 'rpg.parcelle:2021:R53'`,
  );
  assert.deepEqual(ds, { layer: 'rpg.parcelle', campagne: 2021, feature_count: 9, licence: rpgParcelle.licence });

  const res = await t.app.inject({ method: 'POST', url: '/api/rpg/v2', payload: { annee: 2021, geom: ALL } });
  assert.equal(res.statusCode, 200, res.body);
  const ours = res.json().features as Feature[];
  const rec = recorded('rpg-v2-2021-penmarch.geojson').features as Feature[];
  assert.equal(ours.length, rec.length);
  for (const r of rec) {
    const o = ours.find((f) => f.properties.id_parcel === r.properties.id_parcel);
    assert.ok(o, `id_parcel ${r.properties.id_parcel}`);
    assert.equal(o.id, `parcelles_graphiques.${r.properties.id_parcel}`, 'shapefile ids: the parcel number');
    const { bbox: _b, ...props } = r.properties;
    assert.deepEqual(o.properties, props, `${r.id}: same properties and values ("" for no catch crop)`);
    assertClose((o.geometry as { coordinates: unknown }).coordinates, r.geometry.coordinates, `${r.id} geometry after Lambert-93 round trip`);
  }
  const rows = await t.db.query<{ region: string; n: number }>(`SELECT region, count(*)::int AS n FROM rpg_parcelle GROUP BY region`);
  assert.deepEqual(rows, [{ region: 'R53', n: 9 }]);

  // Re-importing replaces the dataset's rows, nothing is added.
  const again = await importFiles(t.db, rpgParcelle, [fixture('pg2021/PARCELLES_GRAPHIQUES.shp')], { campagne: 2021, options: { region: 'R53' } });
  assert.deepEqual(again.datasets.map((d) => [d.id, d.features, d.replaced]), [['rpg.parcelle:2021:R53', 9, 9]]);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/rpg/v2', payload: { annee: 2021, geom: ALL } })).json().totalFeatures, 9);
});

test(`${BACKEND}: ILOTS_ANONYMES.shp (Latin-1, numeric surfaces) → rpg.ilot → /api/rpg/v1 answers the recorded strings`, { skip }, async () => {
  const summary = await importFiles(t.db, rpgIlot, [fixture('il2010/ILOTS_ANONYMES.shp')], { campagne: 2010, options: { dep: '29' } });
  assert.deepEqual(summary.datasets.map((d) => [d.id, d.features]), [['rpg.ilot:2010:D29', 8]]);
  const res = await t.app.inject({ method: 'GET', url: `/api/rpg/v1?annee=2010&geom=${encodeURIComponent(JSON.stringify(ALL))}` });
  assert.equal(res.statusCode, 200, res.body);
  const ours = res.json().features as Feature[];
  const rec = recorded('rpg-v1-2010-penmarch.geojson').features as Feature[];
  assert.equal(ours.length, rec.length);
  for (const r of rec) {
    const o = ours.find((f) => f.properties.num_ilot === r.properties.num_ilot);
    assert.ok(o, `num_ilot ${r.properties.num_ilot}`);
    assert.match(o.id, /^rpg_2010\.29\d{9}$/, 'shapefile ids: département × 1e9 + îlot number');
    const { bbox: _b, ...props } = r.properties;
    assert.deepEqual(o.properties, props, `${r.id}: every value the same string ("0.80", "029", "01")`);
    assertClose((o.geometry as { coordinates: unknown }).coordinates, r.geometry.coordinates, `${r.id} geometry`);
  }
});

test(`${BACKEND}: RPG imports without a campaign, or with one of the wrong era, are refused and load nothing`, { skip }, async () => {
  await assert.rejects(importFiles(t.db, rpgParcelle, [fixture('pg2021')], {}), /needs --annee/);
  await assert.rejects(importFiles(t.db, rpgParcelle, [fixture('pg2021')], { campagne: 2012 }), /campaign 2012 outside 2015/);
  await assert.rejects(importFiles(t.db, rpgIlot, [fixture('il2010')], { campagne: 2016 }), /campaign 2016 outside 2007–2014/);
  await assert.rejects(importFiles(t.db, rpgParcelle, [fixture('pg2021')], { campagne: 2022, options: { region: 'Bretagne' } }), /région/);
  // The îlot shapefile is not a parcel file: ID_PARCEL is missing, the import fails as a whole.
  await assert.rejects(importFiles(t.db, rpgParcelle, [fixture('il2010')], { campagne: 2020 }), /ID_PARCEL is missing/);
  const rows = await t.db.query<{ campagne: number }>('SELECT DISTINCT campagne FROM rpg_parcelle ORDER BY 1');
  assert.deepEqual(rows.map((r) => r.campagne), [2021]);
});
