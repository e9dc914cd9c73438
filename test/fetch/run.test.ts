/**
 * Each source end to end against the local server: discovery (Atom listings, data.gouv.fr API,
 * redirects), downloads, published checksums, extraction when a 7-Zip is installed, import handoff.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ChecksumError, HttpStatusError, UnexpectedAnswerError } from '../../src/fetch/errors.ts';
import { find7z } from '../../src/fetch/extract.ts';
import { MANIFEST_NAME } from '../../src/fetch/manifest.ts';
import { FetchFailedError, runFetch, type FetchRunOptions } from '../../src/fetch/run.ts';
import { startServer, type FixtureServer } from './server.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const SEVEN_ZIP = find7z();
const NO_7Z = SEVEN_ZIP ? false : 'no 7-Zip (7zz, 7z, 7za) on PATH: install Debian package 7zip to run the extraction tests';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'terroir-fetch-run-'));
  tmpDirs.push(d);
  return d;
}

let server: FixtureServer;
const notes: string[] = [];
const opts = (dest: string, extra: Partial<FetchRunOptions> = {}): FetchRunOptions => ({
  dest,
  baseUrl: server.url,
  http: { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } },
  note: (l) => notes.push(l),
  ...extra,
});

/** A real 7z archive (optionally in volumes) of the given files, made with the installed 7-Zip. */
function make7z(files: Record<string, Buffer>, volumeSize?: string): Map<string, Buffer> {
  const work = tmp();
  const src = join(work, 'src');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), body);
  }
  const out = join(work, 'out');
  mkdirSync(out);
  execFileSync(SEVEN_ZIP!, ['a', '-bso0', '-bsp0', ...(volumeSize ? [`-v${volumeSize}`] : []), join(out, 'a.7z'), '.'], { cwd: src });
  const parts = new Map<string, Buffer>();
  for (const name of execFileSync('ls', [out]).toString().trim().split('\n')) parts.set(name, readFileSync(join(out, name)));
  return parts;
}

function atom(entries: { title: string; href: string }[], pageCount = 1): string {
  return `<?xml version='1.0' encoding='UTF-8' standalone='yes'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:gpf_dl="https://data.geopf.fr/annexes/ressources/xsd/gpf_dl.xsd" gpf_dl:page="1" gpf_dl:pagesize="50" gpf_dl:pagecount="${pageCount}" gpf_dl:totalentries="${entries.length}">
${entries.map((e) => `  <entry><title>${e.title}</title><link href="${e.href}" rel="alternate" type="application/octet-stream"/></entry>`).join('\n')}
</feed>`;
}

before(async () => {
  server = await startServer();
});
beforeEach(() => {
  server.requests.length = 0;
  notes.length = 0;
});
after(async () => {
  await server.close();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('cadastre', () => {
  const base = '/data/etalab-cadastre/latest/geojson/communes/72/72187';
  const parcelles = gzipSync(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', id: '72187000AB0001', properties: { commune: '72187' }, geometry: null }] }));
  const feuilles = gzipSync(JSON.stringify({ type: 'FeatureCollection', features: [] }));

  test('downloads the layers, then answers re-runs with 304s, and hands the importable ones over', async () => {
    server.set(`${base}/cadastre-72187-parcelles.json.gz`, { body: parcelles, contentType: 'application/gzip' });
    server.set(`${base}/cadastre-72187-feuilles.json.gz`, { body: feuilles, contentType: 'application/gzip' });
    const dest = tmp();
    const r = await runFetch('cadastre', ['72187', 'parcelles', 'feuilles'], opts(dest));
    const dir = join(dest, 'cadastre/latest/72187');
    assert.equal(r.dir, dir);
    assert.deepEqual(r.results.map((x) => [x.fileName, x.status]), [
      ['cadastre-72187-parcelles.json.gz', 'new'],
      ['cadastre-72187-feuilles.json.gz', 'new'],
    ]);
    assert.deepEqual(readFileSync(join(dir, 'cadastre-72187-parcelles.json.gz')), parcelles);
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8'));
    assert.equal(manifest.files['cadastre-72187-parcelles.json.gz'].sha256, sha256(parcelles));
    assert.deepEqual(r.handoff.commands, [
      `terroir import cadastre.feuille ${join(dir, 'cadastre-72187-feuilles.json.gz')}`,
      `terroir import cadastre.parcelle ${join(dir, 'cadastre-72187-parcelles.json.gz')}`,
    ]);

    const again = await runFetch('cadastre', ['72187', 'parcelles', 'feuilles'], opts(dest));
    assert.deepEqual(again.results.map((x) => [x.status, x.transferred]), [
      ['unchanged', 0],
      ['unchanged', 0],
    ]);
    assert.deepEqual(server.hits(`${base}/cadastre-72187-parcelles.json.gz`).map((h) => h.status), [200, 304]);
  });

  test('a layer not published (404) fails naming its URL; the other layers are still fetched', async () => {
    const dest = tmp();
    await assert.rejects(runFetch('cadastre', ['72187', 'parcelles', 'lieux_dits'], opts(dest)), (e: unknown) => {
      assert.ok(e instanceof FetchFailedError);
      assert.equal(e.failures.length, 1);
      assert.ok(e.failures[0].error instanceof HttpStatusError);
      assert.ok(e.message.includes(`${server.url}${base}/cadastre-72187-lieux_dits.json.gz`), e.message);
      assert.match(e.message, /HTTP 404/);
      return true;
    });
    assert.ok(existsSync(join(dest, 'cadastre/latest/72187/cadastre-72187-parcelles.json.gz')));
    assert.ok(!existsSync(join(dest, 'cadastre/latest/72187/cadastre-72187-lieux_dits.json.gz')));
  });
});

describe('RPG', () => {
  const SUB = 'RPG_2-0__SHP_LAMB93_R11_2019-01-15';
  const shp = randomBytes(4000);

  function publish(archive: Buffer, sumText: string, sumName = `${SUB}.md5`) {
    // The conventional name RPG_2-0__SHP_LAMB93_R11_2019-01-01 is not published: the listing must be searched.
    server.set('/resource/RPG?page=1&limit=50', {
      body: atom(
        [
          { title: 'RPG_2-0__SHP_LAMB93_R11_2018-01-15', href: 'https://data.geopf.fr/telechargement/resource/RPG/RPG_2-0__SHP_LAMB93_R11_2018-01-15' },
          { title: 'RPG_2-0__GPKG_LAMB93_R11_2019-01-15', href: 'https://data.geopf.fr/telechargement/resource/RPG/RPG_2-0__GPKG_LAMB93_R11_2019-01-15' },
        ],
        2,
      ),
    });
    server.set('/resource/RPG?page=2&limit=50', {
      body: atom([{ title: SUB, href: `https://data.geopf.fr/telechargement/resource/RPG/${SUB}` }], 2),
    });
    server.set(`/resource/RPG/${SUB}?page=1&limit=50`, {
      body: atom([
        { title: `${SUB}.7z`, href: `https://data.geopf.fr/telechargement/download/RPG/${SUB}/${SUB}.7z` },
        { title: sumName, href: `https://data.geopf.fr/telechargement/download/RPG/${SUB}/${sumName}` },
      ]),
    });
    server.set(`/download/RPG/${SUB}/${SUB}.7z`, { body: archive, dropAfter: Math.floor(archive.length / 2), dropTimes: 1 });
    server.set(`/download/RPG/${SUB}/${sumName}`, { body: sumText, contentType: 'text/plain' });
  }

  test('finds the edition in the listing, resumes a cut download, verifies the published MD5; without 7-Zip says how to extract', async () => {
    const archive = randomBytes(50_000);
    publish(archive, `${md5(archive)}  ${SUB}.7z\n`);
    const dest = tmp();
    notes.length = 0;
    const r = await runFetch('rpg', ['R11', '2019'], opts(dest, { sevenZip: null }));
    assert.ok(notes.some((n) => n.includes(`using ${SUB}`)), notes.join('\n'));
    assert.deepEqual(server.hits('/resource/RPG/RPG_2-0__SHP_LAMB93_R11_2019-01-01').map((h) => h.status), [404]);
    const [res] = r.results;
    assert.equal(res.url, `${server.url}/download/RPG/${SUB}/${SUB}.7z`);
    assert.equal(res.resumed, true);
    assert.equal(res.sha256, sha256(archive));
    assert.deepEqual(res.verified, { algorithm: 'md5', value: md5(archive), from: `${server.url}/download/RPG/${SUB}/${SUB}.md5` });
    assert.equal(r.extractedDir, undefined);
    assert.match(r.extractionSkipped!, /7zz x .*\.7z -o.*RPG_2-0__SHP_LAMB93_R11_2019-01-15/);
    assert.equal(r.importSteps[0].layer, 'rpg.parcelle');
    assert.equal(r.importSteps[0].annee, 2019);
    assert.deepEqual(r.importSteps[0].options, { region: 'R11' });
  });

  test('a wrong published MD5 is refused and the archive is not kept', async () => {
    const archive = randomBytes(20_000);
    publish(archive, `${md5(Buffer.from('other'))}  ${SUB}.7z\n`);
    const dest = tmp();
    await assert.rejects(runFetch('rpg', ['11', '2019'], opts(dest, { sevenZip: null })), (e: unknown) => {
      assert.ok(e instanceof ChecksumError);
      assert.ok(e.message.includes(`${server.url}/download/RPG/${SUB}/${SUB}.md5`));
      return true;
    });
    assert.ok(!existsSync(join(dest, `rpg/2019/R11/${SUB}.7z`)));
    assert.ok(!existsSync(join(dest, `rpg/2019/R11/${SUB}.7z.part`)));
  });

  test('a published .sha256 file is used as well', async () => {
    const archive = randomBytes(20_000);
    publish(archive, `${sha256(archive)} *${SUB}.7z\n`, `${SUB}.7z.sha256`);
    const r = await runFetch('rpg', ['R11', '2019'], opts(tmp(), { sevenZip: null }));
    assert.deepEqual(r.results[0].verified, { algorithm: 'sha256', value: sha256(archive), from: `${server.url}/download/RPG/${SUB}/${SUB}.7z.sha256` });
  });

  test('no edition for that région and year: the error names what was looked for', async () => {
    await assert.rejects(runFetch('rpg', ['R11', '2017'], opts(tmp())), (e: unknown) => {
      assert.ok(e instanceof UnexpectedAnswerError);
      assert.match(e.message, /no RPG SHP edition for R11 .* 2017: neither RPG_2-0__SHP_LAMB93_R11_2017-01-01 nor/);
      return true;
    });
  });

  test('extracts with 7-Zip, gives the import command, and does not extract again on a re-run', { skip: NO_7Z }, async () => {
    const parts = make7z({ 'RPG/1_DONNEES_LIVRAISON_2019/PARCELLES_GRAPHIQUES.shp': shp, 'RPG/1_DONNEES_LIVRAISON_2019/PARCELLES_GRAPHIQUES.dbf': Buffer.from('dbf') });
    const archive = parts.get('a.7z')!;
    publish(archive, `${md5(archive)}\n`);
    const dest = tmp();
    const r = await runFetch('rpg', ['R11', '2019'], opts(dest));
    const shpPath = join(dest, 'rpg/2019/R11', SUB, 'RPG/1_DONNEES_LIVRAISON_2019/PARCELLES_GRAPHIQUES.shp');
    assert.equal(r.extractedDir, join(dest, 'rpg/2019/R11', SUB));
    assert.deepEqual(readFileSync(shpPath), shp);
    assert.deepEqual(r.handoff.commands, [`terroir import rpg.parcelle ${shpPath} --annee 2019 --option region=R11`]);
    const mtime = statSync(shpPath).mtimeMs;
    const again = await runFetch('rpg', ['R11', '2019'], opts(dest));
    assert.equal(again.results[0].status, 'unchanged');
    assert.equal(statSync(shpPath).mtimeMs, mtime, 'not extracted again');
  });
});

describe('ADMIN EXPRESS', () => {
  const RES = 'ADMIN-EXPRESS-COG';
  const SUB = 'ADMIN-EXPRESS-COG_3-2__SHP_WGS84G_FRA_2024-02-22';

  function publish(volumes: Map<string, Buffer>) {
    server.set(`/resource/${RES}?page=1&limit=50`, {
      body: atom(
        ['ADMIN-EXPRESS-COG_3-1__SHP_WGS84G_FRA_2023-05-03', SUB, 'ADMIN-EXPRESS-COG_3-2__SHP_LAMB93_FXX_2024-02-22', 'ADMIN-EXPRESS-COG_4-0__GPKG_WGS84G_FRA_2025-01-01'].map((t) => ({
          title: t,
          href: `https://data.geopf.fr/telechargement/resource/${RES}/${t}`,
        })),
      ),
    });
    const names = [...volumes.keys()].map((n) => n.replace(/^a\.7z/, `${SUB}.7z`));
    server.set(`/resource/${RES}/${SUB}?page=1&limit=50`, {
      body: atom([...names, `${SUB}.md5`].map((n) => ({ title: n, href: `https://data.geopf.fr/telechargement/download/${RES}/${SUB}/${n}` }))),
    });
    for (const [n, body] of volumes) server.set(`/download/${RES}/${SUB}/${n.replace(/^a\.7z/, `${SUB}.7z`)}`, { body });
    server.set(`/download/${RES}/${SUB}/${SUB}.md5`, {
      body: [...volumes].map(([n, b]) => `${md5(b)}  ${n.replace(/^a\.7z/, `${SUB}.7z`)}`).join('\n'),
    });
  }

  test('picks the latest SHP edition, downloads every volume with its MD5, notes the newer GPKG edition', async () => {
    publish(
      new Map([
        ['a.7z.001', randomBytes(30_000)],
        ['a.7z.002', randomBytes(10_000)],
      ]),
    );
    notes.length = 0;
    const r = await runFetch('admin-express', [], opts(tmp(), { sevenZip: null }));
    assert.deepEqual(
      r.results.map((x) => [x.url, x.verified?.algorithm]),
      [
        [`${server.url}/download/${RES}/${SUB}/${SUB}.7z.001`, 'md5'],
        [`${server.url}/download/${RES}/${SUB}/${SUB}.7z.002`, 'md5'],
      ],
    );
    assert.ok(notes.some((n) => n.includes('2025-01-01 in GPKG')), notes.join('\n'));
    assert.match(r.extractionSkipped!, new RegExp(`7zz x .*${SUB}\\.7z\\.001`));
    assert.deepEqual(r.importSteps.map((s) => [s.via, s.level]), [
      ['contours', 'commune'],
      ['contours', 'epci'],
      ['contours', 'departement'],
      ['contours', 'region'],
    ]);
    assert.deepEqual(r.handoff.commands, [], 'contours have no terroir import command line');
  });

  test('extracts a split archive and hands over communes, EPCI, départements and régions', { skip: NO_7Z }, async () => {
    const files: Record<string, Buffer> = {};
    for (const n of ['COMMUNE', 'DEPARTEMENT', 'REGION', 'EPCI']) files[`ADMIN-EXPRESS-COG/1_DONNEES_LIVRAISON/ADECOG_3-2_SHP_WGS84G_FRA/${n}.shp`] = randomBytes(15_000);
    publish(make7z(files, '20k'));
    const dest = tmp();
    const r = await runFetch('admin-express', ['cog'], opts(dest));
    assert.ok(r.results.length >= 2, 'several volumes');
    const root = join(dest, 'admin-express', RES, SUB, 'ADMIN-EXPRESS-COG/1_DONNEES_LIVRAISON/ADECOG_3-2_SHP_WGS84G_FRA');
    assert.deepEqual(readFileSync(join(root, 'COMMUNE.shp')), files['ADMIN-EXPRESS-COG/1_DONNEES_LIVRAISON/ADECOG_3-2_SHP_WGS84G_FRA/COMMUNE.shp']);
    assert.deepEqual(
      r.importSteps.map((s) => [s.layer, s.files, s.options]),
      [
        ['limites-administratives.commune', [join(root, 'COMMUNE.shp')], { edition: SUB, date: '2024-02-22' }],
        ['limites-administratives.epci', [join(root, 'EPCI.shp')], { edition: SUB, date: '2024-02-22' }],
        ['limites-administratives.departement', [join(root, 'DEPARTEMENT.shp')], { edition: SUB, date: '2024-02-22' }],
        ['limites-administratives.region', [join(root, 'REGION.shp')], { edition: SUB, date: '2024-02-22' }],
      ],
    );
  });
});

describe('INAO', () => {
  const API = '/api/1/datasets/delimitation-parcellaire-des-aoc-viticoles-de-linao/';
  const FILE = '/resources/delimitation-parcellaire-des-aoc-viticoles-de-linao/20260921-213954/2026-09-21-delim-parcellaire-aoc-shp.zip';
  const zip = randomBytes(40_000);

  const dataset = (checksum: string) =>
    JSON.stringify({
      title: "Délimitation Parcellaire des AOC Viticoles de l'INAO",
      resources: [
        { id: 'n1', title: 'Notice', url: `${server.url}/resources/notice.pdf`, format: 'pdf', last_modified: '2026-09-21T00:00:00' },
        { id: 'z1', title: '2026-09-21-delim-parcellaire-aoc-shp.zip', url: `${server.url}${FILE}`, format: 'zip', last_modified: '2026-09-21T21:39:54', checksum: { type: 'sha1', value: checksum } },
      ],
    });

  test('reads the dataset from the data.gouv.fr API and verifies the resource sha1', async () => {
    server.set(API, { body: dataset(sha1(zip)), contentType: 'application/json' });
    server.set(FILE, { body: zip, contentType: 'application/zip' });
    const dest = tmp();
    const r = await runFetch('inao', [], opts(dest));
    assert.equal(r.results[0].path, join(dest, 'inao/2026-09-21-delim-parcellaire-aoc-shp.zip'));
    assert.deepEqual(r.results[0].verified, { algorithm: 'sha1', value: sha1(zip), from: `${server.url}${API}` });
    assert.deepEqual(r.handoff.commands, [`terroir import aoc.appellation-viticole ${join(dest, 'inao/2026-09-21-delim-parcellaire-aoc-shp.zip')}`]);
  });

  test('a sha1 that does not match is refused', async () => {
    server.set(API, { body: dataset('0'.repeat(40)), contentType: 'application/json' });
    server.set(FILE, { body: zip });
    const dest = tmp();
    await assert.rejects(runFetch('inao', [], opts(dest)), ChecksumError);
    assert.ok(!existsSync(join(dest, 'inao/2026-09-21-delim-parcellaire-aoc-shp.zip')));
  });

  test('the API answering 503 then 200 is retried', async () => {
    server.set(API, { body: dataset(sha1(zip)), contentType: 'application/json', failTimes: 1 });
    server.set(FILE, { body: zip });
    const r = await runFetch('inao', [], opts(tmp()));
    assert.equal(r.results[0].sha256, sha256(zip));
    assert.deepEqual(server.hits(API).map((h) => h.status), [503, 200]);
  });
});

describe('GPU', () => {
  const zip = randomBytes(25_000);

  test('follows the download-by-partition redirect, saves <partition>.zip, revalidates on re-run', async () => {
    server.set('/api/document/download-by-partition/DU_17345', { body: '', redirectTo: '/documents/17345_PLU_20220209.zip' });
    server.set('/documents/17345_PLU_20220209.zip', { body: zip, contentType: 'application/zip' });
    const dest = tmp();
    const r = await runFetch('gpu', ['17345'], opts(dest));
    assert.equal(r.results[0].path, join(dest, 'gpu/DU_17345.zip'));
    assert.deepEqual(readFileSync(join(dest, 'gpu/DU_17345.zip')), zip);
    assert.deepEqual(r.importSteps, [{ layer: 'gpu.zone-urba', files: [join(dest, 'gpu/DU_17345.zip')], options: { partition: 'DU_17345' }, via: 'cnig' }]);
    const again = await runFetch('gpu', ['DU_17345'], opts(dest));
    assert.equal(again.results[0].status, 'unchanged');
    assert.equal(again.results[0].transferred, 0);
  });

  test('an unknown partition is a 404 naming the URL', async () => {
    await assert.rejects(runFetch('gpu', ['DU_99999'], opts(tmp())), (e: unknown) => {
      assert.ok(e instanceof HttpStatusError);
      assert.ok(e.message.includes(`${server.url}/api/document/download-by-partition/DU_99999`), e.message);
      return true;
    });
  });
});

describe('INPN nature layers', () => {
  const zps = randomBytes(30_000);
  const rncfs = randomBytes(20_000);

  test('downloads the INPN zips asked for (all by default) and hands each to its nature layer', async () => {
    server.set('/docs/Shape/zps.zip', { body: zps, contentType: 'application/zip' });
    server.set('/docs/Shape/rncfs.zip', { body: rncfs, contentType: 'application/zip' });
    const dest = tmp();
    const r = await runFetch('nature', ['zps', 'rncf'], opts(dest));
    assert.deepEqual(r.results.map((x) => [x.path, x.sha256]), [
      [join(dest, 'inpn/zps.zip'), sha256(zps)],
      [join(dest, 'inpn/rncfs.zip'), sha256(rncfs)],
    ]);
    assert.deepEqual(r.handoff.commands, [
      `terroir import nature.natura-oiseaux ${join(dest, 'inpn/zps.zip')}`,
      `terroir import nature.rncf ${join(dest, 'inpn/rncfs.zip')}`,
    ]);
    assert.ok(notes.some((n) => /INPN publishes no checksum/.test(n)));
  });

  test('an unknown layer is a selector error; a 404 of the INPN fails the fetch', async () => {
    await assert.rejects(runFetch('nature', ['zico'], opts(tmp())), /unknown layer "zico"/);
    server.set('/docs/Shape/pn.zip', { status: 404, body: '' });
    await assert.rejects(runFetch('inpn', ['pn'], opts(tmp())));
  });
});
