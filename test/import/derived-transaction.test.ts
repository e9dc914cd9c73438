/**
 * Layers derived from an import's rows are written in that import's transaction (issue 13): the
 * cadastre commune, sheets, divisions and localisants derived from parcels (the layer's afterLoad),
 * before the dataset sheet is recorded. An import refused at that last write — a test trigger on
 * terroir_dataset — leaves the parcels and every derived row as they were.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND } from '../helpers/db.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { importFeatures } from '../../src/import/engine.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import { cadastreParcelle } from '../../src/modules/cadastre/layers.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t?.close());

/** Etalab parcels of 29158: ten 0.001° squares per section. */
function parcels(sections: string[]): SourceFeature[] {
  return sections.flatMap((section, s) =>
    Array.from({ length: 10 }, (_, k) => {
      const i = k + 1;
      const id = `29158000${section}${String(i).padStart(4, '0')}`;
      const [x, y] = [-4.35 + i * 0.001, 47.8 + s * 0.01];
      return {
        index: s * 10 + i,
        id,
        properties: { id, commune: '29158', prefixe: '000', section, numero: String(i), contenance: 100, created: '2020-01-01', updated: '2024-05-06' },
        geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]] },
      };
    }),
  );
}
const load = (sections: string[], dataset: string) =>
  importFeatures(t.db, cadastreParcelle, parcels(sections), { file: 'cadastre-29158-parcelles.json', srid: 4326, options: { dataset } });

/** What the parcels of 29158 and everything derived from them look like. */
const snapshot = async () =>
  (
    await t.db.query<{ k: string; n: number; g: string | null }>(
      `SELECT 'parcelle' AS k, count(*)::int AS n, NULL::text AS g FROM cadastre_parcelle WHERE code_insee = '29158'
       UNION ALL SELECT 'commune', count(*)::int, min(ST_AsText(geom)) FROM cadastre_commune WHERE derived AND code_insee = '29158'
       UNION ALL SELECT 'feuille', count(*)::int, NULL FROM cadastre_feuille WHERE derived AND code_insee = '29158'
       UNION ALL SELECT 'division', count(*)::int, NULL FROM cadastre_division WHERE derived AND code_insee = '29158'
       UNION ALL SELECT 'localisant', count(*)::int, NULL FROM cadastre_localisant WHERE code_insee = '29158'`,
    )
  ).map((r) => [r.k, r.n, r.g]);

test(`${BACKEND}: a parcel import refused at its dataset sheet leaves the parcels and the derived cadastre layers as they were`, async () => {
  await load(['AB'], 'premier');
  const before = await snapshot();
  assert.deepEqual(before.map(([k, n]) => [k, n]), [['parcelle', 10], ['commune', 1], ['feuille', 1], ['division', 1], ['localisant', 10]]);

  await t.db.exec(`CREATE FUNCTION terroir_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.id LIKE '%refuse%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
  await t.db.exec('CREATE TRIGGER terroir_test_refuse BEFORE INSERT ON terroir_dataset FOR EACH ROW EXECUTE FUNCTION terroir_test_refuse()');
  try {
    await assert.rejects(load(['AC', 'AD'], 'refuse'), /refused by the test/);
  } finally {
    await t.db.exec('DROP TRIGGER terroir_test_refuse ON terroir_dataset; DROP FUNCTION terroir_test_refuse()');
  }
  assert.deepEqual(await snapshot(), before);

  // Accepted, the same import adds its parcels and the commune, sheets and divisions follow.
  await load(['AC', 'AD'], 'accepte');
  const after = await snapshot();
  assert.deepEqual(after.map(([k, n]) => [k, n]), [['parcelle', 30], ['commune', 1], ['feuille', 3], ['division', 3], ['localisant', 30]]);
  assert.notEqual(after[1][2], before[1][2], 'the derived commune grew');
});
