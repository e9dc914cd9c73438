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
