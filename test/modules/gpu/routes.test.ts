import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, assertProblem, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { GPU_LAYERS, LAYER_LIMITS, ALL_LIMITS } from '../../../src/modules/gpu/layers.ts';
import { loadFixtures, squareGeoJSON } from './fixtures.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
  await loadFixtures(t.db);
});
after(async () => t.close());

type Feature = { id: string; geometry: { type: string } | null; geometry_name: string; properties: Record<string, unknown>; bbox?: number[] };
type Collection = { type: string; features: Feature[]; totalFeatures: number; numberMatched: number; numberReturned: number; links?: { rel: string; href: string }[]; featureType?: string };

const get = async (path: string, status = 200) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/gpu/${path}` });
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  return res;
};
const getJson = async (path: string) => (await get(path)).json() as Collection;
const geomQs = (g: unknown) => `geom=${encodeURIComponent(JSON.stringify(g))}`;
const ids = (c: Collection) => c.features.map((f) => f.id);

/** Features each route answers from the fixtures, written out: every layer answers at least one. */
const COUNTS: Record<string, number> = {
  municipality: 4, document: 2, 'zone-urba': 4, 'secteur-cc': 1, 'prescription-pct': 1, 'prescription-lin': 1, 'prescription-surf': 2,
  'info-pct': 1, 'info-surf': 1, 'info-lin': 1, 'acte-sup': 1, 'assiette-sup-p': 1, 'assiette-sup-l': 1, 'assiette-sup-s': 1,
  'generateur-sup-p': 1, 'generateur-sup-l': 2, 'generateur-sup-s': 1,
};

test(`${BACKEND}: every layer route answers the envelope with the reference's property names, in order`, async () => {
  assert.deepEqual(GPU_LAYERS.map((l) => l.route).sort(), Object.keys(COUNTS).sort(), 'the 17 layers');
  for (const l of GPU_LAYERS) {
    const body = await getJson(l.route);
    assert.equal(body.type, 'FeatureCollection', l.route);
    assert.equal(body.totalFeatures, COUNTS[l.route], l.route);
    assert.equal(body.features.length, COUNTS[l.route], `${l.route}: features to check`);
    for (const f of body.features) {
      assert.deepEqual(Object.keys(f), ['type', 'id', 'geometry', 'geometry_name', 'properties', 'bbox'], l.route);
      assert.equal(f.geometry_name, 'the_geom');
      assert.match(f.id, new RegExp(`^${l.descriptor.table.replace(/^gpu_/, '')}\\.\\d+$`));
      assert.deepEqual(Object.keys(f.properties), l.descriptor.properties.map((p) => p.name), l.route);
    }
  }
  const zones = await getJson('zone-urba');
  assert.equal(zones.totalFeatures, 4);
  assert.deepEqual(ids(zones), ['zone_urba.101', 'zone_urba.102', 'zone_urba.103', 'zone_urba.201']);
  assert.deepEqual(Object.keys((await getJson('municipality')).features[0].properties), ['insee', 'name', 'is_rnu', 'is_deleted', 'is_coastline']);
  assert.deepEqual(Object.keys((await getJson('zone-urba')).features[0].properties), [
    'gid', 'partition', 'libelle', 'libelong', 'typezone', 'destdomi', 'nomfic', 'urlfic', 'insee', 'datappro', 'datvalid', 'idurba', 'idzone', 'lib_idzone',
  ]);
  assert.deepEqual(Object.keys((await getJson('document')).features[0].properties), [
    'gid', 'id', 'grid_name', 'grid_title', 'name', 'gpu_doc_id', 'gpu_status', 'gpu_timestamp', 'partition', 'du_type',
  ]);
});

/**
 * The layers the first fixtures left empty, each answered whole: names in the reference's order
 * (API Carto's GeoServer feature types, docs/gpu.md) and values as loaded, labels added after the
 * CNIG codes, SUP categories lower case.
 */
const ONE: Record<string, { id: string; geometry: string; properties: Record<string, unknown> }> = {
  'secteur-cc': {
    id: 'secteur_cc.801', geometry: 'MultiPolygon',
    properties: { gid: 801, partition: 'DU_29158', libelle: 'C', libelong: 'Secteur constructible', typesect: '01', fermreco: 'non', destdomi: null, nomfic: '29158_carte_20200115.pdf', urlfic: null, insee: '29158', datappro: '20200115', datvalid: '20200301', idurba: '29158_CC_20200115' },
  },
  'info-lin': {
    id: 'info_lin.421', geometry: 'MultiLineString',
    properties: { gid: 421, partition: 'DU_29158', libelle: 'Sentier côtier', txt: null, typeinf: '16', stypeinf: '00', typep: null, stypep: null, nomfic: null, urlfic: null, insee: '29158', datvalid: '20200301', idurba: '29158_CC_20200115', lib_typeinf: 'Site archéologique', lib_stypeinf: 'Site archéologique' },
  },
  'assiette-sup-p': {
    id: 'assiette_sup_p.901', geometry: 'MultiPoint',
    properties: { gid: 901, suptype: 'ac1', partition: 'SUP_29_AC1', fichier: null, idass: 'A1', idgen: 'G1', nomass: 'Calvaire', typeass: 'Périmètre', modegeoass: 'Point', paramcalc: null, srcgeoass: 'BDTopo', datesrcass: '2019' },
  },
  'assiette-sup-l': {
    id: 'assiette_sup_l.911', geometry: 'MultiLineString',
    properties: { gid: 911, suptype: 'i4', partition: 'SUP_29_I4', fichier: null, idass: 'A2', idgen: 'G2', nomass: 'Ligne 63 kV', typeass: 'Bande', modegeoass: 'Ligne', paramcalc: '10', srcgeoass: null, datesrcass: null },
  },
  'assiette-sup-s': {
    id: 'assiette_sup_s.921', geometry: 'MultiPolygon',
    properties: {
      gid: 921, suptype: 'ac1', partition: 'SUP_29_AC1', fichier: 'arrete.pdf', idass: 'A3', idgen: 'G1', nomass: 'Abords du monument', typeass: 'Périmètre de protection', modegeoass: 'Zone tampon', paramcalc: '500', srcgeoass: 'Cadastre', datesrcass: '2018',
      angle1: null, angle2: null, rayon: 500, h: null, href: null, xdebut: null, xfinal: null, ydebut: null, yfinal: null, largeur: null,
    },
  },
  'generateur-sup-p': {
    id: 'generateur_sup_p.931', geometry: 'MultiPoint',
    properties: { gid: 931, suptype: 'ac1', partition: 'SUP_29_AC1', fichier: null, idgen: 'G3', idsup: 'S1', nomgen: 'Calvaire de Penmarch', typegen: 'Monument', modegenere: 'Point', srcgeogen: 'BDTopo', datesrcgen: '2019', refbdext: null, idbdext: null, type: null, adresse: 'Rue du Calvaire' },
  },
  'generateur-sup-s': {
    id: 'generateur_sup_s.941', geometry: 'MultiPolygon',
    properties: {
      gid: 941, suptype: 'pm1', partition: 'SUP_29_PM1', fichier: null, idgen: 'G4', idsup: 'S2', nomgen: 'PPRL Penmarch', typegen: 'Plan', modegenere: 'Surface', srcgeogen: null, datesrcgen: null, refbdext: null, idbdext: null, type: null, adresse: null,
      id_gaspar: '29DDTM20150001', code_alea: 'submersion', url_grisq: null, croisement: null, type_gest: null, type_voie: null,
    },
  },
};

test(`${BACKEND}: secteur-cc, info-lin and the SUP point, line and surface layers answer their feature whole`, async () => {
  for (const [route, want] of Object.entries(ONE)) {
    const body = await getJson(route);
    assert.deepEqual(ids(body), [want.id], route);
    const f = body.features[0];
    assert.deepEqual(Object.keys(f), ['type', 'id', 'geometry', 'geometry_name', 'properties', 'bbox'], route);
    assert.equal(f.geometry?.type, want.geometry, route);
    assert.deepEqual(Object.keys(f.properties), Object.keys(want.properties), `${route}: property names and order`);
    assert.deepEqual(f.properties, want.properties, `${route}: values`);
  }
  // Filters reach these layers too.
  assert.deepEqual(ids(await getJson('secteur-cc?partition=DU_29158')), ['secteur_cc.801']);
  assert.equal((await getJson('secteur-cc?partition=DU_30014')).totalFeatures, 0);
  assert.deepEqual(ids(await getJson('generateur-sup-s?categorie=PM1')), ['generateur_sup_s.941']);
  assert.equal((await getJson('generateur-sup-s?categorie=AC1')).totalFeatures, 0);
  assert.deepEqual(ids(await getJson(`assiette-sup-s?${geomQs({ type: 'Point', coordinates: [-4.35, 47.815] })}`)), ['assiette_sup_s.921']);
  assert.equal((await getJson(`assiette-sup-s?${geomQs({ type: 'Point', coordinates: [-4.35, 47.83] })}`)).totalFeatures, 0);
});

test(`${BACKEND}: zone-urba by partition, by geom (GET text and POST object), paged`, async () => {
  const byPartition = await getJson('zone-urba?partition=DU_30014');
  assert.deepEqual(ids(byPartition), ['zone_urba.101', 'zone_urba.102', 'zone_urba.103']);
  const z = byPartition.features[0];
  assert.equal(z.properties.libelong, 'Zone urbaine soumise à des prescriptions architecturales particulières');
  assert.equal(z.properties.gid, 101);
  assert.equal(z.properties.datvalid, '20171013');
  assert.equal(z.geometry?.type, 'MultiPolygon');
  assert.deepEqual(z.bbox, [4.355, 43.995, 4.365, 44.005]);

  const point = await getJson(`zone-urba?${geomQs({ type: 'Point', coordinates: [4.361, 44.001] })}`);
  assert.deepEqual(ids(point), ['zone_urba.101']);
  const plui = await getJson(`zone-urba?partition=DU_200011781&${geomQs({ type: 'Point', coordinates: [2.5, 47.1] })}`);
  assert.deepEqual(ids(plui), ['zone_urba.201']);
  assert.equal(plui.features[0].properties.insee, '18007');
  const none = await getJson(`zone-urba?partition=DU_30014&${geomQs({ type: 'Point', coordinates: [2.5, 47.1] })}`);
  assert.equal(none.totalFeatures, 0);

  const post = await t.app.inject({ method: 'POST', url: '/api/gpu/zone-urba', payload: { geom: squareGeoJSON(4.37, 44.0, 0.012), partition: 'DU_30014' } });
  assert.equal(post.statusCode, 200, post.body);
  assert.deepEqual(ids(post.json()), ['zone_urba.101', 'zone_urba.102']);
  const postQs = await t.app.inject({ method: 'POST', url: '/api/gpu/zone-urba?partition=DU_200011781', payload: {} });
  assert.deepEqual(ids(postQs.json()), ['zone_urba.201'], 'POST honours query-string parameters too');

  const page1 = await getJson('zone-urba?partition=DU_30014&_limit=2');
  assert.deepEqual(ids(page1), ['zone_urba.101', 'zone_urba.102']);
  assert.equal(page1.totalFeatures, 3);
  assert.equal(page1.numberReturned, 2);
  const next = page1.links?.find((l) => l.rel === 'next');
  assert.ok(next, 'a next link');
  const page2 = await getJson(next.href.replace(/^.*\/api\/gpu\//, ''));
  assert.deepEqual(ids(page2), ['zone_urba.103']);
  assert.equal(page2.totalFeatures, 3);
});

test(`${BACKEND}: prescriptions and informations keep their CNIG codes and add their labels`, async () => {
  const surf = await getJson('prescription-surf?partition=DU_30014');
  const stecal = surf.features.find((f) => f.id === 'prescription_surf.301')!;
  assert.equal(stecal.properties.typepsc, '16');
  assert.equal(stecal.properties.stypepsc, '03');
  assert.equal(stecal.properties.lib_typepsc, 'Constructions et installations nécessaires à des équipements collectifs');
  assert.equal(stecal.properties.lib_stypepsc, 'Secteur de taille et de capacité d\u2019accueil limitées (STECAL)'.replace('\u2019', "'"));
  const unknown = surf.features.find((f) => f.id === 'prescription_surf.302')!;
  assert.equal(unknown.properties.typepsc, '77');
  assert.equal(unknown.properties.lib_typepsc, null, 'a code outside the nomenclature has no label');
  assert.equal(unknown.properties.lib_stypepsc, null);

  const lin = await getJson('prescription-lin');
  assert.equal(lin.features[0].geometry?.type, 'MultiLineString');
  assert.equal(lin.features[0].properties.lib_stypepsc, 'Implantation des constructions par rapport aux voies et aux emprises publiques');
  const pct = await getJson('prescription-pct');
  assert.equal(pct.features[0].geometry?.type, 'MultiPoint');
  assert.equal(pct.features[0].properties.lib_typepsc, "Patrimoine bâti, paysager ou éléments de paysage à protéger pour des motifs d'ordre culturel, historique, architectural ou écologique");

  const info = await getJson('info-surf');
  assert.equal(info.features[0].properties.typeinf, '19');
  assert.equal(info.features[0].properties.lib_typeinf, null, 'code 19 has no label of its own (only subcodes 01, 02)');
  assert.match(String(info.features[0].properties.lib_stypeinf), /^Zones d'assainissement collectif/);
  const archeo = await getJson('info-pct');
  assert.equal(archeo.features[0].properties.lib_typeinf, 'Site archéologique');
  assert.equal(archeo.features[0].properties.lib_stypeinf, 'Site archéologique');
  assert.equal((await getJson('info-lin?partition=DU_30014')).totalFeatures, 0, 'no line information in this PLU');
});

test(`${BACKEND}: municipality by insee; is_rnu derived from the loaded documents unless the producer said`, async () => {
  const covered = await getJson('municipality?insee=18007');
  assert.deepEqual(ids(covered), ['municipality.503']);
  assert.deepEqual(covered.features[0].properties, { insee: '18007', name: 'ARCAY', is_rnu: false, is_deleted: false, is_coastline: null });
  assert.equal((await getJson('municipality?insee=30014')).features[0].properties.is_rnu, false, 'covered by the document whose grid_name is 30014');
  assert.equal((await getJson('municipality?insee=30999')).features[0].properties.is_rnu, true, 'no document: RNU');
  assert.equal((await getJson('municipality?insee=29158')).features[0].properties.is_rnu, false, 'the GPU said so');

  // Removing the PLUi (as re-importing its partition empty would) turns its commune into RNU.
  await t.db.query(`DELETE FROM gpu_document_commune WHERE partition = 'DU_200011781'`);
  assert.equal((await getJson('municipality?insee=18007')).features[0].properties.is_rnu, true);
  await t.db.query(`INSERT INTO gpu_document_commune (dataset_id, partition, idurba, insee) VALUES ('gpu.document:DU_200011781', 'DU_200011781', '20001178120180101', '18007')`);
  assert.equal((await getJson('municipality?insee=18007')).features[0].properties.is_rnu, false);

  const lower = await getJson('municipality?insee=2a004');
  assert.equal(lower.totalFeatures, 0, 'upper-cased like the reference, valid, no such commune here');
  const byGeom = await getJson(`municipality?${geomQs({ type: 'Point', coordinates: [4.5, 44.0] })}`);
  assert.deepEqual(ids(byGeom), ['municipality.502']);
});

test(`${BACKEND}: document by partition and geom, with the GPU timestamp in UTC`, async () => {
  const doc = await getJson('document?partition=DU_30014');
  assert.deepEqual(ids(doc), ['document.10']);
  assert.deepEqual(doc.features[0].properties, {
    gid: 10, id: null, grid_name: '30014', grid_title: 'ARPAILLARGUES-ET-AUREILLAC', name: '30014_PLU_20171013',
    gpu_doc_id: null, gpu_status: null, gpu_timestamp: '2021-04-01T13:26:11Z', partition: 'DU_30014', du_type: 'PLU',
  });
  assert.deepEqual(ids(await getJson(`document?${geomQs({ type: 'Point', coordinates: [2.5, 47.1] })}`)), ['document.11']);
});

test(`${BACKEND}: SUP layers filter by categorie (any case, stored lower case) and partition`, async () => {
  assert.deepEqual(ids(await getJson('generateur-sup-l?categorie=AC1')), ['generateur_sup_l.701']);
  assert.deepEqual(ids(await getJson('generateur-sup-l?categorie=i4')), ['generateur_sup_l.702']);
  const withPartition = await getJson('generateur-sup-l?partition=SUP_29_I4&categorie=I4');
  assert.deepEqual(ids(withPartition), ['generateur_sup_l.702']);
  assert.equal(withPartition.features[0].properties.tension, 63000);
  assert.equal((await getJson('generateur-sup-l?partition=SUP_29_AC1&categorie=I4')).totalFeatures, 0);
  assert.deepEqual(ids(await getJson('acte-sup?partition=130007123_SUP_93_A7')), ['acte_sup.601']);
  const post = await t.app.inject({ method: 'POST', url: '/api/gpu/generateur-sup-l', payload: { partition: 'SUP_29_AC1', categorie: 'AC1' } });
  assert.deepEqual(ids(post.json()), ['generateur_sup_l.701']);
});

test(`${BACKEND}: /all answers the 17 layers in the reference's order, each labelled with its own featureType`, async () => {
  const res = await get(`all?${geomQs({ type: 'Point', coordinates: [4.36, 44.0] })}`);
  const all = res.json() as Collection[];
  assert.deepEqual(all.map((c) => c.featureType), [
    'municipality', 'document', 'zone-urba', 'secteur-cc', 'prescription-pct', 'prescription-lin', 'prescription-surf',
    'info-pct', 'info-surf', 'info-lin', 'acte-sup', 'assiette-sup-p', 'assiette-sup-l', 'assiette-sup-s',
    'generateur-sup-p', 'generateur-sup-l', 'generateur-sup-s',
  ]);
  const by = Object.fromEntries(all.map((c) => [c.featureType, c]));
  assert.deepEqual(ids(by.municipality), ['municipality.501']);
  assert.deepEqual(ids(by.document), ['document.10']);
  assert.deepEqual(ids(by['zone-urba']), ['zone_urba.101']);
  assert.deepEqual(ids(by['prescription-surf']), ['prescription_surf.301']);
  assert.deepEqual(ids(by['prescription-pct']), ['prescription_pct.321']);
  assert.deepEqual(ids(by['prescription-lin']), ['prescription_lin.311']);
  assert.deepEqual(ids(by['info-surf']), ['info_surf.401']);
  assert.equal(by['generateur-sup-l'].totalFeatures, 0);
  assert.equal(by['secteur-cc'].numberReturned, 0);

  // Paged per layer; the next link continues on that layer's own route.
  const wide = squareGeoJSON(4.37, 44.0, 0.05);
  const paged = (await get(`all?${geomQs(wide)}&_limit=1`)).json() as Collection[];
  const zones = paged.find((c) => c.featureType === 'zone-urba')!;
  assert.equal(zones.numberReturned, 1);
  assert.equal(zones.totalFeatures, 3);
  const next = zones.links!.find((l) => l.rel === 'next')!;
  assert.match(next.href, /\/api\/gpu\/zone-urba\?/);
  const rest = await getJson(next.href.replace(/^.*\/api\/gpu\//, ''));
  assert.deepEqual(ids(rest), ['zone_urba.102'], 'the layer route continues the page, with the same geom and _limit');

  const post = await t.app.inject({ method: 'POST', url: '/api/gpu/all', payload: { geom: { type: 'Point', coordinates: [2.5, 47.1] } } });
  assert.equal(post.statusCode, 200, post.body);
  const pb = post.json() as Collection[];
  assert.deepEqual(ids(pb.find((c) => c.featureType === 'zone-urba')!), ['zone_urba.201']);
  assert.deepEqual(ids(pb.find((c) => c.featureType === 'municipality')!), ['municipality.503']);
});

const badGeoms: [string, string][] = [
  ['malformed JSON', '{"type":"Point"'],
  ['unknown type', '{"type":"Circle","coordinates":[1,2]}'],
  ['one coordinate', '{"type":"Point","coordinates":[1]}'],
  ['latitude out of range', '{"type":"Point","coordinates":[2,95]}'],
  ['unclosed ring', '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}'],
  ['self-intersecting polygon', '{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}'],
];

test(`${BACKEND}: bad input on every route is a 400 naming the parameter, never a 500`, async () => {
  for (const l of [...GPU_LAYERS.map((x) => x.route), 'all']) {
    const max = l === 'all' ? ALL_LIMITS.maxLimit : LAYER_LIMITS.maxLimit;
    for (const [what, g] of badGeoms) {
      const res = await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?geom=${encodeURIComponent(g)}` });
      assertProblem(res, 400, 'geom');
      assert.ok(res.body.length > 0, `${l}: ${what}`);
    }
    const postBad = await t.app.inject({ method: 'POST', url: `/api/gpu/${l}`, payload: { geom: { type: 'Point', coordinates: ['x', 1] } } });
    assert.equal(assertProblem(postBad, 400, 'geom').invalid_params[0].in, 'body');
    assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?_limit=${max + 1}` }), 400, '_limit');
    assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?_limit=0` }), 400, '_limit');
    assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?_limit=ten` }), 400, '_limit');
    assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?_start=-1` }), 400, '_start');
    assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?nom=x` }), 400, 'nom');
    assertProblem(await t.app.inject({ method: 'POST', url: `/api/gpu/${l}`, payload: { bogus: 1 } }), 400, 'bogus');
    if (l !== 'municipality') assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l}?insee=30014` }), 400, 'insee');
  }
  for (const l of GPU_LAYERS) {
    if (l.filters.includes('partition')) {
      for (const bad of ['DU_9301', 'error', 'PSMV_200057867', 'ERRR_200057867', 'SUP_93A_A7', 'du_30014', 'DU_30014;DROP', '']) {
        const res = await t.app.inject({ method: 'GET', url: `/api/gpu/${l.route}?partition=${encodeURIComponent(bad)}` });
        assertProblem(res, 400, 'partition');
      }
      assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l.route}?partition=DU_30014&partition=DU_17345` }), 400, 'partition');
      assertProblem(await t.app.inject({ method: 'POST', url: `/api/gpu/${l.route}`, payload: { partition: 30014 } }), 400, 'partition');
      assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l.route}?partition=${'DU_'.padEnd(101, '1')}` }), 400, 'partition');
    } else {
      assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l.route}?partition=DU_30014` }), 400, 'partition');
    }
    if (l.filters.includes('categorie')) {
      for (const bad of ['A', '1A', 'AC-1', 'AC1;', 'ACCCCC1']) {
        assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l.route}?categorie=${encodeURIComponent(bad)}` }), 400, 'categorie');
      }
    } else {
      assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/${l.route}?categorie=AC1` }), 400, 'categorie');
    }
  }
  for (const [bad, msg] of [['3001', 'INSEE code must have 5 characters'], ['300145', 'INSEE code must have 5 characters'], ['2C004', 'Invalid INSEE code'], ['00123', 'Invalid INSEE code'], ['96001', 'Invalid INSEE code'], ['30O14', 'Invalid INSEE code']]) {
    const body = assertProblem(await t.app.inject({ method: 'GET', url: `/api/gpu/municipality?insee=${bad}` }), 400, 'insee');
    assert.equal(body.message.insee.msg, msg, `the reference's message for ${bad}`);
  }
  // Valid shapes of the reference's own examples pass (and match nothing here).
  for (const good of ['DU_93014', 'DU_200057867', 'PSMV_78646', '130007123_SUP_93_A7', '130007123_SUP_934_A7', '130007123_SUP_93014_A7', 'SUP_93_A7', 'DU_2A004']) {
    assert.equal((await getJson(`zone-urba?partition=${good}`)).totalFeatures, 0, good);
  }
});
