/**
 * The vocabulary of a definition's `fields`: one helper per storage type (the type the migration
 * gives the column, checked by test), with the column's options, and computed() for a property that
 * is SQL over other columns. `fields: { code_insee: text({ filter: … }), gid: bigint({ hidden: true }) }`.
 */
import type { ColumnSpec, ComputedSpec, PropertyType } from './layer.ts';

type ColumnOptions = Omit<ColumnSpec, 'kind' | 'type'>;

export const text = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'text', ...o });
export const integer = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'integer', ...o });
export const bigint = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'bigint', ...o });
export const float = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'double precision', ...o });
export const boolean = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'boolean', ...o });
export const date = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'date', ...o });
export const textArray = (o: ColumnOptions = {}): ColumnSpec => ({ kind: 'column', type: 'text[]', ...o });

/** A property computed in SQL over the alias `t` (other columns, constants, INPUT_GEOM). */
export const computed = (type: PropertyType, sql: string): ComputedSpec => ({ kind: 'computed', type, sql });

/** Text served as '' when absent (GeoServer's convention for an empty attribute). */
export const orEmpty = (c: string) => `coalesce(${c}, '')`;
