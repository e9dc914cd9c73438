/**
 * CQL2 JSON (`cql2-json`) to the same checked tree as CQL2 text. Positions are JSON pointers into the
 * filter (`/args/1`), which is what a client building the JSON can follow.
 */
import { FLIP, MAX_DEPTH, MAX_IN, filterError, type Comparison, type Expr, type GeomLit, type Lit, type Prop } from './tree.ts';

const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>=']);
const GEOJSON_TYPES = new Set(['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection']);

type J = unknown;
const isObj = (v: J): v is Record<string, J> => typeof v === 'object' && v !== null && !Array.isArray(v);

function args(node: Record<string, J>, at: string, n?: number): J[] {
  const a = node.args;
  if (!Array.isArray(a)) throw filterError(at, `"${String(node.op)}" needs an "args" array`);
  if (n !== undefined && a.length !== n) throw filterError(`${at}/args`, `"${String(node.op)}" takes ${n} arguments, not ${a.length}`);
  return a;
}

function prop(v: J, at: string): Prop {
  if (isObj(v) && typeof v.property === 'string' && Object.keys(v).length === 1) return { kind: 'property', name: v.property, at };
  throw filterError(at, 'expected {"property": "<name>"}');
}

function literal(v: J, at: string): Lit {
  if (typeof v === 'string' || typeof v === 'boolean') return { kind: 'literal', value: v, at };
  if (typeof v === 'number' && Number.isFinite(v)) return { kind: 'literal', value: v, at };
  if (isObj(v) && (typeof v.date === 'string' || typeof v.timestamp === 'string') && Object.keys(v).length === 1) {
    const temporal = typeof v.date === 'string' ? 'date' : 'timestamp';
    const s = String(v.date ?? v.timestamp);
    const ok = temporal === 'date' ? /^\d{4}-\d{2}-\d{2}$/.test(s) : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s);
    if (!ok || Number.isNaN(Date.parse(s))) throw filterError(at, `not a valid ${temporal}: ${JSON.stringify(s)}`);
    return { kind: 'literal', value: s, temporal, at };
  }
  throw filterError(at, 'expected a literal (string, number, boolean, {"date": …}, {"timestamp": …})');
}

function geometry(v: J, at: string): GeomLit {
  if (isObj(v) && Array.isArray(v.bbox)) {
    const b = v.bbox as J[];
    if ((b.length !== 4 && b.length !== 6) || !b.every((x) => typeof x === 'number' && Number.isFinite(x))) throw filterError(at, 'bbox takes 4 (or 6) numbers');
    const n = b as number[];
    const [x0, y0, x1, y1] = n.length === 4 ? n : [n[0], n[1], n[3], n[4]];
    if (x0 > x1 || y0 > y1) throw filterError(at, 'bbox: minimum after maximum');
    return { kind: 'geometry', geojson: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] }, at };
  }
  if (isObj(v) && typeof v.type === 'string' && GEOJSON_TYPES.has(v.type)) {
    if (v.type === 'GeometryCollection' ? !Array.isArray(v.geometries) : !Array.isArray(v.coordinates)) throw filterError(at, `a GeoJSON ${v.type} without its ${v.type === 'GeometryCollection' ? 'geometries' : 'coordinates'}`);
    return { kind: 'geometry', geojson: v as GeomLit['geojson'], at };
  }
  throw filterError(at, 'expected a GeoJSON geometry or {"bbox": [...]}');
}

function spatialArg(v: J, at: string): Prop | GeomLit {
  return isObj(v) && 'property' in v ? prop(v, at) : geometry(v, at);
}

function expr(v: J, at: string, depth: number): Expr {
  if (depth > MAX_DEPTH) throw filterError(at, `nested deeper than ${MAX_DEPTH}`);
  if (typeof v === 'boolean') return { kind: 'bool', value: v, at };
  if (!isObj(v) || typeof v.op !== 'string') throw filterError(at, 'expected {"op": …, "args": […]}');
  const op = v.op.toLowerCase();
  if (op === 'and' || op === 'or') {
    const a = args(v, at);
    if (a.length < 2) throw filterError(`${at}/args`, `"${op}" takes at least 2 arguments`);
    return { kind: op, args: a.map((x, i) => expr(x, `${at}/args/${i}`, depth + 1)), at };
  }
  if (op === 'not') return { kind: 'not', arg: expr(args(v, at, 1)[0], `${at}/args/0`, depth + 1), at };
  if (COMPARISONS.has(op)) {
    const [a, b] = args(v, at, 2);
    if (isObj(a) && 'property' in a) return { kind: 'compare', op: op as Comparison, prop: prop(a, `${at}/args/0`), value: literal(b, `${at}/args/1`), at };
    return { kind: 'compare', op: FLIP[op as Comparison], prop: prop(b, `${at}/args/1`), value: literal(a, `${at}/args/0`), at };
  }
  if (op === 'like') {
    const [a, b] = args(v, at, 2);
    return { kind: 'like', prop: prop(a, `${at}/args/0`), pattern: literal(b, `${at}/args/1`), at };
  }
  if (op === 'between') {
    const [a, b, c] = args(v, at, 3);
    return { kind: 'between', prop: prop(a, `${at}/args/0`), low: literal(b, `${at}/args/1`), high: literal(c, `${at}/args/2`), at };
  }
  if (op === 'in') {
    const [a, b] = args(v, at, 2);
    if (!Array.isArray(b) || !b.length) throw filterError(`${at}/args/1`, '"in" takes a non-empty array of values');
    if (b.length > MAX_IN) throw filterError(`${at}/args/1`, `"in" lists at most ${MAX_IN} values`);
    return { kind: 'in', prop: prop(a, `${at}/args/0`), values: b.map((x, i) => literal(x, `${at}/args/1/${i}`)), at };
  }
  if (op === 'isnull') return { kind: 'isNull', prop: prop(args(v, at, 1)[0], `${at}/args/0`), at };
  if (op === 's_intersects') {
    const [a, b] = args(v, at, 2);
    const x = spatialArg(a, `${at}/args/0`);
    const y = spatialArg(b, `${at}/args/1`);
    const p = x.kind === 'property' ? x : y.kind === 'property' ? y : null;
    const g = x.kind === 'geometry' ? x : y.kind === 'geometry' ? y : null;
    if (!p || !g) throw filterError(at, 's_intersects takes a geometry property and a geometry literal');
    return { kind: 's_intersects', prop: p, geometry: g, at };
  }
  throw filterError(`${at}/op`, `unsupported operator ${JSON.stringify(v.op)} (this server implements =, <>, <, >, <=, >=, and, or, not, like, between, in, isNull, s_intersects)`);
}

/** Parses CQL2 JSON text to the tree (400 naming the JSON pointer on any error). */
export function parseCql2Json(src: string): Expr {
  let v: J;
  try {
    v = JSON.parse(src);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw filterError(m ? `position ${Number(m[1]) + 1}` : 'position 1', 'not valid JSON');
  }
  return expr(v, '/', 0);
}
