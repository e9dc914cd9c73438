import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { DERIVED_DATASET, refreshMunicipalities } from '../../../src/modules/gpu/municipality.ts';
import { square } from './fixtures.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(async () => t.close());

const municipality = async (insee: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/gpu/municipality?insee=${insee}` });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json() as { totalFeatures: number; features: { id: string; properties: Record<string, unknown> }[] };
};

test(`${BACKEND}: municipality is derived from the administrative units, RNU until a document covers it`, async () => {
  assert.equal(await refreshMunicipalities(t.db), null, 'nothing to derive without commune contours');
  const [reg] = await t.db.query<{ t: string | null }>(`SELECT to_regclass('limites_commune')::text AS t`);
  if (!reg.t) {
    // The administrative units' migration is not in this checkout: the columns the derivation reads.
    await t.db.exec(`CREATE TABLE limites_commune (code text PRIMARY KEY, nom text NOT NULL, nom_m text NOT NULL, statut text NOT NULL,
      departement text NOT NULL, region text NOT NULL, geom geometry(MultiPolygon, 4326))`);
  }
  const g = (wkt: string) => `ST_GeomFromText('${wkt}', 4326)`;
  await t.db.exec(`
    INSERT INTO limites_commune (code, nom, nom_m, statut, departement, region, geom) VALUES
      ('30014', 'Arpaillargues-et-Aureillac', 'ARPAILLARGUES-ET-AUREILLAC', 'Commune simple', '30', '76', ${g(square(4.37, 44.0, 0.03))}),
      ('30999', 'Ailleurs', 'AILLEURS', 'Commune simple', '30', '76', ${g(square(4.5, 44.0, 0.03))}),
      ('29158', 'Penmarch', 'PENMARCH', 'Commune simple', '29', '53', ${g(square(-4.35, 47.81, 0.03))}),
      ('30998', 'Sans contour', 'SANS CONTOUR', 'Commune simple', '30', '76', NULL);
    INSERT INTO gpu_municipality (dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom)
      VALUES ('gpu.municipality:apicarto:test', '29158', 'PENMARCH', false, false, true, ${g(square(-4.35, 47.81, 0.03))});
  `);

  assert.equal(await refreshMunicipalities(t.db), 2, 'the communes with a contour, except the one the GPU answered');
  assert.equal(await refreshMunicipalities(t.db, { onlyIfMissing: true }), null, 'up to date: nothing done');
  const [ds] = await t.db.query<{ feature_count: number }>('SELECT feature_count FROM terroir_dataset WHERE id = $1', [DERIVED_DATASET]);
  assert.equal(ds.feature_count, 2);

  const arp = await municipality('30014');
  assert.deepEqual(arp.features[0].properties, { insee: '30014', name: 'ARPAILLARGUES-ET-AUREILLAC', is_rnu: true, is_deleted: false, is_coastline: null });
  assert.equal((await municipality('30998')).totalFeatures, 0, 'no contour, no feature');
  const penmarch = await municipality('29158');
  assert.equal(penmarch.totalFeatures, 1, 'the GPU row only, not a derived duplicate');
  assert.equal(penmarch.features[0].properties.is_coastline, true);

  // A document for 30014 arrives: its commune is no longer RNU; the other one still is.
  await t.db.exec(`INSERT INTO gpu_document (dataset_id, partition, grid_name, name, du_type, the_geom)
    VALUES ('gpu.document:DU_30014', 'DU_30014', '30014', '30014_PLU_20171013', 'PLU', ${g(square(4.37, 44.0, 0.03))})`);
  assert.equal((await municipality('30014')).features[0].properties.is_rnu, false);
  assert.equal((await municipality('30999')).features[0].properties.is_rnu, true);

  // A contour changes: the derived rows follow on the next refresh.
  await t.db.query(`UPDATE limites_commune SET geom = NULL WHERE code = '30999'`);
  assert.equal(await refreshMunicipalities(t.db, { onlyIfMissing: true }), 1);
  assert.equal((await municipality('30999')).totalFeatures, 0);
});
