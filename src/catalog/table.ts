/**
 * A table without geometry, declared once in the layers' field model: `defineTable()` takes the
 * table and each column once (fields.ts: text(), integer()… with `from`, the field names of its
 * distribution files, `description` and `personalData`), its access rule and campaign key, and
 * derives what the catalogue and its users read: the stored columns (checked against the migration
 * by the same test as layers, check.ts), and the attributes in order with the field names a reader
 * maps and the meaning a metadata sheet prints. A module that serves it (an extraction) and the
 * reader that loads it both read this one definition.
 */
import { ident } from '../db/sql.ts';
import type { ColumnType } from '../import/target.ts';
import type { AccessRule, ColumnSpec, StoredColumn } from './types.ts';

export interface TableSpec {
  /** Catalogue id, `<module>.<table>`. */
  id: string;
  title: string;
  description: string;
  /** Table created by a migration of the owning module. */
  table: string;
  /** Columns in their public order; `hidden` ones are keys (campaign, partition), not attributes. */
  fields: Record<string, ColumnSpec>;
  access: AccessRule;
  /** Column naming each row's dataset (terroir_dataset.id); false for none. Default `dataset_id`. */
  dataset?: string | false;
  campaign?: string;
  partitionedBy?: readonly string[];
  producer: string;
  licence: string;
}

/** One attribute of a table: what a request names, a reader maps, a metadata sheet explains. */
export interface TableAttribute {
  name: string;
  type: ColumnType;
  description: string;
  /** Field names in distribution files, first found wins, any case (the column's own name last). */
  from: readonly string[];
  personalData?: string;
}

export interface CatalogTable {
  readonly kind: 'table';
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly table: string;
  readonly access: AccessRule;
  readonly datasetColumn?: string;
  readonly campaignColumn?: string;
  /** The partition key (checked against the table's indexes: check.ts). */
  readonly partitionedBy?: readonly string[];
  /** Every stored column with its type, dataset column included. */
  readonly columns: readonly StoredColumn[];
  readonly attributes: readonly TableAttribute[];
  readonly spec: TableSpec;
}

const IMPORTABLE = new Set<string>(['text', 'integer', 'bigint', 'double precision', 'boolean', 'date', 'jsonb']);

export function defineTable(spec: TableSpec): CatalogTable {
  ident(spec.table);
  const datasetColumn = spec.dataset === false ? undefined : (spec.dataset ?? 'dataset_id');
  if (spec.campaign && spec.fields[spec.campaign]?.kind !== 'column') throw new Error(`${spec.id}: campaign ${spec.campaign} is not a column`);
  const columns: StoredColumn[] = [...(datasetColumn ? [{ name: datasetColumn, type: 'text' as const }] : [])];
  const attributes: TableAttribute[] = [];
  for (const [name, c] of Object.entries(spec.fields)) {
    ident(name);
    columns.push({ name, type: c.type });
    if (c.hidden) continue;
    if (!IMPORTABLE.has(c.type)) throw new Error(`${spec.id}: column ${name} (${c.type}) is not a table attribute type`);
    if (typeof c.from === 'function' || (typeof c.from === 'object' && c.from !== null && !Array.isArray(c.from))) {
      throw new Error(`${spec.id}: column ${name}: a table's \`from\` is field names`);
    }
    const names = c.from === undefined || c.from === null ? [] : typeof c.from === 'string' ? [c.from] : (c.from as readonly string[]);
    if (!c.description) throw new Error(`${spec.id}: column ${name} has no description (its metadata sheet)`);
    attributes.push({ name, type: c.type as ColumnType, description: c.description, from: [...names, name], ...(c.personalData ? { personalData: c.personalData } : {}) });
  }
  return Object.freeze({
    kind: 'table' as const,
    id: spec.id,
    title: spec.title,
    description: spec.description,
    table: spec.table,
    access: spec.access,
    datasetColumn,
    campaignColumn: spec.campaign,
    partitionedBy: spec.partitionedBy,
    columns: Object.freeze(columns),
    attributes: Object.freeze(attributes),
    spec,
  });
}
