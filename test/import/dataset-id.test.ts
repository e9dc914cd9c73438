/**
 * The same rule for every layer: two different files of one layer are two datasets (both served
 * after being imported one after the other), and one file imported again is the same dataset (it
 * replaces exactly its own rows). Files are named as each producer names them, partition included
 * where a module reads it from the name (GPU, cadastre).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG } from '../helpers/catalog.ts';
import { fileKey } from '../../src/import/dataset-id.ts';
import type { ImportContext } from '../../src/import/target.ts';

/** Two distinct files of a layer, as its producer would name them. */
function twoFiles(layer: string): [string, string] {
  if (layer.startsWith('gpu.')) return ['/d/30014_PLU_20171013/30014_ZONE_URBA.shp', '/d/18007_PLU_20190101/18007_ZONE_URBA.shp'];
  if (layer.startsWith('rpg-n2.')) return ['/d/ILOT_2021_029.shp', '/d/ILOT_2021_035.shp']; // the ASP's level-2 names: <CLASS>_<aaaa>_<ddd>
  if (layer.startsWith('cadastre.')) return ['/d/cadastre-29158-parcelles.json', '/d/cadastre-29072-parcelles.json'];
  return ['/data/21295/00646.geojson', '/data/21296/00475.geojson'];
}

test('fileKey keeps the file and its folder, not the machine path', () => {
  assert.equal(fileKey('/home/me/opendatawine/delimitation_aoc/21/21295/00475.geojson'), '21295/00475.geojson');
  assert.equal(fileKey('x.geojson'), 'x.geojson');
  assert.equal(fileKey('/x.geojson'), 'x.geojson', 'a file at the root: no empty folder name');
  assert.equal(fileKey('C:\\data\\R53\\PARCELLES_GRAPHIQUES.shp'), 'R53/PARCELLES_GRAPHIQUES.shp');
});

test('every import target: two files are two datasets, the same file again is the same dataset', () => {
  let checked = 0;
  for (const t of CATALOG.targets()) {
    if (t.importSource) continue; // sources that load themselves (CNIG folders, contours) name datasets per document or file
    const [a, b] = twoFiles(t.layer);
    // A SUP is identified by its GPU partition, always given (--option partition=): one per file here.
    const sup = /-sup-/.test(t.layer);
    const options = (file: string): Record<string, string> => (sup ? { partition: file === a ? '130007123_SUP_64_A7' : '130007123_SUP_64_AC1' } : {});
    const ctx = (file: string): ImportContext => ({ file, srid: 2154, campagne: t.layer.startsWith('rpg.ilot') ? 2010 : 2021, options: options(file) });
    let ids: string[];
    try {
      ids = [t.datasetId(ctx(a)), t.datasetId(ctx(b)), t.datasetId(ctx(a))];
    } catch (e) {
      assert.fail(`${t.layer}: no dataset id for ${a}: ${(e as Error).message}`);
    }
    assert.notEqual(ids[0], ids[1], `${t.layer}: ${a} and ${b} are one dataset (${ids[0]})`);
    assert.equal(ids[0], ids[2], `${t.layer}: the same file is the same dataset`);
    checked++;
  }
  assert.ok(checked >= 20, `${checked} targets`);
});

test('AOC, RPG and nature: files of the same name in different folders (opendatawine, IGN deliveries) are different datasets', () => {
  for (const layer of ['aoc.appellation-viticole', 'rpg.parcelle', 'rpg.ilot', 'nature.znieff1', 'nature.natura-habitat']) {
    const t = CATALOG.target(layer)!;
    const ctx = (file: string): ImportContext => ({ file, srid: 2154, campagne: layer === 'rpg.ilot' ? 2010 : 2021, options: {} });
    assert.notEqual(t.datasetId(ctx('/o/21/21295/00646.geojson')), t.datasetId(ctx('/o/21/21296/00646.geojson')), layer);
  }
});
