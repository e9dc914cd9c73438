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
