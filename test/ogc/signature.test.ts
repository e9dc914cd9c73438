/**
 * The signature of a collection (from which tile ETags derive) changes when its data are loaded
 * again, including data derived from another layer of its domain: département contours derived from
 * the commune contours have no dataset of their own, and their tiles must not keep the ETag of the
 * empty layer (a cache would then answer 304 with an empty tile for ever).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCatalog } from '../../src/modules/index.ts';
import { Collections, REFRESH_MS } from '../../src/ogc/collections.ts';
import { freshDb, BACKEND, type TestDb } from '../helpers/db.ts';

let t: TestDb;
before(async () => {
  t = await freshDb();
});
after(async () => {
  await t?.close();
});

test(`${BACKEND}: a collection without datasets of its own takes its signature from its domain's; others keep theirs`, async () => {
  let clock = 0;
  const collections = new Collections(t.db, buildCatalog(), undefined, () => clock);
  const signature = async (id: string) => (await collections.get(id, null)).signature;
  const departement = await signature('limites-administratives-departement');
  const aoc = await signature('aoc-appellation-viticole');
  await t.db.query(
    `INSERT INTO terroir_dataset (id, layer, source, producer, licence) VALUES ('limites-administratives.commune:test', 'limites-administratives.commune', 'test', 'IGN', 'Licence Ouverte')`,
  );
  clock += REFRESH_MS + 1;
  const after1 = await signature('limites-administratives-departement');
  assert.notEqual(after1, departement, 'derived contours: the signature follows the commune contours loaded');
  assert.equal(await signature('aoc-appellation-viticole'), aoc, 'another domain keeps its signature');
  await t.db.query(`UPDATE terroir_dataset SET imported_at = imported_at + interval '1 minute' WHERE id = 'limites-administratives.commune:test'`);
  clock += REFRESH_MS + 1;
  assert.notEqual(await signature('limites-administratives-departement'), after1, 'loaded again: a new signature');
});
