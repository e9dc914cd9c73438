/** `terroir fetch` as a user runs it: exit codes, the summary, the progress line, the --import handoff. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type FixtureServer } from './server.ts';

const BIN = fileURLToPath(new URL('../../bin/terroir.js', import.meta.url));
const SUB = 'RPG_2-2__SHP_LAMB93_R11_2023-01-01';
const archive = randomBytes(8_000);
let server: FixtureServer;
let dest: string;
let emptyDir: string;

/**
 * Runs the CLI with only what it needs from the environment (a stray TERROIR_* variable would be
 * refused by the configuration); PATH is an empty folder, so no 7-Zip is found.
 */
function terroir(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: emptyDir, HOME: process.env.HOME ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  server = await startServer({
    '/api/document/download-by-partition/DU_17345': { body: '', redirectTo: '/documents/17345_PLU_20220209.zip' },
    '/documents/17345_PLU_20220209.zip': { body: randomBytes(10_000), contentType: 'application/zip' },
    [`/resource/RPG/${SUB}?page=1&limit=50`]: {
      body: `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:gpf_dl="x" gpf_dl:pagecount="1"><entry><title>${SUB}.7z</title><link href="https://data.geopf.fr/telechargement/download/RPG/${SUB}/${SUB}.7z"/></entry><entry><title>${SUB}.md5</title><link href="https://data.geopf.fr/telechargement/download/RPG/${SUB}/${SUB}.md5"/></entry></feed>`,
    },
    [`/download/RPG/${SUB}/${SUB}.7z`]: { body: archive },
    [`/download/RPG/${SUB}/${SUB}.md5`]: { body: `${createHash('md5').update(archive).digest('hex')}  ${SUB}.7z\n` },
  });
  dest = mkdtempSync(join(tmpdir(), 'terroir-fetch-cli-'));
  emptyDir = mkdtempSync(join(tmpdir(), 'terroir-fetch-cli-path-'));
});
after(async () => {
  await server.close();
  rmSync(dest, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

test('a download reports each file, shows progress, hints at the import, and is not repeated', async () => {
  const r = await terroir('fetch', 'gpu', 'DU_17345', '--base-url', server.url, '--dest', dest);
  assert.equal(r.code, 0, r.stderr);
  const zip = join(dest, 'gpu/DU_17345.zip');
  assert.match(r.stdout, new RegExp(`^new\\s+${escape(zip)}\\s+9\\.77 kB\\s+sha256 [0-9a-f]{64}$`, 'm'));
  assert.ok(r.stdout.includes(`to load them: add --import, or run terroir import gpu.zone-urba ${zip} --option partition=DU_17345`), r.stdout);
  assert.match(r.stderr, /DU_17345\.zip\s+100\.0% 9\.77 kB \/ 9\.77 kB/, 'a progress line on stderr');

  const again = await terroir('fetch', 'gpu', 'DU_17345', '--base-url', server.url, '--dest', dest);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^unchanged \(not modified\)/m);
});

test('--import of an archive that could not be extracted prints how to extract and the import command', async () => {
  const r = await terroir('fetch', 'rpg', 'R11', '2023', '--base-url', server.url, '--dest', dest, '--import');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^new\\s+${escape(join(dest, 'rpg/2023/R11', `${SUB}.7z`))} .*, md5 verified$`, 'm'));
  assert.match(r.stderr, /no 7-Zip executable \(7zz, 7z or 7za\) on PATH.*apt-get install 7zip.*7zz x /);
  assert.match(r.stdout, /--import: the archive is not extracted, so nothing was imported; extract it, then run:\n  terroir import rpg\.parcelle '.*PARCELLES_GRAPHIQUES\.shp.*' --annee 2023 --option region=R11/);
});

test('usage errors exit with 2, download errors with 1 and the URL', async () => {
  const noSource = await terroir('fetch');
  assert.equal(noSource.code, 2);
  assert.match(noSource.stderr, /which source\?/);

  const badSelector = await terroir('fetch', 'cadastre', '7218', '--dest', dest);
  assert.equal(badSelector.code, 2);
  assert.match(badSelector.stderr, /"7218" is neither a commune INSEE code/);

  const badFlag = await terroir('fetch', 'gpu', 'DU_1', '--base-url', 'nowhere', '--dest', dest);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--base-url must be an absolute http\(s\) URL/);

  const missing = await terroir('fetch', 'gpu', 'DU_99999', '--base-url', server.url, '--dest', dest, '--retries', '0');
  assert.equal(missing.code, 1);
  assert.ok(missing.stderr.includes(`HTTP 404 Not Found for ${server.url}/api/document/download-by-partition/DU_99999`), missing.stderr);
});
