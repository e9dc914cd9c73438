/**
 * --import end to end on a real database: real files served by the local server, fetched, then
 * handed to the import engine (importFiles), the GPU's importCnigFolder and loadContours.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runImports } from '../../src/fetch/import-handoff.ts';
import { runFetch, type FetchRunOptions } from '../../src/fetch/run.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../helpers/shared.ts';
import { startServer, type FixtureServer } from './server.ts';
import { zipFolder, zipStored } from './zip.ts';

let server: FixtureServer;
let t: TestDb;
let dest: string;
const lines: string[] = [];
const opts = (): FetchRunOptions => ({ dest, baseUrl: server.url, http: { retry: { attempts: 2, baseDelayMs: 1 } }, note: () => {} });

before(async () => {
  server = await startServer();
  t = await freshDb();
  dest = mkdtempSync(join(tmpdir(), 'terroir-fetch-import-'));
});
after(async () => {
  await server.close();
  await t.close();
  rmSync(dest, { recursive: true, force: true });
});

test('cadastre: the Etalab parcels of 72187 are fetched and imported', { skip: skipWithoutShared('data/cadastre/cadastre-72187-parcelles.json.gz') }, async () => {
  server.set('/data/etalab-cadastre/latest/geojson/communes/72/72187/cadastre-72187-parcelles.json.gz', {
    body: readFileSync(sharedPath('data/cadastre/cadastre-72187-parcelles.json.gz')),
    contentType: 'application/gzip',
  });
  const r = await runFetch('cadastre', ['72187', 'parcelles'], opts());
  assert.deepEqual(r.importSteps.map((s) => s.layer), ['cadastre.parcelle']);
  lines.length = 0;
  await runImports(t.db, r.importSteps, (l) => lines.push(l));
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:72187'`);
  assert.equal(n, 4143);
  assert.match(lines.join('\n'), /4\s?143/);
});

test('gpu: a CNIG document archive is extracted and every layer imported in its partition', { skip: skipWithoutShared('data/urbanisme/30014_PLU_20171013') }, async () => {
  server.set('/api/document/download-by-partition/DU_30014', { body: '', redirectTo: '/doc/30014_PLU_20171013.zip' });
  server.set('/doc/30014_PLU_20171013.zip', { body: zipFolder(sharedPath('data/urbanisme/30014_PLU_20171013'), '30014_PLU_20171013'), contentType: 'application/zip' });
  const r = await runFetch('gpu', ['30014'], opts());
  assert.deepEqual(r.importSteps, [{ layer: 'gpu.zone-urba', files: [join(dest, 'gpu/DU_30014.zip')], options: { partition: 'DU_30014' }, via: 'cnig' }]);
  lines.length = 0;
  await runImports(t.db, r.importSteps, (l) => lines.push(l));
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM gpu_zone_urba WHERE dataset_id = 'gpu.zone-urba:DU_30014'`);
  assert.equal(n, 90);
  assert.match(lines[0], /^DU_30014 .*gpu\.zone-urba 90/);
});

test('a zip member that would escape the folder is refused', async () => {
  server.set('/api/document/download-by-partition/DU_72187', { body: zipStored([{ name: '../evil.shp', data: Buffer.from('x') }]) });
  const r = await runFetch('gpu', ['DU_72187'], opts());
  // yauzl refuses such names itself; extractZip checks again in case a reader lets one through.
  await assert.rejects(runImports(t.db, r.importSteps, () => {}), /invalid relative path: \.\.\/evil\.shp|points outside the archive/);
  assert.ok(!existsSync(join(dest, 'gpu', 'evil.shp')));
  assert.ok(!existsSync(join(dest, 'evil.shp')));
});

test('nature: an INPN zipped shapefile is fetched from its address and imported into its layer', async () => {
  // The committed ZNIEFF 1 fixture (Lambert-93, ID_MNHN/NOM/URL), zipped as the INPN publishes it.
  const fixtures = fileURLToPath(new URL('../modules/nature/fixtures/', import.meta.url));
  const parts = ['shp', 'shx', 'dbf', 'prj', 'cpg'].map((ext) => ({ name: `znieff1.${ext}`, data: readFileSync(join(fixtures, `znieff1.${ext}`)) }));
  server.set('/docs/Shape/znieff1.zip', { body: zipStored(parts), contentType: 'application/zip' });
  const r = await runFetch('nature', ['znieff1'], opts());
  assert.deepEqual(r.importSteps.map((s) => [s.layer, s.files]), [['nature.znieff1', [join(dest, 'inpn/znieff1.zip')]]]);
  lines.length = 0;
  await runImports(t.db, r.importSteps, (l) => lines.push(l));
  const rows = await t.db.query<{ id_mnhn: string; nom_site: string; dataset_id: string }>('SELECT id_mnhn, nom_site, dataset_id FROM nature_znieff1 ORDER BY id_mnhn');
  assert.equal(rows.length, 3, lines.join('\n'));
  assert.ok(rows.some((x) => x.id_mnhn === '530002533' && x.nom_site === "ÉTANG DE KERLOC'H"), JSON.stringify(rows));
  assert.ok(rows.every((x) => x.dataset_id === 'nature.znieff1:znieff1.zip/znieff1.shp'), rows[0].dataset_id);
  const [{ inside }] = await t.db.query<{ inside: boolean }>('SELECT bool_and(ST_X(ST_Centroid(geom)) BETWEEN -5.5 AND 8.5 AND ST_Y(ST_Centroid(geom)) BETWEEN 41 AND 51.5) AS inside FROM nature_znieff1');
  assert.equal(inside, true, 'reprojected from Lambert-93 to WGS84');
});

const NO_LIMITES = existsSync(new URL('../../src/modules/limites-administratives/index.ts', import.meta.url))
  ? false
  : 'the limites-administratives module is not in this build';

test('admin-express: contours are set on the module’s communes through loadContours', { skip: skipWithoutShared('data/communes/communes-72-sarthe.geojson') || NO_LIMITES }, async () => {
  // ADMIN EXPRESS fields on a real WGS84 commune layer (the shared sample is a GeoJSON from ADMIN EXPRESS COG).
  const src = JSON.parse(readFileSync(sharedPath('data/communes/communes-72-sarthe.geojson'), 'utf8'));
  for (const f of src.features) f.properties = { INSEE_COM: f.properties.code, NOM: f.properties.nom };
  const file = join(dest, 'COMMUNE.geojson');
  writeFileSync(file, JSON.stringify(src));
  lines.length = 0;
  await runImports(t.db, [{ layer: 'limites-administratives.commune', files: [file], via: 'contours', level: 'commune', options: { edition: 'ADMIN-EXPRESS-COG_x', date: '2018-01-01' } }], (l) => lines.push(l));
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM limites_commune WHERE code LIKE '72%' AND geom IS NOT NULL`);
  assert.ok(n > 300, `${n} Sarthe communes with a contour`);
  assert.match(lines[0], /^limites-administratives\.commune: \d+ contours set from 360 features/);
});

test('a target the build does not register is reported, not guessed', async () => {
  lines.length = 0;
  await runImports(t.db, [{ layer: 'cadastre.lieu_dit', files: ['/nowhere/x.json.gz'] }], (l) => lines.push(l));
  assert.match(lines[0], /cadastre\.lieu_dit: no import target is registered for it; not imported/);
});
