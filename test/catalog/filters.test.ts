/**
 * The filter mechanism on its own (src/catalog/filters.ts), without a database: the parameter schema
 * a column type gives, which layers have checks, the order and values checks receive, required filters
 * and the conditions built. Pins what the catalogue's mutation run found unpinned by layer.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import type { FilterSpec, LayerSpec } from '../../src/catalog/layer.ts';
import { bigint, boolean, float, integer, text } from '../../src/catalog/fields.ts';
import { checkParameters, conditions, filtersOf, hasChecks, parameterSchemas, requireFilters, type ParamSpec } from '../../src/catalog/filters.ts';
import { HttpProblem } from '../../src/http/problems.ts';

/** A filter with only what the test sets (a description is required). */
const F = (o: Partial<FilterSpec> = {}): FilterSpec => ({ description: 'd', ...o });
const spec = (fields: LayerSpec['fields'], params?: LayerSpec['params']) => ({ id: 'test.f', fields, params }) as unknown as LayerSpec;
const schemaOf = (fields: LayerSpec['fields'], param: string) => {
  const f = filtersOf(spec(fields)).find((x) => x.param === param);
  assert.ok(f, `filter ${param}`);
  return JSON.parse(JSON.stringify(f.schema)) as Record<string, unknown>;
};

test('a column type gives its parameter schema: integer and bigint integers, double precision a number, boolean, else a string', () => {
  assert.equal(schemaOf({ a: integer({ filter: F({}) }) }, 'a').type, 'integer');
  assert.equal(schemaOf({ a: bigint({ filter: F({}) }) }, 'a').type, 'integer');
  assert.equal(schemaOf({ a: float({ filter: F({}) }) }, 'a').type, 'number');
  assert.equal(schemaOf({ a: boolean({ filter: F({}) }) }, 'a').type, 'boolean');
  assert.equal(schemaOf({ a: text({ filter: F({}) }) }, 'a').type, 'string');
});

test('the schema keeps the options given and only those', () => {
  const s = schemaOf({ a: text({ filter: F({ pattern: '^x$', minLength: 1, maxLength: 3, description: 'A.', examples: ['x'] }) }) }, 'a');
  assert.deepEqual(
    Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'type')),
    { pattern: '^x$', minLength: 1, maxLength: 3, description: 'A.', examples: ['x'] },
  );
  const n = schemaOf({ n: integer({ filter: F({ minimum: 1, maximum: 9 }) }) }, 'n');
  assert.deepEqual(n, { type: 'integer', minimum: 1, maximum: 9, description: 'd' });
  assert.deepEqual(schemaOf({ b: text({ filter: F({}) }) }, 'b'), { type: 'string', description: 'd' }, 'no undefined option left in');
  // Read as is, not through JSON (which drops undefined): an option not given is no key at all, since
  // a key holding undefined still counts as present for the schema's compiler and the OpenAPI document.
  const raw = filtersOf(spec({ b: text({ filter: F({}) }) }))[0].schema;
  assert.deepEqual(Object.keys(raw).sort(), ['description', 'type']);
});

test('parameterSchemas: the filters, then the other parameters, each under its name, in declaration order', () => {
  const p = Type.String({ pattern: '^[0-9]{5}$' });
  const layer = { filters: filtersOf(spec({ code: text({ filter: F({}) }), annee: integer({ as: 'year', filter: F({}) }) })), params: { insee: { schema: p }, geom: { schema: Type.String() } } };
  const schemas = parameterSchemas(layer);
  assert.deepEqual(Object.keys(schemas), ['code', 'year', 'insee', 'geom']);
  assert.equal(schemas.code, layer.filters[0].schema);
  assert.equal(schemas.year, layer.filters[1].schema);
  assert.equal(schemas.insee, p);
  assert.deepEqual(parameterSchemas({ filters: [], params: {} }), {});
});

test('parameter names: the filter param, else the served name, else the column; op "=" by default; a parameter twice is an error', () => {
  const fs = filtersOf(spec({ c1: text({ filter: F({ param: 'p' }) }), c2: text({ as: 'served', filter: F({}) }), c3: text({ filter: F({ op: 'ilike' }) }), c4: text() }));
  assert.deepEqual(fs.map((f) => [f.param, f.column, f.op, f.required]), [['p', 'c1', '=', false], ['served', 'c2', '=', false], ['c3', 'c3', 'ilike', false]]);
  assert.throws(() => filtersOf(spec({ c: text({ filter: F({ param: 'x' }) }) }, { x: { schema: Type.String() } } as never)), /test\.f: parameter x declared twice/);
});

const noCheck = () => {};
test('hasChecks: none, a filter check, a parameter check, or only the layer rule', () => {
  const layer = (o: { fcheck?: boolean; pcheck?: boolean; rule?: boolean }) => ({
    filters: filtersOf(spec({ a: text({ filter: F(o.fcheck ? { check: noCheck } : {}) }) })),
    params: (o.pcheck ? { p: { schema: Type.String(), check: noCheck } } : {}) as Record<string, ParamSpec>,
    ...(o.rule ? { check: noCheck } : {}),
  });
  assert.equal(hasChecks(layer({})), false);
  // Parameters and filters without a check of their own do not count.
  assert.equal(hasChecks({ ...layer({}), params: { p: { schema: Type.String() }, q: { schema: Type.Integer() } } }), false);
  assert.equal(hasChecks(layer({ fcheck: true })), true);
  assert.equal(hasChecks(layer({ pcheck: true })), true);
  assert.equal(hasChecks(layer({ rule: true })), true);
});

test('checkParameters: in the order given, as strings, undefined values skipped, then the layer rule with every value', () => {
  const seen: string[] = [];
  const layer = {
    filters: filtersOf(spec({ a: integer({ filter: F({ check: (raw) => void seen.push(`a=${raw}`) }) }), b: text({ filter: F({ check: (raw) => void seen.push(`b=${raw}`) }) }) })),
    params: { p: { schema: Type.String(), check: (raw: string) => void seen.push(`p=${raw}`) } },
    check: (values: Record<string, unknown>) => void seen.push(`rule:${Object.keys(values).join(',')}`),
  };
  checkParameters(layer as never, { b: 'x', a: 5, p: undefined, z: 'no check' }, 'query');
  assert.deepEqual(seen, ['b=x', 'a=5', 'rule:b,a,p,z']);
});

test('requireFilters: a missing required filter is a 400 naming it; present, or optional and missing, is fine', () => {
  const layer = { filters: filtersOf(spec({ annee: integer({ filter: F({ required: true }) }), code: text({ filter: F({}) }) })) };
  assert.doesNotThrow(() => requireFilters(layer, { annee: 2023 }, 'query'));
  assert.throws(
    () => requireFilters(layer, { code: 'x' }, 'body'),
    (e: unknown) => e instanceof HttpProblem && JSON.stringify(e).includes('annee') && JSON.stringify(e).includes('required'),
  );
});

test('conditions: one per filter given, the value as the filter compares it, or the layer rule alone', () => {
  const layer = { filters: filtersOf(spec({ code: text({ filter: F({ value: (v: string) => v.toUpperCase() }) }), nom: text({ filter: F({ op: 'ilike' }) }), autre: text({ filter: F({}) }) })) };
  assert.deepEqual(conditions(layer, { code: 'ab', nom: 'x%' }), [
    { column: 'code', op: '=', value: 'AB' },
    { column: 'nom', op: 'ilike', value: 'x%' },
  ]);
  assert.deepEqual(conditions({ ...layer, where: () => [{ column: 'k', op: '=', value: 1 }] } as never, { code: 'ab' }), [{ column: 'k', op: '=', value: 1 }]);
});
