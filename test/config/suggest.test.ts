import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, didYouMean, distance } from '../../src/config/suggest.ts';

const LAYERS = ['cadastre.parcelle', 'cadastre.feuille', 'rpg.parcelle', 'rpg.ilot', 'aoc.appellation-viticole', 'gpu.zone-urba', 'gpu.document'];

test('edit distance', () => {
  assert.equal(distance('serve', 'serve'), 0);
  assert.equal(distance('srve', 'serve'), 1);
  assert.equal(distance('kitten', 'sitting'), 3);
  assert.equal(distance('', 'abc'), 3);
});

test('the closest names only, and none when nothing is close', () => {
  assert.deepEqual(closest('cadastre.parcelles', LAYERS), ['cadastre.parcelle']);
  assert.deepEqual(closest('rpg.parcele', LAYERS), ['rpg.parcelle']);
  assert.deepEqual(closest('gpu.zone_urba', LAYERS), ['gpu.zone-urba']);
  assert.deepEqual(closest('parcelle', LAYERS), ['cadastre.parcelle', 'rpg.parcelle'], 'a name without its module');
  assert.deepEqual(closest('RPG.ILOT', LAYERS), ['rpg.ilot'], 'whatever the case');
  assert.deepEqual(closest('zzzz', LAYERS), []);
  assert.equal(didYouMean('srve', ['serve', 'import']), ' (did you mean serve?)');
  assert.equal(didYouMean('parcelle', LAYERS), ' (did you mean cadastre.parcelle or rpg.parcelle?)');
  assert.equal(didYouMean('zzzz', LAYERS), '');
});
