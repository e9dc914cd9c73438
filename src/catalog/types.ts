/**
 * The types of a layer definition (what a module writes) and of what is derived from it (what
 * routes, the import engine, OGC API and tiles read). defineLayer() in layer.ts turns the one into
 * the other; see there.
 */
import type { TSchema } from 'typebox';
import type { AccessRule } from '../auth/access.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { ParamLocation } from '../http/problems.ts';
import type { SourceFeature } from '../import/readers/feature.ts';
import type { AfterLoadReport, ColumnType, ImportContext, ImportOptions, ImportSummary, ImportTarget, TargetGeometryType } from '../import/target.ts';
import type { FeatureSql, LayerProperty } from './sql.ts';

export type { AccessRule, LayerProperty };

/** A parameter that is not a column filter: accepted (and documented) by its schema, maybe checked. */
export interface ParamSpec {
  schema: TSchema;
  check?: (raw: string, location: ParamLocation) => void;
}

export interface LayerFilter {
  param: string;
  column: string;
  op: '=' | 'ilike' | 'any';
  /** The parameter's schema, optional (a required filter is checked by the route, which knows where it was expected). */
  schema: TSchema;
  required: boolean;
  check?: (raw: string, location: ParamLocation) => void;
  value?: (raw: never) => unknown;
}

export type PropertyType = LayerProperty['type'];
/** Storage types: what the import engine writes, plus what only views and loaders hold. */
export type SqlType = ColumnType | 'text[]';
/** `Geometry`: a table of mixed types (served only; an import target forces one type). */
export type GeometryType = TargetGeometryType | 'Geometry';

/** A column's value from a source feature, already of the column's type, or null. Throw to reject the feature. */
export type Reader = (f: SourceFeature, ctx: ImportContext) => unknown;
/**
 * Where a column's value is in a distribution file: field names (the first present wins, any case;
 * the value converted to the column's type), a Reader, or null (not in the files: the table's
 * default, a derived value). Absent: the field of the column's own name.
 */
export type From = string | readonly string[] | Reader | null;

export interface FilterSpec {
  /** The query parameter; default the property's public name. */
  param?: string;
  op?: '=' | 'ilike' | 'any';
  description: string;
  examples?: unknown[];
  /** Schema bounds (the schema's type follows the column's: integer, number or string). */
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** The route answers 400 without it. */
  required?: boolean;
  /** The reference's rule and message for the value, where a schema bound would not say it (throws invalidParam). */
  check?: (raw: string, location: ParamLocation) => void;
  /** The value compared, when it is not the parameter as given (upper-cased codes…). */
  value?: (raw: never) => unknown;
}

export interface ColumnSpec {
  kind: 'column';
  type: SqlType;
  /** Public name, when it is not the column's. */
  as?: string;
  /** Stored, not served (ids, keys, columns of another distribution format). */
  hidden?: boolean;
  /** SQL served instead of the column itself, given the column as `t."name"`. */
  sql?: (column: string) => string;
  /** JSON type served, when `sql` changes it (a number answered as text). */
  serves?: PropertyType;
  /** Per source format (the keys of the layer's `import`; `default` for the others), or one for all. */
  from?: From | { readonly [source: string]: From };
  filter?: FilterSpec;
  /** What the column means (metadata sheets: a table's attribute list). */
  description?: string;
  /** The category of personal data it holds, when it holds some (GDPR art. 14 notices, processing registers). */
  personalData?: string;
}

export interface ComputedSpec {
  kind: 'computed';
  type: PropertyType;
  /** SQL over the table alias `t` (and INPUT_GEOM for properties of the request's geometry). */
  sql: string;
}

export type FieldSpec = ColumnSpec | ComputedSpec;

/** One distribution format of a layer, loaded by the engine through the target derived from it. */
export interface SourceSpec {
  /** Import target id `<layer id>-<suffix>`; absent: the layer's own id. */
  suffix?: string;
  /** The table it writes, when the layer is served from a view over it. */
  table?: string;
  /** It gives geometries of rows loaded otherwise (administrative contours), no attribute: its target maps no column. */
  geometryOnly?: boolean;
  title: string;
  /** The published formats, for `terroir import` and the docs. */
  formats: string[];
  /** Which members of an archive or directory hold this layer (see ImportTarget.match). */
  match?: RegExp;
  /** The dataset an import replaces, e.g. `rpg.parcelle:2021`. */
  datasetId: (ctx: ImportContext) => string;
  /**
   * The whole row at once, when the format needs one parse per feature for several columns (the
   * cadastre's Etalab or API Carto layouts): columns without their own `from` take its member of
   * their name. Called once per feature (memoized).
   */
  row?: (f: SourceFeature, ctx: ImportContext) => object;
  /** Values as published (API Carto answers): text neither trimmed nor emptied, booleans as given. */
  verbatim?: boolean;
  producer?: string;
  licence?: string;
  afterLoad?: (tx: Queryable, datasetId: string, ctx: ImportContext) => Promise<void | AfterLoadReport>;
  /** A source that is not one table of rows (a CNIG folder, administrative contours): it loads itself (see ImportTarget.importSource). */
  importSource?: (db: Database, files: string[], opts: ImportOptions) => Promise<ImportSummary[]>;
}

/** One attribute condition on a column of the layer; the value is always bound. */
export interface Condition {
  column: string;
  op?: '=' | 'ilike' | 'any';
  value: unknown;
}

export interface LayerSpec {
  /** Catalogue id, `<module>.<layer>`, e.g. `cadastre.parcelle`. */
  id: string;
  title: string;
  description: string;
  /** Table (or view) holding the features, created by a migration of the owning module. */
  table: string;
  geometry: {
    type: GeometryType;
    /** Default `geom`. */
    column?: string;
    /** Storage SRID: 4326 (WGS84), the only one the feature query and the engine write. */
    srid?: 4326;
    /** `geometry_name` of the answers (the reference's GeoServer field), default the column. */
    name?: string;
  };
  /** Column of the feature id number, also the paging order. */
  idColumn: string;
  /** Feature ids read `<prefix>.<id>` as the reference's (`parcelle.3351542`), or an SQL prefix expression. */
  featureId: { prefix: string } | { sql: string };
  fields: Record<string, FieldSpec>;
  access: AccessRule;
  /** Column naming each row's dataset (terroir_dataset.id); false for tables loaded otherwise. Default `dataset_id`. */
  dataset?: string | false;
  /** Campaign column (RPG `campagne`): every import needs --annee, which fills it. */
  campaign?: string;
  /** Partition key columns that queries should constrain when known. */
  partitionedBy?: readonly string[];
  /**
   * The zoom from which its vector tiles are served (default 13: parcels, îlots, urban-planning
   * objects). Below it a tile would carry more features than a map can show; large, few features
   * (administrative units, appellations, protected areas) start lower.
   */
  minZoom?: number;
  /** Default 1000 and 1000. */
  limits?: { default: number; max: number };
  /** Parameters accepted besides the column filters (compatibility members, options). */
  params?: Record<string, ParamSpec>;
  /** A rule across parameters of one location (query or body), after each parameter's own check. */
  check?: (values: Record<string, unknown>, location: ParamLocation) => void;
  /** Conditions when they are not one per filter (a parameter that wins over others…). */
  where?: (input: Record<string, unknown>) => Condition[];
  /** Distribution formats, by name: each gives an import target. */
  import?: Record<string, SourceSpec>;
  /** Metadata sheet defaults of every source (RPG instruction §3.3). */
  producer?: string;
  licence?: string;
}

export interface StoredColumn {
  name: string;
  type: SqlType | 'geometry';
}

/** What routes, the feature query, OGC API and tiles read: the served side of a layer. */
export interface LayerDescriptor {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly table: string;
  readonly geometry: { readonly column: string; readonly type: GeometryType; readonly srid: number; readonly name: string };
  readonly idColumn: string;
  /** SQL of the feature id over the alias `t` (`'parcelle.'::text || t."fid"`). */
  readonly featureId: string;
  /** Every stored column with its type, geometry and dataset columns included. */
  readonly columns: readonly StoredColumn[];
  readonly properties: readonly LayerProperty[];
  readonly filters: readonly LayerFilter[];
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly check?: LayerSpec['check'];
  readonly where?: LayerSpec['where'];
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly access: AccessRule;
  readonly datasetColumn?: string;
  readonly campaignColumn?: string;
  readonly partitionedBy?: readonly string[];
  /** The zoom from which its tiles are served (LayerSpec.minZoom). */
  readonly minZoom: number;
  readonly sql: FeatureSql;
  /** `t."name"` for a column of the layer; throws for any other name. */
  column(name: string): string;
}

export interface Layer extends LayerDescriptor {
  /** The import targets of its distribution formats (none for a layer loaded otherwise). */
  readonly targets: readonly ImportTarget[];
  readonly spec: LayerSpec;
}
