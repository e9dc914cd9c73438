/**
 * Step 2, transform: the staged rows, reprojected by the COPY, get their validity (of the source
 * geometry, in its own CRS, as published) in a CREATE TABLE … AS, which PostgreSQL runs with
 * parallel workers: GEOS is the most expensive step of the load left once the COPY has reprojected.
 * The repair itself (ST_MakeValid, forced to the target type) is written by the swap from this flag.
 */
import type { Queryable } from '../../db/database.ts';
import { diagnose } from './diagnose.ts';
import { guarded, type LoadJob } from './job.ts';

export async function transform(tx: Queryable, job: LoadJob): Promise<void> {
  job.progress('transform', true);
  await guarded(
    tx,
    'terroir_prep',
    () => tx.query(`CREATE UNLOGGED TABLE ${job.prep} AS SELECT _imp_src, _imp_idx, ${job.columnList}ST_IsValid(_imp_geom) AS _imp_valid, _imp_g FROM ${job.stage}`),
    (e) => diagnose(tx, job.stage, job.runs, e),
  );
  job.mark('transform');
}
