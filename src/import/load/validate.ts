/**
 * Step 3, validate: one scan of the transformed rows finds what is not plainly loadable — geometries
 * to repair (loaded, counted) and features to reject (no geometry, nothing of the target's type
 * left, outside WGS84 bounds once reprojected: counted, named, not loaded). --strict turns any of
 * them into a failure of the whole import. The staging table is dropped here: the swap reads the
 * transformed rows only.
 */
import type { Queryable } from '../../db/database.ts';
import { ImportError } from '../readers/errors.ts';
import type { FeatureIssue, TargetGeometryType } from '../target.ts';
import { diagnose } from './diagnose.ts';
import { FORCE, guarded, ISSUES_LISTED, REPAIRED, type LoadJob } from './job.ts';

/** A staged row by its source index and feature number. */
export interface RowRef {
  s: number;
  i: number;
}

export interface Validation {
  /** Rows not loaded, in source and feature order. */
  rejected: RowRef[];
  /** Rows loaded after ST_MakeValid, in source and feature order. */
  repaired: RowRef[];
  /** The first of each, with their reason (the summary's `rejections` and `repairs`). */
  rejections: FeatureIssue[];
  repairs: FeatureIssue[];
}

const PART: Record<TargetGeometryType, string> = {
  MultiPolygon: 'polygon',
  MultiLineString: 'line',
  MultiPoint: 'point',
  Point: 'single point',
};

const OUT_OF_BOUNDS = `ST_XMin(_imp_g) < -180 OR ST_XMax(_imp_g) > 180 OR ST_YMin(_imp_g) < -90 OR ST_YMax(_imp_g) > 90`;

/** Codes of the flagging scan: 0 loadable (maybe repaired), else why the row is rejected. */
const REASON: Record<number, (type: TargetGeometryType, repaired: boolean) => string> = {
  1: () => 'no geometry',
  2: (type, r) => `no ${PART[type]} in its geometry${r ? ' once made valid' : ''}`,
  3: () => 'outside WGS84 bounds once reprojected (wrong source CRS?)',
};

async function flag(tx: Queryable, job: LoadJob): Promise<{ s: number; i: number; valid: boolean; code: number }[]> {
  const force = FORCE[job.target.geometry.type];
  const flagged = await guarded(
    tx,
    'terroir_checks',
    () =>
      tx.query<{ s: number; i: number; valid: boolean; code: number }>(
        `SELECT _imp_src AS s, _imp_idx AS i, _imp_valid AS valid,
                CASE WHEN _imp_g IS NULL THEN 1 WHEN ST_IsEmpty(${force(REPAIRED)}) THEN 2 WHEN ${OUT_OF_BOUNDS} THEN 3 ELSE 0 END AS code
         FROM ${job.prep}
         WHERE _imp_g IS NULL OR NOT _imp_valid OR ${OUT_OF_BOUNDS} OR ST_IsEmpty(${force('_imp_g')})`,
      ),
    (e) => diagnose(tx, job.stage, job.runs, e),
  );
  return flagged.sort((a, b) => a.s - b.s || a.i - b.i);
}

/** ST_IsValidReason of the first repaired geometries (in the source CRS, as published). */
async function repairReasons(tx: Queryable, job: LoadJob, rows: RowRef[]): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  if (!rows.length) return reasons;
  const first = rows.slice(0, ISSUES_LISTED);
  for (const r of await tx.query<{ s: number; i: number; reason: string }>(
    `SELECT _imp_src AS s, _imp_idx AS i, ST_IsValidReason(_imp_geom) AS reason FROM ${job.stage} p
     JOIN unnest($1::int[], $2::int[]) AS x(s, i) ON p._imp_src = x.s AND p._imp_idx = x.i`,
    [first.map((r) => r.s), first.map((r) => r.i)],
  ))
    reasons.set(`${r.s}:${r.i}`, r.reason);
  return reasons;
}

export async function validate(tx: Queryable, job: LoadJob): Promise<Validation> {
  const flagged = await flag(tx, job);
  const rejected = flagged.filter((r) => r.code > 0);
  const repaired = flagged.filter((r) => r.code === 0 && r.valid === false);
  const reasons = await repairReasons(tx, job, repaired);
  await tx.query(`DROP TABLE ${job.stage}`);
  job.mark('checks');
  const issue = (s: number, i: number, reason: string): FeatureIssue => ({ file: job.runs[s].input.label, feature: i, reason });
  const type = job.target.geometry.type;
  const v: Validation = {
    rejected: rejected.map(({ s, i }) => ({ s, i })),
    repaired: repaired.map(({ s, i }) => ({ s, i })),
    rejections: rejected.slice(0, ISSUES_LISTED).map((r) => issue(r.s, r.i, REASON[r.code](type, r.valid === false))),
    repairs: repaired
      .slice(0, ISSUES_LISTED)
      .map((r) => issue(r.s, r.i, `invalid geometry made valid (${reasons.get(`${r.s}:${r.i}`) ?? 'invalid'}, in the source CRS)`)),
  };
  if (job.o.strict) refuseIssues(job, v);
  return v;
}

/** --strict: the first issue in file and feature order fails the import, with both counts. */
function refuseIssues(job: LoadJob, v: Validation): void {
  const repaired = v.repaired.length;
  const rejected = v.rejected.length;
  if (!repaired && !rejected) return;
  const order = (file: string) => job.runs.findIndex((r) => r.input.label === file);
  const first = [...v.repairs, ...v.rejections].sort((a, b) => order(a.file) - order(b.file) || a.feature - b.feature)[0];
  throw new ImportError(
    `${first.reason} (--strict: ${repaired} geometr${repaired === 1 ? 'y' : 'ies'} to repair, ${rejected} feature${rejected === 1 ? '' : 's'} to reject)`,
    first.file,
    first.feature,
  );
}
