/**
 * A real client: GDAL's OAPIF driver (`ogrinfo`, `ogr2ogr`) against the service listening on an
 * ephemeral port. It lists every collection, copies a demo RPG campaign with exactly numberMatched
 * features, with a `-where` filter too, and `-spat` selects what `bbox` selects. Skipped with a
 * message when GDAL is not installed (`.ci/run` installs gdal-bin).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { ogcApp } from './fixture.ts';

const run = promisify(execFile);

function gdalMissing(): string | false {
  try {
    execFileSync('ogrinfo', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'GDAL (ogrinfo, ogr2ogr) is not installed: apt-get install gdal-bin (.ci/run does)';
  }
}
const skip = gdalMissing();

let t: TestApp;
let base: string;
let dir: string;

before(async () => {
  if (skip) return;
  t = await ogcApp();
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `${address}/ogc`;
  dir = mkdtempSync(join(tmpdir(), 'terroir-gdal-'));
});
after(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GDAL run asynchronously: the server answering it is this very process. */
const gdal = async (cmd: string, args: string[]) => (await run(cmd, args, { env: { ...process.env, GDAL_HTTP_TIMEOUT: '60', CPL_DEBUG: 'OFF' }, maxBuffer: 64 * 1024 * 1024 })).stdout;
const json = async (path: string) => (await fetch(`${base}${path}`)).json();

async function copyCount(name: string, layer: string, extra: string[] = []): Promise<number> {
  const out = join(dir, `${name}.gpkg`);
  await gdal('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${base}`, layer, '-oo', 'PAGE_SIZE=1000', ...extra]);
  const info = await gdal('ogrinfo', ['-ro', '-so', out, layer]);
  const m = /Feature Count: (\d+)/.exec(info);
  assert.ok(m, info);
  return Number(m[1]);
}

test(`${BACKEND}: ogrinfo OAPIF: lists every collection`, { skip }, async () => {
  const out = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${base}`]);
  const ids = (await json('/collections')).collections.map((c: { id: string }) => c.id);
  assert.ok(ids.length > 20);
  for (const id of ids) assert.match(out, new RegExp(`: ${id} \\(`), `${id} listed by ogrinfo`);
});

test(`${BACKEND}: ogr2ogr copies an RPG campaign with exactly numberMatched features`, { skip }, async () => {
  const matched = (await json('/collections/rpg-parcelle-2023/items?limit=1')).numberMatched;
  assert.ok(matched > 50);
  assert.equal(await copyCount('all', 'rpg-parcelle-2023'), matched);
});

test(`${BACKEND}: ogr2ogr -where copies exactly the features the filter matches`, { skip }, async () => {
  const matched = (await json(`/collections/rpg-parcelle-2023/items?limit=1&filter=${encodeURIComponent("code_cultu = 'PPH'")}`)).numberMatched;
  assert.ok(matched > 0);
  assert.equal(await copyCount('where', 'rpg-parcelle-2023', ['-where', "code_cultu = 'PPH'"]), matched);
});

test(`${BACKEND}: ogr2ogr -spat selects what bbox selects`, { skip }, async () => {
  const ext = (await json('/collections/rpg-parcelle-2023')).extent.spatial.bbox[0];
  const box = [ext[0], ext[1], (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2];
  const matched = (await json(`/collections/rpg-parcelle-2023/items?limit=1&bbox=${box.join(',')}`)).numberMatched;
  const all = (await json('/collections/rpg-parcelle-2023/items?limit=1')).numberMatched;
  assert.ok(matched > 0 && matched < all);
  assert.equal(await copyCount('spat', 'rpg-parcelle-2023', ['-spat', ...box.map(String)]), matched);
});
