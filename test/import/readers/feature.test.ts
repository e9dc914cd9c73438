// The value helpers every import target uses on a reader's features (field names of any case, DBF
// padding, decimal commas, booleans and dates as files write them), and the pipeline's error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bool, day, int, num, prop, text, type SourceFeature } from '../../../src/import/readers/feature.ts';
import { ImportError, SourceError } from '../../../src/import/readers/errors.ts';

const f = (properties: Record<string, unknown>): SourceFeature => ({ index: 1, properties, geometry: null });

test('prop: the exact name first, in the order asked; then any case; undefined when absent', () => {
  const feat = f({ CODE_CULTU: 'BTH', code_cultu: 'ORH', Surf_Parc: 1.5, nul: null, zero: 0 });
  assert.equal(prop(feat, 'code_cultu'), 'ORH', 'an exact match wins over another case');
  assert.equal(prop(feat, 'CODE_CULTU'), 'BTH');
  assert.equal(prop(feat, 'absent', 'code_cultu', 'CODE_CULTU'), 'ORH', 'the first exact name asked');
  assert.equal(prop(feat, 'surf_parc'), 1.5, 'any case when no exact name');
  assert.equal(prop(feat, 'SURF_PARC', 'Surf_Parc'), 1.5);
  // Case-insensitive lookup follows the order of the names asked, not of the properties.
  assert.equal(prop(f({ B: 2, a: 1 }), 'A', 'b'), 1);
  assert.equal(prop(f({ B: 2, a: 1 }), 'x', 'b', 'A'), 2);
  assert.equal(prop(feat, 'nul'), null, 'a null value is present');
  assert.equal(prop(feat, 'NUL'), null);
  assert.equal(prop(feat, 'ZERO'), 0);
  assert.equal(prop(feat, 'absent'), undefined);
  assert.equal(prop(feat), undefined);
});

test('text: trimmed, empty or absent is null, other values as strings', () => {
  assert.equal(text('  Champ du Moulin   '), 'Champ du Moulin');
  assert.equal(text('\tA\n'), 'A');
  assert.equal(text('x'), 'x');
  assert.equal(text('   '), null);
  assert.equal(text(''), null);
  assert.equal(text(null), null);
  assert.equal(text(undefined), null);
  assert.equal(text(0), '0');
  assert.equal(text(12.5), '12.5');
  assert.equal(text(false), 'false');
});

test('num: numbers as they are, strings trimmed with a decimal comma; empty is null; anything else an error', () => {
  assert.equal(num(12.5), 12.5);
  assert.equal(num(0), 0);
  assert.equal(num(-0), -0, 'a number is returned as it is (not through its text: String(-0) is "0")');
  assert.equal(num(-3), -3);
  assert.equal(num(' 12,5 '), 12.5);
  assert.equal(num('1e3'), 1000);
  assert.equal(num('  7  '), 7);
  assert.equal(num(''), null);
  assert.equal(num(null), null);
  assert.equal(num(undefined), null);
  // Only the first comma becomes a point: "1,234,5" is not a number.
  assert.throws(() => num('1,234,5'), { message: 'not a number: "1,234,5"' });
  assert.throws(() => num('abc'), { message: 'not a number: "abc"' });
  assert.throws(() => num(Infinity), { message: 'not a number: null' });
  assert.throws(() => num(NaN), { message: 'not a number: null' });
  assert.throws(() => num('Infinity'), { message: 'not a number: "Infinity"' });
  // Blank is absent, as for text(): a GeoJSON or GeoPackage "  " was 0 (Number('  ') is 0), so a blank
  // BIO gave 0 instead of the import's default.
  assert.equal(num('   '), null);
  assert.equal(num(' \t'), null);
});

test('int: integers only, null passed through', () => {
  assert.equal(int('42'), 42);
  assert.equal(int(' 7 '), 7);
  assert.equal(int(-1), -1);
  assert.equal(int('3,0'), 3);
  assert.equal(int(''), null);
  assert.equal(int('  '), null);
  assert.equal(int(null), null);
  assert.throws(() => int('2,5'), { message: 'not an integer: "2,5"' });
  assert.throws(() => int(0.1), { message: 'not an integer: 0.1' });
  assert.throws(() => int('x'), { message: 'not a number: "x"' });
});

test('bool: the spellings of true and false, any case and padding; empty is null; others name the field', () => {
  for (const v of ['true', 'TRUE', ' 1 ', 't', 'T', 'oui', 'Oui', 1]) assert.equal(bool(v, 'bio'), true, String(v));
  for (const v of ['false', 'False', '0', ' f', 'F', 'non', 'NON', 0]) assert.equal(bool(v, 'bio'), false, String(v));
  assert.equal(bool(true, 'bio'), true);
  assert.equal(bool(false, 'bio'), false);
  assert.equal(bool('', 'bio'), null);
  assert.equal(bool(null, 'bio'), null);
  assert.equal(bool(undefined, 'bio'), null);
  assert.throws(() => bool('yes', 'bio'), { message: 'bio is not a boolean: "yes"' });
  assert.throws(() => bool('2', 'conv'), { message: 'conv is not a boolean: "2"' });
  assert.throws(() => bool('truee', 'bio'), { message: 'bio is not a boolean: "truee"' });
  assert.throws(() => bool(' ', 'bio'), { message: 'bio is not a boolean: " "' });
});

test('day: the first ten characters of an ISO date, with or without a time; empty is null; others name the field', () => {
  assert.equal(day('2023-05-15', 'date_debut'), '2023-05-15');
  assert.equal(day(' 2023-05-15T10:20:30Z ', 'date_debut'), '2023-05-15');
  assert.equal(day('2023-05-15 10:20', 'date_debut'), '2023-05-15');
  assert.equal(day('', 'date_debut'), null);
  assert.equal(day('   ', 'date_debut'), null);
  assert.equal(day(null, 'date_debut'), null);
  assert.throws(() => day('15/05/2023', 'date_fin'), { message: 'date_fin is not a date: "15/05/2023"' });
  assert.throws(() => day('x2023-05-15', 'date_fin'), { message: 'date_fin is not a date: "x2023-05-15"' });
  assert.throws(() => day('2023-5-15', 'date_fin'), { message: 'date_fin is not a date: "2023-5-15"' });
  assert.throws(() => day('2023-05-1', 'date_fin'), { message: 'date_fin is not a date: "2023-05-1"' });
  assert.throws(() => day('2023-05-1 10:00', 'date_fin'), { message: 'date_fin is not a date: "2023-05-1 10:00"' });
  assert.throws(() => day('202-05-15', 'date_fin'), { message: 'date_fin is not a date: "202-05-15"' });
  assert.throws(() => day('20230515', 'date_fin'), { message: 'date_fin is not a date: "20230515"' });
});

test('errors: SourceError with and without a feature number; ImportError joins file, feature and reason', () => {
  const a = new SourceError('bad ring', 12);
  assert.equal(a.message, 'feature 12: bad ring');
  assert.equal(a.reason, 'bad ring');
  assert.equal(a.feature, 12);
  const b = new SourceError('empty file');
  assert.equal(b.message, 'empty file');
  assert.equal(b.feature, undefined);
  assert.equal(new SourceError('x', 0).message, 'feature 0: x', 'feature 0 is a number too');
  assert.equal(new ImportError('bad ring', 'zones.shp', 12).message, 'zones.shp: feature 12: bad ring');
  assert.equal(new ImportError('bad ring', 'zones.shp').message, 'zones.shp: bad ring');
  assert.equal(new ImportError('bad ring', undefined, 3).message, 'feature 3: bad ring');
  assert.equal(new ImportError('bad ring').message, 'bad ring');
  const c = new ImportError('r', 'f', 4);
  assert.deepEqual([c.reason, c.file, c.feature], ['r', 'f', 4]);
  assert.ok(a instanceof Error && c instanceof Error);
});
