import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGeom, HEAVY, HEAVY_DEFAULTS, setHeavyThresholds } from '../../src/geo/geom-param.ts';
import { HttpProblem } from '../../src/http/problems.ts';
import { runWithQueryContext, type QueryContext } from '../../src/db/context.ts';

/**
 * The edges of the `geom` check, each boundary from both sides, with values written out here rather
 * than derived from the module's constants (issue 19: the survivors of the src/geo mutation run).
 */

/** The 400 problem `fn` throws: asserted to name `geom`, its reason matching `reason`. */
function refusal(fn: () => unknown, reason: RegExp): HttpProblem {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof HttpProblem, `expected a problem, got ${String(caught)}`);
  assert.equal(caught.status, 400);
  assert.equal(caught.param?.name, 'geom');
  assert.match(caught.detail, reason);
  return caught;
}

const point = (lon: unknown, lat: unknown) => ({ type: 'Point', coordinates: [lon, lat] });

test('longitude: -180 and 180 pass, a hair beyond is refused naming the longitude and where it is', () => {
  assert.equal(parseGeom(point(-180, 0)).type, 'Point');
  assert.equal(parseGeom(point(180, 0)).type, 'Point');
  refusal(() => parseGeom(point(-180.000001, 0)), /^geom: coordinates: longitude -180\.000001 is outside \[-180, 180\]/);
  refusal(() => parseGeom(point(180.000001, 0)), /longitude 180\.000001 is outside/);
  refusal(() => parseGeom({ type: 'MultiPoint', coordinates: [[0, 0], [181, 0]] }), /^geom: coordinates\[1\]: longitude 181/);
});

test('latitude: -90 and 90 pass, a hair beyond is refused naming the latitude', () => {
  assert.equal(parseGeom(point(0, -90)).type, 'Point');
  assert.equal(parseGeom(point(0, 90)).type, 'Point');
  refusal(() => parseGeom(point(0, -90.000001)), /latitude -90\.000001 is outside \[-90, 90\]/);
  refusal(() => parseGeom(point(0, 90.000001)), /latitude 90\.000001 is outside/);
  // lat,lon swapped (a common mistake) is caught by the latitude bound.
  refusal(() => parseGeom(point(47.8, -4.3 * 30)), /latitude -129/);
});

test('a position is 2 or 3 finite numbers', () => {
  assert.equal(parseGeom({ type: 'Point', coordinates: [1, 2, 3] }).type, 'Point');
  refusal(() => parseGeom({ type: 'Point', coordinates: [1] }), /a position must have 2 or 3 numbers/);
  refusal(() => parseGeom({ type: 'Point', coordinates: [1, 2, 3, 4] }), /a position must have 2 or 3 numbers/);
  refusal(() => parseGeom({ type: 'Point', coordinates: 'x' }), /a position must have 2 or 3 numbers/);
  refusal(() => parseGeom(point('1', 2)), /coordinates must be finite numbers/);
  refusal(() => parseGeom(point(1, Number.POSITIVE_INFINITY)), /coordinates must be finite numbers/);
  refusal(() => parseGeom(point(Number.NaN, 2)), /coordinates must be finite numbers/);
  refusal(() => parseGeom({ type: 'Point', coordinates: [1, 2, Number.NEGATIVE_INFINITY] }), /finite numbers/);
});

test('arrays: empty or not arrays, too few positions, open rings', () => {
  refusal(() => parseGeom({ type: 'MultiPoint', coordinates: [] }), /coordinates: a non-empty array is expected/);
  refusal(() => parseGeom({ type: 'MultiPoint', coordinates: {} }), /a non-empty array is expected/);
  refusal(() => parseGeom({ type: 'MultiLineString', coordinates: [] }), /a non-empty array is expected/);
  refusal(() => parseGeom({ type: 'LineString', coordinates: [[0, 0]] }), /at least 2 positions are needed/);
  assert.equal(parseGeom({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }).type, 'LineString');
  refusal(() => parseGeom({ type: 'LineString', coordinates: 5 }), /an array of positions is expected/);
  refusal(() => parseGeom({ type: 'Polygon', coordinates: [] }), /a polygon needs at least one ring/);
  refusal(() => parseGeom({ type: 'Polygon', coordinates: 'ring' }), /a polygon needs at least one ring/);
  refusal(() => parseGeom({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }), /coordinates\[0\]: at least 4 positions are needed/);
  refusal(() => parseGeom({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }), /must be closed/);
  // Closed means both coordinates equal: the same longitude alone is not enough.
  refusal(() => parseGeom({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1e-9]]] }), /must be closed/);
  refusal(() => parseGeom({ type: 'MultiPolygon', coordinates: [] }), /a non-empty array is expected/);
  refusal(() => parseGeom({ type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], []] }), /coordinates\[1\]: a polygon needs at least one ring/);
});

test('the geometry object itself: not an object, a Feature without geometry, a type that is not a string', () => {
  for (const v of [null, 3, [1, 2], 'null', '[0,0]']) refusal(() => parseGeom(v), /a GeoJSON geometry object is expected/);
  refusal(() => parseGeom({ type: 'Feature', properties: {} }), /the Feature has no geometry/);
  refusal(() => parseGeom({ type: 'Feature', geometry: 'Point' }), /the Feature has no geometry/);
  refusal(() => parseGeom({ type: 7, coordinates: [0, 0] }), /unsupported geometry type number; expected one of Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon$/);
  refusal(() => parseGeom({ type: 'GeometryCollection', geometries: [] }), /unsupported geometry type "GeometryCollection"/);
  // A long type is cut to 40 characters in the message.
  const p = refusal(() => parseGeom({ type: 'P'.repeat(100), coordinates: [0, 0] }), /unsupported geometry type "P{40}";/);
  assert.ok(p.detail.length < 200, p.detail);
  refusal(() => parseGeom('{"type":'), /not valid JSON/);
});

test('the value echoed with a 400: a short text whole, a long one cut at 200 characters', () => {
  const short = JSON.stringify(point(200, 0)); // 38 characters
  assert.equal(refusal(() => parseGeom(short), /longitude/).param?.value, short);
  const exact = short + ' '.repeat(200 - short.length);
  assert.equal(exact.length, 200);
  assert.equal(refusal(() => parseGeom(exact), /longitude/).param?.value, exact);
  const long = short + ' '.repeat(201 - short.length);
  const echoed = refusal(() => parseGeom(long), /longitude/).param?.value;
  assert.equal(echoed, `${long.slice(0, 200)}…`);
  // An object (JSON body) is echoed as given; the answer bounds it (src/http/problems.ts).
  const body = point(0, 95);
  assert.deepEqual(refusal(() => parseGeom(body, 'body'), /latitude/).param?.value, body);
  assert.equal(refusal(() => parseGeom(body, 'body'), /latitude/).param?.location, 'body');
});

test('what is handed to PostGIS: the bare geometry, and whether it is polygonal', () => {
  const square = [[[0, 0], [1, 0], [1, 1], [0, 0]]];
  const cases: [object, string, boolean][] = [
    [point(1, 2), 'Point', false],
    [{ type: 'MultiPoint', coordinates: [[1, 2]] }, 'MultiPoint', false],
    [{ type: 'LineString', coordinates: [[0, 0], [1, 1]] }, 'LineString', false],
    [{ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]]] }, 'MultiLineString', false],
    [{ type: 'Polygon', coordinates: square }, 'Polygon', true],
    [{ type: 'MultiPolygon', coordinates: [square] }, 'MultiPolygon', true],
  ];
  for (const [g, type, polygonal] of cases) {
    const r = parseGeom({ ...g, crs: { type: 'name' }, bbox: [0, 0, 1, 1] });
    assert.equal(r.type, type);
    assert.equal(r.polygonal, polygonal, type);
    assert.equal(r.geojson, JSON.stringify({ type, coordinates: (g as { coordinates: unknown }).coordinates }), type);
  }
  const wrapped = parseGeom({ type: 'Feature', properties: { a: 1 }, geometry: point(3, 4) });
  assert.equal(wrapped.geojson, '{"type":"Point","coordinates":[3,4]}');
});

test('heavy requests: more than 2,000 vertices or a box over 0.01 deg², each bound from both sides', () => {
  assert.deepEqual(HEAVY, { vertices: 2_000, bboxDeg2: 0.01 });
  assert.deepEqual(HEAVY, HEAVY_DEFAULTS);
  const heavy = (g: unknown) => {
    const ctx: QueryContext = { signal: new AbortController().signal, heavy: false };
    runWithQueryContext(ctx, () => parseGeom(g));
    return ctx.heavy;
  };
  const line = (n: number) => ({ type: 'LineString', coordinates: Array.from({ length: n }, (_, i) => [i * 1e-6, 0]) });
  assert.equal(heavy(line(2_000)), false);
  assert.equal(heavy(line(2_001)), true);
  const box = (w: number, h: number) => ({ type: 'Polygon', coordinates: [[[0, 0], [w, 0], [w, h], [0, h], [0, 0]]] });
  assert.equal(heavy(box(0.125, 0.08)), false); // 0.01 deg² exactly
  assert.equal(heavy(box(0.125, 0.0801)), true);
  assert.equal(heavy(box(0.05, 0.05)), false);
  assert.equal(heavy(point(0, 0)), false);
  // Thresholds from the configuration (TERROIR_HEAVY_VERTICES, TERROIR_HEAVY_AREA_DEG2), then back.
  setHeavyThresholds(100, 0.001);
  try {
    assert.equal(heavy(line(101)), true);
    assert.equal(heavy(line(100)), false);
    assert.equal(heavy(box(0.05, 0.05)), true);
  } finally {
    setHeavyThresholds(HEAVY_DEFAULTS.vertices, HEAVY_DEFAULTS.bboxDeg2);
  }
  // Outside a request there is nothing to mark, and nothing breaks.
  assert.equal(parseGeom(line(3_000)).type, 'LineString');
});
