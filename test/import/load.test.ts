/**
 * The load steps of the import engine (src/import/load/), each run on its own inside a transaction
 * and checked on what it leaves behind: the staging table, the transformed rows, the validation,
 * the swapped rows, the dataset sheet. engine.test.ts covers them end to end through importFiles.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/db/database.ts';
import { featuresInput, LoadJob, type LoadOptions } from '../../src/import/load/job.ts';
import { stage } from '../../src/import/load/stage.ts';
import { transform } from '../../src/import/load/transform.ts';
import { validate } from '../../src/import/load/validate.ts';
import { swap } from '../../src/import/load/swap.ts';
import { analyze, record, startChecksums } from '../../src/import/load/record.ts';
import { ImportError } from '../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import type { ImportTarget } from '../../src/import/target.ts';
import { BACKEND, freshDb, type TestDb } from '../helpers/db.ts';
import { createZoneTable, zoneTarget, ZONE_TABLE } from '../fixtures/import/target.ts';

let t: TestDb;
before(async () => {
  t = await freshDb();
  await createZoneTable(t.db);
});
after(async () => t?.close());

/** Lambert-93 squares around Quimper (x ≈ 170 km, y ≈ 6 790 km). */
const square = (x: number, y: number, d = 100) => ({
  type: 'Polygon',
  coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
});
const bowTie = { type: 'Polygon', coordinates: [[[170000, 6790000], [170100, 6790100], [170100, 6790000], [170000, 6790100], [170000, 6790000]]] };
const line = { type: 'LineString', coordinates: [[170000, 6790000], [170500, 6790500]] };

const FEATURES: SourceFeature[] = [
  { index: 1, properties: { CODE: 'A', NOM: 'Carré', SURF: '1,5', RANG: 1 }, geometry: square(170000, 6790000) },
  { index: 2, properties: { CODE: 'B', NOM: 'Nœud', RANG: 2 }, geometry: bowTie },
  { index: 3, properties: { CODE: 'C' }, geometry: null },
  { index: 4, properties: { CODE: 'D' }, geometry: line },
];

function job(features: SourceFeature[], over: Partial<LoadOptions> = {}, target: ImportTarget = zoneTarget()): LoadJob {
  const options = { lot: 'steps' };
  return new LoadJob(target, [featuresInput(features, 'zones.json', 'zones.json', 2154)], {
    options,
    strict: false,
    synthetic: false,
    checksum: async () => ({ checksum: 'c0ffee', perFile: [] }),
    details: {},
    ...over,
  });
}

/** Runs `fn` in a transaction that is always rolled back: each test starts from the same tables. */
async function inRollback(fn: (tx: Queryable) => Promise<void>): Promise<void> {
  const done = new Error('rollback');
  await assert.rejects(
    t.db.transaction(async (tx) => {
      await fn(tx);
      throw done;
    }),
    (e) => e === done,
  );
}

const exists = async (tx: Queryable, table: string) => (await tx.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]))[0].t !== null;

test(`${BACKEND}: stage maps every feature, checks its values and reprojects it to WGS84 as it is COPYed`, async () => {
  await inRollback(async (tx) => {
    const j = job(FEATURES);
    await stage(tx, j);
    assert.equal(j.read, 4);
    assert.deepEqual(j.runs.map((r) => [r.datasetId, r.features, r.srid]), [['test.zone:steps', 4, 2154]]);
    const rows = await tx.query<{ i: number; code: string; surface: number | null; x: number | null; srid: number | null }>(
      `SELECT _imp_idx AS i, code, surface, ST_X(ST_Centroid(_imp_g)) AS x, ST_SRID(_imp_g) AS srid FROM ${j.stage} ORDER BY _imp_idx`,
    );
    assert.deepEqual(rows.map((r) => [r.i, r.code, r.surface]), [[1, 'A', 1.5], [2, 'B', null], [3, 'C', null], [4, 'D', null]]);
    assert.equal(rows[0].srid, 4326);
    assert.ok(rows[0].x! > -4.2 && rows[0].x! < -4.0, `Lambert-93 → WGS84 longitude near Quimper: ${rows[0].x}`);
    assert.equal(rows[2].x, null, 'no geometry stays null');
    assert.ok('read' in j.timings);
  });
});

test(`${BACKEND}: stage refuses a value its column rejects, naming the feature`, async () => {
  await inRollback(async (tx) => {
    const bad = [...FEATURES.slice(0, 2), { index: 3, properties: { CODE: 'E', RANG: -1 }, geometry: square(170200, 6790000) }];
    await assert.rejects(stage(tx, job(bad)), (e) => e instanceof ImportError && e.feature === 3 && /rang: RANG -1 is not allowed/.test(e.message));
  });
});

test(`${BACKEND}: transform flags each geometry's validity in the source CRS`, async () => {
  await inRollback(async (tx) => {
    const j = job(FEATURES);
    await stage(tx, j);
    await transform(tx, j);
    const rows = await tx.query<{ i: number; valid: boolean | null }>(`SELECT _imp_idx AS i, _imp_valid AS valid FROM ${j.prep} ORDER BY _imp_idx`);
    assert.deepEqual(rows.map((r) => [r.i, r.valid]), [[1, true], [2, false], [3, null], [4, true]]);
  });
});

test(`${BACKEND}: validate lists repairs and rejections with their reasons, drops the staging table; --strict refuses them`, async () => {
  await inRollback(async (tx) => {
    const j = job(FEATURES);
    await stage(tx, j);
    await transform(tx, j);
    const v = await validate(tx, j);
    assert.deepEqual(v.repaired, [{ s: 0, i: 2 }]);
    assert.deepEqual(v.rejected, [{ s: 0, i: 3 }, { s: 0, i: 4 }]);
    assert.match(v.repairs[0].reason, /invalid geometry made valid \(Self-intersection/);
    assert.deepEqual(v.rejections.map((r) => r.reason), ['no geometry', 'no polygon in its geometry']);
    assert.equal(await exists(tx, j.stage), false);
  });
  await inRollback(async (tx) => {
    const j = job(FEATURES, { strict: true });
    await stage(tx, j);
    await transform(tx, j);
    await assert.rejects(validate(tx, j), (e) => e instanceof ImportError && e.feature === 2 && /--strict: 1 geometry to repair, 2 features to reject/.test(e.message));
  });
});

test(`${BACKEND}: swap replaces the dataset's rows with the loadable ones, repaired and forced to the target type`, async () => {
  await inRollback(async (tx) => {
    await tx.query(
      `INSERT INTO ${ZONE_TABLE} (dataset_id, code, geom) VALUES
         ('test.zone:steps', 'OLD', ST_Multi(ST_MakeEnvelope(0, 45, 0.1, 45.1, 4326))),
         ('test.zone:other', 'KEEP', ST_Multi(ST_MakeEnvelope(1, 45, 1.1, 45.1, 4326)))`,
    );
    const j = job(FEATURES);
    await stage(tx, j);
    await transform(tx, j);
    const s = await swap(tx, j, await validate(tx, j));
    assert.deepEqual([...s.replaced], [['test.zone:steps', 1]]);
    assert.deepEqual([...s.loaded], [['test.zone:steps', 2]]);
    const rows = await tx.query<{ d: string; code: string; type: string; valid: boolean }>(
      `SELECT dataset_id AS d, code, GeometryType(geom) AS type, ST_IsValid(geom) AS valid FROM ${ZONE_TABLE} ORDER BY code`,
    );
    assert.deepEqual(rows.map((r) => [r.d, r.code, r.type, r.valid]), [
      ['test.zone:steps', 'A', 'MULTIPOLYGON', true],
      ['test.zone:steps', 'B', 'MULTIPOLYGON', true],
      ['test.zone:other', 'KEEP', 'MULTIPOLYGON', true],
    ]);
    assert.equal(await exists(tx, j.prep), false);
  });
});

test(`${BACKEND}: record runs afterLoad and writes the dataset sheet; analyze runs on a never-analyzed table`, async () => {
  const j = job(FEATURES, { producer: 'Producteur', vintage: '2025' });
  await t.db.transaction(async (tx) => {
    await stage(tx, j);
    const sums = startChecksums(j);
    await transform(tx, j);
    const v = await validate(tx, j);
    const datasets = await record(tx, j, v, await swap(tx, j, v), sums);
    assert.deepEqual(datasets, [{ id: 'test.zone:steps', features: 2, replaced: 0, checksum: 'c0ffee' }]);
  });
  const [summary] = await t.db.query<{ n: number }>(`SELECT n FROM ${ZONE_TABLE}_summary WHERE dataset_id = 'test.zone:steps'`);
  assert.equal(summary.n, 2, 'afterLoad ran on the swapped rows');
  const [d] = await t.db.query<{ layer: string; producer: string; licence: string; vintage: string; feature_count: number; checksum: string; details: { read: number; repaired: number; rejected: number } }>(
    `SELECT layer, producer, licence, vintage, feature_count, checksum, details FROM terroir_dataset WHERE id = 'test.zone:steps'`,
  );
  assert.deepEqual(
    [d.layer, d.producer, d.licence, d.vintage, d.feature_count, d.checksum, d.details.read, d.details.repaired, d.details.rejected],
    ['test.zone', 'Producteur', 'CC0', '2025', 2, 'c0ffee', 4, 1, 2],
  );
  await analyze(t.db, j);
  assert.ok('analyze' in j.timings, 'a table never analyzed is analyzed after its load');
  const again = job(FEATURES);
  await analyze(t.db, again);
  assert.ok(!('analyze' in again.timings), 'nothing moved since: no second ANALYZE');
});
