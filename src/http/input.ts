/**
 * Input guards applied to every route, before any handler and so before any SQL:
 * - numbers: Ajv's type coercion lets `Infinity`, `-Infinity` and `1e309` through `minimum`/`maximum`
 *   (the coerced value is not range-checked again), and an integer without a maximum may overflow
 *   PostgreSQL's `integer`/`bigint` (`_start=1e19`). Each route's numeric parameters are checked
 *   again after validation: finite, within the schema's bounds, integers within PostgreSQL's int4.
 * - strings: PostgreSQL refuses a NUL character in text (a 500 otherwise); any string parameter
 *   holding one, in the query, the path or a JSON body, is a 400 naming it.
 * - JSON bodies: nesting depth bounded before parsing (a 5,000-deep `geom.type` costs recursion
 *   in every later walker).
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { HttpProblem, invalidParam, type ParamLocation } from './problems.ts';

/** Deepest JSON accepted (a MultiPolygon is 4 levels inside its geometry, 6 inside a Feature body). */
export const MAX_JSON_DEPTH = 32;
const INT4 = { min: -2_147_483_648, max: 2_147_483_647 };

interface NumberRule {
  integer: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: number;
  exclusiveMax?: number;
}
type Rules = Map<string, NumberRule>;

type Schema = { type?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; properties?: Record<string, Schema>; [k: string]: unknown };

/** The numeric rule of one property schema (a union's numeric branch, e.g. integer | null). */
function numberRule(s: Schema | undefined): NumberRule | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('integer') || types.includes('number')) {
    const n = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
    return { integer: types.includes('integer'), min: n('minimum'), max: n('maximum'), exclusiveMin: n('exclusiveMinimum'), exclusiveMax: n('exclusiveMaximum') };
  }
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
    const r = numberRule(branch);
    if (r) return r;
  }
  if (s.type === 'array' && s.items) return numberRule(s.items as Schema);
  return undefined;
}

function rulesOf(schema: unknown): Rules {
  const rules: Rules = new Map();
  const props = (schema as Schema | undefined)?.properties;
  if (props) for (const [name, s] of Object.entries(props)) {
    const r = numberRule(s);
    if (r) rules.set(name, r);
  }
  return rules;
}

function checkNumber(name: string, v: number, r: NumberRule, location: ParamLocation): void {
  if (!Number.isFinite(v)) throw invalidParam(name, 'must be a finite number', location, String(v));
  const min = r.min ?? (r.integer ? INT4.min : undefined);
  const max = r.max ?? (r.integer ? INT4.max : undefined);
  if (min !== undefined && v < min) throw invalidParam(name, `must be >= ${min}`, location, v);
  if (max !== undefined && v > max) throw invalidParam(name, `must be <= ${max}`, location, v);
  if (r.exclusiveMin !== undefined && v <= r.exclusiveMin) throw invalidParam(name, `must be > ${r.exclusiveMin}`, location, v);
  if (r.exclusiveMax !== undefined && v >= r.exclusiveMax) throw invalidParam(name, `must be < ${r.exclusiveMax}`, location, v);
}

/** True when `v` (a string, or any string inside it) holds a NUL character. */
function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (depth > MAX_JSON_DEPTH || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => hasNul(x, depth + 1));
  return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x, depth + 1));
}

function checkValues(values: unknown, rules: Rules, location: ParamLocation): void {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return;
  for (const [name, v] of Object.entries(values as Record<string, unknown>)) {
    if (hasNul(v) || name.includes('\u0000')) throw invalidParam(name.replace(/\u0000/g, '\\0'), 'must not contain a NUL character', location);
    const r = rules.get(name);
    if (!r) continue;
    for (const n of Array.isArray(v) ? v : [v]) if (typeof n === 'number') checkNumber(name, n, r, location);
  }
}

/**
 * A preHandler prepended to each route: the numeric rules of its schemas, computed once when the
 * route is registered, then every value checked after Ajv has coerced it.
 */
function guardRoute(route: RouteOptions): void {
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const query = rulesOf(schema.querystring);
  const params = rulesOf(schema.params);
  const body = rulesOf(schema.body);
  const guard = async (req: FastifyRequest) => {
    checkValues(req.params, params, 'params');
    checkValues(req.query, query, 'query');
    if (req.body !== undefined) checkValues(req.body, body, 'body');
  };
  const own = route.preHandler;
  route.preHandler = own ? [guard, ...(Array.isArray(own) ? own : [own])] : [guard];
}

/** Depth of a JSON text, counted without parsing it; stops as soon as it passes `limit`. */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export function installInputGuards(app: FastifyInstance): void {
  app.addHook('onRoute', guardRoute);
  // JSON bodies: depth bounded first, then Fastify's own parser (prototype-poisoning protection).
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text)) return done(new HttpProblem('bad-request', `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    if (/\\u0000/i.test(text)) return done(new HttpProblem('bad-request', 'JSON body holds a NUL character (\\u0000)'), undefined);
    parse(req, text, done);
  });
}
