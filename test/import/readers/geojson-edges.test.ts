// The GeoJSON reader at its edges, without files or a database: the FeatureCollection scanner's
// syntax errors and their messages, whitespace and escapes, members of every kind before and after
// `features`, the file layouts chosen by name and by the first line, progress and UTF-8 errors. The
// texts are written out here; the expected features are the objects the texts were made from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { FeatureCollectionScanner, isGeojsonPath, readGeojson, toSourceFeature, type GeojsonState } from '../../../src/import/readers/geojson.ts';
import type { ByteSource } from '../../../src/import/readers/bytes.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';

/** Scans `text` pushed in pieces of `size` characters; the features, the scanner. */
function scan(text: string, size = text.length || 1) {
  const sc = new FeatureCollectionScanner();
  const out: SourceFeature[] = [];
  for (let i = 0; i < text.length; i += size) sc.push(text.slice(i, i + size), out);
  sc.end(out);
  return { out, sc };
}

/** The SourceError a scan throws, as [message, feature]. */
function scanError(text: string, size?: number): [string, number | undefined] {
  try {
    scan(text, size);
  } catch (e) {
    assert.ok(e instanceof SourceError, String(e));
    return [e.message, e.feature];
  }
  assert.fail(`no error for ${text}`);
}

/** An in-memory source named `name`, yielding `parts` as they are. */
function memory(name: string, parts: Buffer[]): ByteSource {
  const size = parts.reduce((n, p) => n + p.length, 0);
  return {
    name,
    size,
    bytesRead: 0,
    open: async () =>
      (async function* () {
        for (const p of parts) yield p;
      })(),
  };
}

async function readAll(src: ByteSource, opts: { sequence?: boolean; gzip?: boolean } = {}, state: GeojsonState = { features: 0 }) {
  const out: SourceFeature[] = [];
  for await (const f of readGeojson(src, { ...opts, state })) out.push(f);
  return { out, state };
}

const pt = (n: number) => ({ type: 'Feature', properties: { n }, geometry: { type: 'Point', coordinates: [n, 45] } });

test('isGeojsonPath: .geojson/.json and the sequence extensions, gzipped or not, any case; nothing else', () => {
  for (const p of ['a.geojson', 'a.json', 'A.GEOJSON', 'a.json.gz', 'a.geojson.GZ', 'a.ndjson', 'a.geojsonl', 'a.geojsons', 'a.geojsonseq', 'a.jsonl', 'a.ldjson', 'a.NDJSON.gz', 'dir/x.jsonl.gz'])
    assert.equal(isGeojsonPath(p), true, p);
  for (const p of ['a.shp', 'a.json.zip', 'a.geojson.bak', 'a.jsonx', 'ajson', 'a.gz', 'a.ndjson.gz.txt', 'a.xjson2', 'a.geojsonlines'])
    assert.equal(isGeojsonPath(p), false, p);
});

test('toSourceFeature: properties and geometry default to {} and null, the id kept only when present (0 too)', () => {
  assert.deepEqual(toSourceFeature({ type: 'Feature', properties: null, geometry: null }, 4), { index: 4, properties: {}, geometry: null });
  assert.deepEqual(toSourceFeature({ type: 'Feature' }, 5), { index: 5, properties: {}, geometry: null });
  assert.equal('id' in toSourceFeature({ type: 'Feature' }, 5), false);
  assert.deepEqual(toSourceFeature({ type: 'Feature', id: 0, properties: { a: 1 }, geometry: { type: 'Point', coordinates: [1, 2] } }, 6), {
    index: 6,
    id: 0,
    properties: { a: 1 },
    geometry: { type: 'Point', coordinates: [1, 2] },
  });
  const err = (v: unknown) => {
    try {
      toSourceFeature(v, 7);
    } catch (e) {
      assert.ok(e instanceof SourceError);
      assert.equal(e.feature, 7);
      return e.reason;
    }
    assert.fail('no error');
  };
  assert.equal(err({ type: 'Point', coordinates: [1, 2] }), 'not a GeoJSON Feature (type "Point")');
  assert.equal(err({ properties: {} }), 'not a GeoJSON Feature (type null)');
  assert.equal(err(null), 'not a GeoJSON Feature (type null)');
  assert.equal(err(3), 'not a GeoJSON Feature (type null)');
  assert.equal(err('Feature'), 'not a GeoJSON Feature (type null)');
});

test('scanner: every JSON whitespace between tokens, members of every kind before and after features', () => {
  const a = pt(1);
  const b = pt(2);
  const text =
    '\t\r\n {\t"type"\r:\n"FeatureCollection" ,\t"n" : -12.5e1 ,"ok":true, "nul" :null,\r\n"bbox": [0, [1, 2], {"x": "]"}],' +
    ` "name": "a \\"}\\\\",\n "features"\t:\r[\n${JSON.stringify(a)}\t,\r\n ${JSON.stringify(b)} \n] , "crs" : {"type":"name","properties":{"name":"EPSG:2154"}}, "last": 7 }\n\t `;
  for (const size of [1, 3, 10, text.length]) {
    const { out, sc } = scan(text, size);
    assert.deepEqual(
      out.map((f) => [f.index, f.properties, f.geometry]),
      [
        [1, a.properties, a.geometry],
        [2, b.properties, b.geometry],
      ],
      `pieces of ${size}`,
    );
    assert.deepEqual(sc.crs, { type: 'name', properties: { name: 'EPSG:2154' } });
    assert.equal(sc.crsSeen, true);
    assert.equal(sc.count, 2);
  }
  // A primitive last member closed only by the end of the text.
  assert.equal(scan('{"features":[],"n":12}').out.length, 0);
  const { sc } = scan('{"features":[]}');
  assert.equal(sc.crsSeen, false);
  assert.equal(sc.crs, undefined);
  assert.equal(sc.count, 0);
});

test('scanner: strings ending in escaped backslashes, quotes inside values, brackets inside strings', () => {
  const f1 = { type: 'Feature', properties: { path: 'C:\\', q: '\\"', s: 'a]}{[', t: '\\\\' }, geometry: null };
  const f2 = { type: 'Feature', properties: { path: '\\\\"x' }, geometry: null };
  const text = JSON.stringify({ type: 'FeatureCollection', 'k\\': '\\', features: [f1, f2] });
  for (const size of [1, 2, 5, text.length]) {
    const { out } = scan(text, size);
    assert.deepEqual(
      out.map((f) => f.properties),
      [f1.properties, f2.properties],
      `pieces of ${size}`,
    );
  }
});

test('scanner: a bare Feature as the root, in pieces; an object root without features is named by its type', () => {
  const f = { type: 'Feature', id: 'x.1', properties: { nom: '{"features":[' }, geometry: { type: 'Point', coordinates: [1, 2] } };
  const text = ` ${JSON.stringify(f, null, 2)}\n`;
  for (const size of [1, 4, text.length]) {
    const { out } = scan(text, size);
    assert.deepEqual(out, [{ index: 1, id: 'x.1', properties: f.properties, geometry: f.geometry }], `pieces of ${size}`);
  }
  assert.deepEqual(scanError('{"type":"Topology","objects":{}}'), ['not a FeatureCollection (type "Topology") and no "features" member', undefined]);
  assert.deepEqual(scanError('{"type":"FeatureCollection","features":null}'), ['not a FeatureCollection (type "FeatureCollection") and no "features" member', undefined]);
  assert.deepEqual(scanError('{}'), ['not a FeatureCollection (type null) and no "features" member', undefined]);
  assert.deepEqual(scanError('{"type":"Feature","properties":{},"geometry":nul}'), ['feature 1: invalid JSON (' + jsonError('{"type":"Feature","properties":{},"geometry":nul}') + ')', 1]);
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

test('scanner: syntax errors say what was expected, where, and the feature when inside features', () => {
  assert.deepEqual(scanError(''), ['empty file: no GeoJSON object', undefined]);
  assert.deepEqual(scanError(' \n\t'), ['empty file: no GeoJSON object', undefined]);
  assert.deepEqual(scanError('[{"type":"Feature"}]'), ['invalid GeoJSON: not a JSON object at character 0', undefined]);
  assert.deepEqual(scanError('  x'), ['invalid GeoJSON: not a JSON object at character 2', undefined]);
  assert.deepEqual(scanError('{"features":[]} {'), ['invalid GeoJSON: content after the end of the GeoJSON object at character 16', undefined]);
  assert.deepEqual(scanError('{"features":[]}x'), ['invalid GeoJSON: content after the end of the GeoJSON object at character 15', undefined]);
  assert.deepEqual(scanError('{features:[]}'), ['invalid GeoJSON: member name expected at character 1', undefined]);
  assert.deepEqual(scanError('{"features" []}'), ['invalid GeoJSON: ":" expected at character 12', undefined]);
  assert.deepEqual(scanError('{"type":"FeatureCollection" "features":[]}'), ['invalid GeoJSON: "," or "}" expected at character 28', undefined]);
  assert.deepEqual(scanError('{"features":[] ; }'), ['invalid GeoJSON: "," or "}" expected at character 15', undefined]);
  // Inside the features array: the number of the feature where it happens.
  const one = JSON.stringify(pt(1));
  assert.deepEqual(scanError(`{"features":[${one},${one},7]}`), ['feature 3: features[2] is not an object', 3]);
  assert.deepEqual(scanError(`{"features":[${one}, "x"]}`), ['feature 2: features[1] is not an object', 2]);
  // One closing brace too many after a feature: the next element is not an object.
  assert.deepEqual(scanError(`{"features":[${one},{"type":"Feature","properties":{},"geometry":null}}]}`), ['feature 3: features[2] is not an object', 3]);
  assert.deepEqual(scanError(`{"features":[${one}] ]}`), ['invalid GeoJSON: "," or "}" expected at character ' + (`{"features":[${one}] `.length), undefined]);
  // Invalid JSON in the members read before features.
  assert.deepEqual(scanError('{"type":FeatureCollection,"features":[]}'), ['invalid JSON in the top-level "type" member', undefined]);
  assert.deepEqual(scanError('{"crs":{"type":name},"features":[]}'), ['invalid JSON in the top-level "crs" member', undefined]);
  // A primitive cut by the end of the text is still read at the end (and found invalid), in one piece or many.
  for (const size of [1, 100]) assert.deepEqual(scanError('{"features":[],"type":FeatureCollectio', size), ['invalid JSON in the top-level "type" member', undefined]);
  // Truncated: the next feature's number.
  assert.deepEqual(scanError('{"features":['), ['feature 1: the GeoJSON text is truncated (unexpected end of file)', 1]);
  assert.deepEqual(scanError(`{"features":[${one},${one}`), ['feature 3: the GeoJSON text is truncated (unexpected end of file)', 3]);
  assert.deepEqual(scanError(`{"features":[${one},{"type":"Fea`), ['feature 2: the GeoJSON text is truncated (unexpected end of file)', 2]);
  assert.deepEqual(scanError('{"features":[], "name": "abc'), ['feature 1: the GeoJSON text is truncated (unexpected end of file)', 1]);
  assert.deepEqual(scanError('{"features":[], "na'), ['feature 1: the GeoJSON text is truncated (unexpected end of file)', 1]);
});

test('scanner: an error names its character in the whole text, however the text was pushed', () => {
  // The scanner drops the text of features already parsed; the position still counts from the start.
  const one = JSON.stringify(pt(1));
  const text = `{"features":[${one},${one}] x}`;
  const at = text.indexOf('x');
  for (const size of [1, 10, 64, text.length]) assert.deepEqual(scanError(text, size), [`invalid GeoJSON: "," or "}" expected at character ${at}`, undefined], `pieces of ${size}`);
  const after = `{"features":[${one},${one},${one}]}  {`;
  for (const size of [1, 7, after.length])
    assert.deepEqual(scanError(after, size), [`invalid GeoJSON: content after the end of the GeoJSON object at character ${after.length - 1}`, undefined], `pieces of ${size}`);
});

test('scanner: memory holds about one feature, not the text read before it', () => {
  const one = JSON.stringify({ ...pt(1), properties: { nom: 'x'.repeat(200) } });
  const piece = 50;
  for (const head of ['{"type":"FeatureCollection","features":[', '{"bbox":[0,0,1,1],"crs":{"type":"name"},"features":[']) {
    const text = `${head}${Array.from({ length: 300 }, () => one).join(',')}],"name":"n"}`;
    const sc = new FeatureCollectionScanner();
    const out: SourceFeature[] = [];
    let most = 0;
    for (let i = 0; i < text.length; i += piece) {
      sc.push(text.slice(i, i + piece), out);
      most = Math.max(most, sc.buffered);
    }
    sc.end(out);
    assert.equal(out.length, 300);
    // One feature being read, plus the piece that completed it.
    assert.ok(most <= one.length + 2 * piece, `held at most ${most} characters of ${text.length}`);
  }
  // Pushed a feature at a time (each push starts between two features): the same bound.
  const aligned = new FeatureCollectionScanner();
  const got: SourceFeature[] = [];
  aligned.push('{"features":[', got);
  let held = 0;
  for (let k = 0; k < 300; k++) {
    aligned.push(`${one},`, got);
    held = Math.max(held, aligned.buffered);
  }
  aligned.push(`${one}]}`, got);
  aligned.end(got);
  assert.equal(got.length, 301);
  assert.ok(held <= 2 * (one.length + 1), `held at most ${held} characters`);
  // Before the features member, everything is kept (a root that is a single Feature is parsed at the end).
  const sc = new FeatureCollectionScanner();
  const bare = JSON.stringify(pt(3));
  for (let i = 0; i < bare.length; i += 5) sc.push(bare.slice(i, i + 5), []);
  assert.equal(sc.buffered, bare.length);
});

test('scanner: the features array may come first, last, or empty; nested arrays inside features are skipped whole', () => {
  const poly = { type: 'Feature', properties: { a: [[1], [2, [3]]] }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } };
  const text = `{"features":[${JSON.stringify(poly)},${JSON.stringify(poly)}],"type":"FeatureCollection"}`;
  for (const size of [1, 7, text.length]) {
    const { out } = scan(text, size);
    assert.deepEqual(
      out.map((f) => [f.index, f.geometry]),
      [
        [1, poly.geometry],
        [2, poly.geometry],
      ],
    );
  }
  assert.deepEqual(scan('{"type":"FeatureCollection","features":[ ]}').out, []);
});

test('readGeojson: a sequence by its name or by option, blank lines and RS skipped, FeatureCollection lines expanded', async () => {
  const lines = [
    JSON.stringify(pt(1)),
    '',
    `\x1e${JSON.stringify(pt(2))}  `,
    '   ',
    JSON.stringify({ type: 'FeatureCollection', features: [pt(3), pt(4)] }),
    `\x1e ${JSON.stringify(pt(5))}\r`,
  ].join('\n');
  const { out, state } = await readAll(memory('x.ndjson', [Buffer.from(lines)]));
  assert.deepEqual(out.map((f) => [f.index, f.properties.n]), [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
  assert.equal(state.layout, 'sequence');
  assert.equal(state.features, 5);
  // Split anywhere, even inside a multi-byte character and inside a line.
  const bytes = Buffer.from(lines.replace('"n":2', '"n":2,"nom":"Noué"'));
  const cut = bytes.indexOf(Buffer.from('é')) + 1;
  const split = await readAll(memory('x.geojsonl', [bytes.subarray(0, 5), bytes.subarray(5, cut), bytes.subarray(cut)]));
  assert.deepEqual(split.out.map((f) => f.properties.n), [1, 2, 3, 4, 5]);
  assert.equal(split.out[1].properties.nom, 'Noué');
  // By option, whatever the name; and a broken line names its line and feature.
  const opt = await readAll(memory('x.txt', [Buffer.from(`${JSON.stringify(pt(1))}\n${JSON.stringify(pt(2))}`)]), { sequence: true });
  assert.deepEqual(opt.out.map((f) => f.index), [1, 2]);
  assert.equal(opt.state.layout, 'sequence');
  await assert.rejects(readAll(memory('x.ndjson', [Buffer.from(`${JSON.stringify(pt(1))}\n\n{"type":\n`)])), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.equal(e.feature, 2);
    assert.match(e.reason, /^line 3: invalid JSON \(/);
    return true;
  });
  await assert.rejects(readAll(memory('x.ndjson', [Buffer.from('{"type":"Feature"}\n[1]\n')])), { message: 'feature 2: not a GeoJSON Feature (type null)' });
});

test('readGeojson: the layout sniffed from the first line, past a BOM and RS; a one-line collection stays a collection', async () => {
  // A Feature per line, without a known extension: a sequence.
  const seq = `\uFEFF${JSON.stringify(pt(1))}\n${JSON.stringify(pt(2))}\n`;
  const a = await readAll(memory('a.json', [Buffer.from(seq)]));
  assert.equal(a.state.layout, 'sequence');
  assert.deepEqual(a.out.map((f) => f.properties.n), [1, 2]);
  const b = await readAll(memory('a.json', [Buffer.from(`\x1e ${JSON.stringify(pt(1))}\n${JSON.stringify(pt(2))}`)]));
  assert.equal(b.state.layout, 'sequence');
  assert.equal(b.out.length, 2);
  // The first line pulled over several chunks.
  const c = await readAll(memory('a.json', [Buffer.from(seq.slice(0, 10)), Buffer.from(seq.slice(10, 30)), Buffer.from(seq.slice(30))]));
  assert.equal(c.state.layout, 'sequence');
  assert.equal(c.out.length, 2);
  // A FeatureCollection on one line, then a newline: a collection, its crs read.
  const fc = `\uFEFF${JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:2975' } }, features: [pt(1), pt(2)] })}\n`;
  const d = await readAll(memory('a.json', [Buffer.from(fc)]));
  assert.equal(d.state.layout, 'collection');
  assert.deepEqual(d.state.crs, { type: 'name', properties: { name: 'EPSG:2975' } });
  assert.equal(d.state.features, 2);
  assert.deepEqual(d.out.map((f) => f.properties.n), [1, 2]);
  // A single Feature on one line and no newline at all: a collection of one (the bare-Feature root).
  const e = await readAll(memory('a.json', [Buffer.from(JSON.stringify(pt(9)))]));
  assert.equal(e.state.layout, 'collection');
  assert.deepEqual(e.out.map((f) => [f.index, f.properties.n]), [[1, 9]]);
  assert.equal(e.state.features, 1);
  // A pretty-printed collection: its first line is not a whole object.
  const p = await readAll(memory('a.geojson', [Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [pt(1)] }, null, 2))]));
  assert.equal(p.state.layout, 'collection');
  assert.equal(p.out.length, 1);
  // A first line over 1 MiB is not sniffed: a collection (here, one feature spread over the whole text).
  const big = { ...pt(1), properties: { n: 1, long: 'x'.repeat(1 << 20) } };
  const q = await readAll(memory('a.json', [Buffer.from(`${JSON.stringify(big)}\n`)]));
  assert.equal(q.state.layout, 'collection');
  assert.equal(q.out.length, 1);
  assert.equal((q.out[0].properties.long as string).length, 1 << 20);
});

test('readGeojson: progress counts the bytes reached, gzipped or not; gzip chosen by name or option', async () => {
  const text = JSON.stringify({ type: 'FeatureCollection', features: [pt(1), pt(2), pt(3)] });
  const plain = memory('a.geojson', [Buffer.from(text.slice(0, 40)), Buffer.from(text.slice(40))]);
  plain.bytesRead = 100; // a source opened before: counted from there
  const seen: number[] = [];
  for await (const f of readGeojson(plain)) seen.push(f.index, plain.bytesRead);
  assert.deepEqual(seen, [1, 100 + text.length, 2, 100 + text.length, 3, 100 + text.length]);
  assert.equal(plain.bytesRead, 100 + text.length);
  const gz = gzipSync(text);
  const zipped = memory('a.geojson.GZ', [gz]);
  const z = await readAll(zipped);
  assert.deepEqual(z.out.map((f) => f.properties.n), [1, 2, 3]);
  assert.equal(zipped.bytesRead, gz.length);
  const byOption = await readAll(memory('a.bin', [gz]), { gzip: true });
  assert.equal(byOption.out.length, 3);
  // gzip: false wins over the name.
  const notGz = await readAll(memory('a.json.gz', [Buffer.from(text)]), { gzip: false });
  assert.equal(notGz.out.length, 3);
  // Not gzip at all: a decompression error, on the first feature.
  await assert.rejects(readAll(memory('a.json.gz', [Buffer.from(text)])), (e: unknown) => e instanceof SourceError && e.feature === 1 && /^cannot decompress: /.test(e.reason));
});

test('readGeojson: invalid UTF-8 names the next feature; a multi-byte sequence cut at the very end too', async () => {
  // (A newline early, as GDAL writes: the layout is sniffed from the first chunk alone.)
  const head = `{"type":"FeatureCollection",\n"features":[${JSON.stringify(pt(1))},${JSON.stringify(pt(2))},`;
  const bad = Buffer.concat([Buffer.from(head), Buffer.from('{"type":"Feature","properties":{"nom":"'), Buffer.from([0xff]), Buffer.from('"},"geometry":null}]}')]);
  // In its own chunk after the two features: they are yielded, then the error names feature 3.
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const f of readGeojson(memory('a.geojson', [Buffer.from(head), bad.subarray(head.length)]))) got.push(f.index);
    })(),
    { message: 'feature 3: not valid UTF-8 text (GeoJSON must be UTF-8)' },
  );
  assert.deepEqual(got, [1, 2]);
  const cut = Buffer.concat([Buffer.from(`${JSON.stringify(pt(1))}\n"`), Buffer.from('é').subarray(0, 1)]);
  await assert.rejects(readAll(memory('a.ndjson', [cut])), { message: 'feature 2: not valid UTF-8 text (truncated multi-byte sequence at the end)' });
  // A stream error that is not a SourceError is reported with the feature number, its own message kept.
  const failing: ByteSource = {
    name: 'a.geojson',
    size: 0,
    bytesRead: 0,
    open: async () =>
      (async function* () {
        yield Buffer.from('{"features":[');
        throw new Error('disk on fire');
      })(),
  };
  await assert.rejects(readAll(failing), { message: 'feature 1: disk on fire' });
});

test('readGeojson: sequences by name whatever their first line; null and foreign members on a line; the last line numbered', async () => {
  // A .ndjson whose first line is a FeatureCollection: still a sequence (its features expanded).
  const fcFirst = `${JSON.stringify({ type: 'FeatureCollection', features: [pt(1), pt(2)] })}\n${JSON.stringify(pt(3))}\n`;
  const a = await readAll(memory('x.ndjson', [Buffer.from(fcFirst)]));
  assert.equal(a.state.layout, 'sequence');
  assert.deepEqual(a.out.map((f) => [f.index, f.properties.n]), [[1, 1], [2, 2], [3, 3]]);
  // A Feature carrying a foreign "features" member is one feature; a null line is not a Feature.
  const foreign = { ...pt(4), features: [pt(5)] };
  const b = await readAll(memory('x.ndjson', [Buffer.from(`${JSON.stringify(foreign)}\n`)]));
  assert.deepEqual(b.out.map((f) => f.properties.n), [4]);
  await assert.rejects(readAll(memory('x.ndjson', [Buffer.from(`${JSON.stringify(pt(1))}\nnull\n`)])), { message: 'feature 2: not a GeoJSON Feature (type null)' });
  // The last line, without a newline after it, has its own number.
  await assert.rejects(readAll(memory('x.ndjson', [Buffer.from(`${JSON.stringify(pt(1))}\n{"type":`)])), (e: unknown) => e instanceof SourceError && /^line 2: invalid JSON/.test(e.reason));
  // Without a state of the caller's, indexes still count from 1.
  const out: SourceFeature[] = [];
  for await (const f of readGeojson(memory('x.ndjson', [Buffer.from(`${JSON.stringify(pt(1))}\n${JSON.stringify(pt(2))}\n`)]))) out.push(f);
  assert.deepEqual(out.map((f) => f.index), [1, 2]);
  await assert.rejects(
    (async () => {
      for await (const _ of readGeojson(memory('x.ndjson', [Buffer.from(`${JSON.stringify(pt(1))}\n{\n`)]))) void _;
    })(),
    (e: unknown) => e instanceof SourceError && e.feature === 2,
  );
});

test('readGeojson: .gz only as the last extension; a first chunk of exactly 1 MiB is still sniffed', async () => {
  const text = JSON.stringify({ type: 'FeatureCollection', features: [pt(1)] });
  assert.equal((await readAll(memory('x.gz.geojson', [Buffer.from(text)]))).out.length, 1);
  // Line 1 a Feature, line 2 padded so that the whole chunk is 1,048,576 bytes: a sequence.
  const l1 = JSON.stringify(pt(1));
  const base = JSON.stringify({ ...pt(2), properties: { n: 2, pad: '' } });
  const l2 = JSON.stringify({ ...pt(2), properties: { n: 2, pad: 'p'.repeat((1 << 20) - l1.length - 1 - base.length) } });
  const chunk = Buffer.from(`${l1}\n${l2}`);
  assert.equal(chunk.length, 1 << 20);
  const r = await readAll(memory('x.json', [chunk]));
  assert.equal(r.state.layout, 'sequence');
  assert.deepEqual(r.out.map((f) => f.properties.n), [1, 2]);
});

test('readGeojson: the crs is known from the first feature on when it comes first; a primitive crs member', async () => {
  const text = JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:2154' } }, features: [pt(1), pt(2)] });
  const state: GeojsonState = { features: 0 };
  const seen: unknown[] = [];
  for await (const f of readGeojson(memory('a.geojson', [Buffer.from(text)]), { state })) seen.push([f.index, state.crs]);
  assert.deepEqual(seen, [
    [1, { type: 'name', properties: { name: 'EPSG:2154' } }],
    [2, { type: 'name', properties: { name: 'EPSG:2154' } }],
  ]);
  const { out, sc } = scan('{"crs":null,"type":"FeatureCollection","features":[]}');
  assert.deepEqual([out.length, sc.crsSeen, sc.crs], [0, true, null]);
  const n = scan('{"features":[],"crs":12 }');
  assert.deepEqual([n.sc.crsSeen, n.sc.crs], [true, 12]);
});
