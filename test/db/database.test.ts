import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { BACKEND, freshDb, type TestDb } from '../helpers/db.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { DataDirLockedError } from '../../src/db/lock.ts';

let t: TestDb;
before(async () => {
  t = await freshDb();
});
after(() => t.close());

test(`${BACKEND}: migrations are recorded once and re-running them is a no-op`, async () => {
  const rows = await t.db.query<{ name: string }>('SELECT name FROM terroir_migration ORDER BY name');
  assert.deepEqual(rows.map((r) => r.name), migrationFiles().map((f) => f.name));
  assert.deepEqual(await migrate(t.db), []);
});

test(`${BACKEND}: a migration edited after it was applied is refused`, async () => {
  const files = migrationFiles().map((f, i) => (i === 0 ? { ...f, checksum: 'edited' } : f));
  await assert.rejects(migrate(t.db, files), /was changed after it was applied/);
});

test(`${BACKEND}: PostGIS reprojects Lambert-93 and overseas CRS to WGS84 and measures areas`, async () => {
  const [r] = await t.db.query<{ l93: string; guad: string; area: number }>(`SELECT
    ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_MakePoint(700000, 6600000), 2154), 4326), 6) AS l93,
    ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_MakePoint(650000, 1800000), 5490), 4326), 3) AS guad,
    ST_Area(ST_Transform(ST_SetSRID(ST_MakeEnvelope(700000, 6600000, 700100, 6600100), 2154), 2154)) AS area`);
  assert.deepEqual(JSON.parse(r.l93).coordinates, [3, 46.5]);
  const [lon, lat] = JSON.parse(r.guad).coordinates;
  assert.ok(lon > -62 && lon < -61 && lat > 16 && lat < 17, `Guadeloupe point at ${lon},${lat}`);
  assert.equal(r.area, 10000);
  for (const srid of [2154, 5490, 2972, 2975, 4471, 3857]) {
    const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM spatial_ref_sys WHERE srid = $1', [srid]);
    assert.equal(n, 1, `SRID ${srid} present`);
  }
});

test(`${BACKEND}: copyRows loads awkward text faithfully (tabs, newlines, backslashes, NULL, accents)`, async () => {
  await t.db.exec('CREATE TABLE copy_probe (id int, label text, n double precision)');
  const rows = [
    [1, 'Saint-Étienne\tdu\nBois', 1.5],
    [2, 'C:\\chemin\\\\ici', null],
    [3, null, -2],
    [4, 'Œillette « ï »\r', 0],
  ];
  assert.equal(await t.db.copyRows('copy_probe', ['id', 'label', 'n'], rows), 4);
  const back = await t.db.query<{ id: number; label: string | null; n: number | null }>('SELECT id, label, n FROM copy_probe ORDER BY id');
  assert.deepEqual(back.map((r) => [r.id, r.label, r.n]), rows);
});

test(`${BACKEND}: copyRows streams more rows than one chunk`, async () => {
  await t.db.exec('CREATE TABLE copy_many (i int)');
  function* gen() {
    for (let i = 0; i < 45_001; i++) yield [i];
  }
  assert.equal(await t.db.copyRows('copy_many', ['i'], gen()), 45_001);
  const [{ n, s }] = await t.db.query<{ n: number; s: number }>('SELECT count(*)::int AS n, sum(i)::bigint AS s FROM copy_many');
  assert.equal(n, 45_001);
  assert.equal(s, (45_000 * 45_001) / 2);
});

test(`${BACKEND}: binary copyRows loads every column type the import engine stages, across chunks`, async () => {
  await t.db.exec(
    'CREATE TABLE copy_binary (i integer, b bigint, d double precision, ok boolean, day date, j jsonb, label text, g geometry)',
  );
  const types = ['integer', 'bigint', 'double precision', 'boolean', 'date', 'jsonb', 'text', 'geometry'] as const;
  // WKB of POINT(2.35 48.85), little-endian, as the readers produce it.
  const wkb = Buffer.alloc(21);
  wkb[0] = 1;
  wkb.writeUInt32LE(1, 1);
  wkb.writeDoubleLE(2.35, 5);
  wkb.writeDoubleLE(48.85, 13);
  const big = 'é'.repeat(600_000); // one value larger than the encoder's 1 MB buffer
  function* rows() {
    yield [-2147483648, '9223372036854775807', -0.5, true, '1999-12-31', JSON.stringify({ a: [1, 'é'] }), 'Saint-Étienne\tdu\nBois\\', wkb];
    yield [null, null, null, null, null, null, null, null];
    yield [7, 42, 1e300, false, new Date('2024-02-29T00:00:00Z'), '"x"', big, wkb.toString('hex')];
    for (let k = 0; k < 45_000; k++) yield [k, k, k / 2, k % 2 === 0, '2023-05-15', '{}', `n${k}`, wkb];
  }
  assert.equal(await t.db.copyRows('copy_binary', ['i', 'b', 'd', 'ok', 'day', 'j', 'label', 'g'], rows(), types), 45_003);
  const back = await t.db.query<Record<string, unknown>>(
    `SELECT i, b::text AS b, d, ok, day::text AS day, j::text AS j, label, ST_AsText(g) AS g FROM copy_binary ORDER BY i NULLS FIRST LIMIT 3`,
  );
  assert.deepEqual(back[0], { i: null, b: null, d: null, ok: null, day: null, j: null, label: null, g: null });
  assert.deepEqual(back[1], { i: -2147483648, b: '9223372036854775807', d: -0.5, ok: true, day: '1999-12-31', j: '{"a": [1, "é"]}', label: 'Saint-Étienne\tdu\nBois\\', g: 'POINT(2.35 48.85)' });
  const [row7] = await t.db.query<{ d: number; ok: boolean; day: string; j: string; n: number; g: string }>(
    `SELECT d, ok, day::text AS day, j::text AS j, length(label) AS n, ST_AsText(g) AS g FROM copy_binary WHERE i = 7 AND b = 42`,
  );
  assert.deepEqual(row7, { d: 1e300, ok: false, day: '2024-02-29', j: '"x"', n: 600_000, g: 'POINT(2.35 48.85)' });
  const [{ n, s }] = await t.db.query<{ n: number; s: number }>('SELECT count(*)::int AS n, sum(b)::float8 AS s FROM copy_binary WHERE label LIKE $1', ['n%']);
  assert.equal(n, 45_000);
  assert.equal(s, (44_999 * 45_000) / 2);
});

test(`${BACKEND}: a transaction that throws leaves nothing behind`, async () => {
  await t.db.exec('CREATE TABLE tx_probe (i int)');
  await assert.rejects(
    t.db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe VALUES (1)');
      await tx.copyRows('tx_probe', ['i'], [[2], [3]]);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.deepEqual(await t.db.query('SELECT * FROM tx_probe'), []);
  await t.db.transaction(async (tx) => {
    await tx.copyRows('tx_probe', ['i'], [[4]]);
  });
  assert.deepEqual(await t.db.query('SELECT i FROM tx_probe'), [{ i: 4 }]);
});

function child(dir: string, mode: 'write' | 'hold') {
  const p = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/pglite-writer.ts', dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (mode === 'hold' ? out.includes('ready') : out.includes('wrote')) resolve();
    });
    p.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  return { p, ready };
}

test('pglite: a second process opening the same data directory gets a clear lock error', { skip: BACKEND !== 'pglite' && 'embedded backend only' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terroir-lock-'));
  cpSync(join(t.dataDir!, 'pg'), join(dir, 'pg'), { recursive: true });
  const { p, ready } = child(dir, 'hold');
  try {
    await ready;
    await assert.rejects(openPglite(dir), (e: unknown) => e instanceof DataDirLockedError && new RegExp(`in use by process ${p.pid}`).test((e as Error).message));
  } finally {
    p.kill('SIGKILL');
    await once(p, 'exit').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pglite: the same process cannot open one data directory twice', { skip: BACKEND !== 'pglite' && 'embedded backend only' }, async () => {
  await assert.rejects(openPglite(t.dataDir!), DataDirLockedError);
});

test('pglite: a data directory left by kill -9 in the middle of writes opens again, with its committed rows', { skip: BACKEND !== 'pglite' && 'embedded backend only', timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terroir-crash-'));
  cpSync(join(t.dataDir!, 'pg'), join(dir, 'pg'), { recursive: true });
  const { p, ready } = child(dir, 'write');
  await ready;
  await new Promise((r) => setTimeout(r, 300)); // let it be mid-INSERT
  p.kill('SIGKILL');
  await once(p, 'exit').catch(() => {});
  const db = await openPglite(dir);
  try {
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM crash_probe');
    assert.ok(n >= 5000 && n % 5000 === 0, `committed batches survive whole (${n} rows)`);
    await db.query('INSERT INTO crash_probe VALUES (1, NULL)');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
