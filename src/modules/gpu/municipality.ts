/**
 * The `municipality` layer is derived: every commune whose contour the administrative units hold
 * (limites_commune, migration 0003, contours loaded by `terroir import`) or, until its contour is
 * loaded, that has a document of its own (partition `DU_<insee>`: a PLU, POS or carte communale covers
 * the whole commune, so its perimeter is the commune's), with `is_rnu` computed at
 * query time from the loaded documents (see layers.ts). Rows that came from GPU answers (the
 * `gpu.municipality-apicarto` target) are kept as they are and win over derived ones.
 */
import { lockUntilCommit, type Database, type Queryable } from '../../db/database.ts';

export const DERIVED_DATASET = 'gpu.municipality:limites';

/**
 * Taken by every transaction that rewrites the derived rows (one per commune, migration 0160): two
 * nodes starting together, or a start and a contour import, derive one after the other.
 */
const DERIVE_LOCK = 'derive:gpu.municipality';

export interface RefreshOptions {
  /** Skip the work when the derived rows already match the communes that have a contour. */
  onlyIfMissing?: boolean;
}

/**
 * A commune's geometry: its contour, else the perimeter of its own document. A PLUi (`DU_<siren>`)
 * covers several communes and cannot stand for one of them.
 */
const GEOM = `ST_Multi(coalesce(c.geom, (SELECT ST_Union(d.the_geom) FROM gpu_document d WHERE d.partition = 'DU_' || c.code AND d.the_geom IS NOT NULL)))`;
const HAS_GEOM = `(c.geom IS NOT NULL OR EXISTS (SELECT 1 FROM gpu_document d WHERE d.partition = 'DU_' || c.code AND d.the_geom IS NOT NULL))`;

const SHEET = `INSERT INTO terroir_dataset (id, layer, source, producer, licence, feature_count, details)
  VALUES ($1, 'gpu.municipality', 'limites_commune', 'IGN / INSEE (communes of the administrative units)', 'Licence Ouverte 2.0 (Etalab)',
          (SELECT count(*)::int FROM gpu_municipality WHERE dataset_id = $1), '{"derived": "is_rnu computed from the loaded documents"}'::jsonb)
  ON CONFLICT (id) DO UPDATE SET feature_count = EXCLUDED.feature_count, imported_at = now()`;

/**
 * Inside the transaction of a commune contour import (limites-administratives/contours.ts): the
 * derived rows of `communes` rebuilt from their new contours, so that the municipality layer follows
 * the import that changed its input, at once and without a restart. Returns the rows written.
 */
export async function refreshMunicipalitiesOf(tx: Queryable, communes: string[]): Promise<number> {
  if (!communes.length) return 0;
  await lockUntilCommit(tx, DERIVE_LOCK);
  await tx.query('DELETE FROM gpu_municipality WHERE dataset_id = $1 AND insee = ANY($2::text[])', [DERIVED_DATASET, communes]);
  const [{ n }] = await tx.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO gpu_municipality (dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom)
       SELECT $1, c.code, c.nom_m, NULL, false, NULL, ${GEOM} FROM limites_commune c
       WHERE c.code = ANY($2::text[]) AND ${HAS_GEOM}
         AND NOT EXISTS (SELECT 1 FROM gpu_municipality m WHERE m.insee = c.code AND m.dataset_id <> $1)
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [DERIVED_DATASET, communes],
  );
  await tx.query(SHEET, [DERIVED_DATASET]);
  return n;
}

/**
 * After a GPU answer's municipality rows are loaded (in the import's transaction): the derived rows of
 * the same communes go, so that a commune is one feature whichever came first, contours or answer.
 */
export async function answerMunicipalityAfterLoad(tx: Queryable, datasetId: string): Promise<void> {
  const rows = await tx.query<{ insee: string }>('SELECT DISTINCT insee FROM gpu_municipality WHERE dataset_id = $1', [datasetId]);
  await refreshMunicipalitiesOf(tx, rows.map((r) => r.insee));
}

/**
 * Rebuilds the derived municipality rows in one transaction. Returns the number of communes written,
 * or null when nothing was done (no administrative units table, no contour, or already up to date).
 */
export async function refreshMunicipalities(db: Database, opts: RefreshOptions = {}): Promise<number | null> {
  const [reg] = await db.query<{ t: string | null }>(`SELECT to_regclass('limites_commune')::text AS t`);
  if (!reg.t) return null;
  // Only communes not already published by a GPU answer: those rows carry the GPU's own flags.
  const candidates = `FROM limites_commune c
    WHERE ${HAS_GEOM}
      AND NOT EXISTS (SELECT 1 FROM gpu_municipality m WHERE m.insee = c.code AND m.dataset_id <> '${DERIVED_DATASET}')`;
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${candidates}`);
  if (n === 0) return null;
  if (opts.onlyIfMissing) {
    const [{ d }] = await db.query<{ d: number }>('SELECT count(*)::int AS d FROM gpu_municipality WHERE dataset_id = $1', [DERIVED_DATASET]);
    if (d === n) return null;
  }
  return db.transaction(async (tx) => {
    await lockUntilCommit(tx, DERIVE_LOCK);
    await tx.query('DELETE FROM gpu_municipality WHERE dataset_id = $1', [DERIVED_DATASET]);
    // GPU names are the upper-case unaccented form (`SAINT-NAZAIRE-LE-DESERT`): ADMIN EXPRESS NOM_M.
    const rows = await tx.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO gpu_municipality (dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom)
         SELECT $1, c.code, c.nom_m, NULL, false, NULL, ${GEOM} ${candidates}
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [DERIVED_DATASET],
    );
    const written = rows[0].n;
    await tx.query(
      `INSERT INTO terroir_dataset (id, layer, source, producer, licence, feature_count, details)
       VALUES ($1, 'gpu.municipality', 'limites_commune', 'IGN / INSEE (communes of the administrative units)', 'Licence Ouverte 2.0 (Etalab)', $2,
               '{"derived": "is_rnu computed from the loaded documents"}'::jsonb)
       ON CONFLICT (id) DO UPDATE SET feature_count = EXCLUDED.feature_count, imported_at = now()`,
      [DERIVED_DATASET, written],
    );
    return written;
  });
}
