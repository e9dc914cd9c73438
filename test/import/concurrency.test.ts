/**
 * Imports against each other and against readers (issue 11): two imports of one dataset run one
 * after the other (one dataset, no duplicate), `noWait` fails clearly, and a load never makes a
 * reader wait.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { importFeatures, importFiles, type ImportProgress } from '../../src/import/engine.ts';
import { ImportError } from '../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import { BACKEND } from '../helpers/db.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { createZoneTable, zoneTarget, ZONE_TABLE } from '../fixtures/import/target.ts';

const FIX = new URL('../fixtures/import/', import.meta.url).pathname;
let t: TestApp;
before(async () => {
  t = await testApp();
  await createZoneTable(t.db);
});
after(() => t?.close());

/** `n` WGS84 squares, one every `delayMs`: a source that takes its time, as a large file does. */
async function* slowSquares(n: number, delayMs: number): AsyncGenerator<SourceFeature> {
  for (let i = 1; i <= n; i++) {
    await sleep(delayMs);
    const x = -4.4 + i * 0.001;
    yield { index: i, properties: { CODE: `S${i}`, RANG: i }, geometry: { type: 'Polygon', coordinates: [[[x, 47.8], [x + 0.0005, 47.8], [x + 0.0005, 47.8005], [x, 47.8005], [x, 47.8]]] } };
  }
}

test(`${BACKEND}: two imports of one file at once give one dataset and no duplicate`, async () => {
  const file = join(FIX, 'latin1/ZONES.shp');
  const target = zoneTarget({ datasetId: () => 'test.zone:twice' });
  const phases: string[] = [];
  const [a, b] = await Promise.all([
    importFiles(t.db, target, [file], { onProgress: (p: ImportProgress) => phases.push(`a:${p.phase}`) }),
    importFiles(t.db, target, [file], { onProgress: (p: ImportProgress) => phases.push(`b:${p.phase}`) }),
  ]);
  assert.equal(a.loaded, 3);
  assert.equal(b.loaded, 3);
  const [c] = await t.db.query<{ n: number; codes: number }>(`SELECT count(*)::int AS n, count(DISTINCT code)::int AS codes FROM ${ZONE_TABLE} WHERE dataset_id = 'test.zone:twice'`);
  assert.deepEqual(c, { n: 3, codes: 3 });
  const sheets = await t.db.query(`SELECT id FROM terroir_dataset WHERE id = 'test.zone:twice'`);
  assert.equal(sheets.length, 1);
  assert.equal([a.datasets[0].replaced, b.datasets[0].replaced].sort().join(), '0,3', 'the second replaced the first');
  assert.ok(phases.some((p) => p.endsWith(':wait')), `the second said it waits: ${phases.join(' ')}`);
});

test(`${BACKEND}: with noWait the second import fails at once, naming the dataset`, async () => {
  const target = zoneTarget({ datasetId: () => 'test.zone:busy' });
  const slow = importFeatures(t.db, target, slowSquares(15, 100), { file: 'slow', srid: 4326, options: {} });
  await sleep(300);
  const t0 = Date.now();
  await assert.rejects(
    importFiles(t.db, target, [join(FIX, 'latin1/ZONES.shp')], { noWait: true }),
    (e) => e instanceof ImportError && /dataset test\.zone:busy is being imported by another process/.test(e.message),
  );
  assert.ok(Date.now() - t0 < 1000, 'failed at once');
  assert.equal((await slow).loaded, 15);
});

test(`${BACKEND}: readers never wait behind a first load (nor /readyz)`, async () => {
  const table = 'test_first_load';
  await createZoneTable(t.db, table);
  // On PostgreSQL the swap transaction also runs a slow afterLoad: a lock taken there would hold readers.
  const target = zoneTarget({
    table,
    datasetId: () => 'test.first:1',
    afterLoad: BACKEND === 'postgres' ? async (tx) => void (await tx.query('SELECT pg_sleep(1.5)')) : undefined,
  });
  let loading = true;
  const load = importFeatures(t.db, target, slowSquares(25, 100), { file: 'first', srid: 4326, options: {} }).finally(() => (loading = false));
  const waits: number[] = [];
  while (loading) {
    const t0 = performance.now();
    await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ST_Intersects(geom, ST_MakeEnvelope(-5, 47, -4, 48, 4326))`);
    const ready = await t.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    waits.push(performance.now() - t0);
    await sleep(50);
  }
  const summary = await load;
  assert.equal(summary.loaded, 25);
  assert.ok(waits.length >= 10, `${waits.length} reads during the load`);
  const worst = Math.max(...waits);
  assert.ok(worst < 1000, `a reader waited ${Math.round(worst)} ms`);
});
