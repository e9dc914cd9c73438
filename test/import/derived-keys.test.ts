/**
 * Derived rows under concurrency (issue 11, migration 0160): the cadastre layers derived from
 * parcels and the GPU municipality layer derived from the communes are shared by every dataset of a
 * commune. Two imports deriving one commune at once, or two derivations of the municipalities (two
 * nodes starting), leave one row per key; a duplicate written outside the derivation is refused; and
 * the migration removes the duplicates an older database may hold before adding its keys.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BACKEND } from '../helpers/db.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { importFeatures } from '../../src/import/engine.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import { cadastreParcelle } from '../../src/modules/cadastre/layers.ts';
import { DERIVED_DATASET, refreshMunicipalities } from '../../src/modules/gpu/municipality.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t?.close());

const one = async <T = number>(sql: string, params: unknown[] = []) => Object.values((await t.db.query(sql, params))[0])[0] as T;

/** Etalab parcels of a commune: `perSection` squares in each of the sections, a grid of 0.001°. */
function parcels(sections: string[], perSection: number, commune = '29158'): SourceFeature[] {
  const out: SourceFeature[] = [];
  sections.forEach((section, s) => {
    for (let i = 1; i <= perSection; i++) {
      const id = `${commune}000${section}${String(i).padStart(4, '0')}`;
      const x = -4.35 + (i % 20) * 0.001;
      const y = 47.8 + s * 0.02 + Math.floor(i / 20) * 0.001;
      out.push({
        index: out.length + 1,
        id,
        properties: { id, commune, prefixe: '000', section, numero: String(i), contenance: 100, created: '2020-01-01', updated: '2024-05-06' },
        geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]] },
      });
    }
  });
  return out;
}

const load = (features: SourceFeature[], dataset: string) =>
  importFeatures(t.db, cadastreParcelle, features, { file: 'parcelles.json', srid: 4326, options: { dataset } });

/** Rows and distinct keys of each derived cadastre table for commune 29158. */
async function derivedCounts() {
  const q = (table: string, key: string) =>
    t.db.query<{ rows: number; keys: number }>(`SELECT count(*)::int AS rows, count(DISTINCT (${key}))::int AS keys FROM ${table} WHERE derived AND code_insee = '29158'`);
  return {
    commune: (await q('cadastre_commune', 'code_insee'))[0],
    feuille: (await q('cadastre_feuille', 'code_insee, code_arr, com_abs, section, feuille, gid'))[0],
    division: (await q('cadastre_division', 'code_insee, code_arr, com_abs, section, feuille, fid'))[0],
    localisant: (await q('cadastre_localisant', 'idu'))[0],
  };
}

test(`${BACKEND}: two imports of one parcel file under two dataset ids at once derive each commune, sheet and localisant once`, async () => {
  const features = parcels(['AB', 'AC', 'AD'], 200);
  const [a, b] = await Promise.all([load(features, 'copie-a'), load(features, 'copie-b')]);
  assert.equal(a.loaded, 600);
  assert.equal(b.loaded, 600);
  // The parcels are the two datasets' (one each per IDU); what is derived from them is the commune's.
  assert.equal(await one(`SELECT count(*)::int FROM cadastre_parcelle WHERE code_insee = '29158'`), 1200);
  assert.deepEqual(await derivedCounts(), {
    commune: { rows: 1, keys: 1 },
    feuille: { rows: 3, keys: 3 },
    division: { rows: 3, keys: 3 },
    localisant: { rows: 600, keys: 600 },
  });
  // Again, both at once, now replacing rows the other built: still one of each.
  await Promise.all([load(features, 'copie-b'), load(features, 'copie-a')]);
  assert.deepEqual(await derivedCounts(), {
    commune: { rows: 1, keys: 1 },
    feuille: { rows: 3, keys: 3 },
    division: { rows: 3, keys: 3 },
    localisant: { rows: 600, keys: 600 },
  });
});

test(`${BACKEND}: two imports of the same parcel file at once store each parcel once`, async () => {
  const features = parcels(['ZA'], 150, '29072');
  await Promise.all([load(features, 'meme'), load(features, 'meme')]);
  assert.deepEqual(await t.db.query(`SELECT count(*)::int AS n, count(DISTINCT idu)::int AS idu FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:meme'`), [{ n: 150, idu: 150 }]);
  assert.equal(await one(`SELECT count(*)::int FROM cadastre_feuille WHERE derived AND code_insee = '29072'`), 1);
});

test(`${BACKEND}: a derived row written twice outside the derivation is refused by its key`, async () => {
  await assert.rejects(
    t.db.query(`INSERT INTO cadastre_commune (dataset_id, fid, gid, nom_com, code_dep, code_com, code_insee, derived, geom)
                SELECT 'ailleurs', fid, gid, nom_com, code_dep, code_com, code_insee, true, geom FROM cadastre_commune WHERE derived AND code_insee = '29158'`),
    (e: Error & { code?: string }) => e.code === '23505' || /cadastre_commune_derived_key/.test(e.message),
  );
  await assert.rejects(
    t.db.query(`INSERT INTO cadastre_localisant (dataset_id, fid, gid, numero, feuille, section, code_dep, code_com, idu, code_insee, derived, geom)
                SELECT 'ailleurs', fid, gid, numero, feuille, section, code_dep, code_com, idu, code_insee, true, geom FROM cadastre_localisant WHERE derived LIMIT 1`),
    (e: Error & { code?: string }) => e.code === '23505' || /cadastre_localisant_derived_key/.test(e.message),
  );
});

test(`${BACKEND}: two derivations of the GPU municipalities at once (two nodes starting) give one row per commune`, async () => {
  for (let i = 0; i < 40; i++) {
    const x = -4 + (i % 8) * 0.05;
    const y = 48 + Math.floor(i / 8) * 0.05;
    await t.db.query(
      `INSERT INTO limites_commune (code, nom, nom_m, statut, departement, region, geom)
       VALUES ($1, $2, upper($2), 'Commune simple', '29', '53', ST_Multi(ST_MakeEnvelope($3::float8, $4::float8, $3::float8 + 0.05, $4::float8 + 0.05, 4326)))`,
      [`29${String(500 + i)}`, `Commune ${i}`, x, y],
    );
  }
  const runs = await Promise.all([refreshMunicipalities(t.db), refreshMunicipalities(t.db), refreshMunicipalities(t.db)]);
  assert.deepEqual(runs, [40, 40, 40]);
  assert.deepEqual(await t.db.query(`SELECT count(*)::int AS n, count(DISTINCT insee)::int AS insee FROM gpu_municipality WHERE dataset_id = $1`, [DERIVED_DATASET]), [{ n: 40, insee: 40 }]);
  await assert.rejects(
    t.db.query(`INSERT INTO gpu_municipality (dataset_id, insee, name, the_geom) SELECT dataset_id, insee, name, the_geom FROM gpu_municipality WHERE dataset_id = $1 LIMIT 1`, [DERIVED_DATASET]),
    (e: Error & { code?: string }) => e.code === '23505' || /gpu_municipality_derived_key/.test(e.message),
  );
});

test(`${BACKEND}: migration 0160 removes the duplicates an older database holds, then adds its keys`, async () => {
  const sql = readFileSync(new URL('../../src/db/migrations/0160_derived_keys.sql', import.meta.url), 'utf8');
  // The database as before 0160: no key, and duplicated derived rows of every kind the race made.
  await t.db.exec(`DROP INDEX cadastre_feuille_derived_key; DROP INDEX cadastre_division_derived_key; DROP INDEX cadastre_commune_derived_key;
    DROP INDEX cadastre_localisant_derived_key; DROP INDEX gpu_municipality_derived_key; DROP INDEX gpu_document_commune_key;
    ALTER TABLE gpu_document DROP CONSTRAINT gpu_document_key`);
  for (const table of ['cadastre_commune', 'cadastre_feuille', 'cadastre_division', 'cadastre_localisant']) {
    await t.db.query(`INSERT INTO ${table} SELECT * FROM ${table} WHERE derived AND code_insee = '29158'`);
  }
  await t.db.query(`INSERT INTO gpu_municipality (dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom)
    SELECT dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom FROM gpu_municipality WHERE dataset_id = $1`, [DERIVED_DATASET]);
  await t.db.query(`INSERT INTO gpu_document (dataset_id, partition, name) VALUES ('gpu.document:DU_29158', 'DU_29158', '29158_PLU_20200101'), ('gpu.document:DU_29158', 'DU_29158', '29158_PLU_20200101')`);
  await t.db.query(`INSERT INTO gpu_document_commune (dataset_id, partition, idurba, insee) VALUES
    ('gpu.document:DU_29158', 'DU_29158', '29158_PLU_20200101', '29158'), ('gpu.document:DU_29158', 'DU_29158', '29158_PLU_20200101', '29158'),
    ('gpu.document:apicarto:x', 'DU_29158', NULL, '29158'), ('gpu.document:apicarto:x', 'DU_29158', NULL, '29158')`);
  assert.equal((await derivedCounts()).localisant.rows, 1200, 'duplicated before the migration');

  await t.db.transaction((tx) => tx.exec(sql));

  assert.deepEqual(await derivedCounts(), {
    commune: { rows: 1, keys: 1 },
    feuille: { rows: 3, keys: 3 },
    division: { rows: 3, keys: 3 },
    localisant: { rows: 600, keys: 600 },
  });
  assert.equal(await one(`SELECT count(*)::int FROM gpu_municipality WHERE dataset_id = $1`, [DERIVED_DATASET]), 40);
  assert.equal(await one(`SELECT count(*)::int FROM gpu_document WHERE dataset_id = 'gpu.document:DU_29158'`), 1);
  assert.equal(await one(`SELECT count(*)::int FROM gpu_document_commune WHERE insee = '29158'`), 2);
  const keys = await t.db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE indexname IN ('cadastre_feuille_derived_key', 'cadastre_division_derived_key', 'cadastre_commune_derived_key',
       'cadastre_localisant_derived_key', 'gpu_municipality_derived_key', 'gpu_document_commune_key', 'gpu_document_key') ORDER BY 1`,
  );
  assert.equal(keys.length, 7, keys.map((k) => k.name).join());
});
