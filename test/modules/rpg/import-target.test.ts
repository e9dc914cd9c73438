import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb } from '../../helpers/db.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import type { ImportContext } from '../../../src/import/target.ts';
import { rpgIlot, rpgIlotApicarto, rpgParcelle, rpgParcelleApicarto } from '../../../src/modules/rpg/layers.ts';

const ctx = (campagne?: number, options: Record<string, string> = {}): ImportContext => ({ file: 'x.shp', srid: 2154, campagne, options });
const feat = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}): SourceFeature =>
  ({ index: 1, properties, geometry: null, ...extra }) as SourceFeature;
const row = (t: typeof rpgParcelle, f: SourceFeature, c: ImportContext) => Object.fromEntries(t.columns.map((col) => [col.name, col.value(f, c)]));

test('RPG targets are registered and their columns exist in the migrated tables', async () => {
  for (const layer of ['rpg.parcelle', 'rpg.ilot', 'rpg.parcelle-apicarto', 'rpg.ilot-apicarto']) assert.ok(IMPORT_TARGETS.get(layer), layer);
  const t = await freshDb();
  try {
    for (const target of [rpgParcelle, rpgIlot, rpgParcelleApicarto, rpgIlotApicarto]) {
      const cols = await t.db.query<{ column_name: string; data_type: string; udt_name: string }>(
        `SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = $1`, [target.table]);
      const byName = new Map(cols.map((c) => [c.column_name, c]));
      for (const c of [...target.columns.map((c) => c.name), 'dataset_id', target.geometry.column]) assert.ok(byName.has(c), `${target.table}.${c}`);
      for (const c of target.columns) assert.equal(byName.get(c.name)!.data_type, c.type, `${target.table}.${c.name} type`);
      const [g] = await t.db.query<{ type: string; srid: number }>(
        `SELECT type, srid FROM geometry_columns WHERE f_table_name = $1 AND f_geometry_column = $2`, [target.table, target.geometry.column]);
      assert.deepEqual(g, { type: 'MULTIPOLYGON', srid: 4326 });
      const idx = await t.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = $1`, [target.table]);
      assert.ok(idx.some((i) => /USING gist \(geom\)/.test(i.indexdef)), 'GiST index on geom');
      assert.ok(idx.some((i) => /\(dataset_id\)/.test(i.indexdef)), 'index on dataset_id');
    }
  } finally {
    await t.close();
  }
});

test('rpg.parcelle maps PARCELLES_GRAPHIQUES fields and names datasets by campaign and extent', () => {
  const f = feat({ ID_PARCEL: '2835674', SURF_PARC: 27.21, CODE_CULTU: 'pph', CODE_GROUP: 18, CULTURE_D1: '   ', CULTURE_D2: null });
  assert.deepEqual(row(rpgParcelle, f, ctx(2021, { region: '53' })), {
    campagne: 2021, gid: 2835674, id_parcel: '2835674', surf_parc: 27.21, code_cultu: 'PPH', code_group: '18',
    culture_d1: null, culture_d2: null, region: 'R53', departement: null,
  });
  // Without a région or département, the file (with its folder) names the dataset.
  assert.equal(rpgParcelle.datasetId(ctx(2021)), 'rpg.parcelle:2021:x.shp');
  assert.equal(rpgParcelle.datasetId({ ...ctx(2021), file: '/data/RPG_2-0_SHP_R53-2021/PARCELLES_GRAPHIQUES.shp' }), 'rpg.parcelle:2021:RPG_2-0_SHP_R53-2021/PARCELLES_GRAPHIQUES.shp');
  assert.equal(rpgParcelle.datasetId(ctx(2021, { region: 'R53' })), 'rpg.parcelle:2021:R53');
  assert.equal(rpgParcelle.datasetId(ctx(2016, { dep: '029' })), 'rpg.parcelle:2016:D29');
  assert.equal(rpgParcelleApicarto.datasetId(ctx(2020)), 'rpg.parcelle:2020:x.shp:apicarto');
  assert.throws(() => rpgParcelle.datasetId(ctx(undefined)), /--annee/);
  assert.throws(() => rpgParcelle.datasetId(ctx(2012)), /2012 outside/);
  assert.throws(() => rpgParcelle.datasetId(ctx(2021, { region: 'Bretagne' })), /région/);
  assert.throws(() => row(rpgParcelle, feat({ SURF_PARC: 1 }), ctx(2021)), /ID_PARCEL is missing/);
  assert.throws(() => row(rpgParcelle, feat({ ID_PARCEL: 'AB12' }), ctx(2021)), /ID_PARCEL is not a number/);
  assert.throws(() => row(rpgParcelle, feat({ ID_PARCEL: '1', SURF_PARC: 'big' }), ctx(2021)), /not a number/);
});

test('API Carto answers keep their GeoServer feature id numbers', () => {
  const props = { id_parcel: '2835674', surf_parc: 27.21, code_cultu: 'PPH', code_group: '18', culture_d1: '', culture_d2: '' };
  assert.equal(row(rpgParcelleApicarto, feat(props, { id: 'parcelles_graphiques.4291895' }), ctx(2020)).gid, 4291895);
  assert.equal(row(rpgParcelleApicarto, feat({ ...props, id: 'parcelles_graphiques.9786643' }), ctx(2021)).gid, 9786643);
  // Without an id the parcel number is the fallback, as for shapefiles.
  assert.equal(row(rpgParcelleApicarto, feat(props), ctx(2020)).gid, 2835674);
  const ilot = { num_ilot: '029-19860', commune: '29158', forme_juri: 'GAEC', surf_decla: '346.26', dep_rattac: '029', surf_graph: '3.01', surf_cultu: '1.59', code_cultu: '01', nom_cultu: 'BLE TENDRE' };
  assert.deepEqual(row(rpgIlotApicarto, feat(ilot, { id: 'rpg_2010.2806733' }), ctx(2010)), {
    campagne: 2010, gid: 2806733, num_ilot: '029-19860', commune: '29158', forme_juri: 'GAEC', surf_decla: 346.26, dep_rattac: '029',
    surf_graph: 3.01, surf_cultu: 1.59, code_cultu: '01', nom_cultu: 'BLE TENDRE', departement: '29',
  });
});

test('rpg.ilot maps ILOTS_ANONYMES fields (DBF numbers and padding)', () => {
  const f = feat({ NUM_ILOT: '02A-123', COMMUNE: '2A004', FORME_JURI: 'EARL ', SURF_DECLA: 12.5, DEP_RATTAC: 20, SURF_GRAPH: '1,90', SURF_CULTU: 1.9, CODE_CULTU: 1, NOM_CULTU: 'BLE TENDRE' });
  const r = row(rpgIlot, f, ctx(2012));
  assert.equal(r.gid, 201e9 + 123);
  assert.equal(r.commune, '2A004');
  assert.equal(r.forme_juri, 'EARL');
  assert.equal(r.dep_rattac, '020');
  assert.equal(r.surf_graph, 1.9);
  assert.equal(r.code_cultu, '01');
  assert.equal(r.departement, '2A');
  assert.equal(rpgIlot.datasetId(ctx(2012, { dep: '29' })), 'rpg.ilot:2012:D29');
  assert.throws(() => rpgIlot.datasetId(ctx(2015)), /2015 outside/);
  assert.throws(() => row(rpgIlot, feat({ NUM_ILOT: 'x' }), ctx(2012)), /NUM_ILOT/);
  assert.throws(() => row(rpgIlot, feat({ NUM_ILOT: '029-1', CODE_CULTU: 'BTH' }), ctx(2012)), /CODE_CULTU/);
  assert.throws(() => row(rpgIlot, feat({ NUM_ILOT: '029-1', COMMUNE: 'Penmarch' }), ctx(2012)), /COMMUNE/);
});
