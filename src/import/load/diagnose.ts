/**
 * The failure paths of a load: which feature made PostgreSQL, PostGIS or PROJ refuse a statement,
 * found only once a statement has failed (never on the path of a load that succeeds).
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import { ImportError } from '../readers/errors.ts';
import type { OpenedSource } from '../sources.ts';
import { geojsonToWkb } from '../wkb.ts';
import type { LoadInput, SourceRun } from './job.ts';

/**
 * After a statement over the staged rows failed (GEOS or PROJ raising on one geometry): find the
 * first feature at fault with a per-row exception handler, run only on this failure path.
 * `srids`: each source's CRS when the staged `_imp_srid` is not (yet) the right one.
 */
export async function diagnose(tx: Queryable, stage: string, runs: SourceRun[], err: Error, srids?: number[]): Promise<ImportError> {
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
export async function diagnoseCopy(tx: Queryable, err: Error, runs: SourceRun[], inputs: LoadInput[], srid?: number): Promise<ImportError> {
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
