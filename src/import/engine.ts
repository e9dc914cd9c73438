/**
 * The import engine: streams SourceFeatures from any reader (or a generator), maps them through an
 * ImportTarget, and swaps them into the target table in ONE transaction, in five named steps
 * (src/import/load/, each tested on its own):
 *
 *   1. stage      COPY (binary) every mapped feature into an UNLOGGED staging table, reprojected to
 *                 WGS84 by a generated column as it streams in;
 *   2. transform  validity of every geometry in one parallel CREATE TABLE … AS;
 *   3. validate   what must be repaired (ST_MakeValid) or rejected (no geometry, nothing of the
 *                 target's type, outside WGS84 bounds); --strict turns any of it into a failure;
 *   4. swap       DELETE the target's rows of the dataset ids, INSERT the new ones;
 *   5. record     afterLoad, and the terroir_dataset row of each dataset;
 *
 * then, after the commit, ANALYZE when the table moved enough. Anything that throws rolls the whole
 * transaction back: the tables created in it vanish and the rows served before the import are
 * untouched. Re-importing a file replaces its dataset's rows with the same rows and updates the same
 * dataset row: imports are idempotent.
 */
import iconv from 'iconv-lite';
import { basename } from 'node:path';
import type { Database, Session } from '../db/database.ts';
import { reclaimWorkTables, workLock } from '../db/work-tables.ts';
import type { SourceFeature } from './readers/feature.ts';
import { ImportError } from './readers/errors.ts';
import { checksumFiles, resolveSources, type ImportSource } from './sources.ts';
import type { DatasetMeta, ImportContext, ImportOptions, ImportSummary, ImportTarget } from './target.ts';
import { featuresInput, LoadJob, type LoadInput, type LoadOptions } from './load/job.ts';
import { assertSrid, stage } from './load/stage.ts';
import { transform } from './load/transform.ts';
import { validate } from './load/validate.ts';
import { dropWork, prepare, swap } from './load/swap.ts';
import { analyze, record, startChecksums } from './load/record.ts';

/** The engine's API types live with the contract (target.ts); importers of the engine find them here too. */
export type { DatasetMeta, FeatureIssue, ImportOptions, ImportProgress, ImportSummary } from './target.ts';

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
      replaceLayer: !!opts.replaceLayer,
      noWait: !!opts.noWait,
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

/**
 * What `terroir import <layer> <files…>` runs, and `terroir fetch --import` too: the target's own
 * loader when its source is not one table of rows (a CNIG folder, contours), else importFiles.
 */
export async function importWith(db: Database, target: ImportTarget, files: string[], opts: ImportOptions = {}): Promise<ImportSummary[]> {
  return target.importSource ? target.importSource(db, files, opts) : [await importFiles(db, target, files, opts)];
}

/** `dir/sub/a.shp` → `a.shp`; `dir/x.zip/inner/a.shp` → `x.zip/inner/a.shp`. */
function displayName(label: string, files: string[]): string {
  const archive = files.length === 1 && label.startsWith(`${files[0]}/`) ? files[0] : undefined;
  return archive ? `${basename(archive)}/${label.slice(archive.length + 1)}` : basename(label);
}

/**
 * The dataset sheet of a file a module's own reader turned into features (a table of communes, an
 * OpenDataSoft export): the command line's options, the file's name (never the server path) and checksum.
 */
export function fileDatasetMeta(file: string, opts: ImportOptions, checksum: string, details: Record<string, unknown>): DatasetMeta {
  const { producer, licence, vintage, synthetic, strict, noWait, onProgress } = opts;
  return { source: basename(file), producer, licence, vintage, synthetic, strict, noWait, onProgress, checksum, details };
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
  const input = featuresInput(features, ctx.file, meta.source ?? ctx.file, ctx.srid);
  return load(db, target, [input], {
    campagne: ctx.campagne,
    srid: ctx.srid,
    options: ctx.options,
    strict: !!meta.strict,
    producer: meta.producer,
    licence: meta.licence,
    vintage: meta.vintage,
    synthetic: !!meta.synthetic,
    noWait: !!meta.noWait,
    onProgress: meta.onProgress,
    checksum: async () => ({ checksum: meta.checksum ?? null, perFile: [] }),
    details: meta.details ?? {},
  });
}

/**
 * Runs the steps on one session: staging, transform, validation and the prepared rows outside any
 * transaction (readers never wait behind them; the work tables are the import's own), then the swap
 * and the dataset sheet in one short transaction. The datasets are locked before the first row is
 * staged, so two imports of one dataset run one after the other (the second waits, or fails at
 * once with `noWait`); the work tables of a failed import are dropped.
 */
async function load(db: Database, target: ImportTarget, inputs: LoadInput[], o: LoadOptions): Promise<ImportSummary> {
  if (o.srid !== undefined) await assertSrid(db, o.srid, '--srid');
  const job = new LoadJob(target, inputs, o);
  const result = await db.session(async (s) => {
    // A national file takes minutes: the service's per-statement timeout does not apply here. The
    // notices ST_IsValid emits for each invalid geometry are counted, not printed.
    if (db.backend === 'postgres') {
      await s.query(`SET statement_timeout = 0`);
      // JIT compilation of these one-off statements costs more than it saves; index builds get room.
      await s.query(`SET jit = off`);
      await s.query(`SET maintenance_work_mem = '256MB'`);
    }
    await s.query(`SET client_min_messages = warning`);
    // This import's work tables are known as live by its lock; those of imports killed half-way
    // (their lock free) are dropped now, on both backends (src/db/work-tables.ts).
    await s.lock(workLock(job.tag), true);
    await reclaimWorkTables(s, job.tag);
    try {
      await stage(s, job, (ids) => lockDatasets(s, job, ids));
      const sums = startChecksums(job);
      await transform(s, job);
      const validation = await validate(s, job);
      await prepare(s, job, validation);
      const done = await s.transaction(async (tx) => {
        const swapped = await swap(tx, job, validation);
        const datasets = await record(tx, job, validation, swapped, sums);
        return { validation, swapped, datasets };
      });
      job.mark('commit');
      // On the session: the import's settings (no statement timeout) apply to ANALYZE of a large table too.
      await analyze(s, job);
      return done;
    } catch (e) {
      throw asImportError(e);
    } finally {
      await dropWork(s, job);
      if (db.backend === 'pglite') await s.query('RESET client_min_messages').catch(() => {});
    }
  });
  const { validation: v, swapped, datasets } = result;
  // An afterLoad that merges rows (AOC: a zone's duplicate copies, pieces of one zone) is said, not
  // silent: read = loaded + merged + rejected, and loaded is what the datasets serve.
  const inserted = [...swapped.loaded.values()].reduce((a, b) => a + b, 0);
  const kept = datasets.reduce((n, d) => n + d.features, 0);
  const merged = target.afterLoad && kept < inserted ? inserted - kept : 0;
  const summary: ImportSummary = {
    layer: target.layer,
    table: target.table,
    datasets,
    files: job.runs.map((r) => ({
      file: r.input.label,
      format: r.input.format,
      srid: r.srid!,
      crs: r.opened?.crsNote() ?? '',
      encoding: r.opened?.encoding(),
      features: r.features,
    })),
    read: job.read,
    loaded: inserted - merged,
    ...(merged ? { merged, merges: mergesOf(job, target.layer, merged) } : {}),
    repaired: v.repaired.length,
    rejected: v.rejected.length,
    repairs: v.repairs,
    rejections: v.rejections,
    replaced: datasets.reduce((n, d) => n + d.replaced, 0),
    seconds: (performance.now() - job.t0) / 1000,
    timings: job.timings,
  };
  job.progress('done', true);
  return summary;
}

/**
 * Takes each dataset's import lock, in sorted order (two imports of overlapping datasets cannot
 * deadlock). Held by another import: fails with a clear message under `noWait`, else says so on
 * the progress line and waits.
 */
/**
 * The merges of an afterLoad, each saying into what (AOC: `1-76-49222: 2 rows as one (identical
 * copies)`); an afterLoad that merges without saying how is still counted, with the layer named.
 */
function mergesOf(job: LoadJob, layer: string, merged: number): ImportSummary['merges'] {
  if (!job.merges.length) return [{ file: job.runs[0]?.input.label ?? '', feature: 0, reason: `${merged} feature(s) merged by ${layer}'s afterLoad into rows of the same key` }];
  return job.merges.map((m) => ({ file: m.file, feature: 0, reason: `${m.rows} rows of ${m.into} merged into one (${m.how})` }));
}

async function lockDatasets(s: Session, job: LoadJob, ids: string[]): Promise<void> {
  for (const id of ids) {
    if (await s.lock(`import:${id}`, false)) continue;
    if (job.o.noWait) {
      throw new ImportError(`dataset ${id} is being imported by another process; try again when it is done (or without --no-wait to wait for it)`);
    }
    job.progress('wait', true);
    await s.lock(`import:${id}`, true);
  }
}

/** A unique key refusing a row (an import racing one that bypassed the lock) said plainly. */
function asImportError(e: unknown): unknown {
  const err = e as Error & { code?: string; constraint?: string; table?: string };
  if (err?.code === '23505') return new ImportError(`the import would store a feature twice in its dataset (unique key ${err.constraint ?? ''}); nothing was changed`);
  return e;
}
