import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, truncateSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { scratchDatabase } from '../helpers/scratch-db.ts';
import { BACKEND, freshDb } from '../helpers/db.ts';
import { tempDir, writeShapefile } from './helpers.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/terroir.js', import.meta.url).pathname;
let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
let cleanup: () => Promise<void>;

/** `terroir …` as a user runs it (no TTY: plain progress lines on stderr). */
async function terroir(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 1 << 24, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const RPG_FIELDS = [
  { name: 'ID_PARCEL', type: 'N' as const, length: 10 },
  { name: 'SURF_PARC', type: 'N' as const, length: 10, decimals: 2 },
  { name: 'CODE_CULTU', type: 'C' as const, length: 3 },
  { name: 'CODE_GROUP', type: 'C' as const, length: 3 },
  { name: 'CULTURE_D1', type: 'C' as const, length: 3 },
  { name: 'CULTURE_D2', type: 'C' as const, length: 3 },
];
const rpgValues = (i: number) => ({ ID_PARCEL: 1000 + i, SURF_PARC: 0.04, CODE_CULTU: ['BTH', 'PPH', 'MIS'][i % 3], CODE_GROUP: ['1', '18', '2'][i % 3], CULTURE_D1: null, CULTURE_D2: null });

before(async () => {
  tmp = tempDir();
  env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TERROIR_')) delete env[k];
  if (BACKEND === 'postgres') {
    // A database of its own that the child processes reach through DATABASE_URL.
    const scratch = await scratchDatabase(process.env.DATABASE_URL!, `terroir_t_cli_${process.pid}`, { replace: true });
    env.DATABASE_URL = scratch.url;
    cleanup = scratch.drop;
  } else {
    // A migrated embedded data directory, closed so that the child can open it.
    const t = await freshDb();
    await t.db.close();
    delete env.DATABASE_URL;
    env.TERROIR_DATA_DIR = t.dataDir;
    cleanup = async () => rmSync(t.dataDir!, { recursive: true, force: true });
  }
});
after(async () => {
  await cleanup?.();
  tmp?.cleanup();
});

test('terroir import rpg.parcelle: progress lines, summary, dataset; --json; idempotent re-run', async () => {
  const shp = writeShapefile({ base: join(tmp.dir, 'PARCELLES_GRAPHIQUES'), count: 300, fields: RPG_FIELDS, values: rpgValues, cpg: 'UTF-8' });
  const r = await terroir('import', 'rpg.parcelle', shp, '--annee', '2021');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^rpg\.parcelle → rpg_parcelle: read 300, loaded 300, repaired 0, rejected 0, replaced 0 \(old rows\), [\d.]+ s \(\d+ features\/s\)$/m);
  assert.match(r.stdout, /PARCELLES_GRAPHIQUES\.shp: 300 features, shapefile, EPSG:2154 \(\.prj PROJCS\["RGF_1993_Lambert_93"/);
  assert.match(r.stdout, /dataset rpg\.parcelle:2021:[^/\s]+\/PARCELLES_GRAPHIQUES\.shp: 300 features, sha256 [0-9a-f]{16}…/);
  assert.match(r.stderr, /^\[import\] reading PARCELLES_GRAPHIQUES\.shp: 0 features/m);
  assert.match(r.stderr, /^\[import\] done PARCELLES_GRAPHIQUES\.shp: 300 features/m);
  const again = await terroir('import', 'rpg.parcelle', shp, '--annee', '2021', '--json');
  assert.equal(again.code, 0, again.stderr);
  const s = JSON.parse(again.stdout);
  assert.equal(s.loaded, 300);
  assert.equal(s.replaced, 300);
  assert.deepEqual(s.datasets.map((d: { id: string }) => d.id), [`rpg.parcelle:2021:${basename(tmp.dir)}/PARCELLES_GRAPHIQUES.shp`]);
});

test('usage errors exit 2: unknown layer, missing --annee, bad --srid, bad --encoding, bad --option', async () => {
  const list = await terroir('import');
  assert.equal(list.code, 0);
  assert.match(list.stdout, /rpg\.parcelle\s+RPG — parcelles graphiques/);
  const unknown = await terroir('import', 'rpg.parcel', 'x.shp');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown layer "rpg\.parcel"/);
  const noYear = await terroir('import', 'rpg.parcelle', 'x.shp');
  assert.equal(noYear.code, 2);
  assert.match(noYear.stderr, /rpg\.parcelle needs --annee/);
  const srid = await terroir('import', 'rpg.parcelle', 'x.shp', '--annee', '2021', '--srid', 'lambert');
  assert.equal(srid.code, 2);
  assert.match(srid.stderr, /--srid must be an integer/);
  const enc = await terroir('import', 'rpg.parcelle', 'x.shp', '--annee', '2021', '--encoding', 'latin-9000');
  assert.equal(enc.code, 2);
  assert.match(enc.stderr, /--encoding: unknown encoding "latin-9000"/);
  const opt = await terroir('import', 'rpg.parcelle', 'x.shp', '--annee', '2021', '--option', 'region');
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /--option expects key=value/);
});

test('a corrupt file exits 1 naming file, feature and reason; the data served before stay', async () => {
  const base = join(tmp.dir, 'CORROMPU');
  const shp = writeShapefile({ base, count: 300, fields: RPG_FIELDS, values: rpgValues });
  truncateSync(`${base}.dbf`, statSync(`${base}.dbf`).size - 1 - 33 * 100); // 33-byte records: the last 100 gone
  const r = await terroir('import', 'rpg.parcelle', shp, '--annee', '2021');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`terroir: ${shp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: feature 201: the \\.dbf is truncated`));
  const list = await terroir('import', 'rpg.parcelle', join(tmp.dir, 'absent.shp'), '--annee', '2021');
  assert.equal(list.code, 1);
  assert.match(list.stderr, /absent\.shp: no such file/);
  // The first test's 300 parcels are still served, counted in the dataset register.
  const again = await terroir('import', 'rpg.parcelle', join(tmp.dir, 'PARCELLES_GRAPHIQUES.shp'), '--annee', '2021', '--json');
  assert.equal(JSON.parse(again.stdout).replaced, 300);
});
