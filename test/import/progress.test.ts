/**
 * The import's progress bar and summary as a person reads them: a fraction that follows the features
 * (never 100 % while most are still to come), a counter when no total is known, `1 feature`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { importFiles, type ImportProgress } from '../../src/import/engine.ts';
import { fraction } from '../../src/import/progress.ts';
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

// The bar, the log lines and the summary without a database: test/import/progress-output.test.ts.
