/**
 * Step 4, swap. The rows are first built aside, outside any transaction (`prepare`: repaired,
 * forced to the target's geometry type, rejected rows left out, each with its dataset id), so that
 * the swap itself is short: in one transaction, the target's rows of the import's dataset ids are
 * deleted and the prepared ones inserted. Readers see the old rows or the new ones, never a mix,
 * and never wait: the transaction takes no lock beyond the rows it writes (no index is dropped, no
 * table locked; PostgreSQL's MVCC serves the old rows until the commit), and on the embedded
 * backend, whose one connection the transaction holds, it lasts only the DELETE and the INSERT.
 */
import type { Queryable } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { FORCE, REPAIRED, type LoadJob } from './job.ts';
import type { Validation } from './validate.ts';

export interface Swapped {
  /** Rows of each dataset id deleted (the previous import of that dataset). */
  replaced: Map<string, number>;
  /** Rows of each dataset id inserted. */
  loaded: Map<string, number>;
}

/** The rows as they will be served, in `job.ready` (an UNLOGGED work table, dropped by the swap). */
export async function prepare(q: Queryable, job: LoadJob, v: Validation): Promise<void> {
  job.progress('swap', true);
  const { bySource } = job.datasetIds();
  const cols = job.columnList;
  const geom = ident(job.target.geometry.column);
  const bad = v.rejected;
  await q.query(
    `CREATE UNLOGGED TABLE ${job.ready} AS
     SELECT ($1::text[])[_imp_src + 1] AS dataset_id, ${cols}${FORCE[job.target.geometry.type](REPAIRED)} AS ${geom} FROM ${job.prep} p` +
      (bad.length ? ` WHERE NOT EXISTS (SELECT 1 FROM unnest($2::int[], $3::int[]) AS x(s, i) WHERE p._imp_src = x.s AND p._imp_idx = x.i)` : ''),
    bad.length ? [bySource, bad.map((r) => r.s), bad.map((r) => r.i)] : [bySource],
  );
  await q.query(`DROP TABLE ${job.prep}`);
  job.readyBuilt = true;
  job.mark('prepare');
}

export async function swap(tx: Queryable, job: LoadJob, v: Validation): Promise<Swapped> {
  if (!job.readyBuilt) await prepare(tx, job, v);
  const { unique } = job.datasetIds();
  // --replace-layer: the rows of every dataset of the layer go, not only those of the datasets re-imported.
  const scope = job.o.replaceLayer ? `dataset_id = ANY($1::text[]) OR dataset_id IN (SELECT id FROM terroir_dataset WHERE layer = $2)` : `dataset_id = ANY($1::text[])`;
  const deleted = await tx.query<{ dataset_id: string; n: number }>(
    `WITH d AS (DELETE FROM ${job.table} WHERE ${scope} RETURNING dataset_id) SELECT dataset_id, count(*)::int AS n FROM d GROUP BY dataset_id`,
    job.o.replaceLayer ? [unique, job.target.layer] : [unique],
  );
  job.mark('delete');
  const cols = job.columnList;
  const geom = ident(job.target.geometry.column);
  await tx.query(`INSERT INTO ${job.table} (dataset_id, ${cols}${geom}) SELECT dataset_id, ${cols}${geom} FROM ${job.ready}`);
  job.mark('insert');
  await tx.query(`DROP TABLE ${job.ready}`);
  const bad = v.rejected;
  const loaded = new Map<string, number>();
  job.runs.forEach((r, k) => loaded.set(r.datasetId, (loaded.get(r.datasetId) ?? 0) + r.features - bad.filter((b) => b.s === k).length));
  return { replaced: new Map(deleted.map((r) => [r.dataset_id, r.n])), loaded };
}

/** The work tables an import leaves when it fails half-way (each dropped if it exists). */
export async function dropWork(q: Queryable, job: LoadJob): Promise<void> {
  for (const t of [job.stage, job.prep, job.ready]) await q.query(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
}
