import type { Database } from '../../db/database.ts';
import { deriveFromCommunes, type Derived } from './derive.ts';
import { refreshMunicipalitiesOf } from '../gpu/municipality.ts';

export type AdminLevel = 'commune' | 'epci' | 'departement' | 'region';
export const ADMIN_LEVELS: readonly AdminLevel[] = ['commune', 'epci', 'departement', 'region'];

const TABLES: Record<AdminLevel, string> = {
  commune: 'limites_commune',
  epci: 'limites_epci',
  departement: 'limites_departement',
  region: 'limites_region',
};

/** One contour: the unit's code (INSEE, or SIREN for an EPCI) and its WGS84 GeoJSON geometry. */
export interface ContourFeature {
  code: string | number;
  geometry: { type: string; coordinates?: unknown } | string | null;
}

/** The metadata sheet recorded in terroir_dataset for the load. */
export interface ContourMeta {
  /** File name or dataset name and edition, e.g. `ADMIN-EXPRESS-COG_4-0__GPKG_WGS84G_FRA_2026-01-01`. */
  source: string;
  producer: string;
  licence: string;
  vintage?: string | null;
  /** CRS of the published file, when the caller reprojected it to WGS84 (default 4326). */
  sourceSrid?: number;
  /** CRS of the geometries handed in (default 4326): PostGIS reprojects them (Lambert-93 ADMIN EXPRESS). */
  geometrySrid?: number;
  checksum?: string | null;
  synthetic?: boolean;
  details?: Record<string, unknown>;
}

export interface ContourResult {
  datasetId: string;
  /** Features read from the input. */
  received: number;
  /** Units whose geometry was set. */
  updated: number;
  /** Codes matching no unit of the level (e.g. a commune merged before the loaded COG), first 100. */
  unmatched: string[];
  unmatchedCount: number;
  /** Features refused: no code, no geometry, not polygonal, or nothing left after repair (first 100). */
  rejected: { code: string | null; reason: string }[];
  rejectedCount: number;
  /** Pre-merger codes whose contour went to the commune that absorbed them. */
  merged: number;
  /** Each of them with the commune it went to (first 100). */
  merges: { code: string; into: string }[];
  /** Features loaded under their own code (with `merged`, `rejectedCount` and `unmatchedCount`: every feature received). */
  loaded: number;
  /** Of the features loaded or merged, those whose geometry was invalid and made valid (ST_MakeValid). */
  repaired: number;
  /** EPCI, départements, régions whose contours were derived again from their communes (commune loads only). */
  derived: Derived[];
}

const POLYGONAL = new Set(['Polygon', 'MultiPolygon']);
const REPORT_MAX = 100;

/**
 * Sets the contours of one administrative level from WGS84 GeoJSON features, in one transaction:
 * the features are COPYed into a staging table, then one UPDATE repairs them in PostGIS
 * (ST_MakeValid, polygons kept, MultiPolygon) and stores them on the units with the same code.
 * Codes the level does not know are reported, not fatal (sources rarely share the exact COG
 * vintage). For communes, a contour published under a code that has since been merged into a
 * commune nouvelle (`anciens_codes`) is added to that commune: all the pieces are unioned.
 * Units absent from the input keep the contour they had, so files can be loaded one by one
 * (one département at a time). Attributes must be loaded first (the module's bootstrap).
 */
export async function loadContours(
  db: Database,
  level: AdminLevel,
  features: AsyncIterable<ContourFeature> | Iterable<ContourFeature>,
  meta: ContourMeta,
): Promise<ContourResult> {
  const table = TABLES[level];
  if (!table) throw new Error(`loadContours: unknown level ${JSON.stringify(level)}; expected one of ${ADMIN_LEVELS.join(', ')}`);
  const layer = `limites-administratives.${level}`;
  const datasetId = `${layer}:${meta.source}`;
  let received = 0;
  const rejected: ContourResult['rejected'] = [];
  let rejectedCount = 0;
  const reject = (code: string | null, reason: string) => {
    rejectedCount++;
    if (rejected.length < REPORT_MAX) rejected.push({ code, reason });
  };

  async function* rows(): AsyncGenerator<[string, string]> {
    for await (const f of features as AsyncIterable<ContourFeature>) {
      received++;
      const code = f.code === null || f.code === undefined ? '' : String(f.code).trim();
      if (!code) {
        reject(null, 'no code');
        continue;
      }
      let g = f.geometry;
      if (typeof g === 'string') {
        try {
          g = JSON.parse(g) as { type: string };
        } catch {
          reject(code, 'geometry is not valid JSON');
          continue;
        }
      }
      if (!g || typeof g !== 'object') {
        reject(code, 'no geometry');
        continue;
      }
      if (!POLYGONAL.has(g.type)) {
        reject(code, `geometry type ${g.type} is not polygonal`);
        continue;
      }
      yield [code, JSON.stringify({ type: g.type, coordinates: g.coordinates })];
    }
  }

  const result = await db.transaction(async (tx) => {
    await tx.exec(`CREATE TEMP TABLE limites_contour_stage (code text NOT NULL, geojson text NOT NULL) ON COMMIT DROP`);
    await tx.copyRows('limites_contour_stage', ['code', 'geojson'], rows());
    const absorbed =
      level === 'commune' ? `(SELECT a.code FROM limites_commune a WHERE a.anciens_codes @> ARRAY[s.code] LIMIT 1)` : 'NULL::text';
    await tx.exec(`CREATE TEMP TABLE limites_contour_resolved ON COMMIT DROP AS
      SELECT s.code AS source_code, COALESCE(t.code, ${absorbed}) AS code, s.geojson
      FROM limites_contour_stage s LEFT JOIN ${table} t ON t.code = s.code`);
    let updated: { code: string; empty: boolean }[];
    try {
      updated = await tx.query<{ code: string; empty: boolean }>(
        `WITH parts AS (
           SELECT code, ST_MakeValid(ST_Force2D(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(geojson), ${Number(meta.geometrySrid ?? 4326)}), 4326))) AS g
           FROM limites_contour_resolved WHERE code IS NOT NULL
         ), merged AS (
           SELECT code, ST_Multi(ST_CollectionExtract(CASE WHEN count(*) = 1 THEN ST_Collect(g) ELSE ST_UnaryUnion(ST_Collect(g)) END, 3)) AS geom
           FROM parts GROUP BY code
         )
         UPDATE ${table} t SET geom = CASE WHEN ST_IsEmpty(m.geom) THEN t.geom ELSE m.geom END${level === 'commune' ? '' : ', contour_derived = ST_IsEmpty(m.geom) AND t.contour_derived'}
         FROM merged m WHERE t.code = m.code
         RETURNING t.code, ST_IsEmpty(m.geom) AS empty`,
      );
    } catch (e) {
      throw new Error(`loadContours(${level}, ${meta.source}): PostGIS refused a geometry: ${(e as Error).message}`);
    }
    await tx.exec(`ANALYZE ${table}`); // geometry statistics for the planner (no autovacuum in PGlite)
    for (const u of updated) if (u.empty) reject(u.code, 'no polygon left after repair (ST_MakeValid)');
    const set = updated.filter((u) => !u.empty).length;
    const [{ n: unmatchedCount }] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM limites_contour_resolved WHERE code IS NULL');
    const unmatched = (
      await tx.query<{ source_code: string }>(
        'SELECT source_code FROM limites_contour_resolved WHERE code IS NULL ORDER BY source_code LIMIT $1',
        [REPORT_MAX],
      )
    ).map((r) => r.source_code);
    const empties = updated.filter((u) => u.empty).map((u) => u.code);
    // Each feature once: loaded under its own code, merged into another unit, or rejected (above).
    const [counts] = await tx.query<{ loaded: number; merged: number; repaired: number }>(
      `SELECT count(*) FILTER (WHERE code = source_code)::int AS loaded, count(*) FILTER (WHERE code <> source_code)::int AS merged,
              count(*) FILTER (WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(geojson)))::int AS repaired
       FROM limites_contour_resolved WHERE code IS NOT NULL AND NOT (code = ANY($1::text[]))`,
      [empties],
    );
    const merged = counts.merged;
    const merges = (
      await tx.query<{ code: string; into: string }>(
        'SELECT source_code AS code, code AS into FROM limites_contour_resolved WHERE code IS NOT NULL AND code <> source_code ORDER BY source_code LIMIT $1',
        [REPORT_MAX],
      )
    );
    const changed = updated.filter((u) => !u.empty).map((u) => u.code);
    const derived = level === 'commune' ? await deriveFromCommunes(tx, changed) : [];
    // Layers derived from commune contours follow in this transaction: GPU municipality (no restart).
    const municipalities = level === 'commune' ? await refreshMunicipalitiesOf(tx, changed) : 0;
    const details = {
      ...meta.details,
      level,
      received,
      updated: set,
      loaded: counts.loaded,
      merged,
      merges,
      repaired: counts.repaired,
      derived: derived.map((d) => ({ level: d.level, set: d.set.length, withdrawn: d.withdrawn })),
      gpu_municipalities: municipalities,
      unmatched_count: unmatchedCount,
      unmatched,
      rejected_count: rejectedCount,
      rejected,
    };
    await tx.query(
      `INSERT INTO terroir_dataset (id, layer, source, producer, licence, vintage, source_srid, feature_count, checksum, synthetic, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, producer = EXCLUDED.producer, licence = EXCLUDED.licence,
         vintage = EXCLUDED.vintage, source_srid = EXCLUDED.source_srid, feature_count = EXCLUDED.feature_count,
         checksum = EXCLUDED.checksum, synthetic = EXCLUDED.synthetic, imported_at = now(), details = EXCLUDED.details`,
      [
        datasetId, layer, meta.source, meta.producer, meta.licence, meta.vintage ?? null, meta.sourceSrid ?? 4326, set,
        meta.checksum ?? null, meta.synthetic ?? false, JSON.stringify(details),
      ],
    );
    return { datasetId, received, updated: set, unmatched, unmatchedCount, rejected, rejectedCount, merged, merges, loaded: counts.loaded, repaired: counts.repaired, derived };
  });
  return result;
}
