import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FeatureCollectionScanner, readGeojson, type GeojsonState } from '../../../src/import/readers/geojson.ts';
import { fileSource } from '../../../src/import/readers/bytes.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { skipWithoutShared, sharedPath } from '../../helpers/shared.ts';
import { tempDir } from '../helpers.ts';

const feature = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'Feature',
  id: `f.${i}`,
  properties: { n: i, nom: `Lieu-dit « é\\"${i} »`, nested: { a: [1, { b: '}' }] } },
  geometry: { type: 'Point', coordinates: [2 + i / 1000, 48] },
  ...extra,
});

async function read(path: string, state: GeojsonState = { features: 0 }): Promise<SourceFeature[]> {
  const out: SourceFeature[] = [];
  for await (const f of readGeojson(fileSource(path), { state })) out.push(f);
  return out;
}

test('FeatureCollection scanner: any chunking gives the same features, crs before or after, strings with brackets and escapes', () => {
  const fc = { type: 'FeatureCollection', name: 'x', bbox: [0, 0, 1, 1], features: Array.from({ length: 25 }, (_, i) => feature(i)), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } } };
  const text = JSON.stringify(fc, null, 1);
  for (const size of [1, 2, 7, 64, 4096, text.length]) {
    const sc = new FeatureCollectionScanner();
    const out: SourceFeature[] = [];
    for (let i = 0; i < text.length; i += size) sc.push(text.slice(i, i + size), out);
    sc.end(out);
    assert.equal(out.length, 25, `chunk ${size}`);
    assert.deepEqual(out[24].properties, fc.features[24].properties);
    assert.equal((out[3] as SourceFeature & { id: string }).id, 'f.3');
    assert.deepEqual(out.map((f) => f.index), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.deepEqual(sc.crs, fc.crs);
  }
});

test('FeatureCollection: truncated text, a non-feature member, garbage — errors with the feature number', () => {
  const text = JSON.stringify({ type: 'FeatureCollection', features: [feature(1), feature(2), feature(3)] });
  const run = (t: string) => {
    const sc = new FeatureCollectionScanner();
    const out: SourceFeature[] = [];
    sc.push(t, out);
    sc.end(out);
    return out;
  };
  assert.throws(() => run(text.slice(0, text.length - 40)), (e: unknown) => e instanceof SourceError && e.feature === 3 && /truncated/.test(e.message));
  assert.throws(() => run(text.replace('"type":"Feature","id":"f.2"', '"type":"Feture","id":"f.2"')), (e: unknown) => e instanceof SourceError && e.feature === 2);
  assert.throws(() => run('[1,2]'), /not a JSON object/);
  assert.throws(() => run('{"type":"Topology","objects":{}}'), /not a FeatureCollection/);
  assert.throws(() => run(''), /empty file/);
  // A bare Feature is one feature.
  assert.equal(run(JSON.stringify(feature(9))).length, 1);
});

test('files: plain, .gz, newline-delimited, RFC 8142 sequence; crs member read; invalid UTF-8 refused', async () => {
  const t = tempDir();
  try {
    const feats = Array.from({ length: 300 }, (_, i) => feature(i));
    const fc = JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:2154' } }, features: feats });
    writeFileSync(join(t.dir, 'a.geojson'), fc);
    writeFileSync(join(t.dir, 'a.json.gz'), gzipSync(fc));
    writeFileSync(join(t.dir, 'a.ndjson'), feats.map((f) => JSON.stringify(f)).join('\n') + '\n');
    writeFileSync(join(t.dir, 'b.json'), feats.map((f) => JSON.stringify(f)).join('\r\n'));
    writeFileSync(join(t.dir, 'a.geojsons'), feats.map((f) => `\x1e${JSON.stringify(f)}\n`).join(''));
    writeFileSync(join(t.dir, 'a.geojsonl.gz'), gzipSync(feats.map((f) => JSON.stringify(f)).join('\n')));
    for (const name of ['a.geojson', 'a.json.gz', 'a.ndjson', 'b.json', 'a.geojsons', 'a.geojsonl.gz']) {
      const state: GeojsonState = { features: 0 };
      const out = await read(join(t.dir, name), state);
      assert.equal(out.length, 300, name);
      assert.deepEqual(out[299].properties, feats[299].properties, name);
      assert.equal(state.layout, name.startsWith('a.') && /\.(geojson|json\.gz)$/.test(name) ? 'collection' : 'sequence', name);
      if (name.startsWith('a.geo') || name === 'a.json.gz') assert.equal(state.layout === 'collection' ? (state.crs as { properties: { name: string } }).properties.name : 'EPSG:2154', 'EPSG:2154');
    }
    const bad = Buffer.concat([Buffer.from('{"type":"FeatureCollection","features":[' + JSON.stringify(feature(1)) + ',{"type":"Feature","properties":{"nom":"'), Buffer.from([0xe9]), Buffer.from('"},"geometry":null}]}')]);
    writeFileSync(join(t.dir, 'latin1.geojson'), bad);
    await assert.rejects(read(join(t.dir, 'latin1.geojson')), /not valid UTF-8/);
    writeFileSync(join(t.dir, 'broken.ndjson'), `${JSON.stringify(feature(1))}\n{"type":"Feature",\n`);
    await assert.rejects(read(join(t.dir, 'broken.ndjson')), (e: unknown) => e instanceof SourceError && e.feature === 2 && /invalid JSON/.test(e.message));
    writeFileSync(join(t.dir, 'trunc.json.gz'), gzipSync(fc).subarray(0, 500));
    await assert.rejects(read(join(t.dir, 'trunc.json.gz')), /decompress|truncated/);
  } finally {
    t.cleanup();
  }
});

test('real Etalab cadastre .json.gz streams its 4,143 parcels', { skip: skipWithoutShared('data/cadastre/cadastre-72187-parcelles.json.gz') }, async () => {
  const state: GeojsonState = { features: 0 };
  const out = await read(sharedPath('data/cadastre/cadastre-72187-parcelles.json.gz'), state);
  assert.equal(out.length, 4143);
  assert.equal(state.crs, undefined);
  assert.equal(out[0].properties.commune, '72187');
  assert.equal(out[0].geometry!.type, 'Polygon');
});
