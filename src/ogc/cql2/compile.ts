/**
 * The checked tree to SQL: every property name is looked up in the collection's queryables (a
 * name from the catalogue, its SQL written by the layer definition), every literal is bound as `$n`
 * with a cast of the property's type, and each node is type-checked first: an unknown property or a
 * literal of the wrong type is a 400 naming its position, never a database error.
 */
import type { Params } from '../../db/sql.ts';
import type { Crs } from '../crs.ts';
import { filterError, type Expr, type Lit, type Prop } from './tree.ts';

/** What a filter may name: the queryable properties of a collection and its geometry. */
export interface Queryables {
  properties: ReadonlyMap<string, { type: 'string' | 'integer' | 'number' | 'boolean'; sql: string }>;
  geometry: { name: string; sql: string };
}

type Q = { type: 'string' | 'integer' | 'number' | 'boolean'; sql: string };

function property(q: Queryables, p: Prop): Q {
  const found = q.properties.get(p.name);
  if (found) return found;
  if (p.name === q.geometry.name) throw filterError(p.at, `${p.name} is the geometry: compare it with S_INTERSECTS`);
  throw filterError(p.at, `unknown property ${JSON.stringify(p.name)}; queryables: ${[...q.properties.keys(), q.geometry.name].join(', ')}`);
}

/** The bound literal, cast to the property's type, after checking the two agree. */
function value(params: Params, prop: Prop, q: Q, lit: Lit): string {
  const v = lit.value;
  const mismatch = () => filterError(lit.at, `${JSON.stringify(v)} is not a ${q.type}, the type of ${prop.name}`);
  switch (q.type) {
    case 'integer':
    case 'number':
      if (typeof v !== 'number') throw mismatch();
      return `${params.add(v)}::${q.type === 'integer' && Number.isInteger(v) ? 'bigint' : 'float8'}`;
    case 'boolean':
      if (typeof v !== 'boolean') throw mismatch();
      return `${params.add(v)}::boolean`;
    default:
      if (typeof v !== 'string') throw mismatch();
      return `${params.add(v)}::text`;
  }
}

export interface CompileContext {
  queryables: Queryables;
  params: Params;
  /** The CRS of geometry literals (`filter-crs`, default CRS84). */
  crs: Crs;
}

function geometrySql(ctx: CompileContext, geojson: object): string {
  let g = `ST_SetSRID(ST_GeomFromGeoJSON(${ctx.params.add(JSON.stringify(geojson))}::text), ${ctx.crs.srid})`;
  if (ctx.crs.latFirst) g = `ST_FlipCoordinates(${g})`;
  return ctx.crs.srid === 4326 ? g : `ST_Transform(${g}, 4326)`;
}

/** SQL of the tree (a boolean expression); throws the 400 of the first error. */
export function compile(e: Expr, ctx: CompileContext): string {
  const { queryables: q, params } = ctx;
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.args.map((a) => compile(a, ctx)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${compile(e.arg, ctx)})`;
    case 'bool':
      return e.value ? 'TRUE' : 'FALSE';
    case 'compare': {
      const p = property(q, e.prop);
      if (p.type === 'boolean' && e.op !== '=' && e.op !== '<>') throw filterError(e.at, `${e.prop.name} is a boolean: only = and <> compare it`);
      return `(${p.sql} ${e.op} ${value(params, e.prop, p, e.value)})`;
    }
    case 'like': {
      const p = property(q, e.prop);
      if (p.type !== 'string') throw filterError(e.at, `LIKE compares strings; ${e.prop.name} is a ${p.type}`);
      return `(${p.sql} LIKE ${value(params, e.prop, p, e.pattern)})`;
    }
    case 'between': {
      const p = property(q, e.prop);
      if (p.type !== 'integer' && p.type !== 'number') throw filterError(e.at, `BETWEEN compares numbers; ${e.prop.name} is a ${p.type}`);
      return `(${p.sql} BETWEEN ${value(params, e.prop, p, e.low)} AND ${value(params, e.prop, p, e.high)})`;
    }
    case 'in': {
      const p = property(q, e.prop);
      return `(${p.sql} IN (${e.values.map((v) => value(params, e.prop, p, v)).join(', ')}))`;
    }
    case 'isNull':
      return `(${property(q, e.prop).sql} IS NULL)`;
    case 's_intersects': {
      if (e.prop.name !== q.geometry.name) {
        if (q.properties.has(e.prop.name)) throw filterError(e.prop.at, `${e.prop.name} is not a geometry; the geometry is ${q.geometry.name}`);
        throw filterError(e.prop.at, `unknown property ${JSON.stringify(e.prop.name)}; the geometry is ${q.geometry.name}`);
      }
      return `ST_Intersects(${q.geometry.sql}, ${geometrySql(ctx, e.geometry.geojson)})`;
    }
  }
}

/** The geometry literals of a tree, to check with PostGIS before the query runs (a bad ring is a 400, not a 500). */
export function geometryLiterals(e: Expr): { geojson: object; at: string }[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.args.flatMap(geometryLiterals);
    case 'not':
      return geometryLiterals(e.arg);
    case 's_intersects':
      return [{ geojson: e.geometry.geojson, at: e.geometry.at }];
    default:
      return [];
  }
}
