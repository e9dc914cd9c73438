/** URL builders and selector parsing of every source, and the small parsers they rely on. No network. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { digestFor, parseChecksumFile } from '../../src/fetch/checksum.ts';
import { SelectorError } from '../../src/fetch/errors.ts';
import { archiveFiles, downloadUrl, parseAtomFeed, resourceUrl, subResourceUrl } from '../../src/fetch/geoplateforme.ts';
import { importCommandLine, shellQuote } from '../../src/fetch/import-handoff.ts';
import { progressLine, streamProgress } from '../../src/fetch/progress.ts';
import { checkBaseUrl } from '../../src/fetch/run.ts';
import { findSource } from '../../src/fetch/sources/index.ts';
import { cadastreSource, cadastreUrl, parseCadastreSelectors, DEFAULT_CADASTRE_LAYERS } from '../../src/fetch/sources/cadastre.ts';
import { parseRpgSelectors, rpgArchiveUrl, rpgSubResource, rpgTitlePattern } from '../../src/fetch/sources/rpg.ts';
import { parseAdminExpressSelectors, pickAdminExpressEdition } from '../../src/fetch/sources/admin-express.ts';
import { inaoDatasetUrl, pickInaoResource, resourceChecksum, resourceFileName, type DataGouvResource } from '../../src/fetch/sources/inao.ts';
import { gpuDownloadUrl, gpuSource, normalizePartition } from '../../src/fetch/sources/gpu.ts';
import type { PlanContext } from '../../src/fetch/sources/types.ts';

const CAD = 'https://cadastre.data.gouv.fr';
const GEOPF = 'https://data.geopf.fr/telechargement';
const ctx = (baseUrl: string, flags = {}): PlanContext => ({ baseUrl, http: {}, flags, note: () => {} });

describe('cadastre (Etalab)', () => {
  const url = (sel: string[], layer: Parameters<typeof cadastreUrl>[2], millesime?: string) => cadastreUrl(CAD, parseCadastreSelectors(sel, millesime), layer);

  test('commune files', () => {
    assert.equal(url(['72187'], 'parcelles'), `${CAD}/data/etalab-cadastre/latest/geojson/communes/72/72187/cadastre-72187-parcelles.json.gz`);
    assert.equal(url(['72187'], 'lieux_dits'), `${CAD}/data/etalab-cadastre/latest/geojson/communes/72/72187/cadastre-72187-lieux_dits.json.gz`);
    assert.equal(url(['91216'], 'parcelles', '2022-01-01'), `${CAD}/data/etalab-cadastre/2022-01-01/geojson/communes/91/91216/cadastre-91216-parcelles.json.gz`);
    assert.equal(url(['2a004'], 'sections'), `${CAD}/data/etalab-cadastre/latest/geojson/communes/2A/2A004/cadastre-2A004-sections.json.gz`);
    assert.equal(url(['97411'], 'feuilles'), `${CAD}/data/etalab-cadastre/latest/geojson/communes/974/97411/cadastre-97411-feuilles.json.gz`);
  });

  test('département files', () => {
    assert.equal(url(['24'], 'parcelles'), `${CAD}/data/etalab-cadastre/latest/geojson/departements/24/cadastre-24-parcelles.json.gz`);
    assert.equal(url(['2B'], 'communes', '2025-04-01'), `${CAD}/data/etalab-cadastre/2025-04-01/geojson/departements/2B/cadastre-2B-communes.json.gz`);
    assert.equal(url(['971'], 'parcelles'), `${CAD}/data/etalab-cadastre/latest/geojson/departements/971/cadastre-971-parcelles.json.gz`);
  });

  test('layers: the five by default, or the ones named', async () => {
    assert.deepEqual(parseCadastreSelectors(['72187']).layers, DEFAULT_CADASTRE_LAYERS);
    assert.deepEqual(DEFAULT_CADASTRE_LAYERS, ['parcelles', 'sections', 'feuilles', 'communes', 'lieux_dits']);
    assert.deepEqual(parseCadastreSelectors(['72187', 'parcelles', 'lieux-dits', 'parcelles']).layers, ['parcelles', 'lieux_dits']);
    const plan = await cadastreSource.plan(['72187', 'parcelles', 'feuilles'], ctx('http://127.0.0.1:9/', { millesime: '2025-09-01' }));
    assert.deepEqual(
      plan.downloads.map((d) => d.url),
      [
        'http://127.0.0.1:9/data/etalab-cadastre/2025-09-01/geojson/communes/72/72187/cadastre-72187-parcelles.json.gz',
        'http://127.0.0.1:9/data/etalab-cadastre/2025-09-01/geojson/communes/72/72187/cadastre-72187-feuilles.json.gz',
      ],
    );
    assert.equal(plan.subdir, 'cadastre/2025-09-01/72187');
  });

  for (const [sel, millesime, what] of [
    [[], undefined, 'no code'],
    [['7218'], undefined, '4 digits'],
    [['20123'], undefined, 'old Corsica département 20'],
    [['20'], undefined, 'département 20'],
    [['96'], undefined, 'département 96'],
    [['99123'], undefined, 'commune of an unknown département'],
    [['72187', 'cadastre'], undefined, 'unknown layer'],
    [['72187'], '2025-4-1', 'badly written millésime'],
  ] as [string[], string | undefined, string][]) {
    test(`refuses ${what}`, () => {
      assert.throws(() => parseCadastreSelectors(sel, millesime), SelectorError);
    });
  }
});

describe('RPG (Géoplateforme)', () => {
  test('exact URLs of published editions', () => {
    assert.equal(
      rpgArchiveUrl(GEOPF, parseRpgSelectors(['R75', '2023'])),
      `${GEOPF}/download/RPG/RPG_2-2__SHP_LAMB93_R75_2023-01-01/RPG_2-2__SHP_LAMB93_R75_2023-01-01.7z`,
    );
    assert.equal(
      rpgArchiveUrl(GEOPF, parseRpgSelectors(['84', '2021'])),
      `${GEOPF}/download/RPG/RPG_2-0__SHP_LAMB93_R84_2021-01-01/RPG_2-0__SHP_LAMB93_R84_2021-01-01.7z`,
    );
    assert.equal(
      rpgArchiveUrl(GEOPF, parseRpgSelectors(['2022', 'R24'])),
      `${GEOPF}/download/RPG/RPG_2-0__SHP_LAMB93_R24_2022-01-01/RPG_2-0__SHP_LAMB93_R24_2022-01-01.7z`,
    );
    assert.equal(rpgSubResource(parseRpgSelectors(['FXX', '2023'], 'gpkg')), 'RPG_2-2__GPKG_LAMB93_FXX_2023-01-01');
    assert.equal(rpgSubResource(parseRpgSelectors(['R04', '2020'])), 'RPG_2-0__SHP_RGR92UTM40S_R04_2020-01-01');
    assert.equal(
      subResourceUrl(GEOPF, 'RPG', 'RPG_2-2__SHP_LAMB93_R75_2023-01-01'),
      `${GEOPF}/resource/RPG/RPG_2-2__SHP_LAMB93_R75_2023-01-01?page=1&limit=50`,
    );
  });

  test('the listing pattern accepts another version or day, not another région or year', () => {
    const re = rpgTitlePattern(parseRpgSelectors(['R11', '2019']));
    assert.ok(re.test('RPG_2-0__SHP_LAMB93_R11_2019-01-15'));
    assert.ok(re.test('RPG_2-1__SHP_LAMB93_R11_2019-01-01'));
    assert.ok(!re.test('RPG_2-0__SHP_LAMB93_R11_2020-01-01'));
    assert.ok(!re.test('RPG_2-0__SHP_LAMB93_R24_2019-01-01'));
    assert.ok(!re.test('RPG_2-0__GPKG_LAMB93_R11_2019-01-01'));
  });

  for (const [sel, fmt, what] of [
    [['R52'], 'SHP', 'a missing year'],
    [['R99', '2023'], 'SHP', 'an unknown région'],
    [['R52', '2014'], 'SHP', 'a campaign before the parcel layer'],
    [['R52', '2999'], 'SHP', 'a future campaign'],
    [['R52', '2023'], 'ZIP', 'an unknown format'],
  ] as [string[], string, string][]) {
    test(`refuses ${what}`, () => assert.throws(() => parseRpgSelectors(sel, fmt), SelectorError));
  }
});

describe('ADMIN EXPRESS (Géoplateforme)', () => {
  const titles = [
    'ADMIN-EXPRESS-COG_3-1__SHP_WGS84G_FRA_2023-05-03',
    'ADMIN-EXPRESS-COG_3-2__SHP_LAMB93_FXX_2024-02-22',
    'ADMIN-EXPRESS-COG_3-2__SHP_WGS84G_FRA_2024-02-22',
    'ADMIN-EXPRESS-COG_3-2__SHP_RGAF09UTM20_GLP_2024-02-22',
    'ADMIN-EXPRESS-COG_4-0__GPKG_WGS84G_FRA_2025-01-01',
    'ADMIN-EXPRESS-COG-CARTO_3-2__SHP_WGS84G_FRA_2024-02-22',
  ];

  test('latest edition in the asked format and zone, and newer ones in other formats', () => {
    const { chosen, newerElsewhere } = pickAdminExpressEdition(parseAdminExpressSelectors([], {}), titles);
    assert.equal(chosen?.sub, 'ADMIN-EXPRESS-COG_3-2__SHP_WGS84G_FRA_2024-02-22');
    assert.equal(
      downloadUrl(GEOPF, 'ADMIN-EXPRESS-COG', chosen!.sub, `${chosen!.sub}.7z`),
      `${GEOPF}/download/ADMIN-EXPRESS-COG/ADMIN-EXPRESS-COG_3-2__SHP_WGS84G_FRA_2024-02-22/ADMIN-EXPRESS-COG_3-2__SHP_WGS84G_FRA_2024-02-22.7z`,
    );
    assert.deepEqual(newerElsewhere.map((e) => e.sub), ['ADMIN-EXPRESS-COG_4-0__GPKG_WGS84G_FRA_2025-01-01']);
  });

  test('a given edition, format, zone or product', () => {
    const pick = (sel: string[], flags: object) => pickAdminExpressEdition(parseAdminExpressSelectors(sel, flags), titles).chosen?.sub;
    assert.equal(pick([], { edition: '2023-05-03' }), 'ADMIN-EXPRESS-COG_3-1__SHP_WGS84G_FRA_2023-05-03');
    assert.equal(pick([], { format: 'gpkg' }), 'ADMIN-EXPRESS-COG_4-0__GPKG_WGS84G_FRA_2025-01-01');
    assert.equal(pick([], { zone: 'fxx' }), 'ADMIN-EXPRESS-COG_3-2__SHP_LAMB93_FXX_2024-02-22');
    assert.equal(pick(['cog-carto'], {}), 'ADMIN-EXPRESS-COG-CARTO_3-2__SHP_WGS84G_FRA_2024-02-22');
    assert.equal(pick(['express'], {}), undefined, 'ADMIN-EXPRESS_… names are not ADMIN-EXPRESS-COG_… ones');
    assert.equal(pick([], { edition: '2022-01-01' }), undefined);
    assert.equal(resourceUrl(GEOPF, 'ADMIN-EXPRESS-COG', 2), `${GEOPF}/resource/ADMIN-EXPRESS-COG?page=2&limit=50`);
  });

  test('refuses an unknown product or a bad edition', () => {
    assert.throws(() => parseAdminExpressSelectors(['geofla'], {}), SelectorError);
    assert.throws(() => parseAdminExpressSelectors([], { edition: 'last' }), SelectorError);
    assert.throws(() => parseAdminExpressSelectors(['cog', 'cog-carto'], {}), SelectorError);
  });
});

describe('INAO (data.gouv.fr)', () => {
  const resources: DataGouvResource[] = [
    { id: 'a1', title: 'Notice', url: 'https://static.data.gouv.fr/resources/x/notice.pdf', format: 'pdf', last_modified: '2026-09-21T10:00:00' },
    {
      id: 'b2',
      title: '2026-05-05-delim-parcellaire-aoc-shp.zip',
      url: 'https://static.data.gouv.fr/resources/delimitation-parcellaire-des-aoc-viticoles-de-linao/20260505-101010/2026-05-05-delim-parcellaire-aoc-shp.zip',
      format: 'zip',
      last_modified: '2026-05-05T10:10:10',
      checksum: { type: 'sha1', value: 'AB'.repeat(20) },
    },
    {
      id: 'c3',
      title: '2026-09-21-delim-parcellaire-aoc-shp.zip',
      url: 'https://static.data.gouv.fr/resources/delimitation-parcellaire-des-aoc-viticoles-de-linao/20260921-213954/2026-09-21-delim-parcellaire-aoc-shp.zip',
      format: 'zip',
      last_modified: '2026-09-21T21:39:54',
      checksum: { type: 'sha1', value: 'cd'.repeat(20) },
    },
    { id: 'd4', title: 'aires.csv.zip', url: 'https://static.data.gouv.fr/resources/x/aires.zip', format: 'zip', last_modified: '2026-12-01T00:00:00' },
  ];

  test('dataset API URL', () => {
    assert.equal(inaoDatasetUrl('https://www.data.gouv.fr'), 'https://www.data.gouv.fr/api/1/datasets/delimitation-parcellaire-des-aoc-viticoles-de-linao/');
  });

  test('the newest zipped shapefile, or the resource asked for', () => {
    assert.equal(pickInaoResource(resources).id, 'c3');
    assert.equal(resourceFileName(pickInaoResource(resources)), '2026-09-21-delim-parcellaire-aoc-shp.zip');
    assert.equal(pickInaoResource(resources, 'b2').id, 'b2');
    assert.equal(pickInaoResource(resources, '2026-05-05').id, 'b2');
    assert.throws(() => pickInaoResource(resources, 'nothing-like-this'), SelectorError);
    assert.deepEqual(resourceChecksum(resources[2], 'api'), { algorithm: 'sha1', value: 'cd'.repeat(20), from: 'api' });
    assert.equal(resourceChecksum({ ...resources[2], checksum: { type: 'crc32', value: '1' } }, 'api'), undefined);
  });
});

describe('GPU (Géoportail de l’urbanisme)', () => {
  test('download by partition', async () => {
    assert.equal(gpuDownloadUrl('https://www.geoportail-urbanisme.gouv.fr', 'DU_17345'), 'https://www.geoportail-urbanisme.gouv.fr/api/document/download-by-partition/DU_17345');
    assert.equal(normalizePartition('17345'), 'DU_17345');
    assert.equal(normalizePartition('du_2a004'), 'DU_2A004');
    assert.equal(normalizePartition('200011781'), 'DU_200011781');
    assert.equal(normalizePartition('172014607_SUP_69_AC1'), '172014607_SUP_69_AC1');
    const plan = await gpuSource.plan(['DU_17345', '17345', '30014'], ctx('https://www.geoportail-urbanisme.gouv.fr'));
    assert.deepEqual(
      plan.downloads.map((d) => [d.fileName, d.url]),
      [
        ['DU_17345.zip', 'https://www.geoportail-urbanisme.gouv.fr/api/document/download-by-partition/DU_17345'],
        ['DU_30014.zip', 'https://www.geoportail-urbanisme.gouv.fr/api/document/download-by-partition/DU_30014'],
      ],
    );
  });

  test('refuses what is not a partition', async () => {
    assert.throws(() => normalizePartition('../etc/passwd'), SelectorError);
    assert.throws(() => normalizePartition('DU 17345'), SelectorError);
    await assert.rejects(gpuSource.plan([], ctx('https://x')), SelectorError);
  });
});

describe('shared pieces', () => {
  test('source names and aliases', () => {
    assert.equal(findSource('AOC')?.name, 'inao');
    assert.equal(findSource('admin-express')?.name, 'admin-express');
    assert.equal(findSource('bdtopo'), undefined);
  });

  test('--base-url must be an http(s) URL', () => {
    assert.equal(checkBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
    assert.throws(() => checkBaseUrl('ftp://x'), SelectorError);
    assert.throws(() => checkBaseUrl('127.0.0.1:8080'), SelectorError);
  });

  test('Géoplateforme Atom feed', () => {
    const feed = parseAtomFeed(`<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:gpf_dl="https://data.geopf.fr/annexes/ressources/xsd/gpf_dl.xsd" gpf_dl:page="1" gpf_dl:pagesize="50" gpf_dl:pagecount="2" gpf_dl:totalentries="51">
  <entry>
    <title>RPG_2-2__SHP_LAMB93_R75_2023-01-01</title>
    <link href="https://data.geopf.fr/telechargement/resource/RPG/RPG_2-2__SHP_LAMB93_R75_2023-01-01" rel="alternate" type="application/atom+xml"/>
    <gpf_dl:zone term="R75" label="R75 Nouvelle-Aquitaine"/>
    <gpf_dl:format term="SHP" label="SHP (Shapefile)"/>
    <gpf_dl:editionDate>2023-01-01</gpf_dl:editionDate>
  </entry>
  <entry><title>a &amp; b.7z</title><link rel="alternate" gpf_dl:length="12345" href="https://h/download/R/S/a%20%26%20b.7z?x=1&amp;y=2"/></entry>
</feed>`);
    assert.equal(feed.pageCount, 2);
    assert.equal(feed.totalEntries, 51);
    assert.deepEqual(feed.entries[0], {
      title: 'RPG_2-2__SHP_LAMB93_R75_2023-01-01',
      links: ['https://data.geopf.fr/telechargement/resource/RPG/RPG_2-2__SHP_LAMB93_R75_2023-01-01'],
      editionDate: '2023-01-01',
      zone: 'R75',
      format: 'SHP',
    });
    assert.equal(feed.entries[1].title, 'a & b.7z');
    assert.deepEqual(feed.entries[1].links, ['https://h/download/R/S/a%20%26%20b.7z?x=1&y=2']);
    assert.equal(feed.entries[1].length, 12345);
    assert.throws(() => parseAtomFeed('<html>maintenance</html>'), /not an Atom feed/);
  });

  test('archives: one .7z, or the volumes in order', () => {
    const f = (name: string) => ({ name, url: name });
    assert.deepEqual(archiveFiles([f('x.md5'), f('x.7z')]).map((a) => a.name), ['x.7z']);
    assert.deepEqual(archiveFiles([f('x.7z.002'), f('x.md5'), f('x.7z.001')]).map((a) => a.name), ['x.7z.001', 'x.7z.002']);
  });

  test('checksum files: md5sum, BSD and bare layouts', () => {
    const d = 'd41d8cd98f00b204e9800998ecf8427e';
    assert.equal(digestFor(parseChecksumFile(`${d}  RPG.7z\n`, 'md5'), 'RPG.7z'), d);
    assert.equal(digestFor(parseChecksumFile(`${d.toUpperCase()} *dir/RPG.7z\r\n`, 'md5'), 'RPG.7z'), d);
    assert.equal(digestFor(parseChecksumFile(`MD5 (RPG.7z) = ${d}\n`, 'md5'), 'RPG.7z'), d);
    assert.equal(digestFor(parseChecksumFile(`${d}\n`, 'md5'), 'anything.7z'), d);
    assert.equal(digestFor(parseChecksumFile(`${d}  other.7z\n`, 'md5'), 'RPG.7z'), undefined);
    assert.equal(parseChecksumFile('not a checksum', 'md5').size, 0);
  });

  test('import command lines are shell-ready', () => {
    assert.equal(shellQuote('/tmp/a b/c.shp'), `'/tmp/a b/c.shp'`);
    assert.equal(shellQuote("l'eau"), `'l'\\''eau'`);
    assert.equal(
      importCommandLine({ layer: 'rpg.parcelle', files: ['/d/PARCELLES_GRAPHIQUES.shp'], annee: 2023, options: { region: 'R75' } }),
      'terroir import rpg.parcelle /d/PARCELLES_GRAPHIQUES.shp --annee 2023 --option region=R75',
    );
  });
});

describe('progress line', () => {
  const sink = (isTTY: boolean) => {
    const out = { isTTY, text: '', write(s: string) { this.text += s; return true; } };
    return { out, p: streamProgress(out as unknown as NodeJS.WriteStream) };
  };

  test('in a log: a line per 10 %, the last one once', () => {
    const { out, p } = sink(false);
    p.start('f.7z', 1000, 0);
    for (let i = 0; i < 20; i++) p.advance(50);
    p.end(true);
    const lines = out.text.trim().split('\n');
    assert.equal(lines.length, 11, out.text);
    assert.match(lines[5], /^f\.7z\s+50\.0% 500 B \/ 1000 B/);
    assert.match(lines[10], /^f\.7z\s+100\.0% 1000 B \/ 1000 B/);
  });

  test('on a terminal: one line rewritten in place; a resume says where it starts', () => {
    const { out, p } = sink(true);
    p.start('f.7z', 4 * 1024 * 1024, 1024 * 1024);
    p.advance(1024 * 1024);
    p.end(true);
    assert.match(out.text, /^f\.7z: resuming at 1\.00 MB of 4\.00 MB\n\rf\.7z\s+25\.0%/);
    assert.match(out.text, /\rf\.7z\s+50\.0% 2\.00 MB \/ 4\.00 MB.*\n$/);
    assert.equal(progressLine('x', 5, undefined, 0), 'x  5 B');
  });
});
