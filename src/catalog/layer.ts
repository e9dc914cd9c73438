/**
 * A layer, declared once: `defineLayer()` takes its definition (the table and each of its columns
 * once: storage type, public name and order, source fields per distribution format, filter
 * behaviour; geometry, dataset and campaign keys, access rule, title, description) and derives
 * everything that serves or loads it:
 *
 * - the served descriptor: properties in API Carto's order, filters and parameters for the route
 *   schema, and the feature SQL, built here once (src/catalog/sql.ts), not per request;
 * - the import targets of its distribution formats (src/catalog/targets.ts), for the engine;
 * - the OGC queryables, property schema and tile properties (src/catalog/ogc.ts);
 * - what the migration must have created: columns, SQL types, geometry type and SRID, checked
 *   against the database by a test on both backends (src/catalog/check.ts).
 *
 * Columns are the keys of `fields`, in the public order; a field is a stored column (fields.ts:
 * text(), integer()…) or a property computed in SQL (computed()). SQL identifiers come only from
 * definitions, never from a request.
 */
import { ident } from '../db/sql.ts';
import { featureSql, literal, type LayerProperty } from './sql.ts';
import { filtersOf } from './filters.ts';
import { importTargets } from './targets.ts';
import type { ComputedSpec, Layer, LayerDescriptor, LayerSpec, PropertyType, SqlType, StoredColumn } from './types.ts';

export type * from './types.ts';

const PUBLIC_TYPE: Record<SqlType, PropertyType> = {
  text: 'string',
  integer: 'integer',
  bigint: 'integer',
  'double precision': 'number',
  boolean: 'boolean',
  date: 'string',
  jsonb: 'string',
  'text[]': 'string',
};

function properties(fields: LayerSpec['fields']): LayerProperty[] {
  const out: LayerProperty[] = [];
  for (const [name, f] of Object.entries(fields)) {
    if (f.kind === 'computed') out.push({ name, type: f.type, sql: f.sql });
    else if (!f.hidden) {
      const col = `t.${ident(name)}`;
      out.push({ name: f.as ?? name, type: f.serves ?? PUBLIC_TYPE[f.type], sql: f.sql ? f.sql(col) : col });
    }
  }
  return out;
}

function columns(spec: LayerSpec, datasetColumn: string | undefined, geometryColumn: string): StoredColumn[] {
  const out: StoredColumn[] = [];
  if (datasetColumn) out.push({ name: datasetColumn, type: 'text' });
  for (const [name, f] of Object.entries(spec.fields)) if (f.kind === 'column') out.push({ name, type: f.type });
  out.push({ name: geometryColumn, type: 'geometry' });
  return out;
}

/** The feature SQL of a descriptor (src/catalog/sql.ts). */
function sqlOf(d: Omit<LayerDescriptor, 'sql'>) {
  return featureSql({
    table: d.table,
    geometryColumn: d.geometry.column,
    geometryName: d.geometry.name,
    featureId: d.featureId,
    idColumn: d.idColumn,
    properties: d.properties,
    datasetColumn: d.datasetColumn,
  });
}

/** The served side of a definition, with its SQL built now. */
function describe(spec: LayerSpec, props: LayerProperty[]): LayerDescriptor {
  const geometryColumn = spec.geometry.column ?? 'geom';
  const datasetColumn = spec.dataset === false ? undefined : (spec.dataset ?? 'dataset_id');
  const cols = columns(spec, datasetColumn, geometryColumn);
  const refs = new Map(cols.map((c) => [c.name, `t.${ident(c.name)}`]));
  const column = (name: string) => {
    const ref = refs.get(name);
    if (!ref) throw new Error(`${spec.id}: no column ${JSON.stringify(name)}`);
    return ref;
  };
  const prefix = 'prefix' in spec.featureId ? `${literal(`${spec.featureId.prefix}.`)}::text` : spec.featureId.sql;
  const featureId = `${prefix} || ${column(spec.idColumn)}`;
  const d: Omit<LayerDescriptor, 'sql'> = {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    table: spec.table,
    geometry: { column: geometryColumn, type: spec.geometry.type, srid: spec.geometry.srid ?? 4326, name: spec.geometry.name ?? geometryColumn },
    idColumn: spec.idColumn,
    featureId,
    columns: cols,
    properties: props,
    filters: filtersOf(spec),
    params: spec.params ?? {},
    check: spec.check,
    where: spec.where,
    defaultLimit: spec.limits?.default ?? 1000,
    maxLimit: spec.limits?.max ?? 1000,
    access: spec.access,
    datasetColumn,
    campaignColumn: spec.campaign,
    partitionedBy: spec.partitionedBy,
    minZoom: spec.minZoom ?? 13,
    column,
  };
  for (const f of d.filters) column(f.column);
  return { ...d, sql: sqlOf(d) };
}

/** Defines a layer: validates the definition and derives its descriptor and import targets once. */
export function defineLayer(spec: LayerSpec): Layer {
  ident(spec.table);
  if (spec.campaign && spec.fields[spec.campaign]?.kind !== 'column') throw new Error(`${spec.id}: campaign ${spec.campaign} is not a column`);
  const served = { ...describe(spec, properties(spec.fields)), spec };
  return Object.freeze({ ...served, targets: Object.freeze(importTargets(served)) });
}

/**
 * The layer with more properties (after its own), for an answer that asks for them (RPG
 * `_libelles`): same table, filters and limits; its SQL built now, once.
 */
export function withProperties(layer: LayerDescriptor, extra: Record<string, ComputedSpec>): LayerDescriptor {
  const props = [...layer.properties, ...Object.entries(extra).map(([name, f]) => ({ name, type: f.type, sql: f.sql }))];
  const more = { ...layer, properties: props };
  return Object.freeze({ ...more, sql: sqlOf(more) });
}
