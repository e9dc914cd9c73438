/**
 * The demo territory: a deterministic SYNTHETIC territory generated in PostGIS and loaded through the
 * import path (docs/demo.md). `generateDemo` is `terroir demo`; `ensureDemoTerritory` is what
 * `terroir serve` calls so that a fresh installation answers with data on its first start.
 */
import type { Database, Queryable } from '../db/database.ts';
import { ident } from '../db/sql.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { buildCatalog } from '../modules/index.ts';
import { buildAgriculture } from './agri.ts';
import { loadNomenclature } from './crops.ts';
import { buildFeatures } from './features.ts';
import { buildGeometry, clearWork, type GeometryFigures, type Progress } from './geometry.ts';
import { loadTerritory, type LoadReport } from './load.ts';
import { resolveParams, type DemoOptions, type DemoParams } from './params.ts';
import { buildRestricted, loadOrganicLayer, RESTRICTED_TABLES } from './restricted.ts';
import { demoUnitCodes, demoUnitsMissing, registerDemoUnits, removeDemoUnits } from './units.ts';

export { resolveParams, parseAnnees, DemoOptionError, type DemoOptions, type DemoParams } from './params.ts';

export const GENERATOR = 'terroir-demo';
const GENERATOR_VERSION = 1;

export interface DemoResult {
  run: number;
  params: DemoParams;
  geometry: GeometryFigures;
  crops: number;
  organicFarms: number;
  load: LoadReport;
  restrictedDatasets: number;
  seconds: { generate: number; load: number; total: number };
}

interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * The import target tables whose rows belong to a dataset (a `dataset_id` column): where demo rows
 * can be. Targets that update existing rows instead (administrative contours) have none.
 */
export async function datasetTables(db: Queryable, catalog: Catalog = buildCatalog()): Promise<string[]> {
  const tables = [...new Set(catalog.targets().map((t) => t.table))];
  const rows = await db.query<{ t: string }>(
    `SELECT DISTINCT table_name AS t FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_name = 'dataset_id' AND table_name = ANY($1::text[])`,
    [tables],
  );
  return rows.map((r) => r.t).sort();
}

/** Dataset ids written by any previous demo (terroir_dataset rows flagged by the generator). */
async function demoDatasets(db: Database): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE synthetic AND details->>'generator' = $1`, [GENERATOR]);
  return rows.map((r) => r.id);
}

/**
 * Removes every dataset a previous demo wrote, in one transaction: its rows in every import target
 * table (derived rows carry the dataset id of the import that built them), the documents' communes,
 * the restricted tables, and the terroir_dataset rows. Returns the number of datasets removed.
 */
export async function removeDemo(db: Database, catalog: Catalog = buildCatalog()): Promise<number> {
  const ids = await demoDatasets(db);
  if (!ids.length) return 0;
  const tables = [...(await datasetTables(db, catalog)), ...Object.values(RESTRICTED_TABLES)];
  const [extra] = await db.query<{ t: string | null }>(`SELECT to_regclass('gpu_document_commune')::text AS t`);
  if (extra.t) tables.push('gpu_document_commune');
  const units = await demoUnitCodes(db, ids);
  await db.transaction(async (tx) => {
    if (db.backend === 'postgres') await tx.query('SET LOCAL statement_timeout = 0');
    for (const t of tables.sort()) await tx.query(`DELETE FROM ${ident(t)} WHERE dataset_id = ANY($1::text[])`, [ids]);
    await removeDemoUnits(tx, units.communes, units.epci);
    await tx.query('DELETE FROM terroir_dataset WHERE id = ANY($1::text[])', [ids]);
  });
  return ids.length;
}

/** The source line and details every dataset of one generation records. */
function runMeta(p: DemoParams, runId: number) {
  const annees = p.annees.length > 1 ? `${p.annees[0]}-${p.annees[p.annees.length - 1]}` : String(p.annees[0]);
  return {
    source: `terroir demo --seed ${p.seed} --size ${p.size} --communes ${p.communes} --annees ${annees}`,
    details: { generator: GENERATOR, generator_version: GENERATOR_VERSION, seed: p.seed, size: p.size, communes: p.communes, annees: p.annees, run: runId },
  };
}

/**
 * Generates the territory for `opts` (same options → same database) and loads it, replacing any
 * previous demo. Throws if the generation fails; the run is then recorded as failed.
 */
export async function generateDemo(db: Database, opts: DemoOptions = {}, progress: Progress = () => {}, catalog: Catalog = buildCatalog()): Promise<DemoResult> {
  const t0 = performance.now();
  const p = resolveParams(opts);
  const nom = await loadNomenclature(db);
  const [{ id: runId }] = await db.query<{ id: number }>(
    `INSERT INTO demo_run (seed, size, params, status) VALUES ($1, $2, $3::jsonb, 'generating') RETURNING id`,
    [p.seed, p.size, JSON.stringify(p)],
  );
  try {
    const removed = await removeDemo(db, catalog);
    if (removed) progress('previous demo removed', { datasets: removed });
    await clearWork(db);
    const geometry = await buildGeometry(db, p, progress);
    await buildFeatures(db, p);
    progress('AOC and urbanism features', {});
    const agri = await buildAgriculture(db, p, nom);
    progress('crops and organic farms', { rows: agri.crops, organicFarms: agri.organicFarms });
    const t1 = performance.now();
    await db.query(`UPDATE demo_run SET status = 'loading' WHERE id = $1`, [runId]);
    const meta = runMeta(p, runId);
    const load = await loadTerritory(db, p, nom, meta, catalog, progress);
    const restricted = await buildRestricted(db, p, meta);
    restricted.push(...(await loadOrganicLayer(db, catalog, p, meta)));
    progress('restricted synthetic tables', { datasets: restricted.length });
    const t2 = performance.now();
    const result: DemoResult = {
      run: runId,
      params: p,
      geometry,
      crops: agri.crops,
      organicFarms: agri.organicFarms,
      load,
      restrictedDatasets: restricted.length,
      seconds: { generate: (t1 - t0) / 1000, load: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
    };
    await db.query(
      `UPDATE demo_run SET status = 'done', finished_at = now(), datasets = $2::text[], figures = $3::jsonb WHERE id = $1`,
      [runId, [...load.datasets, ...restricted], JSON.stringify({ ...geometry, crops: agri.crops, organicFarms: agri.organicFarms, imports: load.imports, features: load.features, missing: load.missing, seconds: result.seconds })],
    );
    return result;
  } catch (e) {
    await db.query(`UPDATE demo_run SET status = 'failed', finished_at = now() WHERE id = $1`, [runId]).catch(() => {});
    throw e;
  }
}

export type DemoState = 'real-data' | 'demo-present' | 'empty' | 'incomplete-demo';

/**
 * What the database holds: real (non-synthetic) data of an importable layer, a complete demo, an
 * interrupted demo, or nothing at all.
 */
export async function demoState(db: Database, catalog: Catalog = buildCatalog()): Promise<DemoState> {
  const layers = catalog.targets().map((t) => t.layer);
  const [real] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM terroir_dataset WHERE layer = ANY($1::text[]) AND NOT synthetic', [layers]);
  if (real.n > 0) return 'real-data';
  const [last] = await db.query<{ status: string }>('SELECT status FROM demo_run ORDER BY id DESC LIMIT 1');
  const [syn] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM terroir_dataset WHERE layer = ANY($1::text[]) AND synthetic', [layers]);
  if (last?.status === 'done' && syn.n > 0) return 'demo-present';
  return syn.n > 0 || (last && last.status !== 'done') ? 'incomplete-demo' : 'empty';
}

/** Arbitrary constant: one node generates when several start together against one PostgreSQL. */
const DEMO_LOCK = 7_265_090;

/**
 * Called by `terroir serve` at start: generates the default demo territory when the database holds
 * no data of any importable layer yet (or an interrupted demo), and does nothing otherwise (a later
 * start costs two queries). On PostgreSQL an advisory lock keeps concurrent nodes from generating
 * twice. Never throws: a failed demo is logged and the service starts without it (the run is marked
 * failed, so the next start tries again).
 */
export async function ensureDemoTerritory(db: Database, log: Log, catalog: Catalog = buildCatalog(), progress?: Progress): Promise<DemoResult | null> {
  try {
    return await ensureDemo(db, log, catalog, progress);
  } catch (err) {
    log.error({ err }, 'demo territory generation failed: starting without it (run `terroir demo` to see the error)');
    return null;
  }
}

/**
 * The demo's units come back if something removed them (an upgrade of the administrative reference
 * deletes the units its new version does not list), so territories drawn on the demo keep working.
 */
async function ensureDemoUnits(db: Database, log: Log): Promise<void> {
  if (!(await demoUnitsMissing(db))) return;
  const [run] = await db.query<{ id: number; params: DemoParams }>(`SELECT id, params FROM demo_run WHERE status = 'done' ORDER BY id DESC LIMIT 1`);
  if (!run) return;
  const ids = await registerDemoUnits(db, run.params.codeDep, runMeta(run.params, run.id));
  log.info({ datasets: ids }, 'demo communes and EPCI registered again as administrative units');
}

async function ensureDemo(db: Database, log: Log, catalog: Catalog, progress?: Progress): Promise<DemoResult | null> {
  const state = await demoState(db, catalog);
  if (state === 'demo-present') await ensureDemoUnits(db, log);
  if (state === 'real-data' || state === 'demo-present') return null;
  const go = async () => {
    log.info({ state }, 'no data yet: generating the synthetic demo territory (terroir demo, docs/demo.md)');
    const r = await generateDemo(db, {}, progress ?? ((step, detail) => log.info({ step, ...detail }, 'demo')), catalog);
    log.info(
      { seconds: Math.round(r.seconds.total * 10) / 10, datasets: r.load.datasets.length, features: r.load.features, missing: r.load.missing },
      'demo territory ready (SYNTHETIC data: synthetic = true in terroir_dataset and /api/datasets)',
    );
    if (r.load.missing.length) log.warn({ missing: r.load.missing }, 'demo layers skipped: no import target registered');
    return r;
  };
  if (db.backend !== 'postgres') return go();
  // Hold a transaction-level advisory lock on one pooled connection while generating on the others.
  return db.transaction(async (tx) => {
    const [{ ok }] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [DEMO_LOCK]);
    if (!ok) {
      log.info({}, 'another node is generating the demo territory');
      return null;
    }
    if ((await demoState(db, catalog)) !== state) return null;
    return go();
  });
}
