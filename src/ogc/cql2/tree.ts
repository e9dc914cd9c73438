/**
 * The checked tree both CQL2 encodings (text and JSON) parse to. Each node keeps where it came from
 * (`at`: a 1-based character position in CQL2 text, a JSON pointer in CQL2 JSON), so that a type
 * error found later still names the place in the filter.
 *
 * Terroir writes its own CQL2 parser rather than use the `cql2` npm package: that build of cql2-rs
 * predates its upstream fix of an SQL injection in `to_sql`, and SQL here must only ever bind values
 * and take names from the catalogue (compile.ts).
 */
import { invalidParam } from '../../http/problems.ts';

export type Scalar = string | number | boolean;

export interface Prop {
  kind: 'property';
  name: string;
  at: string;
}

export interface Lit {
  kind: 'literal';
  value: Scalar;
  /** DATE('…') / TIMESTAMP('…'): a string literal that must read as one. */
  temporal?: 'date' | 'timestamp';
  at: string;
}

export interface GeomLit {
  kind: 'geometry';
  /** GeoJSON geometry (a WKT or BBOX literal is converted to it by the text parser). */
  geojson: { type: string; coordinates?: unknown; geometries?: unknown[] };
  at: string;
}

export type Comparison = '=' | '<>' | '<' | '>' | '<=' | '>=';

export type Expr =
  | { kind: 'and' | 'or'; args: Expr[]; at: string }
  | { kind: 'not'; arg: Expr; at: string }
  | { kind: 'bool'; value: boolean; at: string }
  | { kind: 'compare'; op: Comparison; prop: Prop; value: Lit; at: string }
  | { kind: 'like'; prop: Prop; pattern: Lit; at: string }
  | { kind: 'between'; prop: Prop; low: Lit; high: Lit; at: string }
  | { kind: 'in'; prop: Prop; values: Lit[]; at: string }
  | { kind: 'isNull'; prop: Prop; at: string }
  | { kind: 's_intersects'; prop: Prop; geometry: GeomLit; at: string };

/** The 400 of a bad filter, naming the parameter and the position in it. */
export function filterError(at: string, reason: string, param = 'filter') {
  return invalidParam(param, `at ${at}: ${reason}`);
}

/** The comparison with the property on the left (`5 < x` is `x > 5`). */
export const FLIP: Record<Comparison, Comparison> = { '=': '=', '<>': '<>', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

export const MAX_DEPTH = 50;
export const MAX_IN = 1000;

const isPosition = (p: unknown) => Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((n) => typeof n === 'number' && Number.isFinite(n));

/**
 * The shape of a geometry literal, checked before PostGIS sees it: positions of 2 or 3 finite
 * numbers, lines of 2 positions or more, closed rings of 4 or more. (PGlite's GEOS may answer no
 * row at all for a degenerate polygon instead of an error: the check cannot be left to it.)
 */
export function checkGeometry(g: GeomLit['geojson'], at: string): void {
  const bad = (why: string) => filterError(at, `invalid geometry (${why})`);
  const line = (l: unknown, min: number) => {
    if (!Array.isArray(l) || l.length < min || !l.every(isPosition)) throw bad(`a ${min === 4 ? 'ring' : 'line'} needs ${min} positions or more, each of 2 or 3 numbers`);
  };
  const ring = (r: unknown) => {
    line(r, 4);
    const a = (r as number[][])[0];
    const b = (r as number[][]).at(-1)!;
    if (a[0] !== b[0] || a[1] !== b[1]) throw bad('a ring must end where it starts');
  };
  const polygon = (p: unknown) => {
    if (!Array.isArray(p) || !p.length) throw bad('a polygon needs a ring');
    p.forEach(ring);
  };
  const list = (c: unknown, each: (x: unknown) => void) => {
    if (!Array.isArray(c) || !c.length) throw bad(`an empty ${g.type}`);
    c.forEach(each);
  };
  const c = g.coordinates;
  switch (g.type) {
    case 'Point':
      if (!isPosition(c)) throw bad('a position has 2 or 3 numbers');
      return;
    case 'MultiPoint':
      return list(c, (p) => {
        if (!isPosition(p)) throw bad('a position has 2 or 3 numbers');
      });
    case 'LineString':
      return line(c, 2);
    case 'MultiLineString':
      return list(c, (l) => line(l, 2));
    case 'Polygon':
      return polygon(c);
    case 'MultiPolygon':
      return list(c, polygon);
    case 'GeometryCollection':
      if (!Array.isArray(g.geometries) || !g.geometries.length) throw bad('an empty GeometryCollection');
      for (const x of g.geometries) checkGeometry(x as GeomLit['geojson'], at);
      return;
    default:
      throw bad(`unknown type ${JSON.stringify(g.type)}`);
  }
}
