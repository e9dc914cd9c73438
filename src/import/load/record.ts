/**
 * Step 5, record: per dataset id, the target's afterLoad (derived layers, de-duplication) runs on
 * the swapped rows, then the dataset's metadata sheet (RPG instruction §3.3: source, producer,
 * licence, vintage, CRS, feature count, checksum, synthetic flag, details) is upserted in
 * terroir_dataset, in the same transaction as the rows it describes. After the commit, statistics
 * are refreshed when the table moved enough (analyze()).
 */
import { basename } from 'node:path';
import type { Queryable } from '../../db/database.ts';
import { ImportError } from '../readers/errors.ts';
import type { ImportSummary } from '../target.ts';
import type { LoadJob, SourceRun } from './job.ts';
import type { Swapped } from './swap.ts';
import type { Validation } from './validate.ts';

export type Checksums = Map<string, Promise<{ checksum: string | null; perFile: unknown[] }>>;

/**
 * Hashing the files (CPU in this process) starts as soon as the rows are staged, so that it
 * overlaps with PostgreSQL's work on them; record() awaits each dataset's sum.
 */
export function startChecksums(job: LoadJob): Checksums {
  const sums: Checksums = new Map();
  for (const id of job.datasetIds().unique) {
    const p = job.o.checksum(new Set(job.runs.filter((r) => r.datasetId === id).map((r) => r.input.label)));
    p.catch(() => {});
    sums.set(id, p);
  }
  return sums;
}

async function afterLoad(tx: Queryable, job: LoadJob, id: string, first: SourceRun): Promise<void> {
  if (!job.target.afterLoad) return;
  try {
    const report = await job.target.afterLoad(tx, id, first.ctx);
    for (const m of report?.merges ?? []) job.merges.push({ file: first.input.label, ...m });
  } catch (e) {
    throw new ImportError(`afterLoad of ${job.target.layer} failed: ${(e as Error).message}`, first.input.label);
  }
}

export async function record(tx: Queryable, job: LoadJob, v: Validation, swapped: Swapped, sums: Checksums): Promise<ImportSummary['datasets']> {
  const { target, o } = job;
  const datasets: ImportSummary['datasets'] = [];
  const seconds = (performance.now() - job.t0) / 1000;
  for (const id of job.datasetIds().unique) {
    const mine = job.runs.filter((r) => r.datasetId === id);
    const first = mine[0];
    await afterLoad(tx, job, id, first);
    const sum = await sums.get(id)!;
    const srcs = new Set(mine.map((r) => job.runs.indexOf(r)));
    const srids = [...new Set(mine.map((r) => r.srid))];
    // afterLoad may merge or drop rows (AOC de-duplication): the sheet records what is served.
    const features = target.afterLoad
      ? (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${job.table} WHERE dataset_id = $1`, [id]))[0].n
      : (swapped.loaded.get(id) ?? 0);
    const details = {
      ...o.details,
      // File names only: the sheet is public, the server's directories are not.
      files: (sum.perFile as { file?: unknown }[]).map((f) => (typeof f.file === 'string' ? { ...f, file: basename(f.file) } : f)),
      sources: mine.map((r) => ({
        file: r.input.display,
        format: r.input.format,
        srid: r.srid,
        crs: r.opened?.crsNote(),
        encoding: r.opened?.encoding(),
        features: r.features,
      })),
      read: mine.reduce((n, r) => n + r.features, 0),
      repaired: v.repaired.filter((r) => srcs.has(r.s)).length,
      rejected: v.rejected.filter((r) => srcs.has(r.s)).length,
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
        sum.checksum,
        o.synthetic,
        JSON.stringify(details),
      ],
    );
    datasets.push({ id, features, replaced: swapped.replaced.get(id) ?? 0, checksum: sum.checksum ?? undefined });
  }
  // --replace-layer: the sheets of the layer's datasets that were not re-imported go with their rows (swap).
  if (o.replaceLayer) await tx.query('DELETE FROM terroir_dataset WHERE layer = $1 AND NOT (id = ANY($2::text[]))', [target.layer, datasets.map((d) => d.id)]);
  job.mark('dataset');
  return datasets;
}

/**
 * Fresh statistics, or the planner misjudges the new rows: measured on a 400k-parcel RPG table
 * never analyzed, a point query planned for 16 ms instead of 0.5. PostgreSQL's autovacuum comes
 * later and the embedded backend has none: ANALYZE now when the table was never analyzed or its
 * size moved by a tenth since the last ANALYZE (relpages is what that ANALYZE saw). The rule spans
 * imports and processes, so 299 per-commune imports do not each pay a full ANALYZE, yet their sum
 * is analyzed as it grows. (A first load's index build sets relpages too, without column
 * statistics: pg_stats tells.) Runs after the commit, outside the import's transaction.
 */
export async function analyze(db: Queryable, job: LoadJob): Promise<void> {
  const [size] = await db.query<{ analyzed: boolean; pages: number; now: number }>(
    `SELECT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS analyzed,
            c.relpages AS pages, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS now
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass`,
    [job.target.table],
  );
  if (!size.analyzed || size.pages === 0 || Math.abs(size.now - size.pages) >= 0.1 * size.pages) {
    await db.query(`ANALYZE ${job.table}`);
    job.mark('analyze');
  }
}
