import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { comparePac, MIGRATION_PATH, parseSeed, renderMigration, sqlString, type PacRow } from '../../../scripts/extract-nomenclature.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';

const SEED = ['seeds', '002_9caa0fc8f434ef8f.txt'] as const;

/** A small seed with the shape of the instruction's annex 1: page furniture, repeated headers, "id.". */
function miniSeed({ pre = PRE, crops = CROPS, catch_ = CATCH } = {}) {
  return `Préambule\n\nLes groupes de cultures sont :\n\nCode\tLibellé\n${pre}\n2. Millésimes 2015 et suivants\n\nblabla\n\nLes cultures et groupes de cultures sont les suivants :\n\n${crops}\nLes codes et intitulés des cultures dérochées sont les suivants :\n\n${catch_}\n2. Description des données du niveau 2\n`;
}
const PRE = [
  ...Array.from({ length: 15 }, (_, i) => `${i + 1}\tGroupe ${i + 1}`),
  '',
  'Le secrétaire général',
  'Philippe Mérimon',
  '',
  '26\tCannette à sucre',
  '27\tArboriculture',
  '28\tDivers',
].join('\n');
const CROPS = [
  'Cultures\t\tGroupes de cultures\t',
  'code\tlibellé\tcode\tlibellé',
  "BTH\tBlé tendre d'hiver\t1\tBlé tendre",
  'BTP\tBlé tendre de printemps\t1\tid.',
  ...Array.from({ length: 10 }, (_, i) => `G${String(i + 16).padStart(2, '0')}\tCulture ${i + 16}\t${i + 16}\tLibellé 2015 ${i + 16}`),
  '',
  'Cultures\t\tGroupes de cultures\t',
  'code\tlibellé\tcode\tlibellé',
  'G2B\tSuite après la page\t25\tid.',
  'CSA\tCanne à sucre - autre\t26\tCanne à sucre',
].join('\n');
const CATCH = ['code\tlibellé\tcode\tlibellé\tcode\tlibellé', "DSH\tSous semis d'herbe\tDLP\tLupin (blanc, bleu, jaune)\tZZZ\tCulture inconnue", 'DBM\tBrome\t\t\t\t'].join('\n');

test('parseSeed resolves "id." across a page break, fills the lost pre-2015 rows and applies the documented correction', () => {
  const n = parseSeed(miniSeed());
  assert.deepEqual(n.cultures.map((c) => [c.code, c.libelle, c.code_groupe]).slice(0, 3), [
    ['BTH', "Blé tendre d'hiver", 1],
    ['BTP', 'Blé tendre de printemps', 1],
    ['CSA', 'Canne à sucre - autre', 26],
  ]);
  assert.equal(n.cultures.length, 14);
  const g2b = n.cultures.find((c) => c.code === 'G2B')!;
  assert.equal(g2b.code_groupe, 25);
  assert.equal(n.groupes.find((g) => g.code === 25)?.libelle, 'Libellé 2015 25');
  assert.deepEqual(
    n.groupesAvant2015.filter((g) => g.source === 'page-perdue').map((g) => [g.code, g.libelle]),
    Array.from({ length: 10 }, (_, i) => [i + 16, `Libellé 2015 ${i + 16}`]),
  );
  assert.deepEqual(n.groupesAvant2015.find((g) => g.code === 26), { code: 26, libelle: 'Canne à sucre', source: 'corrige' });
  assert.equal(n.groupesAvant2015.length, 28);
  // Groups no crop uses take the pre-2015 label.
  assert.deepEqual(n.groupes.find((g) => g.code === 27), { code: 27, libelle: 'Arboriculture', source: 'liste-avant-2015' });
  assert.equal(n.groupes.find((g) => g.code === 1)?.source, 'table-2015');
  assert.deepEqual(n.derobees.map((d) => d.code), ['DBM', 'DLP', 'DSH', 'ZZZ']);
  assert.equal(n.derobees.find((d) => d.code === 'DLP')?.libelle, 'Lupin (blanc, bleu, jaune)');
  assert.deepEqual(n.skipped, ['groupes avant 2015: Le secrétaire général', 'groupes avant 2015: Philippe Mérimon']);
});

test('parseSeed fails loudly on what it cannot place instead of dropping rows', () => {
  assert.throws(() => parseSeed(miniSeed({ crops: CROPS + '\nABC\tstray\tline' })), /unexpected line/);
  assert.throws(() => parseSeed(miniSeed({ crops: 'XYZ\tOrphan\t3\tid.' })), /says "id." but group 3 has no label/);
  assert.throws(() => parseSeed(miniSeed({ crops: CROPS + '\nBTX\tBlé encore\t1\tid.' })), /says "id." after a crop of another group/);
  assert.throws(() => parseSeed(miniSeed({ crops: CROPS + '\nCSA\tCanne bis\t26\tid.' })), /crop code CSA printed twice/);
  assert.throws(() => parseSeed(miniSeed({ crops: CROPS + '\nCSB\tCanne\t26\tSucre' })), /group 26 printed as/);
  assert.throws(() => parseSeed(miniSeed({ crops: CROPS + '\nXXX\tHors\t29\tHors' })), /outside 1..28/);
  assert.throws(() => parseSeed(miniSeed({ pre: PRE.replace('Cannette', 'Canne') })), /correction of group 26 .* no longer matches/);
  assert.throws(() => parseSeed(miniSeed({ crops: CROPS.replace(/^G20.*\n/m, '') })), /pre-2015 group 20 is missing and the 2015\+ table has no label/);
  assert.throws(() => parseSeed(miniSeed({ catch_: CATCH + '\nD1X\tMauvais\t\t\t\t' })), /bad catch-crop cell pair/);
  assert.throws(() => parseSeed(miniSeed({ catch_: CATCH + '\nDSH\tBis\t\t\t\t' })), /printed twice/);
  assert.throws(() => parseSeed(miniSeed().replace('2. Millésimes 2015 et suivants', '')), /no "2\\. Millésimes/);
});

test('sqlString doubles quotes and refuses control characters', () => {
  assert.equal(sqlString("Blé tendre d'hiver"), "'Blé tendre d''hiver'");
  assert.equal(sqlString("l''x"), "'l''''x'");
  assert.throws(() => sqlString('a\nb'), /control character/);
  assert.throws(() => sqlString('a\\b'), /backslash/);
});

test('the seed gives 310 crop codes, 28 groups, 45 catch-crop codes and 28 pre-2015 groups (rows 16-25 filled)', { skip: skipWithoutShared(...SEED) }, () => {
  const n = parseSeed(readFileSync(sharedPath(...SEED), 'utf8'));
  assert.equal(n.cultures.length, 310);
  assert.equal(n.groupes.length, 28);
  assert.equal(n.derobees.length, 45);
  assert.equal(n.groupesAvant2015.length, 28);
  assert.deepEqual(n.groupesAvant2015.filter((g) => g.source === 'page-perdue').map((g) => g.code), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  assert.deepEqual(n.groupes.filter((g) => g.source === 'liste-avant-2015').map((g) => g.code), [10, 12, 13, 27]);
  assert.equal(n.skipped.length, 7, 'only the signature block printed across the page break is passed over');
});

test('the committed migration is what the script generates from the seed', { skip: skipWithoutShared(...SEED) }, () => {
  const n = parseSeed(readFileSync(sharedPath(...SEED), 'utf8'));
  const committed = readFileSync(MIGRATION_PATH, 'utf8');
  assert.ok(committed === renderMigration(n), 'src/db/migrations/0002_nomenclature.sql is out of step: run node --import tsx scripts/extract-nomenclature.ts');
});

test('codes-pac.json (a later PAC nomenclature) adds 41 codes and rewords 5 labels; none removed or regrouped', { skip: skipWithoutShared('data', 'rpg', 'codes-pac.json') || skipWithoutShared(...SEED) }, () => {
  const n = parseSeed(readFileSync(sharedPath(...SEED), 'utf8'));
  const c = comparePac(n, JSON.parse(readFileSync(sharedPath('data', 'rpg', 'codes-pac.json'), 'utf8')) as PacRow[]);
  assert.equal(c.pacRows, 351);
  assert.equal(c.onlyInPac.length, 41);
  assert.ok(c.onlyInPac.includes('FF7') && c.onlyInPac.includes('VRN'));
  assert.deepEqual(c.onlyInSeed, []);
  assert.deepEqual(c.groupChanged, []);
  assert.deepEqual(c.reworded.map((r) => r.code), ['AIL', 'ME5', 'ME6', 'MED', 'MEL']);
  assert.equal(c.typographyOnly.length, 43);
  assert.equal(310 + c.onlyInPac.length, 351);
});
