import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { scanCnigFolder } from '../../../src/modules/gpu/cnig.ts';
import { importCnigFolder } from '../../../src/modules/gpu/layers.ts';
import { importFiles } from '../../../src/import/engine.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';
import { cnigCode, cnigDate, documentPartition } from '../../../src/modules/gpu/import.ts';

const PLU = sharedPath('data', 'urbanisme', '30014_PLU_20171013');
const PLUI = sharedPath('data', 'urbanisme', '200011781_PLUi_20180101');
const skip = skipWithoutShared('data', 'urbanisme');

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(async () => t.close());

type Collection = { features: { id: string; geometry: { type: string }; properties: Record<string, unknown> }[]; totalFeatures: number };
const getJson = async (path: string): Promise<Collection> => {
  const res = await t.app.inject({ method: 'GET', url: `/api/gpu/${path}` });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json();
};
const at = (lon: number, lat: number) => `geom=${encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [lon, lat] }))}`;

test('CNIG helpers: codes from numeric DBF fields, dates, partitions of the 2013 and 2017 IDURBA forms', () => {
  assert.equal(cnigCode(15, 'TYPEPSC'), '15');
  assert.equal(cnigCode(7, 'TYPEPSC'), '07');
  assert.equal(cnigCode('5', 'TYPEPSC'), '05');
  assert.equal(cnigCode(' 01 ', 'STYPEPSC'), '01');
  assert.equal(cnigCode(null, 'STYPEPSC'), null);
  assert.throws(() => cnigCode(1.5, 'TYPEPSC'), /not a CNIG code/);
  assert.equal(cnigDate('2017-10-13'), '20171013');
  assert.equal(cnigDate('20171013'), '20171013');
  assert.equal(cnigDate('  '), null);
  const d = (idurba: string, typedoc: string, siren: string | null = null, interco = false) => ({ idurba, typedoc, siren, interco });
  assert.deepEqual(documentPartition(d('30014_PLU_20171013', 'PLU'), ['30014']), { partition: 'DU_30014', territory: '30014', duType: 'PLU' });
  assert.deepEqual(documentPartition(d('20001178120180101', 'PLU', '200011781', true), []), { partition: 'DU_200011781', territory: '200011781', duType: 'PLUi' });
  assert.equal(documentPartition(d('3001420171013', 'POS'), []).partition, 'DU_30014', '2013 form <INSEE><AAAAMMJJ>');
  assert.equal(documentPartition(d('200011781_PLUi_20180101', 'PLUi'), []).partition, 'DU_200011781');
  assert.equal(documentPartition(d('2A004_CC_20150101', 'CC'), []).partition, 'DU_2A004');
  assert.deepEqual(documentPartition(d('75056_PSMV_20130101', 'PSMV'), []), { partition: 'PSMV_75056', territory: '75056', duType: 'PSMV' });
  assert.equal(documentPartition(d('PLU_COMMUNE', 'PLU'), ['30014']).partition, 'DU_30014', 'a single commune when the IDURBA says nothing');
  assert.throws(() => documentPartition(d('PLU_COMMUNE', 'PLU'), []), /cannot tell the territory/);
});

test('the CNIG folder scan finds every layer whatever the prefix, suffix and case', { skip }, () => {
  const plu = scanCnigFolder(PLU);
  assert.deepEqual([...plu.layers.keys()].sort(), ['INFO_PCT', 'INFO_SURF', 'PRESCRIPTION_LIN', 'PRESCRIPTION_PCT', 'PRESCRIPTION_SURF', 'ZONE_URBA']);
  assert.match(plu.docUrba!, /30014_DOC_URBA_20171013\.DBF$/);
  assert.match(plu.docUrbaCom!, /30014_DOC_URBA_COM_20171013\.DBF$/);
  const plui = scanCnigFolder(PLUI);
  assert.deepEqual([...plui.layers.keys()], ['ZONE_URBA']);
  assert.match(plui.docUrba!, /DOC_URBA\.dbf$/);
});

test(`${BACKEND}: the 30014 PLU folder loads every layer in partition DU_30014, accents and codes right`, { skip }, async () => {
  const s = await importCnigFolder(t.db, PLU);
  assert.equal(s.partition, 'DU_30014');
  assert.equal(s.idurba, '30014_PLU_20171013');
  assert.equal(s.duType, 'PLU');
  assert.deepEqual(s.communes, ['30014']);
  const loaded = Object.fromEntries(s.layers.map((l) => [l.layer, l.loaded]));
  assert.deepEqual(loaded, {
    'gpu.zone-urba': 90, 'gpu.secteur-cc': 0, 'gpu.prescription-surf': 77, 'gpu.prescription-lin': 15, 'gpu.prescription-pct': 93,
    'gpu.info-surf': 18, 'gpu.info-lin': 0, 'gpu.info-pct': 6, 'gpu.document': 1,
  });

  const zones = await getJson('zone-urba?partition=DU_30014');
  assert.equal(zones.totalFeatures, 90);
  const byType: Record<string, number> = {};
  for (const z of zones.features) byType[String(z.properties.typezone)] = (byType[String(z.properties.typezone)] ?? 0) + 1;
  assert.deepEqual(byType, { A: 50, AUc: 2, N: 22, U: 16 });
  assert.ok(zones.features.every((z) => z.geometry.type === 'MultiPolygon' && z.properties.idurba === '30014_PLU_20171013' && z.properties.datvalid === '20171013'));

  // A known point (PointOnSurface of an `Ap` zone, computed with GDAL from the Lambert-93 file).
  const ap = await getJson(`zone-urba?${at(4.367792, 44.005104)}`);
  assert.equal(ap.totalFeatures, 1);
  assert.deepEqual(
    { ...ap.features[0].properties, gid: undefined },
    {
      gid: undefined, partition: 'DU_30014', libelle: 'Ap',
      libelong: 'Un secteur Ap de grande qualité paysagère où toute construction nouvelle est interdite, hormis les extensions mesurées afin de préserver des cônes de vision remarquables et les espaces réservés à l agriculture.',
      typezone: 'A', destdomi: null, nomfic: '30014_reglement_20171013.pdf#page=51', urlfic: null, insee: null, datappro: null,
      datvalid: '20171013', idurba: '30014_PLU_20171013', idzone: null, lib_idzone: null,
    },
  );
  const ucp = await getJson(`zone-urba?${at(4.369677, 43.999826)}`);
  assert.equal(ucp.features[0].properties.libelong, 'Zone urbaine soumise à des prescriptions architecturales particulières');

  const lin = await getJson('prescription-lin?partition=DU_30014');
  assert.equal(lin.totalFeatures, 15);
  const first = lin.features.find((f) => f.properties.libelle === 'Implantation des constructions par rapport aux voies et aux emprises publiques')!;
  assert.equal(first.properties.typepsc, '15', 'TYPEPSC is an Integer64 field in this file: answered as the 2-digit code');
  assert.equal(first.properties.stypepsc, '01');
  assert.equal(first.properties.lib_stypepsc, 'Implantation des constructions par rapport aux voies et aux emprises publiques');
  assert.equal(first.geometry.type, 'MultiLineString');

  const surf = await getJson('prescription-surf?partition=DU_30014');
  const codes: Record<string, number> = {};
  for (const f of surf.features) codes[String(f.properties.typepsc)] = (codes[String(f.properties.typepsc)] ?? 0) + 1;
  assert.deepEqual(codes, { '01': 41, '05': 4, '07': 14, '16': 2, '18': 2, '99': 14 });
  const stecal = surf.features.find((f) => f.properties.typepsc === '16')!;
  assert.equal(stecal.properties.libelle, "Secteur de taille et de capacité d'accueil limitées");
  assert.equal(stecal.properties.lib_typepsc, 'Constructions et installations nécessaires à des équipements collectifs');

  const pct = await getJson('prescription-pct?partition=DU_30014');
  assert.equal(pct.totalFeatures, 93);
  assert.ok(pct.features.some((f) => f.properties.libelle === "Patrimoine bâti à protéger pour des motifs d'ordre culturel, historique, architectural"));
  const infoSurf = await getJson('info-surf?partition=DU_30014');
  assert.equal(infoSurf.totalFeatures, 18);
  assert.ok(infoSurf.features.every((f) => f.properties.idurba === '30014_PLU_20141013'), 'the IDURBA the file carries (a fixture anomaly) is kept as published');
  const infoPct = await getJson('info-pct?partition=DU_30014');
  assert.equal(infoPct.totalFeatures, 6);
  const archeo = infoPct.features.find((f) => f.properties.libelle === 'Site archéologique')!;
  assert.equal(archeo.properties.typeinf, '16');
  assert.equal(archeo.properties.lib_typeinf, 'Site archéologique');

  const doc = await getJson('document?partition=DU_30014');
  assert.equal(doc.totalFeatures, 1, 'two DOC_URBA rows of one IDURBA make one document');
  assert.deepEqual(
    { ...doc.features[0].properties, gid: undefined },
    { gid: undefined, id: null, grid_name: '30014', grid_title: null, name: '30014_PLU_20171013', gpu_doc_id: null, gpu_status: null, gpu_timestamp: null, partition: 'DU_30014', du_type: 'PLU' },
  );
  assert.equal((await getJson(`document?${at(4.367792, 44.005104)}`)).totalFeatures, 1, 'the perimeter is the union of the zones');
  assert.equal((await getJson(`document?${at(4.5, 44.5)}`)).totalFeatures, 0);
});

test(`${BACKEND}: the 200011781 PLUi loads in DU_<SIREN>; re-importing replaces only its partition`, { skip }, async () => {
  const s = await importCnigFolder(t.db, PLUI);
  assert.equal(s.partition, 'DU_200011781');
  assert.equal(s.duType, 'PLUi');
  assert.equal(s.idurba, '20001178120180101');
  assert.equal(s.communes.length, 12);
  const zones = await getJson('zone-urba?partition=DU_200011781');
  assert.equal(zones.totalFeatures, 222);
  assert.ok(zones.features.every((z) => z.properties.idurba === '20001178120180101'), 'ZONE_URBA of the 2013 standard has no IDURBA: the document\u2019s');
  const au = await getJson(`zone-urba?${at(2.971603, 47.021631)}`);
  assert.equal(au.totalFeatures, 1);
  assert.deepEqual(
    [au.features[0].properties.libelle, au.features[0].properties.typezone, au.features[0].properties.destdomi, au.features[0].properties.insee, au.features[0].properties.datappro],
    ['1AU', 'AUc', '03', '18007', '20180101'],
  );
  const doc = (await getJson('document?partition=DU_200011781')).features[0].properties;
  assert.deepEqual([doc.grid_name, doc.du_type, doc.name], ['200011781', 'PLUi', '20001178120180101']);

  // Communes of the PLUi are covered (not RNU); another commune is.
  await t.db.query(`INSERT INTO gpu_municipality (dataset_id, insee, name) VALUES ('test', '18048', 'X'), ('test', '18275', 'Y')`);
  const m = await getJson('municipality?insee=18048');
  assert.equal(m.features[0].properties.is_rnu, false);
  assert.equal((await getJson('municipality?insee=18275')).features[0].properties.is_rnu, true);

  // Idempotent, and partition-scoped: DU_30014 keeps its rows.
  const again = await importCnigFolder(t.db, PLUI);
  assert.equal(again.layers.find((l) => l.layer === 'gpu.zone-urba')!.replaced, 222);
  assert.equal((await getJson('zone-urba?partition=DU_200011781')).totalFeatures, 222);
  assert.equal((await getJson('zone-urba?partition=DU_30014')).totalFeatures, 90);
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM gpu_document_commune WHERE partition = 'DU_200011781'`);
  assert.equal(n, 12);
});

test(`${BACKEND}: \`terroir import gpu.document <folder>\` goes through the target's importSource`, { skip }, async () => {
  const target = IMPORT_TARGETS.get('gpu.document')!;
  assert.ok(target.importSource, 'the document target loads whole folders');
  const summaries = await target.importSource(t.db, [PLU], {});
  assert.deepEqual(summaries.map((s) => [s.layer, s.loaded, s.replaced]), [
    ['gpu.zone-urba', 90, 90], ['gpu.prescription-surf', 77, 77], ['gpu.prescription-lin', 15, 15], ['gpu.prescription-pct', 93, 93],
    ['gpu.info-surf', 18, 18], ['gpu.info-pct', 6, 6], ['gpu.document', 1, 1],
  ]);
  assert.equal((await getJson('zone-urba?partition=DU_30014')).totalFeatures, 90);
  await assert.rejects(target.importSource(t.db, [`${PLU}/Pieces_ecrites`], {}), /no CNIG file/);
});

test(`${BACKEND}: one CNIG layer through the engine alone: partition from the file name prefix`, { skip }, async () => {
  const target = IMPORT_TARGETS.get('gpu.info-pct')!;
  const s = await importFiles(t.db, target, [`${PLU}/Donnees_geographiques`]);
  assert.equal(s.datasets[0].id, 'gpu.info-pct:DU_30014', 'match picks INFO_PCT among the folder\u2019s shapefiles');
  assert.equal(s.loaded, 6);
  assert.equal(s.replaced, 6);
  await assert.rejects(importFiles(t.db, IMPORT_TARGETS.get('gpu.zone-urba')!, [`${PLUI}/Donnees_geographiques/ZONE_URBA.shp`]), /partition is unknown/);
  const ok = await importFiles(t.db, IMPORT_TARGETS.get('gpu.zone-urba')!, [`${PLUI}/Donnees_geographiques/ZONE_URBA.shp`], { options: { partition: 'DU_200011781' } });
  assert.equal(ok.datasets[0].id, 'gpu.zone-urba:DU_200011781');
  assert.equal(ok.replaced, 222);
});
