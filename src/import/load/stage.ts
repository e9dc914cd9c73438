/**
 * Step 1, stage: every source opened, every feature mapped through the target's columns (checked
 * against their declared types in JS, so that a bad value is reported with its file and feature
 * number) and COPYed (binary) into an UNLOGGED staging table created inside the transaction, with
 * its geometry as 2D WKB and its source and feature number. The reprojection to WGS84 is a
 * generated column of that table: the COPY backend runs PROJ while this process reads and encodes
 * the next rows.
 */
import type { CopyType } from '../../db/copy-binary.ts';
import type { Queryable } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { ImportError, SourceError } from '../readers/errors.ts';
import type { SourceFeature } from '../readers/feature.ts';
import { gpkgFeatureWkb } from '../readers/gpkg.ts';
import { shapefileWkb } from '../readers/shapefile.ts';
import type { ColumnType, ImportContext, ImportTarget } from '../target.ts';
import { geojsonToWkb, GeometryError } from '../wkb.ts';
import { diagnose, diagnoseCopy } from './diagnose.ts';
import { guarded, isSession, type LoadJob, type SourceRun } from './job.ts';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A column value checked against its declared type, as the binary COPY encoder (src/db/copy-binary.ts) takes it. */
export function checkValue(type: ColumnType, v: unknown): unknown {
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

export async function assertSrid(db: Queryable, srid: number, where: string): Promise<void> {
  if (!Number.isInteger(srid) || srid <= 0) throw new ImportError(`not an EPSG code: ${srid}`, where);
  const [r] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM spatial_ref_sys WHERE srid = $1', [srid]);
  if (!r.n) throw new ImportError(`EPSG:${srid} is not a CRS PostGIS knows (spatial_ref_sys)`, where);
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
 * Every source is opened (its CRS found, its dataset id named) before the COPY starts: a CRS look-up
 * in spatial_ref_sys cannot run on a connection that is streaming a COPY.
 */
async function openAll(tx: Queryable, job: LoadJob): Promise<SourceRun[]> {
  const out: SourceRun[] = [];
  for (const input of job.inputs) {
    const opened = await input.open(tx);
    const srid = job.o.srid ?? opened.srid();
    if (srid === undefined && input.format === 'shapefile')
      throw new ImportError(`unknown CRS (${opened.crsNote()}): pass --srid (e.g. --srid 2154 for Lambert-93)`, input.label);
    const ctx: ImportContext = { file: input.label, srid: srid ?? 4326, campagne: job.o.campagne, options: job.o.options };
    out.push({ input, ctx, datasetId: datasetIdOf(job.target, ctx, input.label), opened, features: 0 });
  }
  return out;
}

/** The geometry of a feature as WKB: the reader's own bytes when it kept them (shapefile, GeoPackage). */
function wkbOf(f: SourceFeature): Uint8Array | null {
  // undefined: the reader kept no bytes; null: the feature has no geometry.
  let pre = shapefileWkb(f);
  if (pre === undefined) pre = gpkgFeatureWkb(f);
  if (pre !== undefined) return pre;
  return f.geometry ? geojsonToWkb(f.geometry) : null;
}

/** The staged rows: source index, feature number, CRS, WKB, then the target's columns. */
async function* rows(job: LoadJob, prepared: SourceRun[]): AsyncGenerator<unknown[]> {
  const cols = job.target.columns;
  for (let s = 0; s < prepared.length; s++) {
    const run = prepared[s];
    const { input, ctx } = run;
    const opened = run.opened!;
    job.runs.push(run);
    job.progress('read', true);
    let feature = 0;
    try {
      for await (const f of opened.features) {
        feature = f.index;
        const row: unknown[] = new Array(cols.length + 4);
        row[0] = s;
        row[1] = f.index;
        row[2] = ctx.srid;
        try {
          row[3] = wkbOf(f);
        } catch (e) {
          if (e instanceof GeometryError) throw new ImportError(`bad geometry: ${e.message}`, input.label, f.index);
          throw e;
        }
        for (let k = 0; k < cols.length; k++) {
          const c = cols[k];
          try {
            row[k + 4] = checkValue(c.type, c.value(f, ctx));
          } catch (e) {
            throw new ImportError(`${c.name}: ${(e as Error).message}`, input.label, f.index);
          }
        }
        run.features++;
        job.read++;
        if ((job.read & 255) === 0) job.progress('read');
        yield row;
      }
    } catch (e) {
      if (e instanceof ImportError) throw e;
      if (e instanceof SourceError) throw new ImportError(e.reason, input.label, e.feature);
      throw new ImportError((e as Error).message, input.label, feature ? feature + 1 : undefined);
    }
    run.srid = job.o.srid ?? opened.srid();
    if (run.srid === undefined) throw new ImportError(`unrecognised CRS (${opened.crsNote()}): pass --srid`, input.label);
  }
}

/**
 * Creates the staging table and COPYs every source into it. Geometries are stored uncompressed
 * (EXTERNAL): they are read once, and compressing large polygons would cost more CPU than the space
 * is worth. Binary COPY: the geometry goes as its WKB bytes (half the bytes of hex, nothing to
 * escape); measured on the 112,800-parcel reference file, the read step went from 1.27 s to 0.61 s.
 * The reprojection as a generated column saved another 0.1 s on that file against doing it in the
 * transform step (validity, GEOS's share, stays there).
 */
export async function stage(tx: Queryable, job: LoadJob, beforeCopy?: (datasetIds: string[]) => Promise<void>): Promise<void> {
  const cols = job.target.columns;
  const stageCols = ['_imp_src', '_imp_idx', '_imp_srid', '_imp_geom', ...cols.map((c) => c.name)];
  const stageTypes: CopyType[] = ['integer', 'integer', 'integer', 'geometry', ...cols.map((c) => c.type)];
  await tx.exec(
    `CREATE UNLOGGED TABLE ${job.stage} (_imp_src integer NOT NULL, _imp_idx integer NOT NULL, _imp_srid integer NOT NULL, _imp_geom geometry` +
      cols.map((c) => `, ${ident(c.name)} ${c.type}`).join('') +
      `, _imp_g geometry GENERATED ALWAYS AS (ST_Transform(ST_SetSRID(ST_Force2D(_imp_geom), _imp_srid), 4326)) STORED` +
      `); ALTER TABLE ${job.stage} ALTER COLUMN _imp_geom SET STORAGE EXTERNAL; ALTER TABLE ${job.stage} ALTER COLUMN _imp_g SET STORAGE EXTERNAL`,
  );
  const opened = await openAll(tx, job);
  // Every dataset id is known once the sources are open: the import locks them now, before any row.
  await beforeCopy?.(job.datasetIdsOf(opened));
  const inTx = !isSession(tx);
  if (inTx) await tx.query('SAVEPOINT terroir_copy');
  try {
    await tx.copyRows(job.stage, stageCols, rows(job, opened), stageTypes);
  } catch (e) {
    if (e instanceof ImportError) throw e;
    if (inTx) await tx.query('ROLLBACK TO SAVEPOINT terroir_copy');
    throw await diagnoseCopy(tx, e as Error, job.runs, job.inputs, job.o.srid);
  }
  if (inTx) await tx.query('RELEASE SAVEPOINT terroir_copy');
  job.mark('read');
  await fixLateCrs(tx, job);
}

/**
 * Each source's CRS known, checked against spatial_ref_sys; a GeoJSON whose `crs` member came after
 * its features has its rows reprojected again (the UPDATE recomputes the generated reprojection,
 * which may fail in PROJ like the COPY could).
 */
async function fixLateCrs(tx: Queryable, job: LoadJob): Promise<void> {
  const srids = job.runs.map((r) => r.srid!);
  for (const s of new Set(srids)) if (s !== job.o.srid) await assertSrid(tx, s, job.runs.find((r) => r.srid === s)!.input.label);
  for (let k = 0; k < job.runs.length; k++) {
    if (job.runs[k].srid === job.runs[k].ctx.srid) continue;
    await guarded(
      tx,
      'terroir_srid',
      () => tx.query(`UPDATE ${job.stage} SET _imp_srid = $1 WHERE _imp_src = $2`, [job.runs[k].srid, k]),
      (e) => diagnose(tx, job.stage, job.runs, e, srids),
    );
  }
}
