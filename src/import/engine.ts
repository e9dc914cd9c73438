/**
 * The import engine: streams SourceFeatures from any reader (or a generator), maps them through an
 * ImportTarget, and swaps them into the target table in ONE transaction.
 *
 *   1. COPY (binary) every feature into an UNLOGGED staging table created inside the transaction:
 *      mapped column values (checked against their declared types in JS, so that a bad value is
 *      reported with its file and feature number) + the geometry as 2D WKB + source and feature number.
 *   2. ST_SetSRID(source CRS) → ST_Transform(4326) as a generated column of the staging table (run
 *      by the COPY), then CREATE TABLE … AS with ST_IsValid; invalid
 *      geometries repaired with ST_MakeValid and flagged, then forced to the target type
 *      (ST_CollectionExtract + ST_Multi). One pass over the rows; PostgreSQL may run it in parallel.
 *   3. Count repaired / rejected (no geometry, nothing of the target type left, outside WGS84
 *      bounds); --strict turns any of them into a failure.
 *   4. DELETE the target's rows of the dataset ids, INSERT … SELECT the new ones, afterLoad, and
 *      upsert the terroir_dataset row(s).
 *
 * Anything that throws rolls the whole transaction back: the tables created in it vanish and the
 * rows served before the import are untouched. Re-importing a file replaces its dataset's rows with
 * the same rows and updates the same dataset row: imports are idempotent.
 */
import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';
import { basename } from 'node:path';
import type { Database, Queryable } from '../db/database.ts';
import { ident } from '../db/sql.ts';
import { ImportError, SourceError } from './readers/errors.ts';
import { geojsonToWkb, GeometryError } from './wkb.ts';
import { shapefileWkb } from './readers/shapefile.ts';
import { gpkgFeatureWkb } from './readers/gpkg.ts';
import type { CopyType } from '../db/copy-binary.ts';
import { checksumFiles, resolveSources, type ImportSource, type OpenedSource } from './sources.ts';
import type { SourceFeature } from './readers/feature.ts';
import type { ColumnType, ImportContext, ImportTarget, TargetColumn, TargetGeometryType } from './target.ts';

export interface ImportProgress {
  phase: 'read' | 'transform' | 'swap' | 'done';
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
  onProgress?: (p: ImportProgress) => void;
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
  /** The first issues of each kind, with their reason. */
  repairs: FeatureIssue[];
  rejections: FeatureIssue[];
  /** Rows of the same dataset ids replaced. */
  replaced: number;
  seconds: number;
  /** Seconds per step: read (+COPY), transform, checks, delete, insert, indexes, dataset, commit[, analyze]. */
  timings: Record<string, number>;
}

/** Issues listed by name in the summary (the counts are complete). */
const ISSUES_LISTED = 20;
const PROGRESS_EVERY_MS = 100;

/** One stream of features with the context its values are computed in. */
interface LoadInput {
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

const FORCE: Record<TargetGeometryType, (g: string) => string> = {
  MultiPolygon: (g) => `ST_Multi(ST_CollectionExtract(${g}, 3))`,
  MultiLineString: (g) => `ST_Multi(ST_CollectionExtract(${g}, 2))`,
  MultiPoint: (g) => `ST_Multi(ST_CollectionExtract(${g}, 1))`,
  // A Point layer takes a point, or a multipoint of one point; more points than one is a rejection.
  Point: (g) => `(SELECT CASE WHEN ST_NumGeometries(e) = 1 THEN ST_GeometryN(e, 1) ELSE ST_GeomFromText('POINT EMPTY', 4326) END FROM (SELECT ST_CollectionExtract(${g}, 1) AS e) x)`,
};

const PART: Record<TargetGeometryType, string> = {
  MultiPolygon: 'polygon',
  MultiLineString: 'line',
  MultiPoint: 'point',
  Point: 'single point',
};

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A column value checked against its declared type, as the binary COPY encoder (src/db/copy-binary.ts) takes it. */
function checkValue(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'text':
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
      if (typeof v !== 'string') throw new Error(`expected text, got ${typeof v}`);
      if (v.includes('\0')) throw new Error('contains a NUL character');
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647)
        throw new Error(`expected a 32-bit integer, got ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`);
      return v;
    case 'bigint':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{1,19}$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n) return v;
      throw new Error(`expected a 64-bit integer, got ${JSON.stringify(v)}`);
    case 'double precision':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`expected a finite number, got ${JSON.stringify(v)}`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new Error(`expected a boolean, got ${JSON.stringify(v)}`);
      return v;
    case 'date': {
      if (v instanceof Date) {
        if (Number.isNaN(v.getTime())) throw new Error('invalid date');
        return v.toISOString().slice(0, 10);
      }
      if (typeof v === 'string' && isoDate.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString().startsWith(v)) return v;
      throw new Error(`expected a date (Date or YYYY-MM-DD), got ${JSON.stringify(v)}`);
    }
    case 'jsonb': {
      const s = JSON.stringify(v);
      if (s === undefined) throw new Error('not JSON-serialisable');
      if (s.includes('\\u0000')) throw new Error('contains a NUL character');
      return s;
    }
  }
}

function datasetIdOf(target: ImportTarget, ctx: ImportContext, label: string): string {
  let id: string;
  try {
    id = target.datasetId(ctx);
  } catch (e) {
    throw new ImportError((e as Error).message, label);
  }
  if (typeof id !== 'string' || !id) throw new ImportError(`the ${target.layer} target gave no dataset id`, label);
  return id;
}

/**
 * Imports files (shapefiles loose or zipped, GeoJSON plain/.gz/sequences, directories) into a target.
 * Rejects with an ImportError naming the file, the feature and the reason; the target's previous
 * rows are then untouched.
 */
export async function importFiles(db: Database, target: ImportTarget, files: string[], opts: ImportOptions = {}): Promise<ImportSummary> {
  if (target.requiresCampagne && opts.campagne === undefined) throw new ImportError(`${target.layer} needs --annee (the campaign year)`);
  if (opts.encoding !== undefined && !iconv.encodingExists(opts.encoding)) throw new ImportError(`unknown encoding "${opts.encoding}"`);
  const { sources, close } = await resolveSources(files, { entry: opts.entry, match: target.match });
  try {
    const allFiles = [...new Set(sources.flatMap((s) => s.files))];
    const inputs: LoadInput[] = sources.map((s: ImportSource) => ({
      label: s.label,
      display: displayName(s.label, s.files),
      format: s.format,
      files: s.files,
      bytesTotal: s.main.size,
      bytesRead: () => s.main.bytesRead,
      open: async (q) => {
        try {
          return await s.open(q, { encoding: opts.encoding });
        } catch (e) {
          throw e instanceof ImportError ? e : new ImportError((e as Error).message, s.label);
        }
      },
    }));
    return await load(db, target, inputs, {
      campagne: opts.campagne,
      srid: opts.srid,
      options: opts.options ?? {},
      strict: !!opts.strict,
      producer: opts.producer,
      licence: opts.licence,
      vintage: opts.vintage,
      synthetic: !!opts.synthetic,
      onProgress: opts.onProgress,
      checksum: async (labels) => {
        const own = [...new Set(sources.filter((s) => labels.has(s.label)).flatMap((s) => s.files))];
        return checksumFiles(own.length ? own : allFiles);
      },
      details: { encoding_option: opts.encoding, entry: opts.entry },
    });
  } finally {
    close();
  }
}

/** `dir/sub/a.shp` → `a.shp`; `dir/x.zip/inner/a.shp` → `x.zip/inner/a.shp`. */
function displayName(label: string, files: string[]): string {
  const archive = files.length === 1 && label.startsWith(`${files[0]}/`) ? files[0] : undefined;
  return archive ? `${basename(archive)}/${label.slice(archive.length + 1)}` : basename(label);
}

/**
 * Imports features from any iterable (the demo generator, a converter) through the same path as
 * files: same mapping, checks, repair, transaction and dataset row. `ctx.srid` is the CRS of the
 * geometries; `meta.synthetic` flags generated data.
 */
export async function importFeatures(
  db: Database,
  target: ImportTarget,
  features: AsyncIterable<SourceFeature> | Iterable<SourceFeature>,
  ctx: ImportContext,
  meta: DatasetMeta = {},
): Promise<ImportSummary> {
  if (target.requiresCampagne && ctx.campagne === undefined) throw new ImportError(`${target.layer} needs a campaign year (ctx.campagne)`);
  let count = 0;
  const input: LoadInput = {
    label: ctx.file,
    display: meta.source ?? ctx.file,
    format: 'features',
    files: [],
    bytesTotal: 0,
    bytesRead: () => 0,
    open: async () => ({
      features: (async function* () {
        for await (const f of features as AsyncIterable<SourceFeature>) {
          count++;
          yield f;
        }
      })(),
      srid: () => ctx.srid,
      crsNote: () => 'given by the caller',
      expected: () => undefined,
      encoding: () => undefined,
    }),
  };
  return load(db, target, [input], {
    campagne: ctx.campagne,
    srid: ctx.srid,
    options: ctx.options,
    strict: !!meta.strict,
    producer: meta.producer,
    licence: meta.licence,
    vintage: meta.vintage,
    synthetic: !!meta.synthetic,
    onProgress: meta.onProgress,
    checksum: async () => ({ checksum: meta.checksum ?? null, perFile: [] }),
    details: meta.details ?? {},
  });
}

interface LoadOptions {
  campagne?: number;
  srid?: number;
  options: Record<string, string>;
  strict: boolean;
  producer?: string;
  licence?: string;
  vintage?: string;
  synthetic: boolean;
  onProgress?: (p: ImportProgress) => void;
  checksum: (labels: Set<string>) => Promise<{ checksum: string | null; perFile: unknown[] }>;
  details: Record<string, unknown>;
}

interface SourceRun {
  input: LoadInput;
  ctx: ImportContext;
  datasetId: string;
  opened?: OpenedSource;
  features: number;
  srid?: number;
}

async function load(db: Database, target: ImportTarget, inputs: LoadInput[], o: LoadOptions): Promise<ImportSummary> {
  const t0 = performance.now();
  const table = ident(target.table);
  const geomCol = ident(target.geometry.column);
  const cols = target.columns;
  for (const c of cols) ident(c.name);
  if (o.srid !== undefined) await assertSrid(db, o.srid, '--srid');
  const tag = randomBytes(6).toString('hex');
  const stage = `terroir_stage_${tag}`;
  const runs: SourceRun[] = [];
  let read = 0;
  let lastProgress = 0;
  const timings: Record<string, number> = {};
  let tMark = t0;
  const mark = (step: string) => {
    const now = performance.now();
    timings[step] = Math.round((timings[step] ?? 0) * 1000 + (now - tMark)) / 1000;
    tMark = now;
  };
  const bytesTotal = inputs.reduce((n, i) => n + i.bytesTotal, 0);
  const progress = (phase: ImportProgress['phase'], force = false) => {
    if (!o.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const cur = runs[runs.length - 1];
    o.onProgress({
      phase,
      file: cur?.input.label ?? inputs[0].label,
      fileIndex: Math.max(0, runs.length - 1),
      fileCount: inputs.length,
      features: read,
      expected: cur?.opened?.expected(),
      fileFeatures: cur?.features ?? 0,
      bytes: inputs.reduce((n, i) => n + i.bytesRead(), 0),
      bytesTotal,
      elapsedMs: now - t0,
    });
  };

  /**
   * Every source is opened (its CRS found, its dataset id named) before the COPY starts: a CRS look-up
   * in spatial_ref_sys cannot run on a connection that is streaming a COPY.
   */
  async function openAll(tx: Queryable): Promise<SourceRun[]> {
    const out: SourceRun[] = [];
    for (const input of inputs) {
      const opened = await input.open(tx);
      const srid = o.srid ?? opened.srid();
      if (srid === undefined && input.format === 'shapefile')
        throw new ImportError(`unknown CRS (${opened.crsNote()}): pass --srid (e.g. --srid 2154 for Lambert-93)`, input.label);
      const ctx: ImportContext = { file: input.label, srid: srid ?? 4326, campagne: o.campagne, options: o.options };
      out.push({ input, ctx, datasetId: datasetIdOf(target, ctx, input.label), opened, features: 0 });
    }
    return out;
  }

  async function* rows(prepared: SourceRun[]): AsyncGenerator<unknown[]> {
    for (let s = 0; s < prepared.length; s++) {
      const run = prepared[s];
      const { input, ctx } = run;
      const opened = run.opened!;
      runs.push(run);
      progress('read', true);
      let feature = 0;
      try {
        for await (const f of opened.features) {
          feature = f.index;
          const row: unknown[] = new Array(cols.length + 4);
          row[0] = s;
          row[1] = f.index;
          row[2] = ctx.srid;
          try {
            let pre = shapefileWkb(f);
            if (pre === undefined) pre = gpkgFeatureWkb(f);
            row[3] = pre !== undefined ? pre : f.geometry ? geojsonToWkb(f.geometry) : null;
          } catch (e) {
            if (e instanceof GeometryError) throw new ImportError(`bad geometry: ${e.message}`, input.label, f.index);
            throw e;
          }
          for (let k = 0; k < cols.length; k++) {
            const c: TargetColumn = cols[k];
            try {
              row[k + 4] = checkValue(c.type, c.value(f, ctx));
            } catch (e) {
              throw new ImportError(`${c.name}: ${(e as Error).message}`, input.label, f.index);
            }
          }
          run.features++;
          read++;
          if ((read & 255) === 0) progress('read');
          yield row;
        }
      } catch (e) {
        if (e instanceof ImportError) throw e;
        if (e instanceof SourceError) throw new ImportError(e.reason, input.label, e.feature);
        throw new ImportError((e as Error).message, input.label, feature ? feature + 1 : undefined);
      }
      run.srid = o.srid ?? opened.srid();
      if (run.srid === undefined) throw new ImportError(`unrecognised CRS (${opened.crsNote()}): pass --srid`, input.label);
    }
  }

  const result = await db.transaction(async (tx) => {
    // A national file takes minutes: the service's per-statement timeout does not apply here. The
    // notices ST_IsValid emits for each invalid geometry are counted, not printed.
    await tx.query(`SET LOCAL statement_timeout = 0`);
    await tx.query(`SET LOCAL client_min_messages = warning`);
    if (db.backend === 'postgres') {
      // JIT compilation of these one-off statements costs more than it saves; index builds get room.
      await tx.query(`SET LOCAL jit = off`);
      await tx.query(`SET LOCAL maintenance_work_mem = '256MB'`);
    }
    // The staging table takes the COPY as is: PostgreSQL ingests it while this process reads and maps
    // the next features. Geometries are stored uncompressed (EXTERNAL): they are read once, and
    // compressing large polygons would cost more CPU than the space is worth.
    // Binary COPY: the geometry goes as its WKB bytes (half the bytes of hex, nothing to escape);
    // measured on the 112,800-parcel reference file, the read step went from 1.27 s to 0.61 s.
    const stageCols = ['_imp_src', '_imp_idx', '_imp_srid', '_imp_geom', ...cols.map((c) => c.name)];
    const stageTypes: CopyType[] = ['integer', 'integer', 'integer', 'geometry', ...cols.map((c) => c.type)];
    // The reprojection is a generated column: the COPY backend runs PROJ while this process reads and
    // encodes the next rows (on the reference file, 0.1 s less than doing it in the parallel CREATE
    // TABLE AS below; validity, GEOS's share, stays there).
    await tx.exec(
      `CREATE UNLOGGED TABLE ${stage} (_imp_src integer NOT NULL, _imp_idx integer NOT NULL, _imp_srid integer NOT NULL, _imp_geom geometry` +
        cols.map((c) => `, ${ident(c.name)} ${c.type}`).join('') +
        `, _imp_g geometry GENERATED ALWAYS AS (ST_Transform(ST_SetSRID(ST_Force2D(_imp_geom), _imp_srid), 4326)) STORED` +
        `); ALTER TABLE ${stage} ALTER COLUMN _imp_geom SET STORAGE EXTERNAL; ALTER TABLE ${stage} ALTER COLUMN _imp_g SET STORAGE EXTERNAL`,
    );
    await tx.query('SAVEPOINT terroir_copy');
    try {
      await tx.copyRows(stage, stageCols, rows(await openAll(tx)), stageTypes);
    } catch (e) {
      if (e instanceof ImportError) throw e;
      await tx.query('ROLLBACK TO SAVEPOINT terroir_copy');
      throw await diagnoseCopy(tx, e as Error, runs, inputs, o.srid);
    }
    await tx.query('RELEASE SAVEPOINT terroir_copy');
    mark('read');
    progress('transform', true);
    // Hashing the files (CPU in this process) overlaps with PostgreSQL's work from here on.
    const sumsBy = new Map<string, Promise<{ checksum: string | null; perFile: unknown[] }>>();
    for (const id of new Set(runs.map((r) => r.datasetId))) {
      const p = o.checksum(new Set(runs.filter((r) => r.datasetId === id).map((r) => r.input.label)));
      p.catch(() => {});
      sumsBy.set(id, p);
    }

    const srids = runs.map((r) => r.srid!);
    for (const s of new Set(srids)) if (s !== o.srid) await assertSrid(tx, s, runs.find((r) => r.srid === s)!.input.label);
    // A GeoJSON whose `crs` member came after its features: its rows are reprojected again.
    // The UPDATE recomputes the generated reprojection, which may fail (PROJ) like the COPY could.
    for (let k = 0; k < runs.length; k++) {
      if (runs[k].srid === runs[k].ctx.srid) continue;
      await tx.query('SAVEPOINT terroir_srid');
      try {
        await tx.query(`UPDATE ${stage} SET _imp_srid = $1 WHERE _imp_src = $2`, [runs[k].srid, k]);
      } catch (e) {
        await tx.query('ROLLBACK TO SAVEPOINT terroir_srid');
        throw await diagnose(tx, stage, runs, e as Error, srids);
      }
      await tx.query('RELEASE SAVEPOINT terroir_srid');
    }

    // Validity (of the source geometry, in its own CRS, as published) in a CREATE TABLE AS, which
    // PostgreSQL runs with parallel workers: GEOS is the most expensive step of the load left once
    // the COPY has reprojected.
    const prep = `terroir_prep_${tag}`;
    const colSel = cols.length ? `${cols.map((c) => ident(c.name)).join(', ')}, ` : '';
    await tx.query('SAVEPOINT terroir_prep');
    try {
      await tx.query(
        `CREATE UNLOGGED TABLE ${prep} AS SELECT _imp_src, _imp_idx, ${colSel}ST_IsValid(_imp_geom) AS _imp_valid, _imp_g FROM ${stage}`,
      );
    } catch (e) {
      await tx.query('ROLLBACK TO SAVEPOINT terroir_prep');
      throw await diagnose(tx, stage, runs, e as Error);
    }
    await tx.query('RELEASE SAVEPOINT terroir_prep');
    mark('transform');

    const force = FORCE[target.geometry.type];
    const fixed = `(CASE WHEN _imp_valid THEN _imp_g ELSE ST_MakeValid(_imp_g) END)`;
    const outOfBounds = `ST_XMin(_imp_g) < -180 OR ST_XMax(_imp_g) > 180 OR ST_YMin(_imp_g) < -90 OR ST_YMax(_imp_g) > 90`;
    // One scan returns what is not plainly loadable: repaired geometries and rejected features.
    let flagged: { s: number; i: number; valid: boolean; code: number }[];
    await tx.query('SAVEPOINT terroir_checks');
    try {
      flagged = await tx.query(
        `SELECT _imp_src AS s, _imp_idx AS i, _imp_valid AS valid,
                CASE WHEN _imp_g IS NULL THEN 1 WHEN ST_IsEmpty(${force(fixed)}) THEN 2 WHEN ${outOfBounds} THEN 3 ELSE 0 END AS code
         FROM ${prep}
         WHERE _imp_g IS NULL OR NOT _imp_valid OR ${outOfBounds} OR ST_IsEmpty(${force('_imp_g')})`,
      );
    } catch (e) {
      await tx.query('ROLLBACK TO SAVEPOINT terroir_checks');
      throw await diagnose(tx, stage, runs, e as Error);
    }
    await tx.query('RELEASE SAVEPOINT terroir_checks');
    flagged.sort((a, b) => a.s - b.s || a.i - b.i);
    const badRows = flagged.filter((r) => r.code > 0);
    const repairedLoaded = flagged.filter((r) => r.code === 0 && r.valid === false);
    const reasons = new Map<string, string>();
    if (repairedLoaded.length) {
      const first = repairedLoaded.slice(0, ISSUES_LISTED);
      for (const r of await tx.query<{ s: number; i: number; reason: string }>(
        `SELECT _imp_src AS s, _imp_idx AS i, ST_IsValidReason(_imp_geom) AS reason FROM ${stage} p
         JOIN unnest($1::int[], $2::int[]) AS x(s, i) ON p._imp_src = x.s AND p._imp_idx = x.i`,
        [first.map((r) => r.s), first.map((r) => r.i)],
      ))
        reasons.set(`${r.s}:${r.i}`, r.reason);
    }
    await tx.query(`DROP TABLE ${stage}`);
    const counts = { repaired: repairedLoaded.length, rejected: badRows.length };
    mark('checks');
    const REASON: Record<number, (repaired: boolean) => string> = {
      1: () => 'no geometry',
      2: (r) => `no ${PART[target.geometry.type]} in its geometry${r ? ' once made valid' : ''}`,
      3: () => 'outside WGS84 bounds once reprojected (wrong source CRS?)',
    };
    const issue = (s: number, i: number, reason: string): FeatureIssue => ({ file: runs[s].input.label, feature: i, reason });
    const rejections = badRows.slice(0, ISSUES_LISTED).map((r) => issue(r.s, r.i, REASON[r.code](r.valid === false)));
    const repairs = repairedLoaded
      .slice(0, ISSUES_LISTED)
      .map((r) => issue(r.s, r.i, `invalid geometry made valid (${reasons.get(`${r.s}:${r.i}`) ?? 'invalid'}, in the source CRS)`));
    if (o.strict && (counts.repaired || counts.rejected)) {
      const first = [...repairs, ...rejections].sort((a, b) => runs.findIndex((r) => r.input.label === a.file) - runs.findIndex((r) => r.input.label === b.file) || a.feature - b.feature)[0];
      throw new ImportError(
        `${first.reason} (--strict: ${counts.repaired} geometr${counts.repaired === 1 ? 'y' : 'ies'} to repair, ${counts.rejected} feature${counts.rejected === 1 ? '' : 's'} to reject)`,
        first.file,
        first.feature,
      );
    }

    progress('swap', true);
    const dsIds = runs.map((r) => r.datasetId);
    const uniqueIds = [...new Set(dsIds)];
    const rebuild = await dropIndexesIfEmpty(tx, table);
    const replacedRows = await tx.query<{ dataset_id: string; n: number }>(
      `WITH d AS (DELETE FROM ${table} WHERE dataset_id = ANY($1::text[]) RETURNING dataset_id) SELECT dataset_id, count(*)::int AS n FROM d GROUP BY dataset_id`,
      [uniqueIds],
    );
    mark('delete');
    await tx.query(
      `INSERT INTO ${table} (dataset_id, ${colSel}${geomCol})
       SELECT ($1::text[])[_imp_src + 1], ${colSel}${force(fixed)} FROM ${prep} p` +
        (badRows.length ? ` WHERE NOT EXISTS (SELECT 1 FROM unnest($2::int[], $3::int[]) AS x(s, i) WHERE p._imp_src = x.s AND p._imp_idx = x.i)` : ''),
      badRows.length ? [dsIds, badRows.map((r) => r.s), badRows.map((r) => r.i)] : [dsIds],
    );
    mark('insert');
    await tx.query(`DROP TABLE ${prep}`);
    for (const def of rebuild) await tx.query(def);
    mark('indexes');
    const loadedBy = new Map<string, number>();
    runs.forEach((r, k) => loadedBy.set(r.datasetId, (loadedBy.get(r.datasetId) ?? 0) + r.features - badRows.filter((b) => b.s === k).length));
    const loaded = [...loadedBy.values()].reduce((a, b) => a + b, 0);

    const datasets: ImportSummary['datasets'] = [];
    const seconds = (performance.now() - t0) / 1000;
    for (const id of uniqueIds) {
      const mine = runs.filter((r) => r.datasetId === id);
      const first = mine[0];
      if (target.afterLoad) {
        try {
          await target.afterLoad(tx, id, first.ctx);
        } catch (e) {
          throw new ImportError(`afterLoad of ${target.layer} failed: ${(e as Error).message}`, first.input.label);
        }
      }
      const sums = await sumsBy.get(id)!;
      const srcs = new Set(mine.map((r) => runs.indexOf(r)));
      const srids = [...new Set(mine.map((r) => r.srid))];
      // afterLoad may merge or drop rows (AOC de-duplication): the sheet records what is served.
      const features = target.afterLoad
        ? (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(target.table)} WHERE dataset_id = $1`, [id]))[0].n
        : (loadedBy.get(id) ?? 0);
      const details = {
        ...o.details,
        files: sums.perFile,
        sources: mine.map((r) => ({
          file: r.input.display,
          format: r.input.format,
          srid: r.srid,
          crs: r.opened?.crsNote(),
          encoding: r.opened?.encoding(),
          features: r.features,
        })),
        read: mine.reduce((n, r) => n + r.features, 0),
        repaired: repairedLoaded.filter((r) => srcs.has(r.s)).length,
        rejected: badRows.filter((r) => srcs.has(r.s)).length,
        strict: o.strict,
        options: o.options,
        seconds: Math.round(seconds * 10) / 10,
      };
      await tx.query(
        `INSERT INTO terroir_dataset (id, layer, campagne, source, producer, licence, vintage, source_srid, feature_count, checksum, synthetic, imported_at, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12::jsonb)
         ON CONFLICT (id) DO UPDATE SET layer = EXCLUDED.layer, campagne = EXCLUDED.campagne, source = EXCLUDED.source,
           producer = EXCLUDED.producer, licence = EXCLUDED.licence, vintage = EXCLUDED.vintage, source_srid = EXCLUDED.source_srid,
           feature_count = EXCLUDED.feature_count, checksum = EXCLUDED.checksum, synthetic = EXCLUDED.synthetic,
           imported_at = EXCLUDED.imported_at, details = EXCLUDED.details`,
        [
          id,
          target.layer,
          first.ctx.campagne ?? null,
          mine.map((r) => r.input.display).join(', '),
          o.producer ?? target.producer,
          o.licence ?? target.licence,
          o.vintage ?? (first.ctx.campagne !== undefined ? String(first.ctx.campagne) : null),
          srids.length === 1 ? srids[0] : null,
          features,
          sums.checksum,
          o.synthetic,
          JSON.stringify(details),
        ],
      );
      datasets.push({ id, features, replaced: replacedRows.find((r) => r.dataset_id === id)?.n ?? 0, checksum: sums.checksum ?? undefined });
    }
    mark('dataset');
    return { datasets, loaded, counts, rejections, repairs };
  });

  mark('commit');
  // Fresh statistics, or the planner misjudges the new rows: measured on a 400k-parcel RPG table
  // never analyzed, a point query planned for 16 ms instead of 0.5. PostgreSQL's autovacuum comes
  // later and the embedded backend has none: ANALYZE now when the table was never analyzed or its
  // size moved by a tenth since the last ANALYZE (relpages is what that ANALYZE saw). The rule
  // spans imports and processes, so 299 per-commune imports do not each pay a full ANALYZE, yet
  // their sum is analyzed as it grows.
  // (A first load's index build sets relpages too, without column statistics: pg_stats tells.)
  const [size] = await db.query<{ analyzed: boolean; pages: number; now: number }>(
    `SELECT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS analyzed,
            c.relpages AS pages, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS now
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass`,
    [target.table],
  );
  const analyze = !size.analyzed || size.pages === 0 || Math.abs(size.now - size.pages) >= 0.1 * size.pages;
  if (analyze) {
    await db.query(`ANALYZE ${table}`);
    mark('analyze');
  }
  const summary: ImportSummary = {
    layer: target.layer,
    table: target.table,
    datasets: result.datasets,
    files: runs.map((r) => ({
      file: r.input.label,
      format: r.input.format,
      srid: r.srid!,
      crs: r.opened?.crsNote() ?? '',
      encoding: r.opened?.encoding(),
      features: r.features,
    })),
    read,
    loaded: result.loaded,
    repaired: result.counts.repaired,
    rejected: result.counts.rejected,
    repairs: result.repairs,
    rejections: result.rejections,
    replaced: result.datasets.reduce((n, d) => n + d.replaced, 0),
    seconds: (performance.now() - t0) / 1000,
    timings,
  };
  progress('done', true);
  return summary;
}

async function assertSrid(db: Queryable, srid: number, where: string): Promise<void> {
  if (!Number.isInteger(srid) || srid <= 0) throw new ImportError(`not an EPSG code: ${srid}`, where);
  const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM spatial_ref_sys WHERE srid = $1', [srid]);
  if (!r.n) throw new ImportError(`EPSG:${srid} is not a CRS PostGIS knows (spatial_ref_sys)`, where);
}

/**
 * After a statement over the staged rows failed (GEOS or PROJ raising on one geometry): find the
 * first feature at fault with a per-row exception handler, run only on this failure path.
 */
/** `srids`: each source's CRS when the staged `_imp_srid` is not (yet) the right one. */
async function diagnose(tx: Queryable, stage: string, runs: SourceRun[], err: Error, srids?: number[]): Promise<ImportError> {
  await tx.exec(`CREATE OR REPLACE FUNCTION pg_temp.terroir_geom_error(j geometry, srid integer) RETURNS text LANGUAGE plpgsql AS $f$
    DECLARE g geometry;
    BEGIN
      g := ST_Transform(ST_SetSRID(j, srid), 4326);
      IF g IS NOT NULL AND NOT ST_IsValid(j) THEN g := ST_MakeValid(g); END IF;
      PERFORM ST_IsEmpty(ST_CollectionExtract(g));
      RETURN NULL;
    EXCEPTION WHEN OTHERS THEN RETURN SQLERRM;
    END $f$`);
  const [row] = await tx.query<{ _imp_src: number; _imp_idx: number; e: string }>(
    `SELECT _imp_src, _imp_idx, e FROM (SELECT _imp_src, _imp_idx, pg_temp.terroir_geom_error(_imp_geom, ${srids ? '($1::int[])[_imp_src + 1]' : '_imp_srid'}) AS e FROM ${stage}) x
     WHERE e IS NOT NULL ORDER BY _imp_src, _imp_idx LIMIT 1`,
    srids ? [srids] : [],
  );
  if (!row) return new ImportError(`geometry processing failed: ${err.message}`);
  return new ImportError(`bad geometry: ${row.e}`, runs[row._imp_src].input.label, row._imp_idx);
}

/**
 * The COPY itself failed inside PostgreSQL: a geometry PROJ cannot reproject (the generated column
 * raised), or a value PostgreSQL refused. The stream position is not a feature number (the embedded
 * backend sends COPY in chunks), so the sources are read again into a plain staging table and the
 * culprit found row by row. Features given as an iterable cannot be read twice: their error is
 * reported as PostgreSQL gave it.
 */
async function diagnoseCopy(tx: Queryable, err: Error, runs: SourceRun[], inputs: LoadInput[], srid?: number): Promise<ImportError> {
  if (inputs.some((i) => i.format === 'features')) return new ImportError(`the database refused a row: ${err.message}`, runs[runs.length - 1]?.input.label);
  const stage = `terroir_diag_${randomBytes(6).toString('hex')}`;
  await tx.exec(`CREATE TEMP TABLE ${stage} (_imp_src integer, _imp_idx integer, _imp_srid integer, _imp_geom geometry)`);
  const reopened: OpenedSource[] = [];
  for (const input of inputs) reopened.push(await input.open(tx));
  async function* again() {
    for (let s = 0; s < inputs.length; s++) {
      const opened = reopened[s];
      const sr = srid ?? opened.srid() ?? 4326;
      for await (const f of opened.features) yield [s, f.index, sr, f.geometry ? geojsonToWkb(f.geometry) : null];
    }
  }
  try {
    await tx.copyRows(stage, ['_imp_src', '_imp_idx', '_imp_srid', '_imp_geom'], again(), ['integer', 'integer', 'integer', 'geometry']);
  } catch {
    return new ImportError(`the database refused a row: ${err.message}`, runs[runs.length - 1]?.input.label);
  }
  const found = await diagnose(tx, stage, runs.length ? runs : inputs.map((input) => ({ input }) as SourceRun), err);
  return found.feature === undefined ? new ImportError(`the database refused a row: ${err.message}`, runs[runs.length - 1]?.input.label) : found;
}

/**
 * A first load (the table holds no row at all): its secondary indexes are dropped and built again
 * after the INSERT, inside the transaction. A bulk build is several times faster than maintaining a
 * GiST and five B-trees row by row; the ACCESS EXCLUSIVE lock this takes only makes readers of an
 * empty table wait. A table that already serves rows keeps its indexes (readers never wait).
 * Indexes backing constraints are kept.
 */
async function dropIndexesIfEmpty(tx: Queryable, table: string): Promise<string[]> {
  const empty = async () => (await tx.query<{ e: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS e`))[0].e;
  if (!(await empty())) return [];
  await tx.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  if (!(await empty())) return [];
  const idx = await tx.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i WHERE i.indrelid = $1::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [table],
  );
  for (const i of idx) await tx.query(`DROP INDEX ${i.name}`);
  return idx.map((i) => i.def);
}
