/**
 * The import's progress bar and summary as a person reads them: a fraction that follows the features
 * (never 100 % while most are still to come), a counter when no total is known, `1 feature`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { importFiles, type ImportProgress } from '../../src/import/engine.ts';
import { formatSummary, fraction, progressReporter } from '../../src/import/progress.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { createZoneTable, zoneTarget } from '../fixtures/import/target.ts';
import { tempDir } from './helpers.ts';

let t: TestDb;
let tmp: ReturnType<typeof tempDir>;
before(async () => {
  t = await freshDb();
  tmp = tempDir();
  await createZoneTable(t.db);
});
after(async () => {
  await t?.close();
  tmp?.cleanup();
});

/** `n` small squares as a GeoJSON FeatureCollection, gzipped (compresses to a few hundred kB). */
function zonesGz(n: number): string {
  // Coordinates with as many digits as a producer's file: they compress as poorly as real ones.
  const jitter = (i: number) => ((i * 2654435761) % 1_000_003) / 1e11;
  const features = Array.from({ length: n }, (_, i) => {
    const x = 2 + (i % 300) * 0.001 + jitter(i);
    const y = 46 + Math.floor(i / 300) * 0.001 + jitter(i + 7);
    return {
      type: 'Feature',
      properties: { CODE: `Z${i}`, NOM: `zone ${i} ${'x'.repeat(i % 40)}`, SURFACE: i, RANG: i % 7 },
      geometry: { type: 'Polygon', coordinates: [[[x, y], [x, y + 0.0005], [x + 0.0005, y + 0.0005], [x + 0.0005, y], [x, y]]] },
    };
  });
  const path = join(tmp.dir, `zones-${n}.json.gz`);
  writeFileSync(path, gzipSync(JSON.stringify({ type: 'FeatureCollection', features }))); // ~550 kB
  return path;
}

test('a .json.gz: the fraction follows the features read, never 100 % before the end', async () => {
  const n = 15_000;
  const events: ImportProgress[] = [];
  await importFiles(t.db, zoneTarget(), [zonesGz(n)], { onProgress: (p) => events.push({ ...p }) });
  const reading = events.filter((e) => e.phase === 'read');
  assert.ok(reading.length >= 3, `several progress reports while reading (${reading.length})`);
  for (const e of reading) {
    const f = fraction(e)!;
    assert.ok(f !== undefined && f < 1, `below 100 % while reading (${f} at ${e.features})`);
    // The compressed bytes the inflater consumed track the features parsed, after a first burst of
    // ~120 kB of this ~550 kB file (before: 100 % at the 256th feature, all of it read ahead).
    assert.ok(f <= e.features / n + 0.25, `fraction ${f.toFixed(2)} at ${e.features} of ${n} features runs ahead of the read`);
  }
  assert.equal(fraction(events[events.length - 1]), 1, 'done is 100 %');
});

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTty(): NodeJS.WriteStream & { text(): string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { text(): string };
  let out = '';
  s.on('data', (d) => (out += d));
  Object.assign(s, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  s.text = () => out;
  return s;
}

const base: ImportProgress = { phase: 'read', file: 'a.json', fileIndex: 0, fileCount: 1, features: 0, fileFeatures: 0, bytes: 0, bytesTotal: 0, elapsedMs: 1 };

test('on a terminal: a percentage and ETA when a total is known, a plain counter when none is', () => {
  const known = fakeTty();
  const r = progressReporter(known, true);
  r.onProgress({ ...base, expected: 4143, features: 256, fileFeatures: 256, elapsedMs: 500 });
  r.stop();
  assert.match(known.text(), /\b6% \| 256 features/, known.text());
  assert.match(known.text(), /ETA/);

  const unknown = fakeTty();
  const u = progressReporter(unknown, true);
  u.onProgress({ ...base, file: 'demo', features: 1200, elapsedMs: 1000 });
  u.stop();
  assert.match(unknown.text(), /reading demo \| 1200 features \| 1200 features\/s/);
  assert.doesNotMatch(unknown.text(), /%|ETA/, 'no invented percentage or ETA');
});

test('without a terminal: one line per phase with a percentage below 100 while reading', () => {
  const s = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  s.on('data', (d) => (out += d));
  const r = progressReporter(s, false);
  r.onProgress({ ...base, bytes: 10, bytesTotal: 10, features: 1, elapsedMs: 10 });
  r.onProgress({ ...base, phase: 'done', features: 1, elapsedMs: 20 });
  assert.match(out, /^\[import\] reading a\.json: 1 feature \(99%\)/m);
  assert.match(out, /^\[import\] done a\.json: 1 feature,/m);
});

test('the summary says `1 feature` and does not repeat `features` as a format', () => {
  const text = formatSummary({
    layer: 'x.y', table: 'x_y', read: 1, loaded: 1, repaired: 0, rejected: 0, replaced: 0, seconds: 0.1, timings: {},
    files: [{ file: 'demo', format: 'features', srid: 4326, crs: 'given by the caller', features: 1 }],
    datasets: [{ id: 'x.y:demo', features: 1, replaced: 0 }], repairs: [], rejections: [],
  });
  assert.match(text, /^ {2}demo: 1 feature, EPSG:4326 \(given by the caller\)$/m);
  assert.match(text, /^ {2}dataset x\.y:demo: 1 feature$/m);
  assert.doesNotMatch(text, /features, features|\b1 features\b/);
});
