import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readShapefile, decodeShape, shapeToWkb, shapefileWkb, type ShapefileState } from '../../../src/import/readers/shapefile.ts';
import { geojsonToWkb } from '../../../src/import/wkb.ts';
import { encodingFromCpg } from '../../../src/import/readers/shapefile-dbf.ts';
import { fileSource } from '../../../src/import/readers/bytes.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { resolveSources } from '../../../src/import/sources.ts';
import { skipWithoutShared, sharedPath } from '../../helpers/shared.ts';
import { ZONE_FIELDS, tempDir, writeShapefile } from '../helpers.ts';
import { polyRecord } from './shape-records.ts';

const FIX = new URL('../../fixtures/import/', import.meta.url).pathname;
const NAMES = ["Étang de l'Œuvre", 'Prés du Château', 'Noué-sur-Aÿ'];

async function readAll(shp: string, dbf: string, encoding?: string, state: ShapefileState = {}): Promise<SourceFeature[]> {
  const out: SourceFeature[] = [];
  for await (const f of readShapefile({ shp: fileSource(shp), dbf: fileSource(dbf) }, { encoding, state })) out.push(f);
  return out;
}

/** Through the source resolver, as `terroir import` reads it (sidecars, .cpg, zip). */
async function readVia(path: string, opts: { encoding?: string; entry?: string } = {}) {
  const { sources, close } = await resolveSources([path], { entry: opts.entry });
  try {
    assert.equal(sources.length, 1);
    const opened = await sources[0].open(undefined as never, { encoding: opts.encoding });
    const features: SourceFeature[] = [];
    for await (const f of opened.features) features.push(f);
    return { features, srid: opened.srid(), encoding: opened.encoding(), label: sources[0].label };
  } finally {
    close();
  }
}

test('GDAL-written shapefile, Windows-1252 without .cpg: accents decoded, values typed, rings organised', async () => {
  const { features, srid, encoding } = await readVia(join(FIX, 'latin1/ZONES.shp'));
  assert.equal(srid, 2154);
  assert.equal(encoding, 'windows-1252');
  assert.deepEqual(features.map((f) => f.properties.NOM), NAMES);
  assert.deepEqual(features.map((f) => f.properties.CODE), ['Z1', 'Z2', 'Z3']);
  assert.deepEqual(features.map((f) => f.properties.SURF), [12.5, 3.25, null]);
  assert.deepEqual(features.map((f) => f.index), [1, 2, 3]);
  const [a, b] = features;
  assert.equal(a.geometry!.type, 'Polygon');
  assert.equal((a.geometry!.coordinates as unknown[]).length, 2, 'outer ring + hole');
  assert.equal(b.geometry!.type, 'MultiPolygon');
  assert.equal((b.geometry!.coordinates as unknown[]).length, 2);
});

test('UTF-8 shapefile with .cpg: same text', async () => {
  const { features, encoding } = await readVia(join(FIX, 'utf8/zones.shp'));
  assert.equal(encoding, 'utf-8');
  assert.deepEqual(features.map((f) => f.properties.NOM), NAMES);
});

test('.cpg names are understood, unknown ones refused', () => {
  assert.equal(encodingFromCpg('UTF-8\n'), 'utf-8');
  assert.equal(encodingFromCpg('1252'), 'windows-1252');
  assert.equal(encodingFromCpg('ANSI 1252'), 'windows-1252');
  assert.equal(encodingFromCpg('88591'), 'iso-8859-1');
  assert.equal(encodingFromCpg('ISO-8859-15'), 'iso-8859-15');
  assert.equal(encodingFromCpg('850'), 'cp850');
  assert.throws(() => encodingFromCpg('klingon'), /unknown encoding/);
});

test('upper-case and mixed-case extensions (.SHP beside .DBF and .prj) are found', async () => {
  const t = tempDir();
  try {
    for (const [from, to] of [['shp', 'SHP'], ['shx', 'shx'], ['dbf', 'DBF'], ['prj', 'Prj']])
      copyFileSync(join(FIX, `latin1/ZONES.${from}`), join(t.dir, `ZONES.${to}`));
    const { features, srid } = await readVia(join(t.dir, 'ZONES.SHP'));
    assert.equal(srid, 2154);
    assert.deepEqual(features.map((f) => f.properties.NOM), NAMES);
    // Naming the sidecars too (a shell glob) reads the layer once.
    const { sources, close } = await resolveSources(readdirSync(t.dir).map((n) => join(t.dir, n)));
    close();
    assert.equal(sources.length, 1);
  } finally {
    t.cleanup();
  }
});

test('zipped shapefile under a sub-folder, upper-case members, a non-layer file beside it', async () => {
  const { features, srid, label } = await readVia(join(FIX, 'zones-latin1.zip'));
  assert.equal(srid, 2154);
  assert.match(label, /zones-latin1\.zip\/Donnees_geographiques\/ZONES\.SHP$/);
  assert.deepEqual(features.map((f) => f.properties.NOM), NAMES);
  await assert.rejects(readVia(join(FIX, 'zones-latin1.zip'), { entry: '*.geojson' }), /no importable file matching --entry/);
});

test('--encoding wins over the .cpg; a .cpg claiming UTF-8 over Latin-1 bytes fails with the feature number', async () => {
  const t = tempDir();
  try {
    const shp = writeShapefile({
      base: join(t.dir, 'lie'),
      count: 5,
      fields: ZONE_FIELDS,
      values: (i) => ({ CODE: `L${i}`, NOM: i === 3 ? 'Crête' : 'Plaine', SURF: 1, RANG: i }),
      encoding: 'windows-1252',
      cpg: 'UTF-8',
    });
    await assert.rejects(readVia(shp), (e: unknown) => e instanceof SourceError && e.feature === 4 && /NOM is not valid UTF-8/.test(e.message));
    const { features } = await readVia(shp, { encoding: 'windows-1252' });
    assert.equal(features[3].properties.NOM, 'Crête');
  } finally {
    t.cleanup();
  }
});

test('no .cpg and UTF-8 bytes: recognised as UTF-8 on the first accented value', async () => {
  const t = tempDir();
  try {
    const shp = writeShapefile({
      base: join(t.dir, 'u'),
      count: 3,
      fields: ZONE_FIELDS,
      values: (i) => ({ CODE: `U${i}`, NOM: ['Plaine', 'Forêt domaniale', 'Étang'][i], SURF: null, RANG: i }),
      encoding: 'utf-8',
    });
    const { features, encoding } = await readVia(shp);
    assert.equal(encoding, 'utf-8');
    assert.deepEqual(features.map((f) => f.properties.NOM), ['Plaine', 'Forêt domaniale', 'Étang']);
  } finally {
    t.cleanup();
  }
});

test('a truncated .dbf fails at the first incomplete record, naming it', async () => {
  const t = tempDir();
  try {
    const shp = writeShapefile({ base: join(t.dir, 'cut'), count: 100, fields: ZONE_FIELDS, values: (i) => ({ CODE: `C${i}`, NOM: 'x', SURF: 1, RANG: i }) });
    const dbf = shp.replace(/\.shp$/, '.dbf');
    const recLen = 1 + 10 + 40 + 12 + 9;
    const headLen = 32 + 32 * 4 + 1;
    truncateSync(dbf, headLen + recLen * 60 + 20); // record 61 cut in the middle
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const f of readShapefile({ shp: fileSource(shp), dbf: fileSource(dbf) })) seen.push(f.index);
      })(),
      (e: unknown) => e instanceof SourceError && e.feature === 61 && /\.dbf is truncated/.test(e.message),
    );
    assert.equal(seen.length, 60);
  } finally {
    t.cleanup();
  }
});

test('a truncated .shp, and a .shp/.dbf record count mismatch, are errors', async () => {
  const t = tempDir();
  try {
    const shp = writeShapefile({ base: join(t.dir, 's'), count: 10, fields: ZONE_FIELDS, values: (i) => ({ CODE: `S${i}`, NOM: null, SURF: null, RANG: i }) });
    const dbf = shp.replace(/\.shp$/, '.dbf');
    truncateSync(shp, statSync(shp).size - 30);
    await assert.rejects(readAll(shp, dbf), (e: unknown) => e instanceof SourceError && e.feature === 10 && /\.shp is truncated/.test(e.message));
    const shp2 = writeShapefile({ base: join(t.dir, 'm'), count: 10, fields: ZONE_FIELDS, values: (i) => ({ CODE: `S${i}`, NOM: null, SURF: null, RANG: i }) });
    const other = writeShapefile({ base: join(t.dir, 'n'), count: 12, fields: ZONE_FIELDS, values: (i) => ({ CODE: `S${i}`, NOM: null, SURF: null, RANG: i }) });
    await assert.rejects(readAll(other, shp2.replace(/\.shp$/, '.dbf')), /more records than the 10 of the \.dbf/);
    await assert.rejects(readAll(shp2, other.replace(/\.shp$/, '.dbf')), /the \.shp ends after 10 records while the \.dbf has 12/);
    writeFileSync(join(t.dir, 'bad.shp'), Buffer.alloc(100));
    await assert.rejects(readAll(join(t.dir, 'bad.shp'), dbf), /is not a shapefile/);
  } finally {
    t.cleanup();
  }
});

test('shape records: null, points, lines, rings given counter-clockwise only (organised by containment)', () => {
  const rec = polyRecord;
  const nul = Buffer.alloc(4);
  assert.equal(decodeShape(nul, 1), null);
  const pt = Buffer.alloc(20);
  pt.writeInt32LE(1, 0);
  pt.writeDoubleLE(3.5, 4);
  pt.writeDoubleLE(-2, 12);
  assert.deepEqual(decodeShape(pt, 1), { type: 'Point', coordinates: [3.5, -2] });
  assert.deepEqual(decodeShape(rec(3, [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]), 1), { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] });
  // Outer ring and hole both counter-clockwise (a writer ignoring the rule): the hole stays a hole.
  const ccwOuter = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
  const ccwHole = [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]];
  const g = decodeShape(rec(5, [ccwOuter, ccwHole]), 1)!;
  assert.equal(g.type, 'Polygon');
  assert.equal((g.coordinates as unknown[]).length, 2);
  // Two clockwise outers, a counter-clockwise hole inside the second.
  const cw = (x: number) => [[x, 0], [x, 10], [x + 10, 10], [x + 10, 0], [x, 0]];
  const hole = [[22, 2], [24, 2], [24, 4], [22, 4], [22, 2]];
  const m = decodeShape(rec(5, [cw(0), cw(20), hole]), 1)!;
  assert.equal(m.type, 'MultiPolygon');
  assert.deepEqual((m.coordinates as unknown[][]).map((p) => p.length), [1, 2]);
  assert.throws(() => decodeShape(rec(31, [[[0, 0]]]), 7), (e: unknown) => e instanceof SourceError && e.feature === 7 && /MultiPatch/.test(e.message));
  const cut = rec(5, [cw(0)]).subarray(0, 60);
  assert.throws(() => decodeShape(cut, 2), /points run past the record/);
  assert.throws(() => shapeToWkb(cut, 2), /points run past the record/);
  // The WKB built from the record bytes is the WKB of the decoded GeoJSON, for every shape kind.
  const mp = Buffer.alloc(40 + 3 * 16);
  mp.writeInt32LE(8, 0);
  mp.writeInt32LE(3, 36);
  [[1, 2], [3, 4], [5, 6]].forEach(([a, c], i) => {
    mp.writeDoubleLE(a, 40 + i * 16);
    mp.writeDoubleLE(c, 48 + i * 16);
  });
  for (const r of [pt, mp, rec(3, [[[0, 0], [1, 1]]]), rec(3, [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]), rec(5, [cw(0)]), rec(5, [ccwOuter, ccwHole]), rec(5, [cw(0), cw(20), hole])])
    assert.equal(shapeToWkb(r, 1)!.toString('hex'), geojsonToWkb(decodeShape(r, 1)!).toString('hex'));
  assert.equal(shapeToWkb(nul, 1), null);
});

test('features carry their WKB until their geometry is replaced', async () => {
  const [f] = (await readVia(join(FIX, 'latin1/ZONES.shp'))).features;
  assert.equal(shapefileWkb(f)!.toString('hex'), geojsonToWkb(f.geometry!).toString('hex'));
  assert.deepEqual({ ...f }.geometry, f.geometry, 'spreading keeps the geometry');
  f.geometry = { type: 'Point', coordinates: [1, 2] };
  assert.equal(shapefileWkb(f), undefined);
  assert.deepEqual(f.geometry, { type: 'Point', coordinates: [1, 2] });
  assert.deepEqual(Object.keys(f), ['index', 'properties', 'geometry']);
});

const PLU = 'data/urbanisme/30014_PLU_20171013/Donnees_geographiques';
test('real CNIG PLU (30014): every layer reads with its published count, accents right', { skip: skipWithoutShared(PLU) }, async () => {
  const expected: Record<string, number> = { ZONE_URBA: 90, PRESCRIPTION_SURF: 77, PRESCRIPTION_LIN: 15, PRESCRIPTION_PCT: 93, INFO_SURF: 18, INFO_PCT: 6 };
  for (const [layer, n] of Object.entries(expected)) {
    const { features, srid, encoding } = await readVia(sharedPath(PLU, `30014_${layer}_20171013.shp`));
    assert.equal(features.length, n, layer);
    assert.equal(srid, 2154, layer);
    assert.equal(encoding, 'windows-1252', `${layer}: .cpg says 1252`);
    assert.ok(features.every((f) => f.geometry), layer);
  }
  const zones = (await readVia(sharedPath(PLU, '30014_ZONE_URBA_20171013.shp'))).features;
  assert.ok(zones.some((f) => f.properties.LIBELONG === 'Zone urbaine soumise à des prescriptions architecturales particulières'));
  const text = JSON.stringify(zones.map((f) => f.properties));
  assert.doesNotMatch(text, /Ã|\uFFFD/, 'no mojibake');
  const psc = (await readVia(sharedPath(PLU, '30014_PRESCRIPTION_SURF_20171013.shp'))).features;
  assert.ok(psc.some((f) => f.properties.LIBELLE === "Secteur de taille et de capacité d'accueil limitées"));
  // The raw bytes are Windows-1252 (é = E9), which is what the .cpg says.
  assert.ok(readFileSync(sharedPath(PLU, '30014_ZONE_URBA_20171013.dbf')).includes(Buffer.from([0x20, 0xe0, 0x20])));
});

test('real PLUi (200011781) without .cpg reads 222 zones', { skip: skipWithoutShared('data/urbanisme/200011781_PLUi_20180101') }, async () => {
  const { features, srid } = await readVia(sharedPath('data/urbanisme/200011781_PLUi_20180101/Donnees_geographiques/ZONE_URBA.shp'));
  assert.equal(features.length, 222);
  assert.equal(srid, 2154);
  assert.ok(features.every((f) => typeof f.properties.LIBELLE === 'string'));
});
