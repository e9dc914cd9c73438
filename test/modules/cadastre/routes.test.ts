/**
 * The five /api/cadastre routes through HTTP on a real database: answers (envelope, property names
 * and order, filters, geometry, GET and the POST forms clients use), paging of a whole commune, and
 * bad input for every parameter (a 400 naming it, with the reference's message, never a 500).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, testApp, type TestApp } from '../../helpers/app.ts';
import { skipWithoutShared } from '../../helpers/shared.ts';
import { cadastreParcelle } from '../../../src/modules/cadastre/layers.ts';
import { parcelGid } from '../../../src/modules/cadastre/gid.ts';
import { importBuilt, importSamples, SAMPLES, square } from './fixtures.ts';

type Feature = { type: string; id: string; geometry: { type: string; coordinates: unknown }; geometry_name: string; properties: Record<string, unknown>; bbox: number[] };
type Collection = { type: string; features: Feature[]; totalFeatures: number; numberMatched: number; numberReturned: number; timeStamp: string; crs: unknown; bbox?: number[]; links?: { href: string; rel: string }[] };

let t: TestApp;
const get = async (url: string) => t.app.inject({ url });
const post = async (url: string, body?: unknown) =>
  t.app.inject(body === undefined ? { method: 'POST', url } : { method: 'POST', url, payload: body as object, headers: { 'content-type': 'application/json' } });
const ok = (res: { statusCode: number; body: string; json(): unknown }): Collection => {
  assert.equal(res.statusCode, 200, res.body.slice(0, 500));
  return res.json() as Collection;
};
const idus = (c: Collection) => c.features.map((f) => f.properties.idu);

// Commune 29158 (Penmarch), section AB: parcels 0001…0004 on a row, 0.001° squares; 0005 in section 0C.
const X0 = -4.35;
const Y0 = 47.8;
const parcel = (section: string, numero: string, x: number, prefixe = '000') => {
  const id = `29158${prefixe}${section.padStart(2, '0')}${numero.padStart(4, '0')}`;
  return { id, properties: { id, commune: '29158', prefixe, section, numero, contenance: 1000 + Number(numero), arpente: false, created: '2010-01-01', updated: '2024-01-01' }, geometry: square(x, Y0, 0.001) };
};

before(async () => {
  t = await testApp();
  await importBuilt(t.db, cadastreParcelle, 'cadastre-29158-parcelles.json', [
    parcel('AB', '1', X0),
    parcel('AB', '2', X0 + 0.001),
    parcel('AB', '3', X0 + 0.002),
    parcel('AB', '4', X0 + 0.003),
    parcel('C', '5', X0 + 0.006),
    parcel('AB', '6', X0 + 0.009, '012'),
  ]);
});
after(async () => t?.close());

describe('answers', () => {
  test('parcelle: the reference envelope, feature shape, property names and order', async () => {
    const c = ok(await get('/api/cadastre/parcelle?code_insee=29158&section=AB&numero=0002'));
    assert.deepEqual(Object.keys(c), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs', 'bbox']);
    assert.deepEqual(c.crs, { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4326' } });
    assert.equal(c.totalFeatures, 1);
    const f = c.features[0];
    assert.deepEqual(Object.keys(f), ['type', 'id', 'geometry', 'geometry_name', 'properties', 'bbox']);
    const gid = parcelGid('29158000AB0002');
    assert.equal(f.id, `parcelle.${gid}`);
    assert.equal(f.geometry_name, 'geom');
    assert.equal(f.geometry.type, 'MultiPolygon');
    assert.deepEqual(f.properties, {
      gid,
      numero: '0002',
      feuille: 1,
      section: 'AB',
      code_dep: '29',
      nom_com: 'Penmarch',
      code_com: '158',
      com_abs: '000',
      code_arr: '000',
      idu: '29158000AB0002',
      contenance: 1002,
      code_insee: '29158',
    });
    assert.deepEqual(Object.keys(f.properties), ['gid', 'numero', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'code_arr', 'idu', 'contenance', 'code_insee']);
    const [x0, y0, x1, y1] = f.bbox;
    assert.ok(Math.abs(x0 - (X0 + 0.001)) < 1e-9 && Math.abs(y0 - Y0) < 1e-9 && Math.abs(x1 - (X0 + 0.002)) < 1e-9 && Math.abs(y1 - (Y0 + 0.001)) < 1e-9, String(f.bbox));
    assert.deepEqual(c.bbox, f.bbox);
  });

  test('localisant, feuille, division, commune: their own property lists and geometry types', async () => {
    const l = ok(await get('/api/cadastre/localisant?code_insee=29158&section=AB&numero=0001')).features[0];
    assert.equal(l.geometry.type, 'MultiPoint');
    assert.ok(l.id.startsWith('localisant.'));
    assert.deepEqual(Object.keys(l.properties), ['gid', 'numero', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'code_arr', 'idu', 'code_insee']);
    const [lon, lat] = (l.geometry.coordinates as number[][])[0];
    assert.ok(lon > X0 && lon < X0 + 0.001 && lat > Y0 && lat < Y0 + 0.001, 'the point lies in its parcel');

    const fe = ok(await get('/api/cadastre/feuille?code_insee=29158&section=AB&com_abs=000')).features;
    assert.equal(fe.length, 1);
    assert.ok(fe[0].id.startsWith('feuille.'));
    assert.equal(fe[0].geometry.type, 'MultiPolygon');
    assert.deepEqual(Object.keys(fe[0].properties), ['gid', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'echelle', 'edition', 'code_arr', 'code_insee']);
    assert.deepEqual(fe[0].properties, { gid: fe[0].properties.gid, feuille: 1, section: 'AB', code_dep: '29', nom_com: 'Penmarch', code_com: '158', com_abs: '000', echelle: null, edition: null, code_arr: '000', code_insee: '29158' });

    const d = ok(await get('/api/cadastre/division?code_insee=29158&section=AB&com_abs=000')).features;
    assert.equal(d.length, 1);
    assert.ok(d[0].id.startsWith('divcad.'));
    assert.deepEqual(Object.keys(d[0].properties), ['feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'echelle', 'edition', 'code_arr', 'code_insee']);

    const c = ok(await get('/api/cadastre/commune?code_insee=29158')).features;
    assert.equal(c.length, 1);
    assert.equal(c[0].id, 'commune.29158');
    assert.deepEqual(c[0].properties, { gid: 29158, nom_com: 'Penmarch', code_dep: '29', code_insee: '29158' });
    assert.equal(c[0].geometry.type, 'MultiPolygon');
  });

  test('filters: each one narrows the answer', async () => {
    const all = idus(ok(await get('/api/cadastre/parcelle?code_insee=29158')));
    // Paging order is the gid's: commune, prefix, section (0C before AB), number.
    assert.deepEqual(all, ['291580000C0005', '29158000AB0001', '29158000AB0002', '29158000AB0003', '29158000AB0004', '29158012AB0006']);
    const q = async (s: string) => idus(ok(await get(`/api/cadastre/parcelle?${s}`)));
    assert.deepEqual(await q('code_dep=29&code_com=158&section=0C'), ['291580000C0005']);
    assert.deepEqual(await q('code_dep=29&section=AB&numero=0003'), ['29158000AB0003']);
    assert.deepEqual(await q('code_com=158&numero=0004'), ['29158000AB0004']);
    assert.deepEqual(await q('nom_com=Penmarch&section=ab&numero=0001'), ['29158000AB0001'], 'section compared upper-cased');
    assert.deepEqual(await q('code_insee=29158&com_abs=012'), ['29158012AB0006']);
    assert.deepEqual(await q('code_insee=29158&code_abs=012'), ['29158012AB0006'], 'code_abs: the alias happign sends');
    assert.deepEqual(await q('code_insee=29158&code_arr=000&section=AB&com_abs=000&numero=0001'), ['29158000AB0001']);
    assert.deepEqual(await q('code_insee=29158&code_arr=101'), []);
    assert.deepEqual(await q('nom_com=penmarch'), [], 'nom_com is an exact match, as the reference');
    assert.deepEqual(await q('code_insee=29158&code_dep=75&section=AB&numero=0001'), ['29158000AB0001'], 'code_insee wins over code_dep, as the reference');
    assert.deepEqual(await q('code_insee=29158&section=AB&numero=0001&source_ign=BDP&apikey=abc'), ['29158000AB0001'], 'BDP served from the same data, apikey ignored');
    assert.deepEqual(await q('code_insee=29158&section=AB&numero=0001&source_ign=pci'), ['29158000AB0001']);
  });

  test('geom: GET string and POST object, points, lines and polygons, combined with filters', async () => {
    const point = { type: 'Point', coordinates: [X0 + 0.0025, Y0 + 0.0005] };
    assert.deepEqual(idus(ok(await get(`/api/cadastre/parcelle?geom=${encodeURIComponent(JSON.stringify(point))}`))), ['29158000AB0003']);
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle', { geom: point }))), ['29158000AB0003']);
    const line = { type: 'LineString', coordinates: [[X0 + 0.0005, Y0 + 0.0005], [X0 + 0.0025, Y0 + 0.0005]] };
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle', { geom: line }))), ['29158000AB0001', '29158000AB0002', '29158000AB0003']);
    const poly = square(X0 + 0.0015, Y0 + 0.0002, 0.0002);
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle', { geom: poly, numero: '0002' }))), ['29158000AB0002']);
    const far = { type: 'Point', coordinates: [2.35, 48.85] };
    const empty = ok(await post('/api/cadastre/parcelle', { geom: far }));
    assert.deepEqual(empty.features, []);
    const c = ok(await post('/api/cadastre/commune', { geom: point }));
    assert.equal(c.features[0].properties.code_insee, '29158');
    const fe = ok(await get(`/api/cadastre/feuille?geom=${encodeURIComponent(JSON.stringify(point))}`));
    assert.deepEqual(fe.features.map((f) => f.properties.section), ['AB']);
  });

  test('POST: JSON body, numbers for codes, query-string-only POST (happign) and both mixed', async () => {
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle', { code_insee: '29158', section: 'AB', numero: '0004' }))), ['29158000AB0004']);
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle', { code_insee: 29158, section: 'AB', numero: '0004' }))), ['29158000AB0004']);
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle?code_insee=29158&section=AB&numero=0004&source_ign=PCI&_start=0&_limit=500'))), ['29158000AB0004']);
    assert.deepEqual(idus(ok(await post('/api/cadastre/parcelle?code_insee=29158', { section: 'AB', numero: '0001' }))), ['29158000AB0001']);
  });

  test('an empty answer: no feature, crs null, no bbox, status 200', async () => {
    const c = ok(await get('/api/cadastre/parcelle?code_insee=29158&section=ZZ&numero=9999'));
    assert.deepEqual(Object.keys(c), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs']);
    assert.deepEqual([c.features, c.totalFeatures, c.numberMatched, c.numberReturned, c.crs], [[], 0, 0, 0, null]);
  });

  test('paging: _limit and _start, with next and prev links', async () => {
    const p1 = ok(await get('/api/cadastre/parcelle?code_insee=29158&_limit=4'));
    assert.deepEqual([p1.numberReturned, p1.totalFeatures, p1.numberMatched], [4, 6, 6]);
    assert.deepEqual(p1.links?.map((l) => l.rel), ['next']);
    const p2 = ok(await t.app.inject({ url: new URL(p1.links![0].href).pathname + new URL(p1.links![0].href).search }));
    assert.deepEqual([p2.numberReturned, p2.totalFeatures], [2, 6]);
    assert.deepEqual(p2.links?.map((l) => l.rel), ['prev']);
    assert.deepEqual([...idus(p1), ...idus(p2)], idus(ok(await get('/api/cadastre/parcelle?code_insee=29158'))));
    const beyond = ok(await get('/api/cadastre/parcelle?code_insee=29158&_start=10'));
    assert.deepEqual([beyond.numberReturned, beyond.totalFeatures], [0, 6]);
  });
});

describe('a whole commune is paged, never truncated', { skip: skipWithoutShared('data', 'cadastre', SAMPLES['91216'].file) }, () => {
  before(async () => {
    await importSamples(t.db, ['91216']);
  });

  test('4241 parcels of 91216: five pages of at most 1000 by following the next links', async () => {
    const seen = new Set<string>();
    let url: string | undefined = '/api/cadastre/parcelle?code_insee=91216';
    const sizes: number[] = [];
    while (url) {
      const c = ok(await get(url));
      assert.equal(c.totalFeatures, 4241);
      assert.equal(c.numberMatched, 4241);
      sizes.push(c.numberReturned);
      for (const f of c.features) seen.add(f.properties.idu as string);
      const next = c.links?.find((l) => l.rel === 'next');
      if (sizes.length > 1) assert.ok(c.links?.some((l) => l.rel === 'prev'), 'prev link');
      url = next ? new URL(next.href).pathname + new URL(next.href).search : undefined;
    }
    assert.deepEqual(sizes, [1000, 1000, 1000, 1000, 241]);
    assert.equal(seen.size, 4241);
  });

  test('happign pages of 500 with _start', async () => {
    const c = ok(await post('/api/cadastre/parcelle?code_insee=91216&source_ign=PCI&_start=4000&_limit=500'));
    assert.deepEqual([c.numberReturned, c.totalFeatures], [241, 4241]);
  });

  test('a département, the commune route and its 500 cap', async () => {
    const d = ok(await get('/api/cadastre/feuille?code_dep=91'));
    assert.equal(d.totalFeatures, SAMPLES['91216'].sections);
    const c = ok(await get('/api/cadastre/commune?code_dep=91&_limit=500'));
    assert.deepEqual(c.features.map((f) => f.properties.nom_com), ['Épinay-sur-Orge']);
  });
});

describe('bad input: a 400 naming the parameter, never a 500', () => {
  const ROUTES = ['commune', 'division', 'feuille', 'parcelle', 'localisant'] as const;
  const SECTION_ROUTES = ['division', 'feuille', 'parcelle', 'localisant'] as const;
  const PARCEL_ROUTES = ['parcelle', 'localisant'] as const;

  /** GET with `value` in the query string, and POST with it in the JSON body. */
  async function bad(route: string, param: string, value: unknown, message?: RegExp) {
    const qs = `${encodeURIComponent(param)}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`;
    const g = assertProblem(await get(`/api/cadastre/${route}?${qs}`), 400, param);
    assert.equal(g.invalid_params[0].in, 'query');
    if (message) assert.match(g.message[param].msg, message, `${route} ${param}=${String(value)}`);
    const p = assertProblem(await post(`/api/cadastre/${route}`, { [param]: value }), 400, param);
    assert.equal(p.invalid_params[0].in, 'body');
    if (message) assert.match(p.message[param].msg, message);
  }

  test('code_insee', async () => {
    for (const r of ROUTES) {
      await bad(r, 'code_insee', '2915', /^INSEE code must have 5 characters$/);
      await bad(r, 'code_insee', 'testapi', /^INSEE code must have 5 characters$/);
      for (const v of ['29A58', '99001', '20001', '00123', '2C001']) await bad(r, 'code_insee', v, /^Invalid INSEE code$/);
    }
  });

  test('code_dep, code_com, nom_com, apikey', async () => {
    for (const r of ROUTES) {
      await bad(r, 'apikey', 'k'.repeat(1001));
      for (const v of ['1', 'ABCD', '2-', '979']) await bad(r, 'code_dep', v, /^Code département invalide$/);
      for (const v of ['1', '1234', 'abc']) await bad(r, 'code_com', v, /^Code commune invalide$/);
      await bad(r, 'nom_com', 'x'.repeat(201));
    }
  });

  test('section, code_arr, com_abs, code_abs', async () => {
    for (const r of SECTION_ROUTES) {
      for (const v of ['A', 'ABC', 'A-']) await bad(r, 'section', v, /^Le numéro de section est sur 2 caractères$/);
      for (const v of ['12', '1234', 'abc']) await bad(r, 'code_arr', v, /^Le code arrondissement est composé de 3 chiffres$/);
      for (const v of ['1', 'abc']) {
        await bad(r, 'com_abs', v, /^Le prefixe est composé de 3 chiffres obligatoires$/);
        await bad(r, 'code_abs', v, /^Le prefixe est composé de 3 chiffres obligatoires$/);
      }
    }
    assertProblem(await get('/api/cadastre/parcelle?com_abs=000&code_abs=012'), 400, 'code_abs');
  });

  test('numero: exactly 4 word characters (anchored, unlike the reference)', async () => {
    for (const r of PARCEL_ROUTES) for (const v of ['1', '001', 'ABCD1', '12-4']) await bad(r, 'numero', v, /^Le numéro de parcelle est sur 4 caractères$/);
  });

  test('parameters a route does not have are unknown there', async () => {
    for (const r of ROUTES) await bad(r, 'foo', 'bar');
    await bad('commune', 'section', 'AB');
    await bad('commune', 'numero', '0001');
    await bad('feuille', 'numero', '0001');
    await bad('division', 'numero', '0001');
  });

  test('legacy names are refused with a message naming the new one', async () => {
    for (const r of ROUTES) {
      await bad(r, 'codearr', '101', /"codearr" a été remplacé par "code_arr"/);
      await bad(r, 'dep', '29', /"dep" a été remplacé par "code_dep"/);
      await bad(r, 'insee', '29158', /"insee" a été remplacé par "code_insee"/);
    }
  });

  test('source_ign: 3 characters everywhere; PCI or BDP where BD Parcellaire has the layer', async () => {
    for (const r of ROUTES) await bad(r, 'source_ign', 'PC', /^Les seules valeurs possibles sont: PCI/);
    for (const r of ['commune', 'parcelle', 'localisant']) await bad(r, 'source_ign', 'XYZ', /^Pour une recherche sur la couche PCI EXPRESS/);
    // The reference does not check the value on division and feuille (their layer is fixed).
    for (const r of ['division', 'feuille']) ok(await get(`/api/cadastre/${r}?code_insee=29158&source_ign=XYZ`));
  });

  test('geom: malformed JSON, wrong type, broken rings, out of range, self-intersecting', async () => {
    for (const r of ROUTES) {
      assertProblem(await get(`/api/cadastre/${r}?geom=${encodeURIComponent('{"type":"Point",')}`), 400, 'geom');
      await bad(r, 'geom', { type: 'Circle', coordinates: [0, 0] }, /unsupported geometry type/);
      await bad(r, 'geom', { type: 'Point', coordinates: [1] }, /position/);
      await bad(r, 'geom', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, /closed/);
      await bad(r, 'geom', { type: 'Point', coordinates: [200, 47] }, /longitude/);
      await bad(r, 'geom', { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] }, /invalid geometry/i);
      await bad(r, 'geom', 42);
    }
  });

  test('_limit and _start: integers, _limit at most 1000 (500 for communes)', async () => {
    for (const r of ROUTES) {
      for (const v of ['0', 'abc', '1.5', '-3']) assertProblem(await get(`/api/cadastre/${r}?_limit=${v}`), 400, '_limit');
      for (const v of ['-1', 'x', '0.5']) assertProblem(await get(`/api/cadastre/${r}?_start=${v}`), 400, '_start');
      assertProblem(await post(`/api/cadastre/${r}`, { _limit: 0 }), 400, '_limit');
    }
    for (const r of SECTION_ROUTES) {
      const p = assertProblem(await get(`/api/cadastre/${r}?_limit=1001`), 400, '_limit');
      assert.equal(p.message._limit.msg, 'La valeur de l\'attribut "limit" doit être inférieur ou égal à 1000.');
      assertProblem(await post(`/api/cadastre/${r}?_limit=5000`), 400, '_limit');
      ok(await get(`/api/cadastre/${r}?_limit=1000`));
    }
    // The reference's own sentence for communes.
    const c = assertProblem(await get('/api/cadastre/commune?_limit=501'), 400, '_limit');
    assert.equal(c.message._limit.msg, 'La valeur de l\'attribut "limit" doit être inférieur ou égal à 500.');
    const b = assertProblem(await post('/api/cadastre/commune', { _limit: 501 }), 400, '_limit');
    assert.equal(b.invalid_params[0].in, 'body');
    ok(await get('/api/cadastre/commune?_limit=500'));
  });

  test('a repeated parameter is refused, not silently turned into a list', async () => {
    assertProblem(await get('/api/cadastre/parcelle?section=AB&section=AC'), 400, 'section');
    assertProblem(await get('/api/cadastre/parcelle?code_insee=29158&code_insee=29159'), 400, 'code_insee');
  });

  test('a body that is not an object', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/cadastre/parcelle', payload: '[1,2]', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const res2 = await t.app.inject({ method: 'POST', url: '/api/cadastre/parcelle', payload: '{"code_insee":', headers: { 'content-type': 'application/json' } });
    assert.equal(res2.statusCode, 400, res2.body);
  });
});
