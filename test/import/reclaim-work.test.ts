/**
 * Work tables of an import killed half-way (issue 11): `terroir import` killed with SIGKILL while it
 * stages leaves its UNLOGGED work table on PostgreSQL; the next import drops it, and so does the next
 * start (opening the database), while the work tables of an import that still runs are never
 * touched (src/db/work-tables.ts). The embedded backend drops them at open (test/db/lock.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { BACKEND } from '../helpers/db.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { NAMED_LOCK_CLASS } from '../../src/db/database.ts';
import { reclaimWorkTables, workLock } from '../../src/db/work-tables.ts';
import { importFeatures } from '../../src/import/engine.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import { cadastreParcelle } from '../../src/modules/cadastre/layers.ts';

const BIN = new URL('../../bin/terroir.js', import.meta.url).pathname;
const pgOnly = { skip: BACKEND !== 'postgres' && 'PostgreSQL only: the embedded backend drops every work table at open (test/db/lock.test.ts)' };

let t: TestApp;
let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  t = await testApp();
  dir = mkdtempSync(join(tmpdir(), 'terroir-reclaim-'));
  env = { ...process.env, DATABASE_URL: t.url };
  for (const k of Object.keys(env)) if (k.startsWith('TERROIR_')) delete env[k];
});
after(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An Etalab parcels file of `n` squares (commune 29158), written once: large enough to be killed while it stages. */
function parcelFile(name: string, n: number): string {
  const path = join(dir, name);
  const features: string[] = [];
  for (let i = 1; i <= n; i++) {
    const section = `A${String.fromCharCode(65 + (i % 26))}`;
    const id = `29158000${section}${String(i % 10000).padStart(4, '0')}`;
    const x = -4.4 + (i % 500) * 0.0002;
    const y = 47.7 + Math.floor(i / 500) * 0.0002;
    const ring = [[x, y], [x + 0.0002, y], [x + 0.0002, y + 0.0002], [x, y + 0.0002], [x, y]];
    features.push(JSON.stringify({ type: 'Feature', id, properties: { id, commune: '29158', prefixe: '000', section, numero: String(i % 10000), contenance: 100 }, geometry: { type: 'Polygon', coordinates: [ring] } }));
  }
  writeFileSync(path, `{"type":"FeatureCollection","features":[\n${features.join(',\n')}\n]}\n`);
  return path;
}

const workTables = async () =>
  (await t.db.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relname ~ '^terroir_(stage|prep|ready)_[0-9a-f]{12}$' ORDER BY 1`)).map((r) => r.name);

/** Whether the advisory lock of a work tag is held by some backend (the killed import's, until it exits). */
async function tagHeld(tag: string): Promise<boolean> {
  const [r] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid::bigint = (hashtext($2)::bigint & 4294967295) AND objsubid = 2`,
    [NAMED_LOCK_CLASS, workLock(tag)],
  );
  return r.n > 0;
}

/** Starts `terroir import cadastre.parcelle <file>`, and SIGKILLs it as soon as its staging table exists. */
async function killWhileStaging(file: string, dataset: string): Promise<string[]> {
  const child = spawn(process.execPath, [BIN, 'import', 'cadastre.parcelle', file, '--option', `dataset=${dataset}`, '--option', 'derive=false'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  let left: string[] = [];
  for (;;) {
    left = (await workTables()).filter((n) => n.startsWith('terroir_stage_'));
    if (left.length) break;
    if (child.exitCode !== null) assert.fail(`the import ended before it was killed: ${stderr}`);
    await sleep(20);
  }
  child.kill('SIGKILL');
  await exited;
  // Its backend stops once it sees its client gone (the COPY's input closed): its lock goes with it.
  const tag = left[0].slice(-12);
  while (await tagHeld(tag)) await sleep(20);
  const after = await workTables();
  assert.ok(after.includes(left[0]), `the killed import left ${left[0]} behind (tables: ${after.join(', ')})`);
  assert.equal(await t.db.query(`SELECT 1 FROM terroir_dataset WHERE id = $1`, [`cadastre.parcelle:${dataset}`]).then((r) => r.length), 0, 'nothing was committed');
  return after;
}

test(`${BACKEND}: terroir import killed while staging leaves its work table; the next import drops it`, { ...pgOnly, timeout: 240_000 }, async () => {
  const big = parcelFile('big.json', 60_000);
  const small = parcelFile('small.json', 20);
  await killWhileStaging(big, 'tuee');
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'import', 'cadastre.parcelle', small, '--option', 'dataset=suivante', '--option', 'derive=false'], { env, timeout: 120_000 }).catch((e) => {
    throw new Error(`the next import failed: ${e.stderr ?? e.message}`);
  });
  assert.ok(`${stdout}${stderr}`.length > 0);
  assert.deepEqual(await workTables(), [], 'no work table remains after the next import');
  assert.equal((await t.db.query(`SELECT count(*)::int AS n FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:suivante'`))[0].n, 20);
});

test(`${BACKEND}: a start (opening the database) drops the work tables of an import killed while staging`, { ...pgOnly, timeout: 240_000 }, async () => {
  await killWhileStaging(join(dir, 'big.json'), 'tuee-encore');
  const db = await openPostgres(t.url!, { poolSize: 2, statementTimeoutMs: 15_000 });
  await db.close();
  assert.deepEqual(await workTables(), []);
});

/** `n` squares yielded one every `delayMs`: an import that is still staging while the test looks. */
async function* slow(n: number, delayMs: number): AsyncGenerator<SourceFeature> {
  for (let i = 1; i <= n; i++) {
    await sleep(delayMs);
    const id = `29072000AB${String(i).padStart(4, '0')}`;
    const x = -4.3 + i * 0.001;
    yield { index: i, id, properties: { id, commune: '29072', prefixe: '000', section: 'AB', numero: String(i), contenance: 1 }, geometry: { type: 'Polygon', coordinates: [[[x, 47.8], [x + 0.0005, 47.8], [x + 0.0005, 47.8005], [x, 47.8005], [x, 47.8]]] } };
  }
}

test(`${BACKEND}: the work tables of an import that is running are never reclaimed`, async () => {
  const running = importFeatures(t.db, cadastreParcelle, slow(20, 100), { file: 'lente', srid: 4326, options: { dataset: 'lente', derive: 'false' } });
  let mine: string[] = [];
  while (!mine.length) {
    mine = await workTables();
    await sleep(20);
  }
  const dropped = await t.db.session((s) => reclaimWorkTables(s));
  assert.deepEqual(dropped, []);
  assert.deepEqual(await workTables(), mine, 'still there while the import runs');
  assert.equal((await running).loaded, 20);
  assert.deepEqual(await workTables(), [], 'dropped by the import itself when it ends');
});
