import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { rpgIlotApicarto, rpgParcelleApicarto } from '../../../src/modules/rpg/layers.ts';
import { importFiles } from '../../../src/import/engine.ts';

const skip = skipWithoutShared('data', 'apicarto', 'rpg', 'rpg-v2-2020-penmarch.geojson');
const file = (name: string) => sharedPath('data', 'apicarto', 'rpg', name);

/** Covers the whole Penmarch sample. */
const ALL = { type: 'Polygon', coordinates: [[[-4.4, 47.79], [-4.3, 47.79], [-4.3, 47.84], [-4.4, 47.84], [-4.4, 47.79]]] };
const q = (params: Record<string, unknown>) =>
  '?' + Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`).join('&');

let t: TestApp;
const get = (path: string, params: Record<string, unknown>) => t.app.inject({ method: 'GET', url: `/api/rpg/${path}${q(params)}` });
const post = (path: string, payload: Record<string, unknown>, qs = '') => t.app.inject({ method: 'POST', url: `/api/rpg/${path}${qs}`, payload });
const ids = (res: { json(): { features: { id: string }[] } }) => res.json().features.map((f) => f.id);

before(async () => {
  if (skip) return;
  t = await testApp();
  await importFiles(t.db, rpgParcelleApicarto, [file('rpg-v2-2020-penmarch.geojson')], { campagne: 2020 });
  await importFiles(t.db, rpgParcelleApicarto, [file('rpg-v2-2021-penmarch.geojson')], { campagne: 2021 });
});
after(async () => t?.close());

test(`${BACKEND}: with no îlot campaign loaded, /v1 answers an empty collection and says so`, { skip }, async () => {
  const res = await get('v1', { annee: '2010', geom: ALL });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual([body.type, body.features, body.totalFeatures, body.crs], ['FeatureCollection', [], 0, null]);
  assert.equal(body.notice, 'campaign 2010 is not loaded on this Terroir; no campaign is loaded on /api/rpg/v1');
  await importFiles(t.db, rpgIlotApicarto, [file('rpg-v1-2010-penmarch.geojson')], { campagne: 2010 });
  assert.equal((await get('v1', { annee: '2010', geom: ALL })).json().totalFeatures, 8);
});

test(`${BACKEND}: v2 filters by campaign, crop code and crop group`, { skip }, async () => {
  const all2020 = await get('v2', { annee: '2020', geom: ALL });
  assert.equal(all2020.statusCode, 200);
  assert.equal(all2020.json().totalFeatures, 9);
  assert.ok(ids(all2020).every((id: string) => /^parcelles_graphiques\.\d+$/.test(id)));
  const mie = (await get('v2', { annee: '2020', geom: ALL, code_cultu: 'MIE' })).json();
  assert.deepEqual(mie.features.map((f: { properties: { code_cultu: string } }) => f.properties.code_cultu), ['MIE', 'MIE', 'MIE']);
  const g18 = (await get('v2', { annee: '2021', geom: ALL, code_group: '18' })).json();
  assert.deepEqual(g18.features.map((f: { properties: { id_parcel: string } }) => f.properties.id_parcel).sort(), ['2835204', '2835674', '2835760']);
  assert.ok(g18.features.every((f: { properties: { code_group: string } }) => f.properties.code_group === '18'));
  const both = (await get('v2', { annee: '2021', geom: ALL, code_group: '18', code_cultu: 'MIE' })).json();
  assert.equal(both.totalFeatures, 0);
  assert.equal(both.crs, null);
  // The campaign is a real filter: the same parcel (id_parcel) has another feature id in 2021.
  const y2021 = await get('v2', { annee: '2021', geom: ALL });
  assert.equal(y2021.json().totalFeatures, 9);
  assert.equal(ids(y2021).filter((id: string) => ids(all2020).includes(id)).length, 0);
});

test(`${BACKEND}: a point inside a parcel finds exactly that parcel; POST takes an object geom and query parameters`, { skip }, async () => {
  const [p] = await t.db.query<{ pt: string; gid: string }>(
    `SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) AS pt, gid::text FROM rpg_parcelle WHERE campagne = 2021 AND id_parcel = '2835760'`,
  );
  const res = await get('v2', { annee: '2021', geom: p.pt });
  assert.deepEqual(ids(res), [`parcelles_graphiques.${p.gid}`]);
  // POST takes parameters from the query string too, annee included (as the reference does).
  const viaQuery = await post('v2', { geom: JSON.parse(p.pt) }, '?annee=2021');
  assert.deepEqual(ids(viaQuery), [`parcelles_graphiques.${p.gid}`]);
  assertProblem(await post('v2', { geom: JSON.parse(p.pt) }), 400, 'annee');
  const ok = await post('v2', { annee: 2021, geom: JSON.parse(p.pt) }, '?code_cultu=PPH');
  assert.deepEqual(ids(ok), [`parcelles_graphiques.${p.gid}`]);
  const none = await post('v2', { annee: 2021, geom: JSON.parse(p.pt) }, '?code_cultu=MIE');
  assert.deepEqual(ids(none), []);
});

test(`${BACKEND}: paging with _start/_limit, totalFeatures and next/prev links`, { skip }, async () => {
  const p1 = (await get('v2', { annee: '2020', geom: ALL, _limit: '4' })).json();
  assert.equal(p1.numberReturned, 4);
  assert.equal(p1.totalFeatures, 9);
  assert.deepEqual(p1.links.map((l: { rel: string }) => l.rel), ['next']);
  assert.match(p1.links[0].href, /_start=4/);
  const p3 = (await get('v2', { annee: '2020', geom: ALL, _limit: '4', _start: '8' })).json();
  assert.equal(p3.numberReturned, 1);
  assert.equal(p3.totalFeatures, 9);
  const all = (await get('v2', { annee: '2020', geom: ALL })).json().features.map((f: { id: string }) => f.id);
  const paged = [];
  for (let s = 0; s < 9; s += 4) paged.push(...ids(await get('v2', { annee: '2020', geom: ALL, _limit: '4', _start: String(s) })));
  assert.deepEqual(paged, all, 'pages are disjoint and stable');
});

test(`${BACKEND}: v1 answers îlots with per-campaign ids and string values; POST /v1 is v1`, { skip }, async () => {
  const res = await post('v1', { annee: '2010', geom: ALL, code_cultu: '03' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.features.map((f: { id: string }) => f.id), ['rpg_2010.2806899', 'rpg_2010.2806900', 'rpg_2010.2806977']);
  const p = body.features[0].properties;
  assert.deepEqual(Object.keys(p), ['num_ilot', 'commune', 'forme_juri', 'surf_decla', 'dep_rattac', 'surf_graph', 'surf_cultu', 'code_cultu', 'nom_cultu']);
  assert.ok(Object.values(p).every((v) => typeof v === 'string'));
  assert.equal(p.surf_graph, '0.61');
  assert.equal(body.features[1].properties.surf_graph, '1.90', 'two decimals kept');
  // The reference answers POST /v1 as v2 (refusing 2010, accepting 2021); Terroir does not.
  assertProblem(await post('v1', { annee: '2021', geom: ALL }), 400, 'annee');
});

test(`${BACKEND}: annee must be a loaded campaign of the version asked`, { skip }, async () => {
  assertProblem(await get('v2', { geom: ALL }), 400, 'annee');
  assertProblem(await get('v2', { annee: 'deux', geom: ALL }), 400, 'annee');
  assertProblem(await get('v2', { annee: '20201', geom: ALL }), 400, 'annee');
  assertProblem(await get('v2', { annee: '2020.5', geom: ALL }), 400, 'annee');
  // In the span of v2 but not loaded: 200 and an empty collection, as the reference answers (a client
  // looping over years keeps going), with a notice naming the loaded campaigns. Before: a 400.
  for (const res of [await get('v2', { annee: '2018', geom: ALL }), await post('v2', { annee: 2019, geom: ALL })]) {
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.features, body.totalFeatures, body.numberReturned], [[], 0, 0]);
    assert.match(body.notice, /^campaign 201[89] is not loaded on this Terroir; campaigns loaded on \/api\/rpg\/v2: 2020, 2021$/);
  }
  // A loaded campaign where nothing matched keeps the reference's exact envelope.
  const nothing = (await get('v2', { annee: '2020', geom: { type: 'Point', coordinates: [2, 46] } })).json();
  assert.deepEqual([nothing.totalFeatures, nothing.notice], [0, undefined]);
  const old = assertProblem(await get('v2', { annee: '2010', geom: ALL }), 400, 'annee');
  assert.match(old.detail, /2010 belongs to \/api\/rpg\/v1/);
  const recent = assertProblem(await get('v1', { annee: '2021', geom: ALL }), 400, 'annee');
  assert.match(recent.detail, /2021 belongs to \/api\/rpg\/v2; campaigns loaded on \/api\/rpg\/v1: 2010$/);
  const future = assertProblem(await get('v2', { annee: '2099', geom: ALL }), 400, 'annee');
  assert.match(future.detail, /2099 is not a campaign of the RPG/);
  assertProblem(await get('v1', { annee: '2005', geom: ALL }), 400, 'annee');
  const inBody = assertProblem(await post('v2', { annee: 2010, geom: ALL }), 400, 'annee');
  assert.equal(inBody.invalid_params[0].in, 'body');
});

test(`${BACKEND}: bad geom, codes, paging and unknown parameters are 400s naming them`, { skip }, async () => {
  const bowtie = { type: 'Polygon', coordinates: [[[-4.4, 47.79], [-4.3, 47.84], [-4.3, 47.79], [-4.4, 47.84], [-4.4, 47.79]]] };
  const cases: [string, Record<string, unknown>, string][] = [
    ['v2', { annee: '2020' }, 'geom'],
    ['v2', { annee: '2020', geom: '{"type":"Polygon"' }, 'geom'],
    ['v2', { annee: '2020', geom: bowtie }, 'geom'],
    ['v2', { annee: '2020', geom: { type: 'Point', coordinates: [47.8, -200] } }, 'geom'],
    ['v2', { annee: '2020', geom: { type: 'Circle', coordinates: [0, 0] } }, 'geom'],
    ['v2', { annee: '2020', geom: ALL, code_cultu: 'pph' }, 'code_cultu'],
    ['v2', { annee: '2020', geom: ALL, code_cultu: 'PPHX' }, 'code_cultu'],
    ['v2', { annee: '2020', geom: ALL, code_group: '02' }, 'code_group'],
    ['v2', { annee: '2020', geom: ALL, code_group: '29' }, 'code_group'],
    ['v1', { annee: '2010', geom: ALL, code_cultu: 'BTH' }, 'code_cultu'],
    ['v1', { annee: '2010', geom: ALL, code_cultu: '1' }, 'code_cultu'],
    ['v1', { annee: '2010', geom: ALL, code_group: '1' }, 'code_group'],
    ['v2', { annee: '2020', geom: ALL, _limit: '1001' }, '_limit'],
    ['v2', { annee: '2020', geom: ALL, _limit: '0' }, '_limit'],
    ['v2', { annee: '2020', geom: ALL, _limit: 'dix' }, '_limit'],
    ['v2', { annee: '2020', geom: ALL, _start: '-1' }, '_start'],
    ['v2', { annee: '2020', geom: ALL, _libelles: 'peut-être' }, '_libelles'],
    ['v2', { annee: '2020', geom: ALL, pacage: '029000001' }, 'pacage'],
  ];
  for (const [v, params, name] of cases) {
    assertProblem(await get(v, params), 400, name);
    const body = Object.fromEntries(Object.entries(params).map(([k, val]) => [k, k === 'geom' && typeof val === 'string' ? val : val]));
    assertProblem(await post(v, body), 400, name);
  }
  assertProblem(await post('v2', { annee: 2020, geom: 42 }), 400, 'geom');
});

test(`${BACKEND}: _libelles=true adds the nomenclature labels after the reference properties`, { skip }, async () => {
  const plain = (await get('v2', { annee: '2020', geom: ALL, code_cultu: 'PPH' })).json();
  assert.deepEqual(Object.keys(plain.features[0].properties), ['id_parcel', 'surf_parc', 'code_cultu', 'code_group', 'culture_d1', 'culture_d2']);
  const res = await get('v2', { annee: '2020', geom: ALL, code_cultu: 'PPH', _libelles: 'true' });
  assert.equal(res.statusCode, 200, res.body);
  const f = res.json().features[0].properties;
  assert.deepEqual(Object.keys(f), ['id_parcel', 'surf_parc', 'code_cultu', 'code_group', 'culture_d1', 'culture_d2', 'libelle_cultu', 'libelle_group', 'libelle_d1', 'libelle_d2']);
  const [n] = await t.db.query<{ c: string; g: string }>(
    `SELECT c.libelle AS c, g.libelle AS g FROM nomenclature_culture c JOIN nomenclature_groupe g ON g.code = c.code_groupe WHERE c.code = 'PPH'`,
  );
  assert.equal(f.libelle_cultu, n.c);
  assert.equal(f.libelle_group, n.g);
  assert.match(f.libelle_group, /Prairies permanentes/i);
  assert.equal(f.libelle_d1, null, 'no catch crop');
  const v1 = (await get('v1', { annee: '2010', geom: ALL, code_cultu: '18', _libelles: 'true' })).json().features[0].properties;
  assert.match(v1.libelle_group, /Prairies permanentes/i);
  assert.equal(v1.nom_cultu, 'PRAIRIES PERMANENTES');
});
