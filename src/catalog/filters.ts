/**
 * The query parameters of a layer, from its definition: one per column that declares a `filter`
 * (its schema typed after the column), plus the layer's other parameters (`params`). The route
 * builds its TypeBox schema from them (validation, types and OpenAPI from one place), checks each
 * value where it was given (query string or body), and turns them into bound conditions.
 */
import { Type, type TSchema } from 'typebox';
import { invalidParam, type ParamLocation } from '../http/problems.ts';
import type { ColumnSpec, Condition, LayerFilter, LayerSpec, ParamSpec } from './types.ts';

export type { LayerFilter, ParamSpec };

function schemaOf(c: ColumnSpec): TSchema {
  const f = c.filter!;
  const opts = Object.fromEntries(
    Object.entries({
      description: f.description,
      examples: f.examples,
      pattern: f.pattern,
      minLength: f.minLength,
      maxLength: f.maxLength,
      minimum: f.minimum,
      maximum: f.maximum,
    }).filter(([, v]) => v !== undefined),
  );
  if (c.type === 'integer' || c.type === 'bigint') return Type.Integer(opts);
  if (c.type === 'double precision') return Type.Number(opts);
  if (c.type === 'boolean') return Type.Boolean(opts);
  return Type.String(opts);
}

export function filtersOf(spec: LayerSpec): LayerFilter[] {
  const out: LayerFilter[] = [];
  for (const [column, f] of Object.entries(spec.fields)) {
    if (f.kind !== 'column' || !f.filter) continue;
    out.push({
      param: f.filter.param ?? f.as ?? column,
      column,
      op: f.filter.op ?? '=',
      schema: Type.Optional(schemaOf(f)),
      required: !!f.filter.required,
      check: f.filter.check,
      value: f.filter.value,
    });
  }
  const params = new Set(out.map((f) => f.param));
  for (const p of Object.keys(spec.params ?? {})) if (params.has(p)) throw new Error(`${spec.id}: parameter ${p} declared twice`);
  return out;
}

/** Filters and parameters of a layer as TypeBox properties, in declaration order. */
export function parameterSchemas(layer: { filters: readonly LayerFilter[]; params: Readonly<Record<string, ParamSpec>> }): Record<string, TSchema> {
  const out: Record<string, TSchema> = {};
  for (const f of layer.filters) out[f.param] = f.schema;
  for (const [name, p] of Object.entries(layer.params)) out[name] = p.schema;
  return out;
}

type Check = (raw: string, location: ParamLocation) => void;
type Checked = { filters: readonly LayerFilter[]; params: Readonly<Record<string, ParamSpec>>; check?: LayerSpec['check'] };
const checksByLayer = new WeakMap<Checked, Map<string, Check>>();

/** Each parameter's check by name, gathered once per layer. */
function checksOf(layer: Checked): Map<string, Check> {
  let m = checksByLayer.get(layer);
  if (!m) {
    m = new Map();
    for (const f of layer.filters) if (f.check) m.set(f.param, f.check);
    for (const [name, p] of Object.entries(layer.params)) if (p.check) m.set(name, p.check);
    checksByLayer.set(layer, m);
  }
  return m;
}

/** Whether any parameter of the layer has a rule beyond its schema. */
export function hasChecks(layer: Checked): boolean {
  return checksOf(layer).size > 0 || !!layer.check;
}

/**
 * Runs the checks of the parameters given, in the order the client gave them (the first wrong one
 * is the one reported, as the reference does), then the layer's rule across them, for the values of
 * one location (types and unknown names were already checked by the schema).
 */
export function checkParameters(layer: Checked, values: Record<string, unknown>, location: ParamLocation): void {
  const checks = checksOf(layer);
  for (const [name, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    checks.get(name)?.(String(raw), location);
  }
  layer.check?.(values, location);
}

/** Required filters present, else a 400 naming the first missing one where it was expected. */
export function requireFilters(layer: { filters: readonly LayerFilter[] }, input: Record<string, unknown>, location: ParamLocation): void {
  for (const f of layer.filters) if (f.required && input[f.param] === undefined) throw invalidParam(f.param, 'is required', location);
}

/** One condition per filter given (its value as the filter compares it), or the layer's own rule. */
export function conditions(layer: { filters: readonly LayerFilter[]; where?: LayerSpec['where'] }, input: Record<string, unknown>): Condition[] {
  if (layer.where) return layer.where(input);
  const out: Condition[] = [];
  for (const f of layer.filters) {
    const raw = input[f.param];
    if (raw === undefined) continue;
    out.push({ column: f.column, op: f.op, value: f.value ? f.value(raw as never) : raw });
  }
  return out;
}
