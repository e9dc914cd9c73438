import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { freshDb, type TestDb } from '../../helpers/db.ts';
import limitesAdministratives from '../../../src/modules/limites-administratives/index.ts';
import { upperNoAccent } from '../../../src/modules/limites-administratives/names.ts';
import {
  compareVersions,
  loadReference,
  packageSource,
  pgTextArray,
  type RawCommune,
  type RawEpci,
} from '../../../src/modules/limites-administratives/reference.ts';

const require = createRequire(import.meta.url);
const pkg = require('@etalab/decoupage-administratif/package.json') as { version: string };
const communes = require('@etalab/decoupage-administratif/data/communes.json') as RawCommune[];
const epci = require('@etalab/decoupage-administratif/data/epci.json') as RawEpci[];
const departements = require('@etalab/decoupage-administratif/data/departements.json') as unknown[];
const regions = require('@etalab/decoupage-administratif/data/regions.json') as unknown[];
const current = communes.filter((c) => c.type === 'commune-actuelle');
const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const DATASET = `limites-administratives:decoupage-administratif@${pkg.version}`;

let t: TestDb;
before(async () => {
  t = await freshDb();
});
after(async () => {
  await t?.close();
});

async function count(table: string): Promise<number> {
  const [r] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return r.n;
}

test('names: the _m form is upper case without accents or ligatures, punctuation kept', () => {
  assert.equal(upperNoAccent("L'Abergement-Clémenciat"), "L'ABERGEMENT-CLEMENCIAT");
  assert.equal(upperNoAccent("L'Haÿ-les-Roses"), "L'HAY-LES-ROSES");
  assert.equal(upperNoAccent('Œuilly'), 'OEUILLY');
  assert.equal(upperNoAccent('Provence-Alpes-Côte d’Azur'), 'PROVENCE-ALPES-COTE D’AZUR');
  assert.equal(upperNoAccent('  île   de  Sein '), 'ILE DE SEIN');
});

test('versions compare numerically; text arrays are quoted for COPY', () => {
  assert.ok(compareVersions('6.0.0', '5.3.0') > 0);
  assert.ok(compareVersions('5.10.0', '5.9.1') > 0);
  assert.equal(compareVersions('6.0.0', '6.0.0'), 0);
  assert.ok(compareVersions('6.0.0', '6.0.1') < 0);
  assert.equal(pgTextArray(['29760', 'a"b']), '{"29760","a\\"b"}');
  assert.equal(pgTextArray(undefined), '{}');
});

test('first start: two concurrent bootstraps load the package once, with the counts of the package', async (ctx) => {
  const [a, b] = await Promise.all([loadReference(t.db, log), loadReference(t.db, log)]);
  const actions = [a.action, b.action].sort();
  assert.deepEqual(actions, ['kept', 'loaded'], 'exactly one of the two loads');
  const loaded = a.action === 'loaded' ? a : b;
  ctx.diagnostic(`first load on ${t.db.backend}: ${loaded.ms} ms`);

  assert.equal(await count('limites_commune'), current.length);
  assert.equal(current.length, 34969, 'package v6: 34 969 current communes (the type COM)');
  assert.equal(await count('limites_epci'), epci.length);
  assert.equal(await count('limites_departement'), departements.length);
  assert.equal(await count('limites_region'), regions.length);
  const members = epci.reduce((n, e) => n + e.membres.length, 0);
  assert.equal(await count('limites_epci_commune'), members);
  assert.deepEqual(loaded.counts, {
    region: regions.length,
    departement: departements.length,
    commune: current.length,
    epci: epci.length,
    epci_commune: members,
  });
  // Neither arrondissements municipaux nor communes déléguées: 75101 is a part of Paris.
  assert.equal((await t.db.query(`SELECT 1 FROM limites_commune WHERE code IN ('75101', '13201', '69381')`)).length, 0);
  const [ds] = await t.db.query<Record<string, unknown>>('SELECT * FROM terroir_dataset WHERE id = $1', [DATASET]);
  assert.equal(ds.layer, 'limites-administratives');
  assert.equal(ds.source, `@etalab/decoupage-administratif@${pkg.version}`);
  assert.equal(ds.licence, 'Licence Ouverte 2.0');
  assert.equal(ds.synthetic, false);
  assert.equal(ds.feature_count, current.length + epci.length + departements.length + regions.length);
  assert.match(String(ds.producer), /INSEE/);
  const details = ds.details as { excluded: Record<string, number> };
  assert.equal(details.excluded['arrondissement-municipal'], 45);
  assert.equal(details.excluded['commune-deleguee'], communes.filter((c) => c.type === 'commune-deleguee').length);
});

test('a real commune: Penmarch (29158), its EPCI, département and région', async () => {
  const [c] = await t.db.query<Record<string, unknown>>(`SELECT * FROM limites_commune_api WHERE code = '29158'`);
  assert.equal(c.nom, 'Penmarch');
  assert.equal(c.nom_m, 'PENMARCH');
  assert.equal(c.statut, 'Commune simple');
  assert.equal(c.population, current.find((x) => x.code === '29158')!.population);
  assert.equal(c.arrondissement, '294');
  assert.equal(c.departement, '29');
  assert.equal(c.region, '53');
  assert.equal(c.code_epci, '242900702');
  assert.equal(c.nom_dep, 'Finistère');
  assert.equal(c.nom_reg, 'Bretagne');
  assert.deepEqual(c.codes_postaux, ['29760']);
  assert.equal(c.geom, null, 'no contour before one is loaded');
  const [e] = await t.db.query<Record<string, unknown>>(`SELECT * FROM limites_epci_api WHERE code = '242900702'`);
  assert.equal(e.nom, 'CC du Pays Bigouden Sud');
  assert.equal(e.type, 'CC');
  assert.equal(e.nb_communes, epci.find((x) => x.code === '242900702')!.membres.length);
  assert.ok(String(e.insee_communes).split('/').includes('29158'));
  const [p] = await t.db.query<{ statut: string }>(`SELECT statut FROM limites_commune WHERE code = '29232'`);
  assert.equal(p.statut, 'Préfecture', 'Quimper is the préfecture of Finistère');
  const [r] = await t.db.query<{ statut: string }>(`SELECT statut FROM limites_commune WHERE code = '35238'`);
  assert.equal(r.statut, 'Préfecture de région', 'Rennes');
  const [s] = await t.db.query<{ statut: string }>(`SELECT statut FROM limites_commune WHERE code = '29019'`);
  assert.equal(s.statut, 'Sous-préfecture', 'Brest');
});

test('a later start does nothing and takes milliseconds (module bootstrap hook)', async (ctx) => {
  const [before] = await t.db.query<{ imported_at: Date }>('SELECT imported_at FROM terroir_dataset WHERE id = $1', [DATASET]);
  const t0 = performance.now();
  await limitesAdministratives.bootstrap!(t.db, log);
  const ms = performance.now() - t0;
  ctx.diagnostic(`second start on ${t.db.backend}: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 1000, `second bootstrap took ${ms} ms`);
  const r = await loadReference(t.db, log);
  assert.equal(r.action, 'kept');
  const [again] = await t.db.query<{ imported_at: Date }>('SELECT imported_at FROM terroir_dataset WHERE id = $1', [DATASET]);
  assert.deepEqual(again.imported_at, before.imported_at);
  assert.equal(await count('limites_commune'), current.length);
});

const square = (x: number, y: number, d: number) =>
  JSON.stringify({ type: 'MultiPolygon', coordinates: [[[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]] });

test('a newer package reloads attributes, keeps contours and gives a merged commune its contour', async () => {
  // The state an older package would have left: a contour on Penmarch, Arboys en Bugey (01015) and
  // on 01340, a commune that existed then and has since merged into 01015; a renamed Penmarch; a
  // commune that no longer exists at all.
  await t.db.query(`UPDATE limites_commune SET geom = ST_GeomFromGeoJSON($1), nom = 'Penmarc''h (old)' WHERE code = '29158'`, [square(-4.36, 47.8, 0.02)]);
  await t.db.query(`UPDATE limites_commune SET geom = ST_GeomFromGeoJSON($1) WHERE code = '01015'`, [square(5.6, 45.8, 0.01)]);
  await t.db.query(
    `INSERT INTO limites_commune (code, nom, nom_m, statut, departement, region, geom)
     VALUES ('01340', 'Arbignieu', 'ARBIGNIEU', 'Commune simple', '01', '84', ST_GeomFromGeoJSON($1)),
            ('01999', 'Vanished', 'VANISHED', 'Commune simple', '01', '84', NULL)`,
    [square(5.61, 45.8, 0.01)],
  );
  await t.db.query(`UPDATE terroir_dataset SET id = 'limites-administratives:decoupage-administratif@5.3.0' WHERE id = $1`, [DATASET]);

  const r = await loadReference(t.db, log);
  assert.equal(r.action, 'upgraded');
  assert.equal(r.previous, '5.3.0');
  const ids = (await t.db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE layer = 'limites-administratives'`)).map((x) => x.id);
  assert.deepEqual(ids, [DATASET]);
  assert.equal(await count('limites_commune'), current.length, '01340 and 01999 are gone');
  const [p] = await t.db.query<{ nom: string; same: boolean }>(
    `SELECT nom, ST_Equals(geom, ST_GeomFromGeoJSON($1)) AS same FROM limites_commune WHERE code = '29158'`,
    [square(-4.36, 47.8, 0.02)],
  );
  assert.equal(p.nom, 'Penmarch', 'attributes reloaded');
  assert.equal(p.same, true, 'contour kept');
  const [a] = await t.db.query<{ area: number; type: string }>(
    `SELECT ST_Area(geom) AS area, GeometryType(geom) AS type FROM limites_commune WHERE code = '01015'`,
  );
  assert.equal(a.type, 'MULTIPOLYGON');
  assert.ok(Math.abs(a.area - 0.0002) < 1e-9, `01015 holds both contours: area ${a.area}`);
});

test('a new version with a broken link is refused and changes nothing', async () => {
  const broken = {
    version: '6.0.1',
    read: () => ({
      regions: [{ code: '53', nom: 'Bretagne' }],
      departements: [{ code: '29', nom: 'Finistère', region: '53' }],
      communes: [{ code: '29158', nom: 'Penmarch', type: 'commune-actuelle' as const, departement: '22', region: '53' }],
      epci: [],
      arrondissements: [],
    }),
  };
  await assert.rejects(loadReference(t.db, log, broken), /broken link commune → département for 29158/);
  assert.equal(await count('limites_commune'), current.length);
  const [ds] = await t.db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE layer = 'limites-administratives'`);
  assert.equal(ds.id, DATASET);
});

test('a database loaded by a newer package is left alone', async () => {
  await t.db.query(`UPDATE terroir_dataset SET id = 'limites-administratives:decoupage-administratif@99.0.0' WHERE id = $1`, [DATASET]);
  await t.db.query(`UPDATE limites_commune SET nom = 'Penmarch (newer)' WHERE code = '29158'`);
  const r = await loadReference(t.db, log, { version: pkg.version, read: () => assert.fail('the package must not be read') });
  assert.equal(r.action, 'kept');
  assert.equal(r.version, '99.0.0');
  const [p] = await t.db.query<{ nom: string }>(`SELECT nom FROM limites_commune WHERE code = '29158'`);
  assert.equal(p.nom, 'Penmarch (newer)');
  assert.equal(packageSource().version, pkg.version);
});
