/**
 * The nine nature routes (API Carto §11) on committed fixtures: each by `geom`, by each attribute
 * filter, paged, by GET and POST, and bad input for every parameter. Then the INPN shapefile layout
 * (Lambert-93) through `terroir import`'s path, with its repaired feature accounted for, and two
 * files of one layer both served.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { assertProblem, testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { importFeatures, importWith } from '../../../src/import/engine.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { NATURE_LAYERS } from '../../../src/modules/nature/layers.ts';
import { writeFileSync } from 'node:fs';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { join } from 'node:path';
import { tempDir, writeShapefile } from '../../import/helpers.ts';

const ZNIEFF1_SHP = fileURLToPath(new URL('./fixtures/znieff1.shp', import.meta.url));

let t: TestApp;
const square = (x: number, y: number, d = 0.01) => ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] });
const pt = (x: number, y: number) => encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [x, y] }));

/** Three sites per kind, as the INPN writes them (Natura 2000: SITECODE/SITENAME/URL; others ID_MNHN/NOM_SITE/URL_FICHE). */
function sites(kind: string, k: number): SourceFeature[] {
  const natura = kind === 'sic' || kind === 'zps';
  return [0, 1, 2].map((i) => {
    const code = natura ? `FR53${k}000${i}` : `${k}3000000${i}`;
    const name = `Site ${kind} ${i}`;
    const url = `https://inpn.mnhn.fr/site/${code}`;
    const properties = natura
      ? { SITECODE: code, SITENAME: name, URL: url }
      : { ID_MNHN: code, NOM_SITE: name, URL_FICHE: url, DATE_CREA: '2006-11-03', SURF_OFF: 12.5 + i, GEST_SITE: 'Gestionnaire', OPERATEUR: 'DREAL', ID_LOCAL: `L${i}` };
    return { index: i + 1, properties, geometry: square(-4 + i * 0.1, 45 + k * 0.1) };
  });
}

before(async () => {
  t = await testApp();
  for (const [k, n] of NATURE_LAYERS.entries()) {
    const s = await importFeatures(t.db, n.layer.targets[0], sites(n.kind, k), { file: `${n.kind}-sites.geojson`, srid: 4326, options: {} });
    assert.equal(s.loaded, 3);
  }
});
after(async () => t?.close());
const target = (kind: string) => NATURE_LAYERS.find((n) => n.kind === kind)!.layer.targets[0];

const get = (url: string) => t.app.inject({ method: 'GET', url });

for (const [k, n] of NATURE_LAYERS.entries()) {
  const natura = n.kind === 'sic' || n.kind === 'zps';
  const codeParam = natura ? 'sitecode' : 'id_mnhn';
  const nameParam = natura ? 'sitename' : 'nom';
  const code = (i: number) => (natura ? `FR53${k}000${i}` : `${k}3000000${i}`);
  const base = `/api/nature/${n.route}`;

  test(`${BACKEND}: ${base} by geom (GET and POST), with the reference's property names`, async () => {
    const res = await get(`${base}?geom=${pt(-3.895, 45.005 + k * 0.1)}`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.totalFeatures, 1);
    const [f] = body.features;
    assert.match(f.id, new RegExp(`^${n.kind}\\.\\d+$`));
    const expected =
      n.kind === 'rncf'
        ? { id_mnhn: code(1), nom_site: `Site rncf 1`, url_fiche: `https://inpn.mnhn.fr/site/${code(1)}` }
        : natura
          ? { sitecode: code(1), sitename: `Site ${n.kind} 1`, url: `https://inpn.mnhn.fr/site/${code(1)}`, id_local: null, date_crea: null, surf_off: null, gest_site: null, operateur: null }
          : { id_mnhn: code(1), nom: `Site ${n.kind} 1`, url: `https://inpn.mnhn.fr/site/${code(1)}`, id_local: 'L1', date_crea: '2006-11-03', surf_off: 13.5, gest_site: 'Gestionnaire', operateur: 'DREAL' };
    assert.deepEqual(f.properties, expected);
    assert.equal(f.geometry_name, 'geom');
    const post = await t.app.inject({ method: 'POST', url: base, payload: { geom: { type: 'Point', coordinates: [-3.895, 45.005 + k * 0.1] } } });
    assert.deepEqual(post.json().features.map((x: { id: string }) => x.id), [f.id]);
    assert.equal((await get(`${base}?geom=${pt(10, 45)}`)).json().totalFeatures, 0);
  });

  test(`${BACKEND}: ${base} by ${codeParam} and ${nameParam}, paged`, async () => {
    const byCode = (await get(`${base}?${codeParam}=${code(2)}`)).json();
    assert.equal(byCode.totalFeatures, 1);
    assert.equal(byCode.features[0].properties[n.kind === 'rncf' ? 'id_mnhn' : codeParam], code(2));
    const byName = await t.app.inject({ method: 'POST', url: base, payload: { [nameParam]: `Site ${n.kind} 0` } });
    assert.equal(byName.json().totalFeatures, 1);
    assert.equal(byName.json().features[0].properties[n.kind === 'rncf' ? 'id_mnhn' : codeParam], code(0));
    const page = (await get(`${base}?_limit=2&_start=1`)).json();
    assert.deepEqual([page.totalFeatures, page.numberReturned], [3, 2]);
    assert.ok(page.links.some((l: { rel: string }) => l.rel === 'prev'));
  });

  test(`${BACKEND}: ${base} bad input is a 400 naming the parameter`, async () => {
    assertProblem(await get(`${base}?${codeParam}=FR%2053`), 400, codeParam);
    assertProblem(await get(`${base}?${nameParam}=${'x'.repeat(251)}`), 400, nameParam);
    assertProblem(await get(`${base}?geom=%7B%22type%22%3A%22Point%22%7D`), 400, 'geom');
    assertProblem(await get(`${base}?_limit=1001`), 400, '_limit');
    assertProblem(await get(`${base}?_start=-1`), 400, '_start');
    assertProblem(await get(`${base}?nom_site=x`), 400, 'nom_site');
    assertProblem(await t.app.inject({ method: 'POST', url: base, payload: { geom: { type: 'Polygon', coordinates: [[[0, 0], [1, 0]]] } } }), 400, 'geom');
  });
}

test(`${BACKEND}: an INPN shapefile (Lambert-93, ID_MNHN/NOM/URL) imports with every feature accounted for, and a second file of the layer keeps the first`, async () => {
  const [s] = await importWith(t.db, NATURE_LAYERS.find((n) => n.kind === 'znieff1')!.layer.targets[0], [ZNIEFF1_SHP]);
  assert.deepEqual([s.read, s.loaded, s.repaired, s.rejected, s.files[0].srid], [3, 3, 1, 0, 2154]);
  assert.match(s.repairs[0].reason, /Self-intersection/);
  assert.equal(s.datasets[0].id, 'nature.znieff1:fixtures/znieff1.shp');
  const all = (await get('/api/nature/znieff1?_limit=10')).json();
  assert.equal(all.totalFeatures, 6, 'the three sites of the first import are still served');
  const kerloch = (await get(`/api/nature/znieff1?id_mnhn=530002533`)).json().features[0];
  assert.deepEqual([kerloch.properties.nom, kerloch.properties.url], ["ÉTANG DE KERLOC'H", 'https://inpn.mnhn.fr/zone/znieff/530002533']);
  // Re-importing the same file replaces exactly its dataset.
  const [again] = await importWith(t.db, NATURE_LAYERS.find((n) => n.kind === 'znieff1')!.layer.targets[0], [ZNIEFF1_SHP]);
  assert.deepEqual([again.loaded, again.replaced], [3, 3]);
  assert.equal((await get('/api/nature/znieff1')).json().totalFeatures, 6);
});

test(`${BACKEND}: a Géoplateforme WFS answer (PROTECTEDAREAS.SIC, lower-case INPN fields, GeoServer envelope) imports into natura-habitat`, async () => {
  const tmp = tempDir('terroir-nature-wfs-');
  try {
    // As data.geopf.fr/wfs answers GetFeature for patrinat_sic:sic in GeoJSON (the fields API Carto renames).
    const answer = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          id: 'sic.1187',
          geometry: { type: 'MultiPolygon', coordinates: [[[[-3.9, 48.6], [-3.8, 48.6], [-3.8, 48.7], [-3.9, 48.7], [-3.9, 48.6]]]] },
          geometry_name: 'the_geom',
          properties: { id_mnhn: 'FR5300015', nom_site: 'Baie de Morlaix', url_fiche: 'https://inpn.mnhn.fr/site/natura2000/FR5300015', date_crea: '1998-05-31Z', surf_off: 28.5, gest_site: null, operateur: 'PNR', modif_adm: null },
        },
      ],
      totalFeatures: 1,
      numberMatched: 1,
      numberReturned: 1,
      timeStamp: '2024-06-06T10:00:00.000Z',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4326' } },
    };
    const file = join(tmp.dir, 'sic-wfs.json');
    writeFileSync(file, JSON.stringify(answer));
    const [s] = await importWith(t.db, target('sic'), [file]);
    assert.deepEqual([s.read, s.loaded, s.rejected, s.files[0].srid], [1, 1, 0, 4326]);
    const [f] = (await get('/api/nature/natura-habitat?sitecode=FR5300015')).json().features;
    assert.deepEqual(f.properties, {
      sitecode: 'FR5300015', sitename: 'Baie de Morlaix', url: 'https://inpn.mnhn.fr/site/natura2000/FR5300015',
      id_local: null, date_crea: '1998-05-31', surf_off: 28.5, gest_site: null, operateur: 'PNR',
    });
    assert.deepEqual(f.bbox, [-3.9, 48.6, -3.8, 48.7], 'lon/lat kept as GeoServer writes them');
  } finally {
    tmp.cleanup();
  }
});

test(`${BACKEND}: an INPN shapefile in an overseas CRS (RGR92 / UTM 40S, La Réunion, from its .prj) is reprojected and served`, async () => {
  const tmp = tempDir('terroir-nature-utm40s-');
  try {
    const shp = writeShapefile({
      base: join(tmp.dir, 'rnn_reunion'),
      count: 1,
      fields: [{ name: 'ID_MNHN', type: 'C', length: 20 }, { name: 'NOM_SITE', type: 'C', length: 100 }, { name: 'URL_FICHE', type: 'C', length: 100 }],
      values: () => ({ ID_MNHN: 'FR3600169', NOM_SITE: 'Étang de Saint-Paul', URL_FICHE: 'https://inpn.mnhn.fr/espace/protege/FR3600169' }),
      // About 55.25–55.27 E, 21.05–21.03 S (gdaltransform EPSG:4326 → EPSG:2975), clockwise.
      ring: () => [[318200, 7671400], [318200, 7673500], [320200, 7673500], [320200, 7671400], [318200, 7671400]],
      encoding: 'utf-8',
      cpg: 'UTF-8',
      prj: 'PROJCS["RGR_1992_UTM_40S",GEOGCS["GCS_RGR_1992",DATUM["D_RGR_1992",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",10000000.0],PARAMETER["Central_Meridian",57.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]',
    });
    const [s] = await importWith(t.db, target('rnn'), [shp]);
    assert.deepEqual([s.read, s.loaded, s.rejected, s.files[0].srid], [1, 1, 0, 2975]);
    const hit = (await get(`/api/nature/rnn?geom=${pt(55.26, -21.04)}`)).json();
    assert.deepEqual(hit.features.map((f: { properties: { id_mnhn: string; nom: string } }) => [f.properties.id_mnhn, f.properties.nom]), [['FR3600169', 'Étang de Saint-Paul']]);
    const [x0, y0, x1, y1] = hit.bbox;
    for (const [v, lo, hi] of [[x0, 55.249, 55.251], [x1, 55.269, 55.271], [y0, -21.051, -21.049], [y1, -21.031, -21.029]]) assert.ok(v > lo && v < hi, `bbox ${hit.bbox}`);
  } finally {
    tmp.cleanup();
  }
});

test(`${BACKEND}: every nature layer is an OGC collection with its items, and its vector tiles carry the sites`, async () => {
  const ids = (await get('/ogc/collections?f=json')).json().collections.map((c: { id: string }) => c.id);
  for (const n of NATURE_LAYERS) assert.ok(ids.includes(`nature-${n.route}`), `nature-${n.route} in ${ids}`);
  const k = NATURE_LAYERS.findIndex((n) => n.kind === 'znieff2');
  const items = await get('/ogc/collections/nature-znieff2/items?f=json');
  assert.equal(items.statusCode, 200, items.body);
  assert.equal(items.json().numberMatched, 3);
  // The z13 tile holding the third site (its square starts at -3.8, 45 + k·0.1), decoded.
  const [lon, lat, z] = [-3.795, 45.005 + k * 0.1, 13];
  const x = Math.floor(((lon + 180) / 360) * 2 ** z);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  const tile = await get(`/tiles/nature-znieff2/${z}/${x}/${y}.mvt`);
  assert.equal(tile.statusCode, 200, tile.body);
  const vt = new VectorTile(new PbfReader(tile.rawPayload));
  const layers = Object.values(vt.layers);
  assert.equal(layers.length, 1);
  const names = Array.from({ length: layers[0].length }, (_, i) => layers[0].feature(i).properties);
  assert.ok(names.some((p) => Object.values(p).includes('Site znieff2 2')), JSON.stringify(names));
});
