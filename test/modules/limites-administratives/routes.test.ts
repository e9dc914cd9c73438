import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { assertProblem, testApp, type TestApp } from '../../helpers/app.ts';
import { loadContours, type AdminLevel } from '../../../src/modules/limites-administratives/index.ts';
import { loadReference, type RawCommune, type RawEpci } from '../../../src/modules/limites-administratives/reference.ts';
import { box, FIXTURE, FIXTURE_META, PENMARCH_POINT } from './fixture.ts';

const require = createRequire(import.meta.url);
const communes = (require('@etalab/decoupage-administratif/data/communes.json') as RawCommune[]).filter((c) => c.type === 'commune-actuelle');
const epci = require('@etalab/decoupage-administratif/data/epci.json') as RawEpci[];
const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const BASE = '/api/limites-administratives';

let t: TestApp;
before(async () => {
  t = await testApp();
  await loadReference(t.db, log);
  for (const level of Object.keys(FIXTURE) as AdminLevel[]) await loadContours(t.db, level, FIXTURE[level], FIXTURE_META);
});
after(async () => {
  await t?.close();
});

const get = (url: string) => t.app.inject({ method: 'GET', url: `${BASE}${url}` });
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url: `${BASE}${url}`, payload: payload as object });
const q = (params: Record<string, unknown>) =>
  '?' + Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`).join('&');

interface FC {
  type: string;
  features: { type: string; id: string; geometry: { type: string } | null; geometry_name: string; properties: Record<string, unknown>; bbox: number[] | null }[];
  totalFeatures: number;
  numberMatched: number;
  numberReturned: number;
  crs: unknown;
  bbox?: number[];
  links?: { href: string; rel: string }[];
}
function fc(res: { statusCode: number; body: string; headers: Record<string, unknown> }): FC {
  assert.equal(res.statusCode, 200, res.body.slice(0, 500));
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return JSON.parse(res.body) as FC;
}
const codes = (body: FC) => body.features.map((f) => f.properties.id);

test('commune by code: the reference property names, in its order, with Penmarch values', async () => {
  const body = fc(await get('/commune?code=29158'));
  assert.equal(body.totalFeatures, 1);
  const [f] = body.features;
  assert.equal(f.id, 'commune.29158');
  assert.equal(f.geometry_name, 'geometrie');
  assert.equal(f.geometry?.type, 'MultiPolygon');
  assert.deepEqual(f.bbox, [-4.4, 47.79, -4.33, 47.83]);
  const penmarch = communes.find((c) => c.code === '29158')!;
  assert.deepEqual(Object.keys(f.properties), [
    'id', 'nom_com', 'nom_com_m', 'insee_com', 'statut', 'population', 'insee_arr', 'insee_dep', 'insee_reg', 'code_epci', 'nom_dep', 'nom_reg', 'codes_postaux',
  ]);
  assert.deepEqual(f.properties, {
    id: '29158',
    nom_com: 'Penmarch',
    nom_com_m: 'PENMARCH',
    insee_com: '29158',
    statut: 'Commune simple',
    population: String(penmarch.population),
    insee_arr: '4',
    insee_dep: '29',
    insee_reg: '53',
    code_epci: '242900702',
    nom_dep: 'Finistère',
    nom_reg: 'Bretagne',
    codes_postaux: '29760',
  });
});

test('a unit without a loaded contour answers with geometry null', async () => {
  const body = fc(await get('/commune?code=75056'));
  const [f] = body.features;
  assert.equal(f.geometry, null);
  assert.equal(f.bbox, null);
  assert.equal(body.bbox, undefined, 'no collection bbox without any geometry');
  assert.equal(f.properties.statut, "Capitale d'état");
  assert.equal(String(f.properties.codes_postaux).split('/').length, 21);
});

test('epci, departement and region: property names and values', async () => {
  const members = epci.find((e) => e.code === '242900702')!;
  const e = fc(await get('/epci?code=242900702')).features[0];
  assert.equal(e.id, 'epci.242900702');
  assert.deepEqual(e.properties, {
    id: '242900702',
    nom_epci: 'CC du Pays Bigouden Sud',
    nom_epci_m: 'CC DU PAYS BIGOUDEN SUD',
    code_epci: '242900702',
    nature_epci: 'Communauté de communes',
    type_epci: 'CC',
    mode_financement: members.modeFinancement,
    population: String(members.populationMunicipale),
    nb_communes: members.membres.length,
    insee_communes: members.membres.map((m) => m.code).sort().join('/'),
  });
  const d = fc(await get('/departement?code=29')).features[0];
  assert.equal(d.id, 'departement.29');
  assert.deepEqual(d.properties, { id: '29', nom_dep: 'Finistère', nom_dep_m: 'FINISTERE', insee_dep: '29', insee_reg: '53' });
  const r = fc(await get('/region?code=53')).features[0];
  assert.equal(r.id, 'region.53');
  assert.deepEqual(r.properties, { id: '53', nom_reg: 'Bretagne', nom_reg_m: 'BRETAGNE', insee_reg: '53' });
  const metro = fc(await get('/epci?code=200046977')).features[0];
  assert.equal(metro.properties.nature_epci, 'Métropole de Lyon');
});

test('lon/lat finds the unit containing the point, at every level, GET and POST', async () => {
  const { lon, lat } = PENMARCH_POINT;
  assert.deepEqual(codes(fc(await get(`/commune?lon=${lon}&lat=${lat}`))), ['29158']);
  assert.deepEqual(codes(fc(await post('/commune', { lon, lat }))), ['29158']);
  assert.deepEqual(codes(fc(await get(`/epci?lon=${lon}&lat=${lat}`))), ['242900702']);
  assert.deepEqual(codes(fc(await get(`/departement?lon=${lon}&lat=${lat}`))), ['29']);
  assert.deepEqual(codes(fc(await post(`/region?lon=${lon}&lat=${lat}`, {}))), ['53'], 'POST reads the query string too');
  const none = fc(await get('/commune?lon=2.35&lat=48.85'));
  assert.equal(none.totalFeatures, 0, 'Paris has no contour in the fixture');
  assert.equal(none.crs, null);
});

test('geom finds the intersecting units; combines with attribute filters', async () => {
  const both = box(-4.36, 47.8, -4.3, 47.82);
  const body = fc(await get(`/commune${q({ geom: both })}`));
  assert.deepEqual(codes(body), ['29158', '29220']);
  assert.deepEqual(body.bbox, [-4.4, 47.79, -4.2, 47.9]);
  assert.deepEqual(codes(fc(await post('/commune', { geom: both }))), ['29158', '29220']);
  assert.deepEqual(codes(fc(await post('/commune', { geom: both, nom: "pont-l'abbe" }))), ['29220']);
  assert.deepEqual(codes(fc(await get(`/commune${q({ geom: box(-4.39, 47.8, -4.38, 47.81) })}`))), ['29158']);
});

test('attribute filters: nom (case and accents ignored), insee_dep, insee_reg, code_epci', async () => {
  assert.deepEqual(codes(fc(await get('/commune?nom=penmarch'))), ['29158']);
  assert.deepEqual(codes(fc(await get(`/commune?nom=${encodeURIComponent('PONT-L’ABBÉ'.replace('’', "'"))}`))), ['29220']);
  assert.deepEqual(codes(fc(await get(`/region?nom=${encodeURIComponent('île-de-france')}`))), ['11']);
  assert.deepEqual(codes(fc(await get(`/departement?nom=finistere`))), ['29']);
  assert.deepEqual(codes(fc(await get(`/epci?nom=${encodeURIComponent('cc du pays bigouden sud')}`))), ['242900702']);
  const inBretagne = fc(await get('/departement?insee_reg=53'));
  assert.deepEqual(codes(inBretagne), ['22', '29', '35', '56']);
  const members = epci.find((e) => e.code === '242900702')!.membres.map((m) => m.code).sort();
  assert.deepEqual(codes(fc(await get('/commune?code_epci=242900702'))), members);
  assert.equal(fc(await get('/commune?insee_reg=53&_limit=1')).totalFeatures, communes.filter((c) => c.region === '53').length);
  assert.equal(fc(await get('/commune?insee_dep=29&nom=penmarch')).totalFeatures, 1);
  assert.equal(fc(await get('/commune?insee_dep=56&nom=penmarch')).totalFeatures, 0);
  assert.equal(fc(await get('/region')).totalFeatures, 26, 'no filter: the whole layer');
});

test('paging: _start/_limit, totals and next/prev links', async () => {
  const total = communes.filter((c) => c.departement === '29').length;
  const first = fc(await get('/commune?insee_dep=29&_limit=100'));
  assert.equal(first.totalFeatures, total);
  assert.equal(first.numberMatched, total);
  assert.equal(first.numberReturned, 100);
  assert.deepEqual(first.links?.map((l) => l.rel), ['next']);
  const next = new URL(first.links![0].href);
  assert.equal(next.pathname, `${BASE}/commune`);
  assert.equal(next.searchParams.get('_start'), '100');
  assert.equal(next.searchParams.get('insee_dep'), '29');
  const last = fc(await get(`/commune?insee_dep=29&_limit=100&_start=${total - 5}`));
  assert.equal(last.numberReturned, 5);
  assert.deepEqual(last.links?.map((l) => l.rel), ['prev']);
  const all = fc(await get('/commune'));
  assert.equal(all.numberReturned, 1000, 'default and maximum page: 1000');
  assert.equal(all.totalFeatures, communes.length);
  const page2 = fc(await get('/commune?insee_dep=29&_limit=100&_start=100'));
  assert.equal(page2.features[0].properties.id, communes.filter((c) => c.departement === '29').map((c) => c.code).sort()[100]);
});

test('bad input: a 400 problem naming the parameter, for every parameter', async () => {
  const cases: [string, string][] = [
    ['/commune?code=2915', 'code'],
    ['/commune?code=291580', 'code'],
    ['/commune?code=2C001', 'code'],
    ['/departement?code=2C', 'code'],
    ['/region?code=5', 'code'],
    ['/epci?code=24290070', 'code'],
    ['/commune?nom=', 'nom'],
    [`/commune?nom=${'x'.repeat(201)}`, 'nom'],
    ['/commune?insee_dep=299', 'insee_dep'],
    ['/commune?insee_reg=X', 'insee_reg'],
    ['/commune?code_epci=abc', 'code_epci'],
    ['/departement?insee_reg=1', 'insee_reg'],
    ['/commune?lon=-4.35', 'lat'],
    ['/epci?lat=47.81', 'lon'],
    ['/region?lon=-4.35&lat=100', 'lat'],
    ['/departement?lon=200&lat=47', 'lon'],
    ['/commune?lon=abc&lat=47', 'lon'],
    ['/commune?lon=1&lat=Infinity', 'lat'],
    [`/commune?lon=-4.35&lat=47.81&geom=${encodeURIComponent(JSON.stringify(box(0, 0, 1, 1)))}`, 'geom'],
    ['/commune?geom=not_valid', 'geom'],
    [`/commune?geom=${encodeURIComponent('{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}')}`, 'geom'],
    ['/commune?foo=1', 'foo'],
    ['/commune?code_insee=29158', 'code_insee'],
    ['/commune?_limit=5000', '_limit'],
    ['/commune?_limit=0', '_limit'],
    ['/region?_start=-1', '_start'],
    ['/region?_start=abc', '_start'],
  ];
  for (const [url, param] of cases) {
    const res = await get(url);
    const body = assertProblem(res, 400, param);
    assert.equal(body.invalid_params[0].in, 'query', url);
  }
});

test('bad input in a POST body names the parameter and its location', async () => {
  let body = assertProblem(await post('/commune', { lon: -4.35 }), 400, 'lat');
  assert.equal(body.invalid_params[0].in, 'body');
  assert.equal(body.message.lat.msg, 'Il faut renseigner soit le champ "geom", soit les champs "lon" et "lat".');
  body = assertProblem(await post('/commune', { lon: -4.35, lat: 47.81, geom: box(0, 0, 1, 1) }), 400, 'geom');
  assert.equal(body.message.geom.msg, 'Si le champ "geom" est renseigné, les champs "lon" et "lat" ne doivent pas être renseignés.');
  body = assertProblem(await post('/region', { lon: -4.35, lat: -91 }), 400, 'lat');
  assert.equal(body.message.lat.msg, 'La latitude est invalide');
  body = assertProblem(await post('/region', { lon: 181, lat: 45 }), 400, 'lon');
  assert.equal(body.message.lon.msg, 'La longitude est invalide');
  assertProblem(await post('/commune', { geom: { type: 'Point', coordinates: [1] } }), 400, 'geom');
  assertProblem(await post('/commune', { code: '2915' }), 400, 'code');
  assertProblem(await post('/epci', { bogus: true }), 400, 'bogus');
  assertProblem(await post('/departement', { _limit: 1001 }), 400, '_limit');
});

test('the layers are in the catalogue and the routes in the OpenAPI document', async () => {
  for (const level of ['commune', 'epci', 'departement', 'region']) {
    const layer = t.app.catalog.get(`limites-administratives.${level}`);
    assert.equal(layer.maxLimit, 1000);
  }
  const res = await t.app.inject({ method: 'GET', url: '/api/doc/limites-administratives.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { paths: Record<string, { get?: { parameters?: { name: string }[] }; post?: unknown }> };
  assert.deepEqual(Object.keys(doc.paths).sort(), ['commune', 'departement', 'epci', 'region'].map((l) => `${BASE}/${l}`));
  const names = doc.paths[`${BASE}/commune`].get!.parameters!.map((p) => p.name);
  for (const n of ['code', 'nom', 'insee_dep', 'insee_reg', 'code_epci', 'geom', 'lon', 'lat', '_start', '_limit']) assert.ok(names.includes(n), n);
});
