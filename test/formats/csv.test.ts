import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { csvField, negotiateFormat, parseCsv, toCsv } from '../../src/formats/csv.ts';

test('csvField quotes exactly the fields RFC 4180 requires and doubles quotes', () => {
  assert.equal(csvField('Blé tendre'), 'Blé tendre');
  assert.equal(csvField("Blé tendre d'hiver"), "Blé tendre d'hiver");
  assert.equal(csvField('Estives, landes'), '"Estives, landes"');
  assert.equal(csvField('il dit "oui"'), '"il dit ""oui"""');
  assert.equal(csvField('deux\nlignes'), '"deux\nlignes"');
  assert.equal(csvField('retour\rchariot'), '"retour\rchariot"');
  assert.equal(csvField(' espaces '), ' espaces ');
  assert.equal(csvField(''), '');
  assert.equal(csvField(null), '');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(18), '18');
  assert.equal(csvField(0.5), '0.5');
  assert.equal(csvField(false), 'false');
  assert.equal(csvField(new Date('2024-01-02T03:04:05Z')), '2024-01-02T03:04:05.000Z');
  assert.equal(csvField({ a: 1, b: 'x' }), '"{""a"":1,""b"":""x""}"');
});

test('toCsv writes a header row, the columns in the given order and CRLF line ends', () => {
  const rows = [
    { code: 'BOP', libelle: 'Bois pâturé', groupe: 'Estives, landes', n: 17 },
    { code: 'Q"Q', libelle: 'Œillette\nbis', groupe: null, n: 0, ignored: 'x' },
  ];
  assert.equal(
    toCsv(['code', 'n', 'libelle', 'groupe'], rows),
    'code,n,libelle,groupe\r\nBOP,17,Bois pâturé,"Estives, landes"\r\n"Q""Q",0,"Œillette\nbis",\r\n',
  );
  assert.equal(toCsv(['a', 'b'], []), 'a,b\r\n', 'an empty result still has its header');
  assert.equal(toCsv(['a,b'], [{ 'a,b': 1 }]), '"a,b"\r\n1\r\n', 'header names are quoted too');
});

test('parseCsv reads RFC 4180 text: quoted separators, doubled quotes, embedded line ends, empty fields', () => {
  assert.deepEqual(parseCsv('a,b,c\r\n"x, y","il dit ""oui""",\r\n,,\r\n'), [
    ['a', 'b', 'c'],
    ['x, y', 'il dit "oui"', ''],
    ['', '', ''],
  ]);
  assert.deepEqual(parseCsv('a,b\n1,"deux\r\nlignes"\n2,3'), [
    ['a', 'b'],
    ['1', 'deux\r\nlignes'],
    ['2', '3'],
  ]);
  assert.deepEqual(parseCsv('""\r\n'), [['']]);
  assert.deepEqual(parseCsv(''), []);
});

test('parseCsv refuses malformed text instead of guessing', () => {
  assert.throws(() => parseCsv('a,"b\r\n'), /unclosed quote/);
  assert.throws(() => parseCsv('"a"b,c\r\n'), /text after a closing quote/);
  assert.throws(() => parseCsv('a,b"c\r\n'), /quote inside an unquoted field/);
});

test('toCsv then parseCsv gives back every value, whatever characters it holds', () => {
  const alphabet = ['a', 'é', 'Œ', ',', '"', '\r', '\n', ' ', ';', "'", '\t', '😀'];
  let seed = 42;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // deterministic LCG: a failure replays
    return (seed >>> 8) % n;
  };
  const columns = ['c1', 'c2', 'c3'];
  const rows = Array.from({ length: 300 }, () =>
    Object.fromEntries(columns.map((c) => [c, Array.from({ length: rnd(8) }, () => alphabet[rnd(alphabet.length)]).join('')])),
  );
  const back = parseCsv(toCsv(columns, rows));
  assert.deepEqual(back[0], columns);
  assert.deepEqual(back.slice(1), rows.map((r) => columns.map((c) => r[c])));
});

const req = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as unknown as FastifyRequest;

test('negotiateFormat: `format` wins, then Accept; JSON unless CSV is preferred or named where JSON is only a wildcard', () => {
  const cases: [string | undefined, 'json' | 'csv'][] = [
    [undefined, 'json'],
    ['*/*', 'json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['TEXT/CSV; charset=utf-8', 'csv'],
    ['text/*', 'csv'],
    ['text/csv, */*', 'csv'],
    ['text/csv, application/json', 'json'],
    ['application/json, text/csv', 'json'],
    ['text/csv, application/json;q=0.5', 'csv'],
    ['text/csv;q=0.5, application/json', 'json'],
    ['text/csv;q=0', 'json'],
    ['text/csv;q=abc', 'json'],
    ['text/plain', 'json'],
  ];
  for (const [accept, expected] of cases) assert.equal(negotiateFormat(req(accept)), expected, `Accept: ${accept}`);
  assert.equal(negotiateFormat(req('text/csv'), 'json'), 'json');
  assert.equal(negotiateFormat(req('application/json'), 'csv'), 'csv');
});
