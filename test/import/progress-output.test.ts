/**
 * The import's progress as a person reads it, without a database: the bar on a terminal (a
 * percentage and ETA only when a total is known), the log lines otherwise, the fraction's bounds and
 * the summary's wording. The fraction against a real import: progress.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { ImportProgress } from '../../src/import/engine.ts';
import { formatSummary, fraction, plural, progressReporter } from '../../src/import/progress.ts';

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

test('the fraction: by the announced count for one file, else by bytes, never 100 % while reading', () => {
  assert.equal(fraction({ ...base, expected: 200, fileFeatures: 50 }), 0.25);
  assert.equal(fraction({ ...base, expected: 200, fileFeatures: 200 }), 0.999);
  assert.equal(fraction({ ...base, expected: 200, fileFeatures: 199, bytes: 1, bytesTotal: 100 }), 0.995, 'the count wins over bytes');
  // Several files: the count of one file says nothing of the whole, bytes do.
  assert.equal(fraction({ ...base, fileCount: 2, expected: 200, fileFeatures: 200, bytes: 30, bytesTotal: 120 }), 0.25);
  assert.equal(fraction({ ...base, bytes: 120, bytesTotal: 120 }), 0.999);
  assert.equal(fraction({ ...base, bytes: 0, bytesTotal: 0 }), undefined, 'nothing known: a counter');
  assert.equal(fraction({ ...base, bytes: 5, bytesTotal: 0 }), undefined);
  for (const phase of ['transform', 'swap', 'done', 'wait'] as const) assert.equal(fraction({ ...base, phase }), 1, phase);
  assert.equal(plural(0, 'feature'), '0 features');
  assert.equal(plural(1, 'feature'), '1 feature');
  assert.equal(plural(2, 'feature'), '2 features');
});

test('without a terminal: a line per phase, then one every 5 s, with an ETA from the fraction', () => {
  const s = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  s.on('data', (d) => (out += d));
  const r = progressReporter(s, false);
  r.onProgress({ ...base, bytes: 25, bytesTotal: 100, features: 10, elapsedMs: 2000 });
  r.onProgress({ ...base, bytes: 50, bytesTotal: 100, features: 20, elapsedMs: 6999 });
  r.onProgress({ ...base, bytes: 75, bytesTotal: 100, features: 30, elapsedMs: 7000 });
  r.onProgress({ ...base, phase: 'transform', features: 40, elapsedMs: 7001 });
  r.stop();
  assert.deepEqual(out.trim().split('\n'), [
    '[import] reading a.json: 10 features (25%), ETA 6 s, 5 features/s, 2.0 s',
    '[import] reading a.json: 30 features (75%), ETA 2 s, 4 features/s, 7.0 s',
    '[import] reprojecting (PostGIS) a.json: 40 features, 6 features/s, 7.0 s',
  ]);
});

test('the summary: counts, merges, repairs and rejections, files with their format and encoding', () => {
  const text = formatSummary({
    layer: 'x.y', table: 'x_y', read: 10, loaded: 7, repaired: 1, merged: 1, rejected: 1, replaced: 3, seconds: 2, timings: {},
    files: [{ file: 'a.shp', format: 'shapefile', srid: 2154, crs: '.prj', encoding: 'cp1252', features: 10 }],
    datasets: [{ id: 'x.y:a', features: 7, replaced: 3, checksum: 'abcdef0123456789abcdef' }],
    repairs: [{ file: 'a.shp', feature: 3, reason: 'self-intersection' }],
    merges: [{ file: 'a.shp', feature: 0, reason: 'same id twice' }],
    rejections: [{ file: 'a.shp', feature: 9, reason: 'no geometry' }],
  });
  assert.equal(
    text,
    [
      'x.y → x_y: read 10, loaded 7, repaired 1, merged 1, rejected 1, replaced 3 (old rows), 2.0 s (5 features/s)',
      '  a.shp: 10 features, shapefile, EPSG:2154 (.prj), cp1252',
      '  dataset x.y:a: 7 features, sha256 abcdef0123456789…',
      '  repaired (first 1 of 1):',
      '    a.shp: feature 3: self-intersection',
      '  merged (first 1 of 1):',
      '    a.shp: same id twice',
      '  rejected (first 1 of 1):',
      '    a.shp: feature 9: no geometry',
    ].join('\n'),
  );
  const none = formatSummary({
    layer: 'x.y', table: 'x_y', read: 0, loaded: 0, repaired: 0, rejected: 0, replaced: 0, seconds: 0, timings: {},
    files: [], datasets: [], repairs: [], rejections: [],
  });
  assert.equal(none, 'x.y → x_y: read 0, loaded 0, repaired 0, rejected 0, replaced 0 (old rows), 0.0 s (0 features/s)');
});

test('on a terminal: the bar follows later reports; stop before any report is harmless; the default follows isTTY', () => {
  const tty = fakeTty();
  const r = progressReporter(tty); // isTTY true: the bar
  r.onProgress({ ...base, expected: 1000, features: 100, fileFeatures: 100, elapsedMs: 1000 });
  r.onProgress({ ...base, expected: 1000, features: 600, fileFeatures: 600, elapsedMs: 2000 });
  r.stop();
  assert.match(tty.text(), /\b60% \| 600 features \| 300 features\/s/, tty.text());
  const counter = fakeTty();
  const c = progressReporter(counter, true);
  c.onProgress({ ...base, features: 10, elapsedMs: 1000 });
  c.onProgress({ ...base, features: 20, elapsedMs: 2000 });
  c.stop();
  assert.match(counter.text(), /reading a\.json \| 20 features \| 10 features\/s/);
  assert.doesNotMatch(counter.text(), /%/);
  progressReporter(fakeTty(), true).stop();
  const plain = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  plain.on('data', (d) => (out += d));
  progressReporter(plain).onProgress({ ...base, features: 1, elapsedMs: 0 }); // not a terminal: log lines
  assert.equal(out, '[import] reading a.json: 1 feature, 0 features/s, 0.0 s\n', 'no total: no percentage, no ETA; no time elapsed: rate 0');
});

test('without a terminal: the waiting and swapping phases named, no ETA at 0 %', () => {
  const s = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  s.on('data', (d) => (out += d));
  const r = progressReporter(s, false);
  r.onProgress({ ...base, phase: 'wait', elapsedMs: 100 });
  r.onProgress({ ...base, bytes: 0, bytesTotal: 100, elapsedMs: 200 });
  r.onProgress({ ...base, phase: 'swap', features: 5, elapsedMs: 300 });
  assert.deepEqual(out.trim().split('\n'), [
    '[import] waiting for another import of this dataset a.json: 0 features, 0 features/s, 0.1 s',
    '[import] reading a.json: 0 features (0%), 0 features/s, 0.2 s',
    '[import] swapping into the table a.json: 5 features, 17 features/s, 0.3 s',
  ]);
});
