/**
 * The contract between the import engine (src/import/engine.ts: read, reproject, validate, swap) and
 * the layers it loads. A module describes each layer it can load as an ImportTarget; the engine does
 * everything else the same way for every layer, real files or generated ones.
 *
 * Every destination table has a `dataset_id text NOT NULL` column (indexed) and a WGS84 geometry
 * column. An import replaces exactly the rows of its dataset id, in one transaction with the load:
 * readers see the old rows or the new ones, never a mix, and a failed import leaves the old ones.
 */
import type { Database, Queryable } from '../db/database.ts';
import type { SourceFeature } from './readers/feature.ts';

export type ColumnType = 'text' | 'integer' | 'bigint' | 'double precision' | 'boolean' | 'date' | 'jsonb';
export type TargetGeometryType = 'MultiPolygon' | 'MultiLineString' | 'MultiPoint' | 'Point';

export interface ImportContext {
  /** Source file path (one of the files of the import). */
  file: string;
  /** Source CRS as an EPSG code: from .prj, GeoJSON `crs`, or --srid. */
  srid: number;
  /** Campaign year (--annee), for layers that have one (RPG). */
  campagne?: number;
  /** Free options from the command line (--option key=value), e.g. a commune code. */
  options: Record<string, string>;
}

export interface TargetColumn {
  name: string;
  type: ColumnType;
  /**
   * The value for this column from a source feature, already of the column's type (string, number,
   * boolean, Date, object for jsonb) or null. Throw an Error with a plain message to reject the
   * feature; the engine reports file, feature index and message.
   */
  value: (f: SourceFeature, ctx: ImportContext) => unknown;
}

export interface ImportTarget {
  /** Catalogue layer id, e.g. `rpg.parcelle`; `terroir import <layer> <files…>` selects by it. */
  layer: string;
  title: string;
  /** Destination table, created by a migration of the owning module. */
  table: string;
  geometry: { column: string; type: TargetGeometryType };
  columns: TargetColumn[];
  /** Source formats this layer is published in, for `terroir import --help` and docs. */
  formats: string[];
  /**
   * Which members of a zip archive or directory hold this layer, tested on the member's base name
   * (e.g. /ZONE_URBA/i for a GPU zip holding six layers). Absent: an archive must hold exactly one
   * layer, or the user picks one with --entry.
   */
  match?: RegExp;
  /** Requires --annee (RPG). */
  requiresCampagne?: boolean;
  /** The dataset an import replaces, e.g. `rpg.parcelle:2021`, `cadastre.parcelle:72187`. */
  datasetId: (ctx: ImportContext) => string;
  /** Metadata sheet defaults (RPG instruction §3.3), recorded in terroir_dataset. */
  producer: string;
  licence: string;
  /**
   * Runs inside the swap transaction after the new rows are in `table` (derived layers: a commune
   * layer built from parcels, localisants from parcel centroids…).
   */
  afterLoad?: (tx: Queryable, datasetId: string, ctx: ImportContext) => Promise<void | AfterLoadReport>;
  /**
   * For sources that hold several layers at once (a CNIG document folder: zones, prescriptions,
   * DOC_URBA…): the target loads them itself, calling the engine once per layer, and
   * `terroir import <layer> <files…>` calls this instead of importFiles. Absent for ordinary layers.
   */
  importSource?: (db: Database, files: string[], opts: ImportOptions) => Promise<ImportSummary[]>;
}

// ------------------------------------------------------------------ what the engine takes and answers

export interface ImportProgress {
  phase: 'wait' | 'read' | 'transform' | 'swap' | 'done';
  /** Current file (ImportContext.file). */
  file: string;
  fileIndex: number;
  fileCount: number;
  /** Features read so far, all files. */
  features: number;
  /** Features the current file announces (a .dbf header), when known. */
  expected?: number;
  /** Features read from the current file. */
  fileFeatures: number;
  /** Bytes of the files' main streams read so far / in all (for an ETA when no count is known). */
  bytes: number;
  bytesTotal: number;
  elapsedMs: number;
}

export interface ImportOptions {
  /** --annee: campaign year (required by targets with requiresCampagne). */
  campagne?: number;
  /** --srid: source CRS, wins over .prj and GeoJSON `crs`. */
  srid?: number;
  /** --strict: a geometry that needs repair, or a feature that would be dropped, fails the import. */
  strict?: boolean;
  /** --no-wait: fail at once when another import of the same dataset runs (default: wait for it). */
  noWait?: boolean;
  /** --option k=v, handed to the target as ImportContext.options. */
  options?: Record<string, string>;
  /** Metadata sheet overrides (default: the target's). */
  producer?: string;
  licence?: string;
  vintage?: string;
  /** Generated data (demo): recorded in terroir_dataset.synthetic. */
  synthetic?: boolean;
  /** --encoding: .dbf text encoding, wins over .cpg and the header. */
  encoding?: string;
  /** --entry: which members of an archive / directory to read (glob). */
  entry?: string;
  /**
   * --replace-layer: the import replaces every dataset of its layer, not only the datasets it
   * re-imports (by default each file, or partition, is its own dataset and the others are kept).
   */
  replaceLayer?: boolean;
  onProgress?: (p: ImportProgress) => void;
}

/** What the demo generator (or any code) passes to importFeatures. */
export interface DatasetMeta {
  /** The source as recorded in terroir_dataset.source (default ctx.file), e.g. `terroir-demo@0.1.0`. */
  source?: string;
  producer?: string;
  licence?: string;
  vintage?: string;
  synthetic?: boolean;
  checksum?: string;
  strict?: boolean;
  /** Merged into terroir_dataset.details. */
  details?: Record<string, unknown>;
  /** Fail at once when another import of the same dataset runs (default: wait for it). */
  noWait?: boolean;
  onProgress?: (p: ImportProgress) => void;
}

/** What an afterLoad that merges rows says of them: each group of rows that became one, and how. */
export interface AfterLoadReport {
  merges: { into: string; rows: number; how: string }[];
}

export interface FeatureIssue {
  file: string;
  feature: number;
  reason: string;
}

export interface ImportSummary {
  layer: string;
  table: string;
  datasets: { id: string; features: number; replaced: number; checksum?: string }[];
  files: { file: string; format: string; srid: number; crs: string; encoding?: string; features: number }[];
  /** Features read from the sources (deleted .dbf records excluded). */
  read: number;
  /** Rows written to the target table. */
  loaded: number;
  /** Invalid geometries made valid with ST_MakeValid (loaded). */
  repaired: number;
  /** Features not loaded: no geometry, nothing of the target's type, or outside WGS84 bounds. */
  rejected: number;
  /**
   * Features not loaded as rows of their own but merged into another (a pre-merger commune contour
   * into its commune nouvelle): read = loaded + merged + rejected. Absent: none.
   */
  merged?: number;
  /** The first merges, each saying into what. */
  merges?: FeatureIssue[];
  /** The first issues of each kind, with their reason. */
  repairs: FeatureIssue[];
  rejections: FeatureIssue[];
  /** Rows of the same dataset ids replaced. */
  replaced: number;
  seconds: number;
  /** Seconds per step: read (+COPY), transform, checks, delete, insert, indexes, dataset, commit[, analyze]. */
  timings: Record<string, number>;
}
