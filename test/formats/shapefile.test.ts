/** The streaming Shapefile writer on its own: ring orientation, DBF types, UTF-8 cut at a character, names ≤ 10. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShapefileWriter } from '../../src/formats/shapefile.ts';
import { readShapefile } from '../../src/import/readers/shapefile.ts';
import { fileSource } from '../../src/import/readers/bytes.ts';

test('writes polygons with holes and multipolygons, outer rings clockwise, read back by Terroir’s reader', async () => {
  const w = new ShapefileWriter('t', [
    { name: 'NOM', type: 'C', length: 6 },
    { name: 'N', type: 'N', length: 8, decimals: 2 },
    { name: 'D', type: 'D', length: 8 },
  ]);
  try {
    await w.start();
    // GeoJSON orientation (outer counter-clockwise, hole clockwise), as PostGIS may give it.
    const outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
    const hole = [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]];
    await w.add({ type: 'Polygon', coordinates: [outer, hole] }, ['Blé dur', 12.345, '2022-04-15']);
    await w.add({ type: 'MultiPolygon', coordinates: [[outer], [[[20, 0], [21, 0], [21, 1], [20, 1], [20, 0]]]] }, ['€€€', null, null]);
    await w.finish();
    assert.equal(w.records, 2);
    const out = [];
    for await (const f of readShapefile({ shp: fileSource(join(w.dir, 't.shp')), dbf: fileSource(join(w.dir, 't.dbf')) }, { encoding: 'utf-8' })) out.push(f);
    assert.deepEqual(out[0].properties, { NOM: 'Blé d', N: 12.35, D: '2022-04-15' }, 'text cut to 6 bytes at a character boundary (é is 2 bytes)');
    assert.deepEqual(out[1].properties, { NOM: '€€', N: null, D: null }, '€ is 3 bytes: two fit in 6');
    assert.deepEqual(out[0].geometry, { type: 'Polygon', coordinates: [[...outer].reverse(), [...hole].reverse()] });
    assert.equal(out[1].geometry!.type, 'MultiPolygon');
    const shp = readFileSync(join(w.dir, 't.shp'));
    assert.equal(shp.readInt32BE(24) * 2, shp.length, 'file length in the header');
    assert.deepEqual([0, 1, 2, 3].map((k) => shp.readDoubleLE(36 + 8 * k)), [0, 0, 21, 10], 'bounding box');
    const shx = readFileSync(join(w.dir, 't.shx'));
    assert.equal(shx.length, 100 + 2 * 8);
    assert.equal(shx.readInt32BE(100) * 2, 100, 'first record at byte 100');
  } finally {
    w.cleanup();
  }
});

test('field names and lengths are checked when the writer is made', () => {
  assert.throws(() => new ShapefileWriter('t', [{ name: 'CODECULTURE', type: 'C', length: 3 }]), /1–10/);
  assert.throws(() => new ShapefileWriter('t', [{ name: 'A', type: 'C', length: 300 }]), /length 300/);
  assert.throws(() => new ShapefileWriter('t', [{ name: 'A', type: 'C', length: 3 }, { name: 'a', type: 'N', length: 3 }]), /twice/);
});
