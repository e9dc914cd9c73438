/**
 * One load, as the steps of src/import/load/ see it: the target, the inputs, the options, the names
 * of its work tables, and what the steps record as they go (the sources opened, features read,
 * seconds per step). The steps are functions of (transaction, job); engine.ts runs them in order.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable, Session } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import type { SourceFeature } from '../readers/feature.ts';
import type { OpenedSource } from '../sources.ts';
import type { ImportContext, ImportProgress, ImportTarget, TargetGeometryType } from '../target.ts';

/** Issues listed by name in the summary (the counts are complete). */
export const ISSUES_LISTED = 20;
const PROGRESS_EVERY_MS = 100;

/** One stream of features with the context its values are computed in. */
export interface LoadInput {
  label: string;
  /** For the dataset's `source`: a file name, `archive.zip/member`, or the caller's source name. */
  display: string;
  format: string;
  files: string[];
  bytesTotal: number;
  bytesRead(): number;
  /** Opens the source; `q` is the import's transaction (CRS look-ups in spatial_ref_sys). */
  open(q: Queryable): Promise<OpenedSource>;
}

/** Features handed in by code (the demo generator, a converter): one input, its CRS given by the caller. */
export function featuresInput(
  features: AsyncIterable<SourceFeature> | Iterable<SourceFeature>,
  label: string,
  display: string,
  srid: number,
): LoadInput {
  return {
    label,
    display,
    format: 'features',
    files: [],
    bytesTotal: 0,
    bytesRead: () => 0,
    open: async () => ({
      features: (async function* () {
        yield* features;
      })(),
      srid: () => srid,
      crsNote: () => 'given by the caller',
      expected: () => undefined,
      encoding: () => undefined,
    }),
  };
}

export interface LoadOptions {
  campagne?: number;
  srid?: number;
  options: Record<string, string>;
  strict: boolean;
  /** Replace every dataset of the target's layer (ImportOptions.replaceLayer). */
  replaceLayer?: boolean;
  producer?: string;
  licence?: string;
  vintage?: string;
  synthetic: boolean;
  onProgress?: (p: ImportProgress) => void;
  checksum: (labels: Set<string>) => Promise<{ checksum: string | null; perFile: unknown[] }>;
  details: Record<string, unknown>;
  /** Fail at once when another import of the same dataset runs, instead of waiting for it. */
  noWait?: boolean;
}

/** True for a Session (statements in autocommit), false for a transaction. */
export function isSession(q: Queryable): q is Session {
  return typeof (q as Partial<Session>).lock === 'function';
}

/**
 * Runs `fn`; when it fails, `explain` turns the database's error into the import's. Inside a
 * transaction a savepoint keeps the transaction usable for that explanation; in a session
 * (autocommit) a failed statement leaves nothing to roll back.
 */
export async function guarded<T>(q: Queryable, name: string, fn: () => Promise<T>, explain: (e: Error) => Promise<Error>): Promise<T> {
  const tx = !isSession(q);
  if (tx) await q.query(`SAVEPOINT ${name}`);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    if (tx) await q.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw await explain(e as Error);
  }
  if (tx) await q.query(`RELEASE SAVEPOINT ${name}`);
  return result;
}

/** One input once opened: its context, dataset id, CRS and how many features it gave. */
export interface SourceRun {
  input: LoadInput;
  ctx: ImportContext;
  datasetId: string;
  opened?: OpenedSource;
  features: number;
  srid?: number;
}

/** The geometry forced to the target's type (a collection keeps only the parts of that type). */
export const FORCE: Record<TargetGeometryType, (g: string) => string> = {
  MultiPolygon: (g) => `ST_Multi(ST_CollectionExtract(${g}, 3))`,
  MultiLineString: (g) => `ST_Multi(ST_CollectionExtract(${g}, 2))`,
  MultiPoint: (g) => `ST_Multi(ST_CollectionExtract(${g}, 1))`,
  // A Point layer takes a point, or a multipoint of one point; more points than one is a rejection.
  Point: (g) => `(SELECT CASE WHEN ST_NumGeometries(e) = 1 THEN ST_GeometryN(e, 1) ELSE ST_GeomFromText('POINT EMPTY', 4326) END FROM (SELECT ST_CollectionExtract(${g}, 1) AS e) x)`,
};

/** The transformed geometry, made valid when the source one was not (`_imp_valid`). */
export const REPAIRED = `(CASE WHEN _imp_valid THEN _imp_g ELSE ST_MakeValid(_imp_g) END)`;

export class LoadJob {
  readonly t0 = performance.now();
  readonly table: string;
  /** Staging table: the COPY's rows (mapped columns, source WKB, reprojected geometry). */
  readonly stage: string;
  /** Transformed rows: validity flagged. */
  readonly prep: string;
  /** The rows as they will be served (repaired, forced to the target type, rejected ones left out). */
  readonly ready: string;
  /** The 12 hex digits that end the names of the work tables (and name the lock held while they live). */
  readonly tag: string;
  /** Whether `ready` was built (before the swap transaction, so that the swap itself is short). */
  readyBuilt = false;
  /** Inputs in the order their rows were staged (`_imp_src` is the index here). */
  readonly runs: SourceRun[] = [];
  read = 0;
  /** Merges an afterLoad reported (record.ts), said in the summary with what each row became. */
  readonly merges: { file: string; into: string; rows: number; how: string }[] = [];
  readonly timings: Record<string, number> = {};
  #mark = this.t0;
  #lastProgress = 0;

  constructor(
    readonly target: ImportTarget,
    readonly inputs: LoadInput[],
    readonly o: LoadOptions,
  ) {
    this.table = ident(target.table);
    ident(target.geometry.column);
    for (const c of target.columns) ident(c.name);
    const tag = randomBytes(6).toString('hex');
    this.tag = tag;
    this.stage = `terroir_stage_${tag}`;
    this.prep = `terroir_prep_${tag}`;
    this.ready = `terroir_ready_${tag}`;
  }

  /** Seconds since the previous mark, added to `step` (a step may be marked several times). */
  mark(step: string): void {
    const now = performance.now();
    this.timings[step] = Math.round((this.timings[step] ?? 0) * 1000 + (now - this.#mark)) / 1000;
    this.#mark = now;
  }

  progress(phase: ImportProgress['phase'], force = false): void {
    if (!this.o.onProgress) return;
    const now = performance.now();
    if (!force && now - this.#lastProgress < PROGRESS_EVERY_MS) return;
    this.#lastProgress = now;
    const cur = this.runs[this.runs.length - 1];
    this.o.onProgress({
      phase,
      file: cur?.input.label ?? this.inputs[0].label,
      fileIndex: Math.max(0, this.runs.length - 1),
      fileCount: this.inputs.length,
      features: this.read,
      expected: cur?.opened?.expected(),
      fileFeatures: cur?.features ?? 0,
      bytes: this.inputs.reduce((n, i) => n + i.bytesRead(), 0),
      bytesTotal: this.inputs.reduce((n, i) => n + i.bytesTotal, 0),
      elapsedMs: now - this.t0,
    });
  }

  /** The mapped columns, comma-separated with a trailing comma (empty when the target has none). */
  get columnList(): string {
    const cols = this.target.columns;
    return cols.length ? `${cols.map((c) => ident(c.name)).join(', ')}, ` : '';
  }

  /** The dataset ids of opened sources, each once and sorted (the order locks are taken in). */
  datasetIdsOf(runs: readonly SourceRun[]): string[] {
    return [...new Set(runs.map((r) => r.datasetId))].sort();
  }

  /** The dataset ids in staging order, and each once. */
  datasetIds(): { bySource: string[]; unique: string[] } {
    const bySource = this.runs.map((r) => r.datasetId);
    return { bySource, unique: [...new Set(bySource)] };
  }
}
