/**
 * The farms and their PAC fields, the last two stages of the territory's geometry (geometry.ts runs
 * them after the cadastre): farms over the farmland blocks, then fields cut in every farmed block.
 */
import type { Database } from '../db/database.ts';
import type { DemoParams } from './params.ts';
import type { Fields } from './landscape.ts';
import { Rng } from './random.ts';
import { inChunks, run } from './sql.ts';

/**
 * Farm types (OTEX-like), their mean field size (ha) and share outside the wine-growing hills. The
 * sizes give a mean declared parcel of ≈ 3 ha, the national mean of the RPG (≈ 9.5 M parcels for
 * 27 M ha).
 */
export const OTEX = {
  'grandes-cultures': { fieldHa: 4.6, share: 0.36 },
  'bovins': { fieldHa: 2.6, share: 0.28 },
  'polyculture-elevage': { fieldHa: 3.3, share: 0.24 },
  'arboriculture': { fieldHa: 1.8, share: 0.08 },
  'maraichage': { fieldHa: 1.2, share: 0.04 },
  'viticulture': { fieldHa: 1.4, share: 0 },
} as const;
export type Otex = keyof typeof OTEX;

/** Stage 5: farms over the farmland blocks (4 % of farmland is not declared to the PAC). */
export async function farms(db: Database, p: DemoParams, f: Fields): Promise<void> {
  await run(
    db,
    `INSERT INTO demo_w_seed (kind, id, grp, pt)
     SELECT 'farm', id, CASE WHEN vigne THEN 'v' ELSE 'g' END, seed FROM demo_w_block
     WHERE kind = 'agricole' AND demo_u($1, id, 41) >= 0.04 AND demo_u($1, id, 42) < CASE WHEN vigne THEN 0.55 ELSE 0.32 END`,
    [p.seed],
  );
  if (db.backend === 'pglite') await db.query('ANALYZE demo_w_seed');
  await run(
    db,
    `WITH d AS MATERIALIZED (
       SELECT id, seed, CASE WHEN vigne THEN 'v' ELSE 'g' END AS g FROM demo_w_block
       WHERE kind = 'agricole' AND demo_u($1, id, 41) >= 0.04
     )
     UPDATE demo_w_block b SET farm = (SELECT s.id FROM demo_w_seed s WHERE s.kind = 'farm' AND s.grp = d.g ORDER BY s.pt <-> d.seed LIMIT 1)
     FROM d WHERE d.id = b.id`,
    [p.seed],
  );
  const rows = await db.query<{ id: number; grp: string; insee: string; liv: number }>(
    `SELECT s.id, s.grp, b.insee, demo_wave(ST_X(s.pt), ST_Y(s.pt), $1::float8[]) AS liv
     FROM demo_w_seed s JOIN demo_w_block b ON b.id = s.id WHERE s.kind = 'farm' ORDER BY s.id`,
    [f.livestock],
  );
  const ids: number[] = [];
  const pacage: string[] = [];
  const otex: string[] = [];
  const forme: string[] = [];
  const siege: string[] = [];
  for (const r of rows) {
    const rng = new Rng(p.seed, 301, r.id);
    let o: Otex;
    if (r.grp === 'v') o = rng.next() < 0.85 ? 'viticulture' : 'polyculture-elevage';
    else {
      // Livestock where the smooth "bocage" field is high, crops where it is low.
      const tilt = Math.max(-0.6, Math.min(0.6, r.liv));
      o = rng.weighted<Otex>([
        ['grandes-cultures', OTEX['grandes-cultures'].share * (1 - tilt)],
        ['bovins', OTEX.bovins.share * (1 + tilt)],
        ['polyculture-elevage', OTEX['polyculture-elevage'].share],
        ['arboriculture', OTEX.arboriculture.share],
        ['maraichage', OTEX.maraichage.share],
      ]);
    }
    ids.push(r.id);
    // PACAGE: 9 digits, the département on 3 then a number (level 2: never published).
    pacage.push(`0${p.codeDep}${String(100000 + ((r.id * 7919) % 900000)).padStart(6, '0')}`);
    otex.push(o);
    forme.push(
      rng.weighted<string>(
        o === 'bovins' || o === 'polyculture-elevage'
          ? { 'Exploitant individuel': 45, GAEC: 30, EARL: 20, SCEA: 5 }
          : { 'Exploitant individuel': 55, EARL: 25, SCEA: 12, GAEC: 5, SARL: 3 } as Record<string, number>,
      ),
    );
    siege.push(r.insee);
  }
  // Two farms could map to one PACAGE: disambiguate deterministically.
  const seen = new Set<string>();
  for (let i = 0; i < pacage.length; i++) {
    while (seen.has(pacage[i])) pacage[i] = `0${p.codeDep}${String(((Number(pacage[i].slice(3)) + 1 - 100000) % 900000) + 100000).padStart(6, '0')}`;
    seen.add(pacage[i]);
  }
  await run(
    db,
    `INSERT INTO demo_w_farm (id, pacage, otex, forme_juri, siege)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    [ids, pacage, otex, forme, siege],
  );
}

/**
 * Smallest declared field: SURF_PARC is published in hectares with 2 decimals, so below 0.55 ha the
 * rounding alone would exceed 1 % of the area; smaller corners stay undeclared (as in reality, where
 * some corners of farmland are not in the RPG).
 */
export const MIN_FIELD_M2 = 5_500;

/** Stage 6: PAC fields in every farmed block. */
export async function fields(db: Database, p: DemoParams): Promise<void> {
  const [{ max }] = await db.query<{ max: number }>('SELECT coalesce(max(id), 0)::int AS max FROM demo_w_block');
  const sizes = Object.entries(OTEX).map(([k, v]) => [k, v.fieldHa * 1e4]);
  await inChunks(db, 1, max, 400, (q, lo, hi) =>
    q.query(
      `WITH sz AS (SELECT * FROM unnest($2::text[], $3::float8[]) AS s(otex, m2))
       INSERT INTO demo_w_field (id, block_id, farm, insee, ilot, num, surf_ha, geom)
       SELECT b.id * 4096 + t.k, b.id, b.farm, b.insee, 0, t.k, ST_Area(g.geom) / 1e4, g.geom
       FROM demo_w_block b
       JOIN demo_w_farm fm ON fm.id = b.farm
       JOIN sz ON sz.otex = CASE WHEN b.vigne AND fm.otex = 'viticulture' THEN 'viticulture'
                                 WHEN fm.otex = 'viticulture' THEN 'polyculture-elevage' ELSE fm.otex END,
       LATERAL (SELECT greatest(1, round(ST_Area(b.geom) / sz.m2 * (0.7 + 0.6 * demo_u($1, b.id, 61))))::int AS n,
                       demo_u($1, b.id, 52) * pi() + (demo_u($1, b.id, 62) - 0.5) * 0.3 AS theta,
                       1.3 + 1.7 * demo_u($1, b.id, 63) AS stretch) AS z,
       LATERAL demo_tessellate(b.geom, least(z.n, 4000), z.theta, z.stretch, $1, b.id, 64) WITH ORDINALITY AS t(piece, k),
       LATERAL (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Buffer(t.piece, -3, 'join=mitre mitre_limit=2')), 3)) AS geom) AS g
       WHERE b.id BETWEEN $4 AND $5 AND NOT ST_IsEmpty(g.geom) AND ST_Area(g.geom) >= $6`,
      [p.seed, sizes.map((s) => s[0]), sizes.map((s) => s[1]), lo, hi, MIN_FIELD_M2],
    ),
  );
  // Îlot numbers: the farm's blocks in id order; parcels numbered within their îlot.
  await run(
    db,
    `UPDATE demo_w_field f SET ilot = r.ilot, num = r.num FROM (
       SELECT id, dense_rank() OVER (PARTITION BY farm ORDER BY block_id) AS ilot,
              row_number() OVER (PARTITION BY block_id ORDER BY id) AS num
       FROM demo_w_field) AS r
     WHERE r.id = f.id`,
  );
}
