/**
 * Step 4, swap: the target's rows of the import's dataset ids are deleted and the transformed rows
 * inserted in their place (repaired, forced to the target's geometry type, rejected rows left out),
 * inside the import's transaction: readers see the old rows or the new ones, never a mix.
 * Kept apart from the other steps: how a dataset is swapped (locks, build aside) changes here only.
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

export async function swap(tx: Queryable, job: LoadJob, v: Validation): Promise<Swapped> {
  job.progress('swap', true);
  const { bySource, unique } = job.datasetIds();
  const rebuild = await dropIndexesIfEmpty(tx, job.table);
  // --replace-layer: the rows of every dataset of the layer go, not only those of the datasets re-imported.
  const scope = job.o.replaceLayer ? `dataset_id = ANY($1::text[]) OR dataset_id IN (SELECT id FROM terroir_dataset WHERE layer = $2)` : `dataset_id = ANY($1::text[])`;
  const deleted = await tx.query<{ dataset_id: string; n: number }>(
    `WITH d AS (DELETE FROM ${job.table} WHERE ${scope} RETURNING dataset_id) SELECT dataset_id, count(*)::int AS n FROM d GROUP BY dataset_id`,
    job.o.replaceLayer ? [unique, job.target.layer] : [unique],
  );
  job.mark('delete');
  const cols = job.columnList;
  const geom = ident(job.target.geometry.column);
  const bad = v.rejected;
  await tx.query(
    `INSERT INTO ${job.table} (dataset_id, ${cols}${geom})
     SELECT ($1::text[])[_imp_src + 1], ${cols}${FORCE[job.target.geometry.type](REPAIRED)} FROM ${job.prep} p` +
      (bad.length ? ` WHERE NOT EXISTS (SELECT 1 FROM unnest($2::int[], $3::int[]) AS x(s, i) WHERE p._imp_src = x.s AND p._imp_idx = x.i)` : ''),
    bad.length ? [bySource, bad.map((r) => r.s), bad.map((r) => r.i)] : [bySource],
  );
  job.mark('insert');
  await tx.query(`DROP TABLE ${job.prep}`);
  for (const def of rebuild) await tx.query(def);
  job.mark('indexes');
  const loaded = new Map<string, number>();
  job.runs.forEach((r, k) => loaded.set(r.datasetId, (loaded.get(r.datasetId) ?? 0) + r.features - bad.filter((b) => b.s === k).length));
  return { replaced: new Map(deleted.map((r) => [r.dataset_id, r.n])), loaded };
}
