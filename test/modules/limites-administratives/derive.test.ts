/**
 * EPCI, département and région contours derived from their communes when none was imported, kept
 * consistent by every commune contour import; and the contour import's accounting (every feature
 * read is loaded, merged into a commune nouvelle, or rejected, each named). Régions and départements
 * are checked whole on Mayotte (17 communes); the derived layers are written in the import's transaction.
 */
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
import { box } from './fixture.ts';

let t: TestApp;
let dir: string;
before(async () => {
  t = await testApp();
  dir = mkdtempSync(join(tmpdir(), 'terroir-derive-'));
  await MODULES.find((m) => m.name === 'limites-administratives')!.bootstrap!(t.db, t.app.log);
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const EPCI = '242900702'; // CC du Pays Bigouden Sud
const importContours = async (level: string, name: string, features: { code: string; geometry: unknown }[]) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', properties: { code: f.code }, geometry: f.geometry })) }));
  const [s] = await IMPORT_TARGETS.get(`limites-administratives.${level}`)!.importSource!(t.db, [file], {});
  return s;
};
const get = async (path: string) => {
  const res = await t.app.inject(`/api/limites-administratives/${path}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};
/** Hausdorff distance (degrees) between a unit's stored contour and the plain union of `communes`' contours. */
const distanceToUnion = async (table: string, code: string, communes: string) =>
  (
    await t.db.query<{ d: number | null }>(
      `SELECT ST_HausdorffDistance(u.geom, (SELECT ST_Union(c.geom) FROM limites_commune c WHERE ${communes})) AS d FROM ${table} u WHERE u.code = $1`,
      [code],
    )
  )[0].d;

test(`${BACKEND}: an EPCI without imported contour is the union of its communes once they all have one; an imported one wins`, async () => {
  const members = (await t.db.query<{ commune: string }>('SELECT commune FROM limites_epci_commune WHERE epci = $1 ORDER BY commune', [EPCI])).map((r) => r.commune);
  assert.ok(members.length >= 10, `${members.length} members`);
  // Before: the reported bug, `epci?code=242900702` answered geometry null.
  assert.equal((await get(`epci?code=${EPCI}`)).features[0].geometry, null);
  // Contiguous squares, one per member commune, all but the last first: no partial union is served.
  const sq = (i: number) => ({ code: members[i], geometry: box(-4.4 + i * 0.01, 47.8, -4.39 + i * 0.01, 47.81) });
  await importContours('commune', 'first.geojson', members.slice(0, -1).map((_, i) => sq(i)));
  assert.equal((await get(`epci?code=${EPCI}`)).features[0].geometry, null, 'a member without contour: no derived contour');
  const s = await importContours('commune', 'last.geojson', [sq(members.length - 1)]);
  assert.equal(s.loaded, 1);
  const e = (await get(`epci?code=${EPCI}`)).features[0];
  assert.equal(e.geometry.type, 'MultiPolygon');
  const d = await distanceToUnion('limites_epci', EPCI, `c.code IN (SELECT commune FROM limites_epci_commune WHERE epci = '${EPCI}')`);
  assert.ok(d !== null && d < 1e-7, `derived = union of its communes within 1e-7°: ${d}`);
  const at = await get(`epci?lon=${-4.4 + 2.5 * 0.01}&lat=47.805`);
  assert.deepEqual(at.features.map((f: { id: string }) => f.id), [`epci.${EPCI}`]);
  // Finistère has many more communes: its contour stays unknown rather than partial.
  assert.equal((await get('departement?code=29')).features[0].geometry, null);

  // A commune contour changes: the derived EPCI follows in the same import.
  await importContours('commune', 'moved.geojson', [{ code: members[0], geometry: box(-4.5, 47.8, -4.39, 47.81) }]);
  const [{ xmin }] = await t.db.query<{ xmin: number }>('SELECT ST_XMin(geom) AS xmin FROM limites_epci WHERE code = $1', [EPCI]);
  assert.ok(Math.abs(xmin + 4.5) < 1e-7, `the EPCI grew with its commune: ${xmin}`);

  // An imported EPCI contour is kept as imported by later commune imports.
  await importContours('epci', 'epci.geojson', [{ code: EPCI, geometry: box(-5, 47, -4, 48) }]);
  await importContours('commune', 'again.geojson', [sq(0)]);
  const [{ w, derived }] = await t.db.query<{ w: number; derived: boolean }>('SELECT ST_XMin(geom) AS w, contour_derived AS derived FROM limites_epci WHERE code = $1', [EPCI]);
  assert.deepEqual([w, derived], [-5, false]);
});

test(
  `${BACKEND}: the 279 real Finistère contours of 2018: every feature accounted for (loaded, merged into which commune, rejected); département 29 and the EPCI derived`,
  { skip: skipWithoutShared('data/communes/communes-29-finistere.geojson') },
  async () => {
    const [s] = await IMPORT_TARGETS.get('limites-administratives.commune')!.importSource!(t.db, [sharedPath('data/communes/communes-29-finistere.geojson')], {});
    assert.equal(s.read, 279);
    // The reported "loaded 277, rejected 0": the two others are contours of communes merged since 2018.
    assert.equal(s.read, s.loaded + (s.merged ?? 0) + s.rejected, JSON.stringify({ loaded: s.loaded, merged: s.merged, rejected: s.rejected }));
    assert.ok((s.merged ?? 0) > 0);
    assert.equal(s.merges!.length, s.merged);
    for (const m of s.merges!) assert.match(m.reason, /^29\d{3} merged into commune 29\d{3} \(it absorbed/);
    const [{ missing }] = await t.db.query<{ missing: number }>(`SELECT count(*)::int AS missing FROM limites_commune WHERE departement = '29' AND geom IS NULL`);
    assert.equal(missing, 0, 'every current commune of Finistère has a contour');
    const d29 = await distanceToUnion('limites_departement', '29', `c.departement = '29'`);
    assert.ok(d29 !== null && d29 < 1e-7, `département 29 = union of its communes within 1e-7°: ${d29}`);
    const dep = await get('departement?lon=-4.35&lat=47.81');
    assert.deepEqual(dep.features.map((f: { id: string }) => f.id), ['departement.29']);
    assert.equal((await get('region?code=53')).features[0].geometry, null, 'Bretagne: the other départements have no commune contours here');
    const e = (await get(`epci?code=${EPCI}`)).features[0];
    assert.ok(e.geometry, 'epci?code=242900702 has a contour');
  },
);

// Mayotte: the smallest région (06), one département (976), 17 communes, 5 EPCI — small enough to
// give every commune a contour here and check each derived level against the union of its communes.
const MAYOTTE_REGION = '06';
/** Overlapping boxes of uneven heights, one per commune: the union is no rectangle, and overlaps must dissolve. */
const mayotteBox = (i: number, dx = 0) => box(45 + dx + i * 0.01, -12.9, 45.012 + dx + i * 0.01, -12.89 + (i % 3) * 0.003);

test(`${BACKEND}: région and département contours are derived too, each equal to the union of its communes within 1e-7° (Mayotte, 17 communes)`, async () => {
  const communes = (await t.db.query<{ code: string }>('SELECT code FROM limites_commune WHERE region = $1 ORDER BY code', [MAYOTTE_REGION])).map((r) => r.code);
  assert.equal(communes.length, 17);
  const departements = (await t.db.query<{ d: string }>('SELECT DISTINCT departement AS d FROM limites_commune WHERE region = $1', [MAYOTTE_REGION])).map((r) => r.d);
  assert.deepEqual(departements, ['976']);
  const epcis = (await t.db.query<{ epci: string }>(`SELECT DISTINCT epci FROM limites_epci_commune WHERE commune LIKE '976%' ORDER BY epci`)).map((r) => r.epci);
  assert.ok(epcis.length >= 2, `${epcis.length} EPCI`);

  await importContours('commune', 'mayotte-first.geojson', communes.slice(0, -1).map((code, i) => ({ code, geometry: mayotteBox(i) })));
  assert.equal((await get(`region?code=${MAYOTTE_REGION}`)).features[0].geometry, null, 'a commune without contour: no partial région');
  assert.equal((await get('departement?code=976')).features[0].geometry, null, 'nor a partial département');
  const s = await importContours('commune', 'mayotte-last.geojson', [{ code: communes[16], geometry: mayotteBox(16) }]);
  assert.deepEqual([s.read, s.loaded, s.rejected], [1, 1, 0]);

  const inMayotte = `c.region = '${MAYOTTE_REGION}'`;
  for (const [table, code, members] of [
    ['limites_region', MAYOTTE_REGION, inMayotte],
    ['limites_departement', '976', `c.departement = '976'`],
    ...epcis.map((e) => ['limites_epci', e, `c.code IN (SELECT commune FROM limites_epci_commune WHERE epci = '${e}')`]),
  ]) {
    const d = await distanceToUnion(table, code, members);
    assert.ok(d !== null && d < 1e-7, `${table} ${code} = union of its communes within 1e-7°: ${d}`);
  }
  const [{ area, union, derived }] = await t.db.query<{ area: number; union: number; derived: boolean }>(
    `SELECT ST_Area(r.geom) AS area, (SELECT ST_Area(ST_Union(c.geom)) FROM limites_commune c WHERE ${inMayotte}) AS union, r.contour_derived AS derived
     FROM limites_region r WHERE r.code = $1`,
    [MAYOTTE_REGION],
  );
  assert.equal(derived, true);
  assert.ok(Math.abs(area - union) < 1e-9, `overlaps dissolved: area ${area}, union ${union}`);
  // A point inside the last commune finds it at every level.
  const at = 'lon=45.165&lat=-12.895';
  assert.deepEqual((await get(`region?${at}`)).features.map((f: { id: string }) => f.id), [`region.${MAYOTTE_REGION}`]);
  assert.deepEqual((await get(`departement?${at}`)).features.map((f: { id: string }) => f.id), ['departement.976']);
  assert.deepEqual((await get(`commune?${at}`)).features.map((f: { properties: { insee_com: string } }) => f.properties.insee_com), [communes[16]]);

  // One commune moves east: région and département follow in the same import.
  await importContours('commune', 'mayotte-moved.geojson', [{ code: communes[16], geometry: mayotteBox(16, 0.5) }]);
  for (const [table, code] of [['limites_region', MAYOTTE_REGION], ['limites_departement', '976']]) {
    const [{ xmax }] = await t.db.query<{ xmax: number }>(`SELECT ST_XMax(geom) AS xmax FROM ${table} WHERE code = $1`, [code]);
    assert.ok(Math.abs(xmax - (45.512 + 0.16)) < 1e-7, `${table} grew with its commune: ${xmax}`);
  }
});

test(`${BACKEND}: an import that fails after deriving leaves the derived layers as they were (same transaction)`, async () => {
  const communes = (await t.db.query<{ code: string }>('SELECT code FROM limites_commune WHERE region = $1 ORDER BY code', [MAYOTTE_REGION])).map((r) => r.code);
  assert.equal(communes.length, 17);
  await importContours('commune', 'mayotte-all.geojson', communes.map((code, i) => ({ code, geometry: mayotteBox(i) })));
  const snapshot = async () =>
    t.db.query<{ k: string; g: string | null }>(
      `SELECT 'region' AS k, ST_AsText(geom) AS g FROM limites_region WHERE code = '${MAYOTTE_REGION}'
       UNION ALL SELECT 'departement', ST_AsText(geom) FROM limites_departement WHERE code = '976'
       UNION ALL SELECT 'epci ' || code, ST_AsText(geom) FROM limites_epci WHERE code IN (SELECT epci FROM limites_epci_commune WHERE commune = '${communes[0]}')
       UNION ALL SELECT 'municipality', ST_AsText(the_geom) FROM gpu_municipality WHERE insee = '${communes[0]}'
       ORDER BY 1`,
    );
  const before = await snapshot();
  assert.equal(before.length, 4);
  assert.ok(before.every((r) => r.g), JSON.stringify(before));
  // The dataset sheet is the import's last write: refuse it, after contours, derived units and GPU
  // municipalities were written in the import's transaction.
  await t.db.exec(`CREATE FUNCTION terroir_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.id LIKE '%refused.geojson' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
  await t.db.exec(`CREATE TRIGGER terroir_test_refuse BEFORE INSERT ON terroir_dataset FOR EACH ROW EXECUTE FUNCTION terroir_test_refuse()`);
  try {
    await assert.rejects(importContours('commune', 'refused.geojson', [{ code: communes[0], geometry: mayotteBox(0, -1) }]), /refused by the test/);
  } finally {
    await t.db.exec('DROP TRIGGER terroir_test_refuse ON terroir_dataset; DROP FUNCTION terroir_test_refuse()');
  }
  assert.deepEqual(await snapshot(), before);
  // The same import without the trigger moves all four.
  await importContours('commune', 'accepted.geojson', [{ code: communes[0], geometry: mayotteBox(0, -1) }]);
  const after = await snapshot();
  for (const [i, r] of after.entries()) assert.notEqual(r.g, before[i].g, r.k);
});
