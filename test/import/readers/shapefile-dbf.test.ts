// The .dbf layer on its own, from bytes built here after the dBase III layout (32-byte header, 32-byte
// field descriptors ended by 0x0D, records starting with the deletion flag): header checks, every field
// type's decoding at its edges, and the encoding rules (.cpg names, language driver byte, the guess).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbfText, decodeRecord, encodingFromCpg, encodingFromLdid, parseDbfHeader, type DbfHeader } from '../../../src/import/readers/shapefile-dbf.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';

function head(version: number, records: number, headerLength: number, recordLength: number, ldid = 0): Buffer {
  const b = Buffer.alloc(32);
  b[0] = version;
  b.writeUInt32LE(records, 4);
  b.writeUInt16LE(headerLength, 8);
  b.writeUInt16LE(recordLength, 10);
  b[29] = ldid;
  return b;
}

function descriptor(name: string | Buffer, type: string, length: number, decimals = 0): Buffer {
  const b = Buffer.alloc(32);
  (typeof name === 'string' ? Buffer.from(name, 'latin1') : name).copy(b, 0, 0, 11);
  b[11] = type.charCodeAt(0);
  b[16] = length;
  b[17] = decimals;
  return b;
}

const latin1 = (b: Buffer) => b.toString('latin1');
const fieldsOf = (...d: Buffer[]) => Buffer.concat([...d, Buffer.from([0x0d])]);

test('dbf header: version bytes of dBase III–V, FoxPro and Visual FoxPro accepted; dBase 7 and others refused', () => {
  const fields = fieldsOf(descriptor('ID', 'N', 4));
  for (const v of [0x02, 0x03, 0x05, 0x30, 0x31, 0x43, 0x63, 0x83, 0x8b, 0x8e, 0xcb, 0xf5, 0xfb]) assert.equal(parseDbfHeader(head(v, 0, 65, 5), fields, latin1).version, v);
  for (const v of [0x00, 0x01, 0x04, 0x06, 0x8c, 0x44, 0xff])
    assert.throws(() => parseDbfHeader(head(v, 0, 65, 5), fields, latin1), (e: Error) => e instanceof SourceError && e.message === `not a supported dBase file (version byte 0x${v.toString(16)})`);
});

test('dbf header: counts, lengths, language driver and fields with their offsets', () => {
  const long = Buffer.from('ABCDEFGHIJK', 'latin1'); // 11 bytes, no NUL
  const h = parseDbfHeader(
    head(0x03, 70000, 161, 1 + 10 + 8 + 1 + 11, 0x57),
    fieldsOf(descriptor('NOM', 'C', 10), descriptor('SURF', 'N', 8, 2), descriptor('OK', 'L', 1), descriptor(long, 'C', 11)),
    latin1,
  );
  assert.deepEqual(h, {
    version: 0x03,
    records: 70000,
    headerLength: 161,
    recordLength: 31,
    ldid: 0x57,
    fields: [
      { name: 'NOM', type: 'C', length: 10, decimals: 0, offset: 1 },
      { name: 'SURF', type: 'N', length: 8, decimals: 2, offset: 11 },
      { name: 'OK', type: 'L', length: 1, decimals: 0, offset: 19 },
      { name: 'ABCDEFGHIJK', type: 'C', length: 11, decimals: 0, offset: 20 },
    ],
  });
  // Names go through the caller's decoder and are trimmed; bytes after the NUL are not part of them.
  const named = parseDbfHeader(head(0x03, 1, 65, 6), fieldsOf(descriptor(Buffer.from([0x20, 0x43, 0x4f, 0x44, 0x45, 0, 0x58, 0x59]), 'C', 5)), (b) => `<${latin1(b)}>`);
  assert.equal(named.fields[0].name, '< CODE>');
  const padded = parseDbfHeader(head(0x03, 1, 65, 6), fieldsOf(descriptor(' CODE ', 'C', 5)), latin1);
  assert.equal(padded.fields[0].name, 'CODE');
});

test('dbf header: the descriptors end at 0x0D or where a whole descriptor no longer fits', () => {
  const two = Buffer.concat([descriptor('A', 'C', 2), descriptor('B', 'C', 3)]);
  assert.deepEqual(parseDbfHeader(head(0x03, 0, 97, 6), two, latin1).fields.map((f) => f.name), ['A', 'B']);
  assert.deepEqual(parseDbfHeader(head(0x03, 0, 97, 6), Buffer.concat([two, Buffer.alloc(31, 0x41)]), latin1).fields.map((f) => f.name), ['A', 'B']);
  assert.deepEqual(parseDbfHeader(head(0x03, 0, 97, 6), Buffer.concat([descriptor('A', 'C', 2), Buffer.from([0x0d]), descriptor('B', 'C', 3)]), latin1).fields.map((f) => f.name), ['A']);
  assert.throws(() => parseDbfHeader(head(0x03, 0, 33, 1), Buffer.from([0x0d]), latin1), { message: 'the .dbf declares no field' });
  assert.throws(() => parseDbfHeader(head(0x03, 0, 33, 1), Buffer.alloc(31, 0x41), latin1), { message: 'the .dbf declares no field' });
  // Fields exactly filling the record are fine; one byte more than the record is corrupt.
  assert.equal(parseDbfHeader(head(0x03, 0, 97, 6), two, latin1).fields.length, 2);
  assert.throws(() => parseDbfHeader(head(0x03, 0, 97, 5), two, latin1), { message: 'corrupt .dbf header: fields take 6 bytes, records 5' });
});

test('.cpg contents and language driver bytes as encodings', () => {
  const cases: [string, string][] = [
    ['UTF-8', 'utf-8'],
    ['utf8', 'utf-8'],
    ['65001', 'utf-8'],
    ['\uFEFFUTF-8\r\n', 'utf-8'],
    ['1252', 'windows-1252'],
    ['ANSI 1252', 'windows-1252'],
    ['ansi_1252', 'windows-1252'],
    ['ANSI1252', 'windows-1252'],
    ['Windows-1252', 'windows-1252'],
    ['CP1252', 'windows-1252'],
    ['ISO-8859-1', 'iso-8859-1'],
    ['iso_8859_1', 'iso-8859-1'],
    ['ISO 8859-1', 'iso-8859-1'],
    ['8859-1', 'iso-8859-1'],
    ['88591', 'iso-8859-1'],
    ['iso88591', 'iso-8859-1'],
    ['latin1', 'iso-8859-1'],
    ['Latin-1', 'iso-8859-1'],
    ['ISO-8859-15', 'iso-8859-15'],
    ['iso885915', 'iso-8859-15'],
    ['885915', 'iso-8859-15'],
    ['8859-15', 'iso-8859-15'],
    ['iso_8859_15', 'iso-8859-15'],
    ['ISO8859_15', 'iso-8859-15'],
    ['437', 'cp437'],
    ['850', 'cp850'],
    ['1250', 'cp1250'],
    ['koi8-r', 'koi8-r'],
  ];
  for (const [cpg, name] of cases) assert.equal(encodingFromCpg(cpg), name, JSON.stringify(cpg));
  for (const cpg of ['klingon', '12', '99999', 'UTF-88', 'x65001', '650010', 'x1252', '12520', 'ansi 12520', '8859-1x', 'xiso8859-1', '88591x', 'x88591', 'latin12', 'xlatin1', 'x885915', '8859150', '8859-150', 'xiso-8859-15'])
    assert.throws(() => encodingFromCpg(cpg), { message: `unknown encoding "${cpg}"` }, cpg);
  assert.throws(() => encodingFromCpg('  klingon \n'), { message: 'unknown encoding "klingon"' });
  // The language driver ids of the dBase specification that French data carries.
  const ldids: [number, string][] = [
    [0x01, 'cp437'], // US MS-DOS
    [0x02, 'cp850'], // international MS-DOS
    [0x03, 'windows-1252'], // Windows ANSI
    [0x57, 'windows-1252'], // ESRI: the system's ANSI code page
    [0x58, 'windows-1252'], // Western European ANSI
    [0x59, 'windows-1252'], // Spanish ANSI
    [0x64, 'cp852'], // Eastern European MS-DOS
    [0x65, 'cp866'], // Russian MS-DOS
    [0xc8, 'windows-1250'], // Eastern European Windows
    [0xc9, 'windows-1251'], // Russian Windows
    [0xca, 'windows-1254'], // Turkish Windows
    [0xcb, 'windows-1253'], // Greek Windows
  ];
  for (const [id, name] of ldids) assert.equal(encodingFromLdid(id), name, `0x${id.toString(16)}`);
  assert.equal(encodingFromLdid(0x00), undefined);
  assert.equal(encodingFromLdid(0x4d), undefined);
});

/** A header of the given fields, and a record of their values (each padded with spaces to its length). */
function table(fields: [string, string, number][]): { h: DbfHeader; rec: (...values: (string | Buffer)[]) => Buffer } {
  const h = parseDbfHeader(
    head(0x03, 1, 33 + 32 * fields.length, 1 + fields.reduce((n, f) => n + f[2], 0)),
    fieldsOf(...fields.map(([name, type, length]) => descriptor(name, type, length))),
    latin1,
  );
  const rec = (...values: (string | Buffer)[]) =>
    Buffer.concat([Buffer.from(' '), ...values.map((v, i) => {
      const b = Buffer.alloc(fields[i][2], 0x20);
      (typeof v === 'string' ? Buffer.from(v, 'latin1') : v).copy(b);
      return b;
    })]);
  return { h, rec };
}

test('dbf records: numbers, blanks and overflow stars, integers beyond 2^53 kept as text', () => {
  const { h, rec } = table([['N', 'N', 20], ['F', 'F', 20]]);
  const row = (n: string, f = '') => decodeRecord(h, rec(n, f), new DbfText(undefined), 1);
  assert.deepEqual(row('  42', '-0.25'), { N: 42, F: -0.25 });
  assert.deepEqual(row('-7', '1.5e3'), { N: -7, F: 1500 });
  assert.deepEqual(row('', '   '), { N: null, F: null });
  assert.deepEqual(row('********', '.'), { N: null, F: null });
  assert.deepEqual(row('...', '*'), { N: null, F: null });
  // Not all stars or all dots: kept as text, since it is no number.
  assert.deepEqual(row('*1', '1.2.3'), { N: '*1', F: '1.2.3' });
  assert.deepEqual(row('abc', 'Infinity'), { N: 'abc', F: 'Infinity' });
  // Stars or dots only when the whole value is: a trailing dot or a leading one is a number.
  assert.deepEqual(row('1*', '1.'), { N: '1*', F: 1 });
  assert.deepEqual(row('.5', '*.'), { N: 0.5, F: '*.' });
  // 2^53 + 1 has no exact double: the digits are kept; with a decimal point or exponent the writer chose a float.
  assert.deepEqual(row('9007199254740993', '9007199254740993.0'), { N: '9007199254740993', F: 9007199254740992 });
  assert.deepEqual(row('9007199254740991', '9.007199254740993e15'), { N: 9007199254740991, F: 9007199254740992 });
  assert.deepEqual(row('-9007199254740993', '12345678901234567E0'), { N: '-9007199254740993', F: 12345678901234568 });
});

test('dbf records: dates, logicals, binary integers and doubles, text trimmed on the right only', () => {
  const { h, rec } = table([['D', 'D', 8], ['L', 'L', 1], ['C', 'C', 6]]);
  const row = (...v: string[]) => decodeRecord(h, rec(...v), new DbfText(undefined), 1);
  assert.deepEqual(row('20230115', 'T', ' ab'), { D: '2023-01-15', L: true, C: ' ab' });
  assert.deepEqual(row('', 'F', ''), { D: null, L: false, C: null });
  assert.deepEqual(row('00000000', '?', 'x'), { D: null, L: null, C: 'x' });
  assert.deepEqual(row('0', ' ', 'a b'), { D: null, L: null, C: 'a b' });
  assert.deepEqual(row('2023-1-5', 'y', ''), { D: '2023-1-5', L: true, C: null });
  assert.deepEqual(row('2023011', 'n', ''), { D: '2023011', L: false, C: null });
  for (const [c, v] of [['t', true], ['Y', true], ['f', false], ['N', false]] as const) assert.equal(row('', c, '')!.L, v, c);
  // Only eight digits exactly make a date; zeros only when all are.
  assert.deepEqual(row('20230100', '', '')!.D, '2023-01-00');
  assert.deepEqual(row('00011231', '', '')!.D, '0001-12-31');
  const wide = table([['D', 'D', 10]]);
  assert.deepEqual(decodeRecord(wide.h, wide.rec('D20230115'), new DbfText(undefined), 1), { D: 'D20230115' });
  assert.deepEqual(decodeRecord(wide.h, wide.rec('202301150'), new DbfText(undefined), 1), { D: '202301150' });
  // A blank first text field is null: trimming stops at the field's start, not at the deletion flag.
  const first = table([['C', 'C', 4], ['N', 'N', 2]]);
  assert.deepEqual(decodeRecord(first.h, first.rec('', '1'), new DbfText(undefined), 1), { C: null, N: 1 });
  // NULs pad text as spaces do.
  assert.deepEqual(decodeRecord(h, rec('', '', Buffer.from([0x41, 0, 0x20, 0, 0, 0])), new DbfText(undefined), 1), { D: null, L: null, C: 'A' });
  // A record flagged deleted ('*') is null.
  const deleted = rec('20230115', 'T', 'x');
  deleted[0] = 0x2a;
  assert.equal(decodeRecord(h, deleted, new DbfText(undefined), 1), null);

  const bin = table([['I', 'I', 4], ['O', 'O', 8], ['I2', 'I', 2], ['O4', 'O', 4]]);
  const i = Buffer.alloc(4);
  i.writeInt32LE(-123456);
  const o = Buffer.alloc(8);
  o.writeDoubleLE(6600000.25);
  assert.deepEqual(decodeRecord(bin.h, bin.rec(i, o, Buffer.from([1, 2]), Buffer.from([1, 2, 3, 4])), new DbfText(undefined), 1), { I: -123456, O: 6600000.25, I2: null, O4: null });
});

test('dbf text: ASCII as is; the first non-ASCII value decides UTF-8 or Windows-1252; a declared UTF-8 that is not fails with the feature', () => {
  const crete = Buffer.from([0x43, 0x72, 0xea, 0x74, 0x65]); // "Crête" in Windows-1252: EA then ASCII, never UTF-8
  const utf8 = Buffer.from('Crête', 'utf8');
  const guess = new DbfText(undefined);
  assert.equal(guess.decode(Buffer.from('abc'), 0, 3, 1, 'NOM'), 'abc');
  assert.equal(guess.encoding, undefined);
  // 0x7F is still ASCII; a non-ASCII byte just outside the value's range does not count.
  assert.equal(guess.decode(Buffer.from([0x61, 0x7f]), 0, 2, 1, 'NOM'), 'a\x7f');
  assert.equal(guess.decode(Buffer.from([0xea, 0x61, 0x62, 0xea]), 1, 3, 1, 'NOM'), 'ab');
  assert.equal(guess.encoding, undefined);
  assert.equal(guess.decode(Buffer.concat([Buffer.from('xx'), crete]), 2, 7, 2, 'NOM'), 'Crête');
  assert.equal(guess.encoding, 'windows-1252');
  // Once Windows-1252, UTF-8 bytes read as Windows-1252 (no second guess).
  assert.equal(guess.decode(utf8, 0, utf8.length, 3, 'NOM'), 'CrÃªte');

  const g8 = new DbfText(undefined);
  assert.equal(g8.decode(utf8, 0, utf8.length, 1, 'NOM'), 'Crête');
  assert.equal(g8.encoding, 'utf-8');
  assert.throws(
    () => g8.decode(crete, 0, crete.length, 7, 'NOM'),
    (e: Error) =>
      e instanceof SourceError &&
      e.feature === 7 &&
      e.reason === 'field NOM is not valid UTF-8 (the encoding of its earlier values); pass --encoding (e.g. windows-1252) if the .cpg is wrong',
  );
  const declared = new DbfText('utf-8');
  assert.equal(declared.declared, true);
  assert.equal(new DbfText(undefined).declared, false);
  assert.throws(() => declared.decode(crete, 0, crete.length, 3, 'NOM'), (e: Error) => e instanceof SourceError && e.feature === 3 && /^field NOM is not valid UTF-8 \(the encoding declared for this file\)/.test(e.reason));
  // A declared single-byte encoding decodes through iconv; a byte above 0x7F at the end of the range counts.
  assert.equal(new DbfText('cp850').decode(Buffer.from([0x82]), 0, 1, 1, 'NOM'), 'é');
  assert.equal(new DbfText('iso-8859-15').decode(Buffer.from([0x61, 0xa4]), 0, 2, 1, 'NOM'), 'a€');
  assert.equal(new DbfText('iso-8859-15').decode(Buffer.from([0x61, 0xa4]), 0, 1, 1, 'NOM'), 'a');
});
