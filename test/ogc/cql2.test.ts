/**
 * The CQL2 parsers on their own (no database): text and JSON give the same tree for the same
 * filter, and each error names its position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCql2Text } from '../../src/ogc/cql2/text.ts';
import { parseCql2Json } from '../../src/ogc/cql2/json.ts';
import { compile, type Queryables } from '../../src/ogc/cql2/compile.ts';
import type { Expr } from '../../src/ogc/cql2/tree.ts';
import { HttpProblem } from '../../src/http/problems.ts';
import { Params } from '../../src/db/sql.ts';
import { CRSS } from '../../src/ogc/crs.ts';

/** The tree without positions (text and JSON positions differ by nature). */
function shape(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(shape);
  if (e && typeof e === 'object') return Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'at').map(([k, v]) => [k, shape(v)]));
  return e;
}

function fails(f: () => unknown, detail: RegExp) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof HttpProblem, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.param?.name, 'filter');
    assert.match(e.detail, detail);
    return true;
  });
}

const PAIRS: [string, unknown][] = [
  ["code_cultu = 'PPH'", { op: '=', args: [{ property: 'code_cultu' }, 'PPH'] }],
  ['surf_parc > 2.5 AND NOT code_group IN (18, 19)', { op: 'and', args: [{ op: '>', args: [{ property: 'surf_parc' }, 2.5] }, { op: 'not', args: [{ op: 'in', args: [{ property: 'code_group' }, [18, 19]] }] }] }],
  ["id_parcel LIKE '2300%' OR culture_d1 IS NULL", { op: 'or', args: [{ op: 'like', args: [{ property: 'id_parcel' }, '2300%'] }, { op: 'isNull', args: [{ property: 'culture_d1' }] }] }],
  ['surf_parc BETWEEN 1 AND 3', { op: 'between', args: [{ property: 'surf_parc' }, 1, 3] }],
  ['3 < surf_parc', { op: '>', args: [{ property: 'surf_parc' }, 3] }],
  ['S_INTERSECTS(geom, POINT(0.5 44.3))', { op: 's_intersects', args: [{ property: 'geom' }, { type: 'Point', coordinates: [0.5, 44.3] }] }],
  ['S_INTERSECTS(geom, BBOX(0.1, 44.1, 0.2, 44.2))', { op: 's_intersects', args: [{ property: 'geom' }, { bbox: [0.1, 44.1, 0.2, 44.2] }] }],
  [
    'S_INTERSECTS(geom, POLYGON((0 44, 1 44, 1 45, 0 45, 0 44)))',
    { op: 's_intersects', args: [{ property: 'geom' }, { type: 'Polygon', coordinates: [[[0, 44], [1, 44], [1, 45], [0, 45], [0, 44]]] }] },
  ],
  ["d = DATE('2023-05-01')", { op: '=', args: [{ property: 'd' }, { date: '2023-05-01' }] }],
];

test('basic-cql2, advanced-comparison-operators, spatial functions: CQL2 text and CQL2 JSON parse to the same tree', () => {
  for (const [text, json] of PAIRS) assert.deepEqual(shape(parseCql2Text(text)), shape(parseCql2Json(JSON.stringify(json))), text);
  const t = parseCql2Text("a = 'it''s' and \"b c\" <> 1") as Extract<Expr, { kind: 'and' | 'or' }>;
  assert.equal(t.kind, 'and');
  assert.deepEqual(shape(t.args[0]), shape({ kind: 'compare', op: '=', prop: { kind: 'property', name: 'a' }, value: { kind: 'literal', value: "it's" } }));
  assert.equal((t.args[1] as Extract<Expr, { kind: 'compare' }>).prop.name, 'b c');
  const mp = parseCql2Text('S_INTERSECTS(geom, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2))))') as Extract<Expr, { kind: 's_intersects' }>;
  assert.equal(mp.geometry.geojson.type, 'MultiPolygon');
  const gc = parseCql2Text('S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1)))') as Extract<Expr, { kind: 's_intersects' }>;
  assert.equal(gc.geometry.geojson.geometries?.length, 2);
});

test('cql2-text errors name the position', () => {
  fails(() => parseCql2Text("code_cultu = 'PPH"), /^filter: at position 14: unterminated string/);
  fails(() => parseCql2Text('surf_parc >'), /at position 12: expected a literal/);
  fails(() => parseCql2Text('surf_parc > 1 AND'), /at position 18: expected a literal|at position 18/);
  fails(() => parseCql2Text('surf_parc ! 1'), /at position 11/);
  fails(() => parseCql2Text('(surf_parc > 1'), /at position 15: expected '\)'/);
  fails(() => parseCql2Text('surf_parc > 1 surf_parc'), /at position 15: unexpected "surf_parc"/);
  fails(() => parseCql2Text('S_INTERSECTS(geom, POINT(1))'), /at position 26: a position has 2 or 3 numbers/);
  fails(() => parseCql2Text('surf_parc BETWEEN 1 OR 2'), /expected AND in BETWEEN/);
  fails(() => parseCql2Text(''), /empty filter/);
  fails(() => parseCql2Text('1 = 1'), /a comparison takes a property and a literal/);
  fails(() => parseCql2Text('('.repeat(60) + 'a = 1' + ')'.repeat(60)), /nested deeper than 50/);
});

test('cql2-json errors name the JSON pointer', () => {
  fails(() => parseCql2Json('{"op": "=", "args": [{"property": "a"}]}'), /at \/\/args: "=" takes 2 arguments/);
  fails(() => parseCql2Json('{"op": "and", "args": [{"op": "=", "args": [{"property": "a"}, 1]}, {"op": "~", "args": []}]}'), /at \/\/args\/1\/op: unsupported operator "~"/);
  fails(() => parseCql2Json('{"op": "=", "args": [{"property": "a"}, [1]]}'), /at \/\/args\/1: expected a literal/);
  fails(() => parseCql2Json('{"op": "s_intersects", "args": [{"property": "geom"}, {"type": "Point"}]}'), /at \/\/args\/1: a GeoJSON Point without its coordinates/);
  fails(() => parseCql2Json('{"op": '), /not valid JSON/);
});

const Q: Queryables = {
  properties: new Map([
    ['code_cultu', { type: 'string', sql: `coalesce(t."code_cultu", '')` }],
    ['surf_parc', { type: 'number', sql: 't."surf_parc"' }],
    ['gid', { type: 'integer', sql: 't."gid"' }],
  ]),
  geometry: { name: 'geom', sql: 't."geom"' },
};

test('compile: names only from the queryables, every value bound; unknown names and type mismatches are 400s at their position', () => {
  const params = new Params();
  const sql = compile(parseCql2Text("code_cultu IN ('PPH', 'x''); DROP TABLE rpg_parcelle; --') AND surf_parc BETWEEN 1 AND 2.5 AND gid = 3"), { queryables: Q, params, crs: CRSS[0] });
  assert.equal(sql, `((coalesce(t."code_cultu", '') IN ($1::text, $2::text)) AND (t."surf_parc" BETWEEN $3::float8 AND $4::float8) AND (t."gid" = $5::bigint))`);
  assert.deepEqual(params.values, ['PPH', "x'); DROP TABLE rpg_parcelle; --", 1, 2.5, 3]);
  const spatial = compile(parseCql2Text('S_INTERSECTS(geom, POINT(1 2))'), { queryables: Q, params: new Params(), crs: CRSS[2] });
  assert.equal(spatial, 'ST_Intersects(t."geom", ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1::text), 2154), 4326))');
  const c = (f: string) => () => compile(parseCql2Text(f), { queryables: Q, params: new Params(), crs: CRSS[0] });
  fails(c('colour = 1'), /at position 1: unknown property "colour"/);
  fails(c('"t.gid; DROP TABLE x" = 1'), /at position 1: unknown property/);
  fails(c("surf_parc > 'big'"), /at position 13: "big" is not a number, the type of surf_parc/);
  fails(c('code_cultu = 3'), /at position 14: 3 is not a string/);
  fails(c('surf_parc LIKE 1'), /LIKE compares strings/);
  fails(c("code_cultu BETWEEN 'a' AND 'b'"), /BETWEEN compares numbers/);
  fails(c('S_INTERSECTS(surf_parc, POINT(1 2))'), /surf_parc is not a geometry/);
  fails(c('geom = 1'), /geom is the geometry: compare it with S_INTERSECTS/);
});
