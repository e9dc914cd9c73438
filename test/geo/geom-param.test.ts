import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGeom, GEOM_LIMITS } from '../../src/geo/geom-param.ts';
import { HttpProblem } from '../../src/http/problems.ts';

const square = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] };

test('accepts every geometry type, as text or object, and unwraps a Feature', () => {
  assert.equal(parseGeom('{"type":"Point","coordinates":[-4.3,47.8]}').type, 'Point');
  assert.equal(parseGeom({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }, 'body').type, 'LineString');
  assert.equal(parseGeom(square).polygonal, true);
  assert.equal(parseGeom({ type: 'MultiPolygon', coordinates: [square.coordinates] }).type, 'MultiPolygon');
  assert.equal(parseGeom({ type: 'MultiPoint', coordinates: [[0, 0]] }).type, 'MultiPoint');
  assert.equal(parseGeom({ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]]] }).type, 'MultiLineString');
  assert.equal(parseGeom({ type: 'Feature', properties: {}, geometry: square }).type, 'Polygon');
  assert.equal(parseGeom({ type: 'Point', coordinates: [1, 2, 3] }).type, 'Point');
});

const bad: [string, unknown, RegExp][] = [
  ['malformed JSON', '{"type":"Point"', /not valid JSON/],
  ['an array', '[1,2]', /GeoJSON geometry object/],
  ['unknown type', { type: 'Circle', coordinates: [0, 0] }, /unsupported geometry type/],
  ['GeometryCollection', { type: 'GeometryCollection', geometries: [] }, /unsupported/],
  ['one coordinate', { type: 'Point', coordinates: [1] }, /2 or 3 numbers/],
  ['four coordinates', { type: 'Point', coordinates: [1, 2, 3, 4] }, /2 or 3 numbers/],
  ['a string coordinate', { type: 'Point', coordinates: ['1', 2] }, /finite numbers/],
  ['NaN (as null after JSON)', '{"type":"Point","coordinates":[NaN,1]}', /not valid JSON/],
  ['lat > 90', { type: 'Point', coordinates: [2, 91] }, /latitude 91/],
  ['lon < -180', { type: 'Point', coordinates: [-181, 45] }, /longitude -181/],
  ['unclosed ring', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, /closed/],
  ['too short ring', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }, /at least 4/],
  ['one-point line', { type: 'LineString', coordinates: [[0, 0]] }, /at least 2/],
  ['empty polygon', { type: 'Polygon', coordinates: [] }, /at least one ring/],
  ['missing coordinates', { type: 'Point' }, /2 or 3 numbers/],
  ['Feature without geometry', { type: 'Feature', geometry: null }, /no geometry/],
];
for (const [what, value, reason] of bad) {
  test(`refuses ${what} with a 400 naming geom`, () => {
    assert.throws(
      () => parseGeom(value),
      (e: unknown) => e instanceof HttpProblem && e.status === 400 && e.param?.name === 'geom' && reason.test(e.detail),
    );
  });
}

test('refuses geometries over the vertex and size limits', () => {
  const ring: number[][] = [];
  for (let i = 0; i <= GEOM_LIMITS.maxVertices; i++) ring.push([Math.cos(i) , Math.sin(i)]);
  ring.push(ring[0]);
  assert.throws(() => parseGeom({ type: 'Polygon', coordinates: [ring] }), /more than 50000 vertices/);
  assert.throws(() => parseGeom('x'.repeat(GEOM_LIMITS.maxChars + 1)), /longer than/);
});

// The limits as documented in the README, written out: a test built from GEOM_LIMITS itself would
// follow a wrong constant (a tenfold text limit) instead of catching it.
const MAX_CHARS = 2_400_000; // 48 characters a vertex (docs/hardening.md): 50,000 vertices always fit
const MAX_VERTICES = 50_000;
const refused = (value: unknown, reason: RegExp) => (e: unknown) => e instanceof HttpProblem && e.status === 400 && e.param?.name === 'geom' && reason.test(e.detail);

/** A closed ring of exactly `n` positions (the closing one counted, as PostGIS counts points). */
function ringOf(n: number): number[][] {
  const r: number[][] = [];
  // Short coordinates (at most 13 characters a position): far under the text limit at 50,000.
  for (let i = 0; i < n - 1; i++) r.push([(i % 300) / 10 - 15, Math.floor(i / 300) / 10]);
  r.push(r[0]);
  return r;
}

test('the vertex limit: 50,000 positions pass, 50,001 are refused (in one ring or across parts)', () => {
  assert.equal(parseGeom({ type: 'Polygon', coordinates: [ringOf(MAX_VERTICES)] }).type, 'Polygon');
  assert.throws(() => parseGeom({ type: 'Polygon', coordinates: [ringOf(MAX_VERTICES + 1)] }), refused(null, /more than 50000 vertices/));
  // Counted across rings and parts, not per ring.
  const half = ringOf(MAX_VERTICES / 2);
  assert.equal(parseGeom({ type: 'MultiPolygon', coordinates: [[half], [half]] }).type, 'MultiPolygon');
  assert.throws(() => parseGeom({ type: 'MultiPolygon', coordinates: [[half], [half, ringOf(4).map(([x, y]) => [x / 10, y / 10])]] }), refused(null, /more than 50000 vertices/));
  const points = (n: number) => Array.from({ length: n }, (_, i) => [(i % 300) / 10 - 15, Math.floor(i / 300) / 10]);
  assert.equal(parseGeom({ type: 'MultiPoint', coordinates: points(MAX_VERTICES) }).type, 'MultiPoint');
  assert.throws(() => parseGeom({ type: 'MultiPoint', coordinates: points(MAX_VERTICES + 1) }), refused(null, /more than 50000 vertices/));
});

test('the text limit: a 2,400,000-character geom passes, 2,400,001 characters are refused before parsing', () => {
  const point = '{"type":"Point","coordinates":[-4.3,47.8]}';
  const padded = (n: number) => point + ' '.repeat(n - point.length); // still valid JSON
  assert.equal(padded(MAX_CHARS).length, 2_400_000);
  assert.equal(parseGeom(padded(MAX_CHARS)).type, 'Point');
  assert.throws(() => parseGeom(padded(MAX_CHARS + 1)), refused(null, /longer than 2400000 characters/));
  assert.throws(() => parseGeom(padded(MAX_CHARS * 5)), refused(null, /longer than 2400000 characters/));
});

test('the text limit holds for a JSON body too: 50,000 positions of 2,400,000 characters pass, one character more is refused', () => {
  // 1.0000000000000002e-10 is 22 characters, 1.000000000000001e-10 is 21: positions of 47 and 46.
  const long = [1.0000000000000002e-10, 1.0000000000000002e-10];
  const coords = (lastLen: 46 | 47) => [...Array.from({ length: 49_999 }, () => long), lastLen === 46 ? [1.000000000000001e-10, 1.0000000000000002e-10] : long];
  assert.equal(JSON.stringify(coords(46)).length, 2_400_000);
  assert.equal(JSON.stringify(coords(47)).length, 2_400_001);
  assert.equal(parseGeom({ type: 'MultiPoint', coordinates: coords(46) }, 'body').type, 'MultiPoint');
  assert.throws(() => parseGeom({ type: 'MultiPoint', coordinates: coords(47) }, 'body'), refused(null, /longer than 2400000 characters/));
});
