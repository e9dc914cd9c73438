/**
 * What each cadastre import does after its rows are in (ImportTarget.afterLoad, inside the import
 * transaction): names, sheet numbers, and the layers DERIVED from parcels when no file gives them.
 *
 * Rules (docs/cadastre.md, "Derived layers"):
 * - a loaded row always wins over a derived one: loading a commune, a feuille (per section), a
 *   division (per section) or a localisant (per IDU) deletes the derived rows it replaces, and a later
 *   parcel load derives nothing where loaded rows exist;
 * - derived feuilles are the union of a section's parcels per sheet number (1 for Etalab parcels),
 *   closed morphologically (CLOSING_M) so that the streets between blocks belong to the sheet;
 *   derived divisions copy the feuilles; a derived commune is its ADMIN EXPRESS contour when the
 *   administrative units module holds it, else the closed union of its feuilles;
 *   a derived localisant is ST_PointOnSurface of its parcel, as a MultiPoint;
 * - derived rows carry the dataset id of the import that built them (`derived = true`), and are
 *   rebuilt from every parcel of the communes an import touches, whatever the dataset, so that
 *   per-commune and per-département files give the same result.
 */
import { lockUntilCommit, type Queryable } from '../../db/database.ts';
import type { ImportContext } from '../../import/target.ts';

/**
 * Closing radius in metres: gaps narrower than twice this (streets, paths, small streams, which the
 * cadastre leaves out of parcels) are filled in derived sheets and communes; wider ones stay holes.
 */
export const CLOSING_M = 15;
const METRES_PER_DEGREE = 111_320;

/**
 * Overlay precision (degrees, ≈ 1 mm): unions snap-round on this grid. Besides being robust, it
 * matters on PGlite, whose WebAssembly GEOS cannot take the exception-driven fallback of floating
 * overlay: the statement then silently returns nothing (see run()).
 */
const GRID = 1e-8;

/**
 * Runs a data-changing statement and returns how many rows it touched. Wrapped in a counting CTE,
 * a statement always yields exactly one row; none at all means the embedded backend swallowed a
 * failure (a GEOS exception in WebAssembly aborts the statement without an error), which must never
 * pass for "nothing to do".
 */
export async function run(tx: Queryable, sql: string, params: unknown[]): Promise<number> {
  const rows = await tx.query<{ n: number }>(`WITH changed AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM changed`, params);
  if (rows.length !== 1) throw new GeometryFailure(sql);
  return rows[0].n;
}

export class GeometryFailure extends Error {
  constructor(sql: string) {
    super(`a geometry operation failed without an error (embedded PostGIS): ${sql.replace(/\s+/g, ' ').slice(0, 160)}…`);
  }
}

/** Parcels are not always valid polygons (self-touching rings): repair before union. */
const valid = (g: string) => `CASE WHEN ST_IsValid(${g}) THEN ${g} ELSE ST_CollectionExtract(ST_MakeValid(${g}), 3) END`;

/**
 * Morphological closing (dilate, then erode) in a local equirectangular frame: longitudes scaled by
 * cos(latitude) make the buffer isotropic on the ground without any CRS transformation.
 */
function closed(g: string): string {
  const k = `cos(radians(ST_Y(ST_Centroid(${g}))))`;
  const r = CLOSING_M / METRES_PER_DEGREE;
  // Snapped back to the overlay grid: the arcs of the buffers would otherwise carry 15-digit coordinates.
  return `ST_Multi(ST_CollectionExtract(ST_ReducePrecision(ST_Scale(ST_Buffer(ST_Buffer(ST_Scale(${g}, ${k}, 1), ${r}, 'quad_segs=4'), ${-r}, 'quad_segs=4'), 1 / ${k}, 1), ${GRID}), 3))`;
}

/**
 * Derived rows are shared by every dataset of their commune (and checked by their keys, migration
 * 0160): each cadastre import's afterLoad takes this lock first, so that two imports touching one
 * commune derive one after the other, the second replacing the first's rows.
 */
export const DERIVE_LOCK = 'derive:cadastre';

const deriveEnabled = (ctx: ImportContext) => !/^(false|no|0|off)$/i.test(ctx.options.derive ?? '');

async function hasTable(tx: Queryable, name: string): Promise<boolean> {
  const [r] = await tx.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return r.ok;
}

/** Names the COG did not give (communes created after the package's vintage) from limites_commune. */
async function fillNames(tx: Queryable, table: string, datasetId: string): Promise<void> {
  if (!(await hasTable(tx, 'limites_commune'))) return;
  await run(
    tx,
    `UPDATE ${table} t SET nom_com = c.nom FROM limites_commune c
     WHERE t.dataset_id = $1 AND t.nom_com IS NULL AND c.code = t.code_insee`,
    [datasetId],
  );
}

async function communesOf(tx: Queryable, table: string, datasetId: string): Promise<string[]> {
  const rows = await tx.query<{ code_insee: string }>(`SELECT DISTINCT code_insee FROM ${table} WHERE dataset_id = $1`, [datasetId]);
  return rows.map((r) => r.code_insee);
}

/** Communes whose derived rows were built by this dataset before (a re-import must rebuild them). */
async function previouslyDerived(tx: Queryable, datasetId: string): Promise<string[]> {
  const rows = await tx.query<{ code_insee: string }>(
    `SELECT code_insee FROM cadastre_feuille WHERE dataset_id = $1 AND derived
     UNION SELECT code_insee FROM cadastre_commune WHERE dataset_id = $1 AND derived`,
    [datasetId],
  );
  return rows.map((r) => r.code_insee);
}

const SAME_SECTION = (a: string, b: string) =>
  `${a}.code_insee = ${b}.code_insee AND ${a}.code_arr = ${b}.code_arr AND ${a}.com_abs = ${b}.com_abs AND ${a}.section = ${b}.section`;

/** Sheet numbers of parcels (and their derived localisants) from the loaded feuilles they fall in. */
async function assignSheets(tx: Queryable, scope: 'parcels' | 'feuilles', datasetId: string): Promise<void> {
  const where = scope === 'parcels' ? 'p.dataset_id = $1 AND NOT f.derived' : 'f.dataset_id = $1';
  await run(
    tx,
    `UPDATE cadastre_parcelle p SET feuille = f.feuille FROM cadastre_feuille f
     WHERE ${where} AND ${SAME_SECTION('f', 'p')} AND p.feuille <> f.feuille
       AND ST_Intersects(f.geom, ST_PointOnSurface(p.geom))`,
    [datasetId],
  );
  const lWhere = scope === 'parcels' ? 'p.dataset_id = $1' : `EXISTS (SELECT 1 FROM cadastre_feuille f WHERE f.dataset_id = $1 AND ${SAME_SECTION('f', 'p')})`;
  await run(
    tx,
    `UPDATE cadastre_localisant l SET feuille = p.feuille FROM cadastre_parcelle p
     WHERE ${lWhere} AND l.derived AND l.idu = p.idu AND l.feuille <> p.feuille`,
    [datasetId],
  );
}

async function deriveLocalisants(tx: Queryable, datasetId: string): Promise<void> {
  await run(tx, 'DELETE FROM cadastre_localisant WHERE dataset_id = $1 AND derived', [datasetId]);
  await run(
    tx,
    `INSERT INTO cadastre_localisant (dataset_id, fid, gid, numero, feuille, section, code_dep, nom_com, code_com,
       com_abs, code_arr, idu, code_insee, derived, geom)
     SELECT $1, p.gid, p.gid, p.numero, p.feuille, p.section, p.code_dep, p.nom_com, p.code_com,
       p.com_abs, p.code_arr, p.idu, p.code_insee, true, ST_Multi(ST_SnapToGrid(ST_PointOnSurface(${valid('p.geom')}), ${GRID}))
     FROM cadastre_parcelle p
     WHERE p.dataset_id = $1
       AND NOT EXISTS (SELECT 1 FROM cadastre_localisant l WHERE l.idu = p.idu AND (NOT l.derived OR l.dataset_id <> $1))`,
    [datasetId],
  );
}

/**
 * Inserts derived polygons: the closed union first; if the closing fails on the embedded backend
 * (GeometryFailure), the plain union, which snap-rounding makes robust. `sql(shape)` builds the
 * statement with the final geometry expression.
 */
async function insertPolygons(tx: Queryable, sql: (shape: (g: string) => string) => string, params: unknown[]): Promise<number> {
  try {
    return await run(tx, sql(closed), params);
  } catch (e) {
    if (!(e instanceof GeometryFailure)) throw e;
    return run(tx, sql((g) => `ST_Multi(${g})`), params);
  }
}

/** Derived feuilles of the given communes: one per section and sheet number without a loaded feuille. */
async function deriveFeuilles(tx: Queryable, datasetId: string, communes: string[], edition: string | null): Promise<void> {
  await run(tx, 'DELETE FROM cadastre_feuille WHERE derived AND (dataset_id = $1 OR code_insee = ANY($2))', [datasetId, communes]);
  await insertPolygons(
    tx,
    (shape) => `INSERT INTO cadastre_feuille (dataset_id, fid, gid, feuille, section, code_dep, nom_com, code_com, com_abs,
       echelle, edition, code_arr, code_insee, derived, geom)
     SELECT $1, s.gid, s.gid, s.feuille, s.section, s.code_dep, s.nom_com, s.code_com, s.com_abs,
       NULL, $3::text, s.code_arr, s.code_insee, true, ${shape('s.geom')}
     FROM (
       SELECT cadastre_feuille_gid(substr(p.idu, 1, 5), p.com_abs, p.section, p.feuille) AS gid,
         p.feuille, p.section, max(p.code_dep) AS code_dep, max(p.nom_com) AS nom_com, max(p.code_com) AS code_com, p.com_abs, p.code_arr, p.code_insee,
         ST_Union(${valid('p.geom')}, ${GRID}) AS geom
       FROM cadastre_parcelle p
       WHERE p.code_insee = ANY($2)
         AND NOT EXISTS (SELECT 1 FROM cadastre_feuille f WHERE NOT f.derived AND ${SAME_SECTION('f', 'p')})
       GROUP BY substr(p.idu, 1, 5), p.feuille, p.section, p.com_abs, p.code_arr, p.code_insee
     ) s`,
    [datasetId, communes, edition],
  );
}

/** Derived divisions: the feuilles (loaded or derived) of sections without a loaded division. */
async function deriveDivisions(tx: Queryable, datasetId: string, communes: string[]): Promise<void> {
  await run(tx, 'DELETE FROM cadastre_division WHERE derived AND (dataset_id = $1 OR code_insee = ANY($2))', [datasetId, communes]);
  await run(
    tx,
    `INSERT INTO cadastre_division (dataset_id, fid, feuille, section, code_dep, nom_com, code_com, com_abs,
       echelle, edition, code_arr, code_insee, derived, geom)
     SELECT DISTINCT ON (f.code_insee, f.code_arr, f.com_abs, f.section, f.feuille, f.gid)
       $1, f.gid, f.feuille, f.section, f.code_dep, f.nom_com, f.code_com, f.com_abs,
       f.echelle, NULL, f.code_arr, f.code_insee, true, f.geom
     FROM cadastre_feuille f
     WHERE f.code_insee = ANY($2)
       AND NOT EXISTS (SELECT 1 FROM cadastre_division d WHERE NOT d.derived AND ${SAME_SECTION('d', 'f')})
     -- One division per sheet (its key): a loaded sheet before a derived one, then the first dataset.
     ORDER BY f.code_insee, f.code_arr, f.com_abs, f.section, f.feuille, f.gid, f.derived, f.dataset_id`,
    [datasetId, communes],
  );
}

/**
 * Derived communes, for communes without a loaded contour: the commune's ADMIN EXPRESS contour when
 * the administrative units module holds one (limites_commune.geom, loaded with its contours), else
 * the closed union of the commune's feuilles.
 */
async function deriveCommunes(tx: Queryable, datasetId: string, communes: string[]): Promise<void> {
  await run(tx, 'DELETE FROM cadastre_commune WHERE derived AND (dataset_id = $1 OR code_insee = ANY($2))', [datasetId, communes]);
  const admin = await hasTable(tx, 'limites_commune');
  await insertPolygons(
    tx,
    (shape) => `INSERT INTO cadastre_commune (dataset_id, fid, gid, nom_com, code_dep, code_com, code_insee, derived, geom)
     SELECT $1, s.gid, s.gid, s.nom_com, s.code_dep, s.code_com, s.code_insee, true,
       ${admin ? `CASE WHEN a.geom IS NOT NULL THEN ST_Multi(a.geom) ELSE ${shape('s.geom')} END` : shape('s.geom')}
     FROM (
       SELECT cadastre_insee_number(f.code_insee) AS gid, max(f.nom_com) AS nom_com, max(f.code_dep) AS code_dep, max(f.code_com) AS code_com, f.code_insee,
         ST_Union(f.geom, ${GRID}) AS geom
       FROM cadastre_feuille f
       WHERE f.code_insee = ANY($2)
         AND NOT EXISTS (SELECT 1 FROM cadastre_commune c WHERE NOT c.derived AND c.code_insee = f.code_insee)
       GROUP BY f.code_insee
     ) s${admin ? ' LEFT JOIN limites_commune a ON a.code = s.code_insee' : ''}`,
    [datasetId, communes],
  );
}

export async function afterParcelLoad(tx: Queryable, datasetId: string, ctx: ImportContext): Promise<void> {
  await lockUntilCommit(tx, DERIVE_LOCK);
  await fillNames(tx, 'cadastre_parcelle', datasetId);
  await assignSheets(tx, 'parcels', datasetId);
  if (!deriveEnabled(ctx)) return;
  const communes = [...new Set([...(await communesOf(tx, 'cadastre_parcelle', datasetId)), ...(await previouslyDerived(tx, datasetId))])];
  await deriveLocalisants(tx, datasetId);
  await deriveFeuilles(tx, datasetId, communes, ctx.options.edition?.trim() || null);
  await deriveDivisions(tx, datasetId, communes);
  await deriveCommunes(tx, datasetId, communes);
  // The engine refreshes the statistics of the table it loaded; these changed too (and the embedded
  // backend has no autovacuum to notice). ANALYZE samples a bounded number of rows: cheap at any size.
  await tx.query('ANALYZE cadastre_localisant, cadastre_feuille, cadastre_division, cadastre_commune');
}

export async function afterFeuilleLoad(tx: Queryable, datasetId: string, ctx: ImportContext): Promise<void> {
  await lockUntilCommit(tx, DERIVE_LOCK);
  await fillNames(tx, 'cadastre_feuille', datasetId);
  // Loaded sheets replace the derived ones of their sections.
  await run(
    tx,
    `DELETE FROM cadastre_feuille d WHERE d.derived
       AND EXISTS (SELECT 1 FROM cadastre_feuille f WHERE f.dataset_id = $1 AND ${SAME_SECTION('f', 'd')})`,
    [datasetId],
  );
  await assignSheets(tx, 'feuilles', datasetId);
  const communes = await communesOf(tx, 'cadastre_feuille', datasetId);
  // Divisions are the sheets under BD Parcellaire's name: keep them in step even with derive=false.
  await deriveDivisions(tx, datasetId, communes);
  if (deriveEnabled(ctx)) await deriveCommunes(tx, datasetId, communes);
}

export async function afterDivisionLoad(tx: Queryable, datasetId: string): Promise<void> {
  await lockUntilCommit(tx, DERIVE_LOCK);
  await fillNames(tx, 'cadastre_division', datasetId);
  await run(
    tx,
    `DELETE FROM cadastre_division d WHERE d.derived
       AND EXISTS (SELECT 1 FROM cadastre_division v WHERE v.dataset_id = $1 AND ${SAME_SECTION('v', 'd')})`,
    [datasetId],
  );
}

export async function afterLocalisantLoad(tx: Queryable, datasetId: string): Promise<void> {
  await lockUntilCommit(tx, DERIVE_LOCK);
  await fillNames(tx, 'cadastre_localisant', datasetId);
  await run(
    tx,
    `DELETE FROM cadastre_localisant d WHERE d.derived
       AND EXISTS (SELECT 1 FROM cadastre_localisant l WHERE l.dataset_id = $1 AND NOT l.derived AND l.idu = d.idu)`,
    [datasetId],
  );
}

export async function afterCommuneLoad(tx: Queryable, datasetId: string): Promise<void> {
  await lockUntilCommit(tx, DERIVE_LOCK);
  await fillNames(tx, 'cadastre_commune', datasetId);
  await run(
    tx,
    `DELETE FROM cadastre_commune d WHERE d.derived
       AND EXISTS (SELECT 1 FROM cadastre_commune c WHERE c.dataset_id = $1 AND NOT c.derived AND c.code_insee = d.code_insee)`,
    [datasetId],
  );
}
