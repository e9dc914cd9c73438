// The .shp side of the shapefile reader at its edges, in memory: every shape type (Z and M variants
// read as 2D), the record length checks on both sides of each bound, how rings become polygons
// (smallest containing outer, bounding-box edges, orphan holes, containment depth), the WKB built
// from the bytes, and readShapefile's header and record checks. Records and files are built here
// byte by byte; expected coordinates are the ones written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeShape, readShapefile, shapeToWkb, shapefileWkb, type ShapefileState } from '../../../src/import/readers/shapefile.ts';
import { geojsonToWkb } from '../../../src/import/wkb.ts';
import type { ByteSource } from '../../../src/import/readers/bytes.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { polyRecord } from './shape-records.ts';

type Pt = [number, number];

const poly = (type: number, parts: Pt[][], extra = 0) => polyRecord(type, parts, extra);

function point(type: number, x: number, y: number, extra = 0): Buffer {
  const b = Buffer.alloc(20 + extra);
  b.writeInt32LE(type, 0);
  b.writeDoubleLE(x, 4);
  b.writeDoubleLE(y, 12);
  return b;
}

function multipoint(type: number, pts: Pt[], extra = 0): Buffer {
  const b = Buffer.alloc(40 + pts.length * 16 + extra);
  b.writeInt32LE(type, 0);
  b.writeInt32LE(pts.length, 36);
  pts.forEach(([x, y], i) => {
    b.writeDoubleLE(x, 40 + i * 16);
    b.writeDoubleLE(y, 48 + i * 16);
  });
  return b;
}

function fails(fn: () => unknown, message: string, feature: number) {
  assert.throws(fn, (e: unknown) => e instanceof SourceError && e.reason === message && e.feature === feature);
}

/** Both decoders agree: the GeoJSON, and the WKB equal to the GeoJSON's. */
function decoded(b: Buffer) {
  const g = decodeShape(b, 1);
  assert.equal(shapeToWkb(b, 1)!.toString('hex'), geojsonToWkb(g!).toString('hex'));
  return g;
}

// Clockwise (outer) and counter-clockwise (hole) squares, from (x, y), side s.
const cw = (x: number, y: number, s: number): Pt[] => [[x, y], [x, y + s], [x + s, y + s], [x + s, y], [x, y]];
const ccw = (x: number, y: number, s: number): Pt[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

test('points and multipoints of every variant (Z and M dropped), with their exact byte bounds', () => {
  for (const t of [1, 11, 21]) {
    assert.deepEqual(decoded(point(t, 3.5, -2, t === 1 ? 0 : 16)), { type: 'Point', coordinates: [3.5, -2] }, `type ${t}`);
    fails(() => decodeShape(point(t, 1, 2).subarray(0, 19), 4), 'corrupt point record', 4);
  }
  assert.deepEqual(decodeShape(point(1, 1, 2).subarray(0, 20), 1), { type: 'Point', coordinates: [1, 2] }, 'exactly 20 bytes');
  for (const t of [8, 18, 28]) {
    const pts: Pt[] = [[1, 2], [3, 4], [5, 6]];
    assert.deepEqual(decoded(multipoint(t, pts, t === 8 ? 0 : 40)), { type: 'MultiPoint', coordinates: pts }, `type ${t}`);
  }
  // 40 bytes of header; the points must fit, to the byte.
  assert.deepEqual(decodeShape(multipoint(8, []), 1), { type: 'MultiPoint', coordinates: [] });
  fails(() => decodeShape(multipoint(8, []).subarray(0, 39), 3), 'corrupt multipoint record', 3);
  const mp = multipoint(8, [[1, 2], [3, 4]]);
  assert.deepEqual(decodeShape(mp, 1), { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
  fails(() => decodeShape(mp.subarray(0, mp.length - 1), 5), 'corrupt multipoint record: points run past the record', 5);
  const neg = multipoint(8, []);
  neg.writeInt32LE(-1, 36);
  fails(() => decodeShape(neg, 6), 'corrupt multipoint record: points run past the record', 6);
  fails(() => shapeToWkb(neg, 6), 'corrupt multipoint record: points run past the record', 6);
});

test('null shapes, short records, unknown types', () => {
  assert.equal(decodeShape(Buffer.alloc(4), 1), null);
  assert.equal(shapeToWkb(Buffer.alloc(4), 1), null);
  fails(() => decodeShape(Buffer.alloc(3), 9), 'corrupt geometry record: shorter than its shape type', 9);
  fails(() => shapeToWkb(Buffer.alloc(0), 9), 'corrupt geometry record: shorter than its shape type', 9);
  const t = (n: number) => {
    const b = Buffer.alloc(44);
    b.writeInt32LE(n, 0);
    return b;
  };
  fails(() => decodeShape(t(31), 2), 'unsupported shape type 31 (MultiPatch)', 2);
  fails(() => decodeShape(t(2), 2), 'unsupported shape type 2', 2);
  fails(() => decodeShape(t(-1), 2), 'unsupported shape type -1', 2);
  // A poly record with no part at all is a null geometry.
  assert.equal(decodeShape(poly(5, []), 1), null);
  assert.equal(shapeToWkb(poly(3, []), 1), null);
});

test('lines of every variant; the poly-record checks on both sides of each bound', () => {
  for (const t of [3, 13, 23]) {
    assert.deepEqual(decoded(poly(t, [[[0, 0], [1, 1], [2, 0]]], t === 3 ? 0 : 64)), { type: 'LineString', coordinates: [[0, 0], [1, 1], [2, 0]] }, `type ${t}`);
    assert.deepEqual(
      decoded(poly(t, [[[0, 0], [1, 1]], [[5, 5], [6, 6], [7, 5]]])),
      { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[5, 5], [6, 6], [7, 5]]] },
      `type ${t}`,
    );
  }
  const line = poly(3, [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]); // 44 + 8 + 64 = 116 bytes
  assert.equal(line.length, 116);
  fails(() => decodeShape(line.subarray(0, 43), 1), 'corrupt geometry record: header cut short', 1);
  // 44 bytes: the header is complete, the part index is not.
  fails(() => decodeShape(line.subarray(0, 44), 1), 'corrupt geometry record: bad part count', 1);
  fails(() => decodeShape(line.subarray(0, 51), 1), 'corrupt geometry record: bad part count', 1);
  fails(() => decodeShape(line.subarray(0, 52), 1), 'corrupt geometry record: points run past the record', 1);
  fails(() => decodeShape(line.subarray(0, 115), 1), 'corrupt geometry record: points run past the record', 1);
  const set = (b: Buffer, at: number, v: number) => {
    const c = Buffer.from(b);
    c.writeInt32LE(v, at);
    return c;
  };
  fails(() => decodeShape(set(line, 36, -1), 1), 'corrupt geometry record: bad part count', 1);
  fails(() => decodeShape(set(line, 40, -1), 1), 'corrupt geometry record: bad part count', 1);
  // Part starts: negative, past the points, decreasing.
  fails(() => decodeShape(set(line, 44, -1), 1), 'corrupt geometry record: bad part index', 1);
  fails(() => decodeShape(set(line, 48, 5), 1), 'corrupt geometry record: bad part index', 1);
  fails(() => decodeShape(set(set(line, 44, 3), 48, 2), 1), 'corrupt geometry record: bad part index', 1);
  // A part start equal to the point count is an empty last part, not an error.
  assert.deepEqual(decodeShape(set(line, 48, 4), 1), { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1], [2, 2], [3, 3]], []] });
  assert.deepEqual(decodeShape(set(line, 48, 0), 1), { type: 'MultiLineString', coordinates: [[], [[0, 0], [1, 1], [2, 2], [3, 3]]] });
  // A first part starting after 0 skips the points before it.
  assert.deepEqual(decodeShape(set(line, 44, 1), 1), { type: 'MultiLineString', coordinates: [[[1, 1]], [[2, 2], [3, 3]]] });
});

test('polygon variants; one ring, holes by orientation, two outers each with its own hole', () => {
  for (const t of [5, 15, 25]) assert.deepEqual(decoded(poly(t, [cw(0, 0, 10)], t === 5 ? 0 : 80)), { type: 'Polygon', coordinates: [cw(0, 0, 10)] }, `type ${t}`);
  // One outer, two holes (counter-clockwise): one polygon of three rings, in file order.
  assert.deepEqual(decoded(poly(5, [cw(0, 0, 10), ccw(1, 1, 2), ccw(5, 5, 2)])), { type: 'Polygon', coordinates: [cw(0, 0, 10), ccw(1, 1, 2), ccw(5, 5, 2)] });
  // Holes listed before their outers, each going to the outer that contains it.
  assert.deepEqual(decoded(poly(5, [ccw(21, 1, 2), ccw(1, 1, 2), cw(0, 0, 10), cw(20, 0, 10)])), {
    type: 'MultiPolygon',
    coordinates: [
      [cw(0, 0, 10), ccw(1, 1, 2)],
      [cw(20, 0, 10), ccw(21, 1, 2)],
    ],
  });
  // A degenerate ring of zero area counts as an outer (area <= 0).
  const flat: Pt[] = [[0, 0], [5, 0], [10, 0], [0, 0]];
  assert.deepEqual(decoded(poly(5, [cw(20, 0, 10), flat])), { type: 'MultiPolygon', coordinates: [[cw(20, 0, 10)], [flat]] });
});

test('a hole goes to the smallest outer containing it, whatever the order; an outer whose box holds it but not its ring is skipped', () => {
  // Nested outers: a big square and a small one inside it (an island in a lake is outer too); the hole
  // lies inside both, so it belongs to the small one.
  const big = cw(0, 0, 100);
  const small = cw(10, 10, 20);
  const hole = ccw(15, 15, 5);
  for (const rings of [
    [big, small, hole],
    [small, big, hole],
    [hole, big, small],
  ]) {
    const g = decoded(poly(5, rings))!;
    const polys = g.coordinates as Pt[][][];
    assert.equal(g.type, 'MultiPolygon');
    const withHole = polys.find((p) => p.length === 2)!;
    assert.deepEqual(withHole, [small, hole], JSON.stringify(rings.map((r) => r[0])));
    assert.deepEqual(polys.find((p) => p.length === 1), [big]);
  }
  // An L-shaped outer whose bounding box holds the hole's first point outside the L itself; a square
  // outer that does contain it. The hole goes to the square although the L is smaller... only if
  // containment is tested, not just the box.
  const L: Pt[] = [[0, 0], [0, 30], [10, 30], [10, 10], [30, 10], [30, 0], [0, 0]]; // clockwise, area 500
  const sq = cw(15, 15, 40); // area 1600, holds (20, 20)
  const h = ccw(20, 20, 2);
  const g = decoded(poly(5, [L, sq, h]))!;
  assert.deepEqual(g.coordinates, [[L], [sq, h]]);
  // Two overlapping outers of the same area both containing it: the first in the file keeps it.
  const o1 = cw(0, 0, 10);
  const o2 = cw(5, 0, 10);
  const hh = ccw(6, 1, 2);
  assert.deepEqual(decoded(poly(5, [o1, o2, hh]))!.coordinates, [[o1, hh], [o2]]);
  assert.deepEqual(decoded(poly(5, [o2, o1, hh]))!.coordinates, [[o2, hh], [o1]]);
});

test('containment across a slanted edge: the crossing point of the ray is computed, not just the box', () => {
  // A right triangle (clockwise) under the line x + y = 10, and a square far away: two outers.
  const T: Pt[] = [[0, 0], [0, 10], [10, 0], [0, 0]];
  const S = cw(100, 100, 10);
  const inside = ccw(3, 3, 1); // 3 + 3 < 10
  const outside = ccw(6, 5, 0.5); // 6 + 5 > 10, yet inside the triangle's box
  assert.deepEqual(decoded(poly(5, [T, S, inside, outside]))!.coordinates, [[T, inside], [S], [outside]]);
});

test('bounding-box edges: a hole starting exactly on an outer box edge is tested, one past it is not', () => {
  // Two outers; the hole's first point lies on the min-x / min-y edge of the second one's box
  // (on the ring itself: the ray test decides, and a point on the left/bottom edge counts inside).
  const a = cw(100, 100, 10);
  const b = cw(0, 0, 10);
  const onEdge: Pt[] = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]];
  const g = decoded(poly(5, [a, b, onEdge]))!;
  assert.deepEqual(g.coordinates, [[a], [b, onEdge]]);
  // Just outside each side of b's box: an orphan hole, kept as a polygon of its own.
  for (const [x, y] of [[-0.5, 5], [10.5, 5], [5, -0.5], [5, 10.5]] as Pt[]) {
    const o: Pt[] = [[x, y], [x + 0.25, y], [x + 0.25, y + 0.25], [x, y + 0.25], [x, y]];
    const m = decoded(poly(5, [a, b, o]))!;
    assert.deepEqual(m.coordinates, [[a], [b], [o]], `orphan at ${x},${y}`);
  }
  // Inside the box on its max edges (x = 10 or y = 10 on b's right/top side): the box test lets it
  // through, the ring test says outside (right and top edges are outside for the ray test): orphan.
  const top: Pt[] = [[5, 10], [6, 10], [6, 11], [5, 11], [5, 10]];
  assert.deepEqual(decoded(poly(5, [a, b, top]))!.coordinates, [[a], [b], [top]]);
});

test('rings all counter-clockwise: organised by containment depth (an island in a lake in a field)', () => {
  const field = ccw(0, 0, 100);
  const lake = ccw(10, 10, 50);
  const island = ccw(20, 20, 10);
  const other = ccw(200, 0, 10);
  const g = decoded(poly(5, [island, field, other, lake]))!;
  // Depth: field 0, lake 1 (hole), island 2 (outer), other 0.
  assert.deepEqual(g.coordinates, [[island], [field, lake], [other]]);
  // A ring of three points or fewer contains nothing (o.n > 3).
  const tri: Pt[] = [[0, 0], [100, 0], [0, 100]]; // counter-clockwise, unclosed
  const inTri = ccw(1, 1, 1);
  assert.deepEqual(decodeShape(poly(5, [tri, inTri]), 1)!.coordinates, [[tri], [inTri]]);
  // Exactly four points (a triangle closed) is enough to contain.
  const t4: Pt[] = [[0, 0], [100, 0], [0, 100], [0, 0]];
  assert.deepEqual(decodeShape(poly(5, [t4, ccw(1, 1, 1)]), 1), { type: 'Polygon', coordinates: [t4, ccw(1, 1, 1)] });
});

// ---- readShapefile over in-memory sources ----

/** A .dbf of one C field `NOM` (width 8): header length and record length as given, or right. */
function dbfBytes(values: (string | null)[], opts: { deleted?: number[]; headerLength?: number; records?: number; eof?: boolean; ldid?: number } = {}): Buffer {
  const fields = Buffer.alloc(33);
  fields.write('NOM', 0, 'latin1');
  fields[11] = 'C'.charCodeAt(0);
  fields[16] = 8;
  fields[32] = 0x0d;
  const head = Buffer.alloc(32);
  head[0] = 0x03;
  head.writeUInt32LE(opts.records ?? values.length, 4);
  head.writeUInt16LE(opts.headerLength ?? 65, 8);
  head.writeUInt16LE(9, 10);
  head[29] = opts.ldid ?? 0;
  const recs = values.map((v, i) => {
    const r = Buffer.alloc(9, 0x20);
    if (opts.deleted?.includes(i)) r[0] = 0x2a;
    if (v !== null) r.write(v, 1, 'latin1');
    return r;
  });
  return Buffer.concat([head, fields, ...recs, ...(opts.eof === false ? [] : [Buffer.from([0x1a])])]);
}

/** A .shp of point records (file header, then record header + content each). */
function shpBytes(pts: Pt[], opts: { code?: number; extra?: Buffer } = {}): Buffer {
  const head = Buffer.alloc(100);
  head.writeInt32BE(opts.code ?? 9994, 0);
  const recs = pts.map(([x, y], i) => {
    const rh = Buffer.alloc(8);
    rh.writeInt32BE(i + 1, 0);
    rh.writeInt32BE(10, 4); // 20 bytes = 10 words
    return Buffer.concat([rh, point(1, x, y)]);
  });
  return Buffer.concat([head, ...recs, opts.extra ?? Buffer.alloc(0)]);
}

function mem(name: string, b: Buffer, chunk = b.length || 1): ByteSource {
  return {
    name,
    size: b.length,
    bytesRead: 0,
    open: async () =>
      (async function* () {
        for (let i = 0; i < b.length; i += chunk) yield b.subarray(i, i + chunk);
      })(),
  };
}

async function readMem(shp: Buffer, dbf: Buffer, opts: { encoding?: string; state?: ShapefileState; chunk?: number } = {}) {
  const out: SourceFeature[] = [];
  const shpSrc = mem('z.shp', shp, opts.chunk);
  for await (const f of readShapefile({ shp: shpSrc, dbf: mem('z.dbf', dbf, opts.chunk) }, opts)) out.push(f);
  return { out, shpSrc };
}

async function readError(shp: Buffer, dbf: Buffer): Promise<[string, number | undefined]> {
  try {
    await readMem(shp, dbf);
  } catch (e) {
    assert.ok(e instanceof SourceError, String(e));
    return [e.message, e.feature];
  }
  assert.fail('no error');
}

test('readShapefile: records in lockstep, deleted ones skipped, state and progress, any chunking', async () => {
  const pts: Pt[] = [[1, 2], [3, 4], [5, 6], [7, 8]];
  for (const chunk of [1, 7, 1000]) {
    const state: ShapefileState = {};
    const { out, shpSrc } = await readMem(shpBytes(pts), dbfBytes(['a', 'b', 'c', 'd'], { deleted: [1] }), { state, chunk });
    assert.deepEqual(
      out.map((f) => [f.index, f.properties.NOM, f.geometry]),
      [
        [1, 'a', { type: 'Point', coordinates: [1, 2] }],
        [3, 'c', { type: 'Point', coordinates: [5, 6] }],
        [4, 'd', { type: 'Point', coordinates: [7, 8] }],
      ],
      `chunks of ${chunk}`,
    );
    assert.deepEqual(state, { records: 4, encoding: undefined });
    assert.equal(shpSrc.bytesRead, 100 + 4 * 28);
    assert.equal(shapefileWkb(out[0])!.toString('hex'), geojsonToWkb({ type: 'Point', coordinates: [1, 2] }).toString('hex'));
  }
  // Encoding: the option, else the header's language driver (0x57: windows-1252), else guessed.
  const st: ShapefileState = {};
  await readMem(shpBytes([[0, 0]]), dbfBytes(['x']), { encoding: 'utf-8', state: st });
  assert.equal(st.encoding, 'utf-8');
  const ld: ShapefileState = {};
  await readMem(shpBytes([[0, 0]]), dbfBytes(['x'], { ldid: 0x57 }), { state: ld });
  assert.equal(ld.encoding, 'windows-1252');
  const guessed: ShapefileState = {};
  const d = dbfBytes(['x', null]);
  Buffer.from('Noué', 'utf8').copy(d, 65 + 9 + 1);
  const g = await readMem(shpBytes([[0, 0], [1, 1]]), d, { state: guessed });
  assert.equal(g.out[1].properties.NOM, 'Noué');
  assert.equal(guessed.encoding, 'utf-8', 'updated after the first non-ASCII value');
  // No .dbf end marker: fine too.
  assert.equal((await readMem(shpBytes([[0, 0]]), dbfBytes(['x'], { eof: false }))).out.length, 1);
});

test('readShapefile: header checks of both files, record checks, with the feature named', async () => {
  const shp = shpBytes([[1, 2], [3, 4]]);
  const dbf = dbfBytes(['a', 'b']);
  assert.deepEqual(await readError(shp.subarray(0, 99), dbf), ['z.shp is not a shapefile (.shp) file', undefined]);
  assert.deepEqual(await readError(shpBytes([[1, 2]], { code: 9993 }), dbf), ['z.shp is not a shapefile (.shp) file', undefined]);
  assert.deepEqual(await readError(shp, dbf.subarray(0, 31)), ['z.dbf is truncated: no complete dBase header', undefined]);
  assert.deepEqual(await readError(shp, dbfBytes(['a'], { headerLength: 32 })), ['z.dbf: corrupt dBase header (header length 32)', undefined]);
  // 33 is the smallest header length accepted (one terminator byte, no field: refused by the parser).
  assert.deepEqual(await readError(shp, dbfBytes(['a'], { headerLength: 33 })), ['the .dbf declares no field', undefined]);
  assert.deepEqual(await readError(shp, dbf.subarray(0, 64)), ['z.dbf is truncated inside its header', undefined]);
  // Exactly the header and no record although one is announced.
  assert.deepEqual(await readError(shp, dbf.subarray(0, 65)), ['feature 1: the .dbf is truncated: record 1 of the 2 its header announces is missing or incomplete', 1]);
  // The end marker where record 2 should be.
  assert.deepEqual(await readError(shp, dbfBytes(['a'], { records: 2 })), ['feature 2: the .dbf is truncated: record 2 of the 2 its header announces is missing or incomplete', 2]);
  // The end marker followed by bytes enough for a record is still the end.
  assert.deepEqual(await readError(shp, Buffer.concat([dbfBytes(['a'], { records: 2 }), Buffer.alloc(8, 0x20)])), [
    'feature 2: the .dbf is truncated: record 2 of the 2 its header announces is missing or incomplete',
    2,
  ]);
  assert.deepEqual(await readError(shp, dbf.subarray(0, 65 + 9 + 8)), ['feature 2: the .dbf is truncated: record 2 of the 2 its header announces is missing or incomplete', 2]);
  // The .shp: a record header cut, a content length out of bounds, a content cut.
  assert.deepEqual(await readError(shp.subarray(0, 100 + 28 + 7), dbf), ['feature 2: the .shp ends after 1 records while the .dbf has 2', 2]);
  const len = (words: number) => {
    const c = Buffer.from(shp);
    c.writeInt32BE(words, 100 + 4);
    return c;
  };
  assert.deepEqual(await readError(len(1), dbf), ['feature 1: corrupt .shp record header (content length 2)', 1]);
  assert.deepEqual(await readError(len(-2), dbf), ['feature 1: corrupt .shp record header (content length -4)', 1]);
  // 2^30 bytes is the largest content accepted: here the file then ends inside it.
  assert.deepEqual(await readError(len(1 << 29), dbf), ['feature 1: the .shp is truncated inside record 1', 1]);
  assert.deepEqual(await readError(len((1 << 29) + 1), dbf), [`feature 1: corrupt .shp record header (content length ${(1 << 30) + 2})`, 1]);
  // 2 words (4 bytes: the shape type alone) is the smallest content accepted: a null shape.
  const nul = Buffer.concat([Buffer.alloc(100), Buffer.from([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0])]);
  nul.writeInt32BE(9994, 0);
  const n = await readMem(nul, dbfBytes(['a']));
  assert.deepEqual(n.out.map((f) => [f.index, f.geometry]), [[1, null]]);
  assert.deepEqual(await readError(shp.subarray(0, 100 + 28 + 8 + 19), dbf), ['feature 2: the .shp is truncated inside record 2', 2]);
  // A .shp with one record more than the .dbf: named as the record after the last.
  assert.deepEqual(await readError(shpBytes([[1, 2], [3, 4], [5, 6]]), dbf), ['feature 3: the .shp has more records than the 2 of the .dbf', 3]);
  // Trailing bytes shorter than a record header are not a record.
  assert.equal((await readMem(shpBytes([[1, 2], [3, 4]], { extra: Buffer.alloc(7) }), dbf)).out.length, 2);
});

test('shapefileWkb: undefined for a feature of another reader; the geometry decoded once, kept as set', async () => {
  assert.equal(shapefileWkb({ index: 1, properties: {}, geometry: null }), undefined);
  const { out } = await readMem(shpBytes([[1, 2]]), dbfBytes(['a']));
  const f = out[0];
  assert.equal(f.geometry, f.geometry, 'the same object on each read');
  assert.deepEqual(Object.keys(f), ['index', 'properties', 'geometry']);
  f.geometry = null;
  assert.equal(f.geometry, null);
  assert.equal(shapefileWkb(f), undefined);
  delete (f as { geometry?: unknown }).geometry;
  assert.equal('geometry' in f, false, 'configurable: a target may drop it');
});

test('readShapefile closes both sources when the caller stops early', async () => {
  const closed: string[] = [];
  const src = (name: string, b: Buffer): ByteSource => ({
    name,
    size: b.length,
    bytesRead: 0,
    open: async () => ({
      [Symbol.asyncIterator]() {
        let done = false;
        return {
          async next() {
            if (done) return { done: true as const, value: undefined };
            done = true;
            return { done: false as const, value: b };
          },
          async return() {
            closed.push(name);
            return { done: true as const, value: undefined };
          },
        };
      },
    }),
  });
  for await (const f of readShapefile({ shp: src('a.shp', shpBytes([[1, 2], [3, 4]])), dbf: src('a.dbf', dbfBytes(['a', 'b'])) })) {
    assert.equal(f.index, 1);
    break;
  }
  assert.deepEqual(closed.sort(), ['a.dbf', 'a.shp']);
});
