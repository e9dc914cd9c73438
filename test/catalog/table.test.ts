import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineTable, type TableSpec } from '../../src/catalog/table.ts';
import { Catalog } from '../../src/catalog/catalog.ts';
import { float, integer, text } from '../../src/catalog/fields.ts';

const spec = (over: Partial<TableSpec> = {}): TableSpec => ({
  id: 'x.paiement',
  title: 'Paiements',
  description: 'test',
  table: 'x_paiement',
  fields: {
    campagne: integer({ hidden: true }),
    pacage: text({ from: ['NUMERO_PACAGE', 'PACAGE'], description: 'Numéro PACAGE', personalData: 'identification' }),
    montant: float({ from: 'MT', description: 'Montant (€)' }),
  },
  access: { scope: 'rpg:niveau2:lire' },
  campaign: 'campagne',
  producer: 'p',
  licence: 'l',
  ...over,
});

test('a table without geometry: stored columns with the dataset key, attributes in order with their field names and meaning', () => {
  const t = defineTable(spec());
  assert.deepEqual(t.columns, [{ name: 'dataset_id', type: 'text' }, { name: 'campagne', type: 'integer' }, { name: 'pacage', type: 'text' }, { name: 'montant', type: 'double precision' }]);
  assert.deepEqual(t.attributes, [
    { name: 'pacage', type: 'text', description: 'Numéro PACAGE', from: ['NUMERO_PACAGE', 'PACAGE', 'pacage'], personalData: 'identification' },
    { name: 'montant', type: 'double precision', description: 'Montant (€)', from: ['MT', 'montant'] },
  ]);
  assert.equal(defineTable(spec({ dataset: false })).columns[0].name, 'campagne');
});

test('a table definition that could not be read, loaded or explained is refused when it is defined', () => {
  assert.throws(() => defineTable(spec({ campaign: undefined, fields: { a: text({ from: ['A'] }) } })), /column a has no description/);
  assert.throws(() => defineTable(spec({ campaign: undefined, fields: { a: text({ from: () => 1, description: 'x' }) } })), /field names/);
  assert.throws(() => defineTable(spec({ campaign: 'annee' })), /campaign annee is not a column/);
  assert.throws(() => defineTable(spec({ table: 'x; drop' })), /./);
  const t = defineTable(spec());
  assert.throws(() => new Catalog([], [t, t]), /defined twice/);
  assert.equal(new Catalog([], [t]).table('x.paiement'), t);
});
