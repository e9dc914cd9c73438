/**
 * The import targets of a layer (the engine's contract, src/import/target.ts), one per distribution
 * format of its definition: same table and geometry, and for each stored column the value that
 * format gives (its `from` for the format, else the field of the column's name, else the member of
 * the format's `row`), converted to the column's type.
 */
import { bool, day, int, num, prop, text, type SourceFeature } from '../import/readers/feature.ts';
import type { ColumnType, ImportContext, ImportTarget, TargetColumn, TargetGeometryType } from '../import/target.ts';
import type { ColumnSpec, From, Layer, Reader, SourceSpec } from './types.ts';

/** A layer as its targets are derived from it (before they are part of it). */
type Served = Omit<Layer, 'targets'>;

const IMPORTABLE = new Set<string>(['text', 'integer', 'bigint', 'double precision', 'boolean', 'date', 'jsonb']);

/**
 * Reads named fields as a column of `type`. `verbatim` (API Carto answers): text as published, not
 * trimmed nor emptied; a boolean is true only when it says so.
 */
function fieldReader(type: ColumnType, names: readonly string[], verbatim: boolean): Reader {
  const field = names[0];
  const get = (f: SourceFeature) => prop(f, ...names);
  switch (type) {
    case 'text':
      return verbatim ? (f) => { const v = get(f); return v === null || v === undefined ? null : String(v); } : (f) => text(get(f));
    case 'integer':
    case 'bigint':
      return (f) => int(get(f));
    case 'double precision':
      return (f) => num(get(f));
    case 'boolean':
      return verbatim ? (f) => { const v = get(f); return v === null || v === undefined ? null : v === true || v === 'true'; } : (f) => bool(get(f), field);
    case 'date':
      return (f) => day(get(f), field);
    case 'jsonb':
      return (f) => get(f) ?? null;
  }
}

function isPerSource(from: ColumnSpec['from']): from is { readonly [source: string]: From } {
  return typeof from === 'object' && from !== null && !Array.isArray(from);
}

/** The Reader of one column in one format, or null when that format does not give it. */
function readerOf(layer: Served, name: string, c: ColumnSpec, sourceName: string, source: SourceSpec, row?: (f: SourceFeature, ctx: ImportContext) => Record<string, unknown>): Reader | null {
  let from: From | undefined = isPerSource(c.from) ? (sourceName in c.from ? c.from[sourceName] : c.from.default) : c.from;
  if (from === undefined && name === layer.campaignColumn) from = (_f, ctx) => ctx.campagne ?? null;
  if (from === null) return null;
  if (!IMPORTABLE.has(c.type)) throw new Error(`${layer.id}: column ${name} (${c.type}) cannot be imported; give it from: null`);
  if (typeof from === 'function') return from;
  if (from === undefined && row) return (f, ctx) => row(f, ctx)[name];
  // The column's name as published in lower case (answers) or upper case (shapefiles): either is
  // found without prop()'s case-insensitive scan of every field.
  const names = from === undefined ? [name, name.toUpperCase()] : typeof from === 'string' ? [from] : from;
  return fieldReader(c.type as ColumnType, names, !!source.verbatim);
}

/** Parses each feature once, whatever the number of columns asking (value() is called per column). */
function memo(parse: (f: SourceFeature, ctx: ImportContext) => object): (f: SourceFeature, ctx: ImportContext) => Record<string, unknown> {
  const cache = new WeakMap<SourceFeature, Record<string, unknown>>();
  return (f, ctx) => {
    let v = cache.get(f);
    if (v === undefined) cache.set(f, (v = parse(f, ctx) as Record<string, unknown>));
    return v;
  };
}

function target(layer: Served, sourceName: string, source: SourceSpec): ImportTarget {
  const type = layer.geometry.type;
  if (type === 'Geometry') throw new Error(`${layer.id}: an import target needs one geometry type`);
  const row = source.row ? memo(source.row) : undefined;
  const columns: TargetColumn[] = [];
  for (const [name, c] of Object.entries(layer.spec.fields)) {
    if (c.kind !== 'column' || source.geometryOnly) continue;
    const value = readerOf(layer, name, c, sourceName, source, row);
    if (value) columns.push({ name, type: c.type as ColumnType, value });
  }
  const t: ImportTarget = {
    layer: source.suffix ? `${layer.id}-${source.suffix}` : layer.id,
    title: source.title,
    table: source.table ?? layer.table,
    geometry: { column: layer.geometry.column, type: type as TargetGeometryType },
    columns,
    formats: source.formats,
    datasetId: source.datasetId,
    producer: source.producer ?? layer.spec.producer ?? '',
    licence: source.licence ?? layer.spec.licence ?? '',
  };
  if (source.match) t.match = source.match;
  if (layer.campaignColumn) t.requiresCampagne = true;
  if (source.afterLoad) t.afterLoad = source.afterLoad;
  if (source.importSource) t.importSource = source.importSource;
  if (!t.producer || !t.licence) throw new Error(`${t.layer}: producer and licence are required (the dataset's metadata sheet)`);
  return t;
}

export function importTargets(layer: Served): ImportTarget[] {
  return Object.entries(layer.spec.import ?? {}).map(([name, source]) => target(layer, name, source));
}
