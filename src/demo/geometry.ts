/**
 * The territory's geometry, built in PostGIS in Lambert-93 (never clipped by hand in JS):
 *
 *  outline  a closed curve whose radius is a sum of seeded harmonics (wobbly, no straight edge);
 *  blocks   Voronoi cells of a jittered grid of seeds (≈ 25 ha), clipped to the outline: the landscape
 *           unit everything else is assembled from, so that every layer nests without slivers;
 *  communes K Lloyd-relaxed seeds; each block joins the nearest one after a smooth random displacement
 *           of its seed (irregular but compact contours), enclaves merged into a neighbour; a commune
 *           is the ST_Union of its blocks, so communes tile the territory exactly;
 *  EPCI     the same over communes; land use from smooth random fields (forest, wine-growing hills)
 *           and the chef-lieu's population (the urban core);
 *  sections groups of about five blocks per commune, split into feuilles;
 *  parcels  each block cut by demo_tessellate() (elongated Voronoi pieces): cadastre parcels tile
 *           their block, hence their section, commune and the territory; PAC fields are cut the same
 *           way in farmed blocks, then shrunk by 3 m (hedges, tracks), so they lie inside their commune.
 *
 * JS only chooses numbers (seeded) and names; every coordinate comes out of PostGIS.
 */
import type { Database } from '../db/database.ts';
import type { DemoParams } from './params.ts';
import { Rng } from './random.ts';
import { randomFields, type Fields } from './landscape.ts';
import { inChunks, run } from './sql.ts';
import { communeNames, epciName } from './names.ts';
import { farms, fields } from './farms.ts';

export const WORK_TABLES = [
  'demo_w_territory', 'demo_w_seed', 'demo_w_block', 'demo_w_epci', 'demo_w_commune', 'demo_w_section',
  'demo_w_cadastre', 'demo_w_farm', 'demo_w_field', 'demo_w_crop', 'demo_w_feature',
] as const;

export type Progress = (step: string, detail?: Record<string, unknown>) => void;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Section codes, 2 characters as the PCI stores them: an old plan numbers them 0A, 0B… (AA, AB… past
 * 26); a renovated one AA, AB… in the village and ZA, ZB… (then YA…) where land consolidation
 * (remembrement) redrew the farmland.
 */
export function sectionCode(i: number, style: 'ancien' | 'renove' | 'remembre'): string {
  if (style === 'ancien') return i < 26 ? `0${LETTERS[i]}` : LETTERS[Math.floor(i / 26) - 1] + LETTERS[i % 26];
  const first = style === 'renove' ? Math.floor(i / 26) : 25 - Math.floor(i / 26);
  return LETTERS[first] + LETTERS[i % 26];
}

/** Luhn check digit, as SIREN numbers carry. */
export function luhnComplete(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + String((10 - (sum % 10)) % 10);
}

export async function clearWork(db: Database): Promise<void> {
  await run(db, `TRUNCATE ${WORK_TABLES.join(', ')}`);
}

/** Stage 1: outline, blocks. */
async function outlineAndBlocks(db: Database, p: DemoParams, f: Fields): Promise<void> {
  const area = p.communes * p.communeKm2 * 1e6;
  const radius = Math.sqrt(area / Math.PI);
  await run(
    db,
    `INSERT INTO demo_w_territory (id, nom, code_dep, geom)
     SELECT 1, $1, $2, ST_Multi(ST_MakePolygon(ST_AddPoint(line, ST_StartPoint(line))))
     FROM (
       SELECT ST_MakeLine(ST_SetSRID(ST_MakePoint($3 + r * cos(th), $4 + r * sin(th)), 2154) ORDER BY t) AS line
       FROM (SELECT t, 2 * pi() * t / 720 AS th FROM generate_series(0, 719) AS t) AS a,
       LATERAL (SELECT $5::float8 * (1 + demo_wave(th, 0, $6::float8[])) AS r) AS b
     ) AS l`,
    ['Territoire de démonstration (synthétique)', p.codeDep, p.centre[0], p.centre[1], radius, f.outline],
  );
  // Scale to the exact target area around the centre.
  await run(
    db,
    `UPDATE demo_w_territory SET geom = ST_Translate(ST_Scale(ST_Translate(geom, -$1::float8, -$2::float8), s, s), $1::float8, $2::float8)
     FROM (SELECT sqrt($3::float8 / ST_Area(geom)) AS s FROM demo_w_territory) AS k`,
    [p.centre[0], p.centre[1], area],
  );
  const step = Math.sqrt(p.blockHa * 1e4);
  await run(
    db,
    `INSERT INTO demo_w_block (id, seed)
     SELECT row_number() OVER (ORDER BY q.i, q.j)::int, q.pt
     FROM (
       SELECT i, j, ST_SetSRID(ST_MakePoint(
                e.x0 + (i + 0.5 + 0.9 * (demo_u($1, i::bigint * 65536 + j, 1) - 0.5)) * $2,
                e.y0 + (j + 0.5 + 0.9 * (demo_u($1, i::bigint * 65536 + j, 2) - 0.5)) * $2), 2154) AS pt
       FROM demo_w_territory t,
       LATERAL (SELECT floor(ST_XMin(t.geom) / $2) * $2 AS x0, floor(ST_YMin(t.geom) / $2) * $2 AS y0,
                       ceil((ST_XMax(t.geom) - ST_XMin(t.geom)) / $2)::int + 1 AS ni,
                       ceil((ST_YMax(t.geom) - ST_YMin(t.geom)) / $2)::int + 1 AS nj) AS e,
       generate_series(0, e.ni) AS i, generate_series(0, e.nj) AS j
     ) AS q, demo_w_territory t
     WHERE ST_Intersects(t.geom, q.pt)`,
    [p.seed, step],
  );
  // Voronoi cells of the seeds, clipped to the outline; a cell cut in pieces by the wobbly edge
  // keeps the piece holding its seed (the territory becomes the union of blocks, see communes()).
  await run(
    db,
    `WITH v AS (
       SELECT (ST_Dump(ST_VoronoiPolygons((SELECT ST_Collect(seed ORDER BY id) FROM demo_w_block), 0,
                                          (SELECT ST_Expand(geom, $1) FROM demo_w_territory)))).geom AS cell
     )
     UPDATE demo_w_block b SET geom = (
       SELECT ST_Multi(d.geom)
       FROM demo_w_territory t, ST_Dump(ST_CollectionExtract(ST_Intersection(v.cell, t.geom), 3)) AS d
       ORDER BY ST_Intersects(d.geom, b.seed) DESC, ST_Area(d.geom) DESC LIMIT 1)
     FROM v WHERE ST_Contains(v.cell, b.seed)`,
    [step * 2],
  );
  await run(db, 'DELETE FROM demo_w_block WHERE geom IS NULL OR ST_IsEmpty(geom)');
}

/** Picks `n` points inside the territory then Lloyd-relaxes them over the block seeds. */
async function relaxedSeeds(db: Database, p: DemoParams, kind: string, n: number, salt: number, iterations: number) {
  await run(
    db,
    `INSERT INTO demo_w_seed (kind, id, pt)
     SELECT $1, row_number() OVER (ORDER BY c.k)::int, c.pt
     FROM (
       SELECT k, ST_SetSRID(ST_MakePoint(ST_XMin(t.geom) + demo_u($2, k, $4) * (ST_XMax(t.geom) - ST_XMin(t.geom)),
                                         ST_YMin(t.geom) + demo_u($2, k, $4 + 1) * (ST_YMax(t.geom) - ST_YMin(t.geom))), 2154) AS pt
       FROM demo_w_territory t, generate_series(1, $3 * 10 + 20) AS k
     ) AS c, demo_w_territory t
     WHERE ST_Intersects(t.geom, c.pt)
     ORDER BY c.k LIMIT $3`,
    [kind, p.seed, n, salt],
  );
  for (let i = 0; i < iterations; i++) {
    await run(
      db,
      `WITH a AS (
         SELECT b.id, b.seed, (SELECT s.id FROM demo_w_seed s WHERE s.kind = $1 ORDER BY s.pt <-> b.seed LIMIT 1) AS sid
         FROM demo_w_block b
       ), c AS (SELECT sid, ST_Centroid(ST_Collect(seed ORDER BY id)) AS ctr FROM a GROUP BY sid)
       UPDATE demo_w_seed s SET pt = c.ctr FROM c WHERE s.kind = $1 AND s.id = c.sid`,
      [kind],
    );
  }
}

/** Merges every piece of a group but its largest into the neighbouring group it shares most border with. */
async function makeContiguous(db: Database, table: 'demo_w_block' | 'demo_w_commune', groupColumn: string, idColumn: string): Promise<number> {
  let moved = 0;
  for (let pass = 0; pass < 8; pass++) {
    const rows = await run(
      db,
      `WITH parts AS (
         SELECT ${groupColumn} AS grp, (ST_Dump(ST_Union(geom ORDER BY ${idColumn}))).geom AS part FROM ${table} GROUP BY ${groupColumn}
       ), ranked AS (
         SELECT grp, part, row_number() OVER (PARTITION BY grp ORDER BY ST_Area(part) DESC, ST_XMin(part), ST_YMin(part)) AS rk FROM parts
       ), stray AS (
         SELECT x.${idColumn} AS id FROM ${table} x JOIN ranked r ON r.grp = x.${groupColumn} AND r.rk > 1
          AND ST_Intersects(r.part, ST_PointOnSurface(x.geom))
       )
       UPDATE ${table} x SET ${groupColumn} = coalesce((
         SELECT n.${groupColumn} FROM ${table} n
         WHERE n.geom && x.geom AND n.${groupColumn} <> x.${groupColumn} AND ST_Intersects(n.geom, x.geom)
         GROUP BY n.${groupColumn}
         ORDER BY sum(ST_Length(ST_CollectionExtract(ST_Intersection(n.geom, x.geom), 2))) DESC, n.${groupColumn} LIMIT 1), x.${groupColumn})
       FROM stray WHERE stray.id = x.${idColumn}
       RETURNING x.${idColumn}`,
    );
    moved += rows.length;
    if (!rows.length) break;
  }
  return moved;
}

/** Stage 2: communes (names, codes, populations, chef-lieu) and EPCI. */
async function communesAndEpci(db: Database, p: DemoParams, f: Fields): Promise<void> {
  await relaxedSeeds(db, p, 'commune', p.communes, 11, 5);
  const amp = Math.sqrt(p.communeKm2) * 1000 * 0.45;
  await run(
    db,
    // The displaced points are computed once (MATERIALIZED), so that the nearest-seed search is a
    // GiST KNN scan against a constant rather than a sort re-evaluating the waves per candidate.
    `WITH d AS MATERIALIZED (
       SELECT id, ST_Translate(seed, $1 * demo_wave(ST_X(seed), ST_Y(seed), $2::float8[]),
                                     $1 * demo_wave(ST_X(seed), ST_Y(seed), $3::float8[])) AS p
       FROM demo_w_block
     )
     UPDATE demo_w_block b SET commune_seed = (SELECT s.id FROM demo_w_seed s WHERE s.kind = 'commune' ORDER BY s.pt <-> d.p LIMIT 1)
     FROM d WHERE d.id = b.id`,
    [amp, f.communeDx, f.communeDy],
  );
  await makeContiguous(db, 'demo_w_block', 'commune_seed', 'id');

  // Names and codes: INSEE numbers communes in alphabetical order within a département.
  const seeds = await db.query<{ id: number; n: number; x: number; y: number }>(
    `SELECT commune_seed AS id, count(*)::int AS n, avg(ST_X(seed) ORDER BY id) AS x, avg(ST_Y(seed) ORDER BY id) AS y
     FROM demo_w_block GROUP BY commune_seed ORDER BY commune_seed`,
  );
  const names = communeNames(p.seed, seeds.length);
  const sortedNames = [...names].sort((a, b) => a.localeCompare(b, 'fr'));
  // The most central commune is the small town (sous-préfecture sized); others are villages.
  let town = seeds[0];
  for (const s of seeds) {
    if (Math.hypot(s.x - p.centre[0], s.y - p.centre[1]) < Math.hypot(town.x - p.centre[0], town.y - p.centre[1])) town = s;
  }
  const insee: string[] = [];
  const nom: string[] = [];
  const pop: number[] = [];
  const ids: number[] = [];
  seeds.forEach((s, i) => {
    const rng = new Rng(p.seed, 201, s.id);
    const name = names[i];
    ids.push(s.id);
    nom.push(name);
    insee.push(p.codeDep + String(p.firstCommuneNumber + sortedNames.indexOf(name)).padStart(3, '0'));
    const base = Math.exp(5.7 + 0.85 * rng.normal()) * (0.6 + s.n / 40);
    // The town grows with the territory (≈ 7 000 inhabitants for 12 communes, 20 000 for 300).
    const townPop = Math.min(20_000, 1_000 * p.communes ** 0.8) * (0.8 + 0.4 * rng.next());
    pop.push(Math.max(30, Math.round(s === town ? Math.max(base, townPop) : Math.min(base, 6_000))));
  });
  await run(
    db,
    `INSERT INTO demo_w_commune (insee, seed_id, nom, population)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[])`,
    [insee, ids, nom, pop],
  );
  await run(db, 'UPDATE demo_w_block b SET insee = c.insee FROM demo_w_commune c WHERE c.seed_id = b.commune_seed');
  await run(
    db,
    `UPDATE demo_w_commune c SET geom = u.g FROM (
       SELECT insee, ST_Multi(ST_Union(geom ORDER BY id)) AS g FROM demo_w_block GROUP BY insee) AS u
     WHERE u.insee = c.insee`,
  );
  // The chef-lieu: the seed of the block nearest to the commune's (relaxed) seed point.
  await run(
    db,
    `UPDATE demo_w_commune c SET chef_lieu = (
       SELECT b.seed FROM demo_w_block b, demo_w_seed s
       WHERE b.insee = c.insee AND s.kind = 'commune' AND s.id = c.seed_id
       ORDER BY b.seed <-> s.pt LIMIT 1)`,
  );
  await run(db, 'UPDATE demo_w_territory SET geom = (SELECT ST_Multi(ST_Union(geom ORDER BY insee)) FROM demo_w_commune)');

  // EPCI: the same construction one level up, over communes.
  const nEpci = Math.max(1, Math.round(p.communes / p.communesPerEpci));
  await relaxedSeeds(db, p, 'epci', nEpci, 13, 5);
  const ampE = Math.sqrt(p.communeKm2 * p.communesPerEpci) * 1000 * 0.3;
  await run(
    db,
    `WITH d AS MATERIALIZED (
       SELECT insee, ST_Translate(chef_lieu, $1 * demo_wave(ST_X(chef_lieu), ST_Y(chef_lieu), $2::float8[]),
                                            $1 * demo_wave(ST_X(chef_lieu), ST_Y(chef_lieu), $3::float8[])) AS p
       FROM demo_w_commune
     )
     UPDATE demo_w_commune c SET epci = (SELECT s.id::text FROM demo_w_seed s WHERE s.kind = 'epci' ORDER BY s.pt <-> d.p LIMIT 1)
     FROM d WHERE d.insee = c.insee`,
    [ampE, f.epciDx, f.epciDy],
  );
  await makeContiguous(db, 'demo_w_commune', 'epci', 'insee');
  const epcis = await db.query<{ grp: string; pop: number; main: string }>(
    `SELECT epci AS grp, sum(population)::int AS pop,
            (array_agg(nom ORDER BY population DESC, insee))[1] AS main
     FROM demo_w_commune GROUP BY epci ORDER BY min(insee)`,
  );
  const siren: string[] = [];
  const grp: string[] = [];
  const enom: string[] = [];
  const etype: string[] = [];
  epcis.forEach((e, i) => {
    const rng = new Rng(p.seed, 202, i);
    // 2479xxxx + Luhn: a SIREN shape BANATIC does not use (a test checks against the real EPCI list).
    siren.push(luhnComplete(`2479${String(rng.int(0, 9999)).padStart(4, '0')}`));
    grp.push(e.grp);
    const type = e.pop >= 50_000 ? 'CA' : 'CC';
    etype.push(type);
    enom.push(`${epciName(p.seed, i, e.main, type)} (synthétique)`);
  });
  // Two EPCI could draw the same number: make them distinct deterministically.
  for (let i = 0; i < siren.length; i++) {
    while (siren.indexOf(siren[i]) !== i) siren[i] = luhnComplete(String(Number(siren[i].slice(0, 8)) + 1));
  }
  await run(
    db,
    `INSERT INTO demo_w_epci (siren, nom, type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    [siren, enom, etype],
  );
  await run(
    db,
    `UPDATE demo_w_commune c SET epci = m.siren FROM unnest($1::text[], $2::text[]) AS m(grp, siren) WHERE c.epci = m.grp`,
    [grp, siren],
  );
  await run(
    db,
    `UPDATE demo_w_epci e SET geom = u.g FROM (
       SELECT epci, ST_Multi(ST_Union(geom ORDER BY insee)) AS g FROM demo_w_commune GROUP BY epci) AS u WHERE u.epci = e.siren`,
  );
}

/** Stage 3: land use, sections and feuilles. */
async function landUseAndSections(db: Database, p: DemoParams, f: Fields): Promise<void> {
  // Urban core: blocks within the radius of a built-up area of ~400 m² per inhabitant.
  await run(
    db,
    `UPDATE demo_w_block b SET kind = 'urbain' FROM demo_w_commune c
     WHERE b.insee = c.insee AND (b.seed ~= c.chef_lieu OR ST_DWithin(b.seed, c.chef_lieu, sqrt(c.population * 400 / pi())))`,
  );
  await run(
    db,
    `WITH r AS (
       SELECT id, percent_rank() OVER (ORDER BY demo_wave(ST_X(seed), ST_Y(seed), $1::float8[]) + 0.5 * (demo_u($2, id, 21) - 0.5), id) AS pr
       FROM demo_w_block WHERE kind IS NULL
     )
     UPDATE demo_w_block b SET kind = CASE WHEN r.pr >= 1 - $3::float8 THEN 'foret' ELSE 'agricole' END FROM r WHERE r.id = b.id`,
    [f.forest, p.seed, p.shares.foret],
  );
  await run(
    db,
    `WITH r AS (
       SELECT id, percent_rank() OVER (ORDER BY demo_wave(ST_X(seed), ST_Y(seed), $1::float8[]) + 0.15 * (demo_u($2, id, 22) - 0.5), id) AS pr
       FROM demo_w_block
     )
     UPDATE demo_w_block b SET vigne = r.pr >= 1 - $3::float8, cru = r.pr >= 1 - $4::float8 FROM r WHERE r.id = b.id`,
    [f.vine, p.seed, p.shares.vigne, p.shares.cru],
  );

  // Sections: ~5 blocks each; centres drawn per commune, one Lloyd step, blocks to the nearest centre.
  await run(
    db,
    `INSERT INTO demo_w_seed (kind, id, grp, pt)
     SELECT 'section', id, insee, seed FROM (
       SELECT b.id, b.insee, b.seed, row_number() OVER (PARTITION BY b.insee ORDER BY demo_u($1, b.id, 31), b.id) AS rk,
              count(*) OVER (PARTITION BY b.insee) AS nb
       FROM demo_w_block b) AS c
     WHERE rk <= greatest(1, round(nb / 5.0))`,
    [p.seed],
  );
  const assign = `UPDATE demo_w_block b SET section = (
      SELECT s.id::text FROM demo_w_seed s WHERE s.kind = 'section' AND s.grp = b.insee ORDER BY s.pt <-> b.seed LIMIT 1)`;
  await run(db, assign);
  await run(
    db,
    `UPDATE demo_w_seed s SET pt = c.ctr FROM (
       SELECT section, ST_Centroid(ST_Collect(seed ORDER BY id)) AS ctr FROM demo_w_block GROUP BY section) AS c
     WHERE s.kind = 'section' AND s.id::text = c.section`,
  );
  await run(db, assign);
  // Letters in reading order (north-west first), feuilles in west-to-east strips of ~4 blocks.
  const sections = await db.query<{ insee: string; section: string; farmland: boolean }>(
    `SELECT insee, section, avg((kind = 'agricole')::int) > 0.6 AS farmland FROM demo_w_block GROUP BY insee, section
     ORDER BY insee, -round(avg(ST_Y(seed) ORDER BY id) / 500), avg(ST_X(seed) ORDER BY id), section`,
  );
  const from: string[] = [];
  const to: string[] = [];
  let last = '';
  let renovated = false;
  const k = { ancien: 0, renove: 0, remembre: 0 };
  for (const s of sections) {
    if (s.insee !== last) {
      last = s.insee;
      renovated = new Rng(p.seed, 203, Number(s.insee)).next() < 0.7;
      k.ancien = k.renove = k.remembre = 0;
    }
    const style = !renovated ? 'ancien' : s.farmland ? 'remembre' : 'renove';
    from.push(s.section);
    to.push(sectionCode(k[style]++, style));
  }
  await run(db, 'UPDATE demo_w_block b SET section = m.code FROM unnest($1::text[], $2::text[]) AS m(id, code) WHERE b.section = m.id', [from, to]);
  await run(
    db,
    `UPDATE demo_w_block b SET feuille = r.f FROM (
       SELECT id, ntile(nf) OVER (PARTITION BY insee, section ORDER BY x, id) AS f
       FROM (SELECT id, insee, section, ST_X(seed) AS x,
                    greatest(1, ceil(count(*) OVER (PARTITION BY insee, section) / 4.0))::int AS nf
             FROM demo_w_block) AS c) AS r
     WHERE r.id = b.id`,
  );
  await run(
    db,
    `INSERT INTO demo_w_section (insee, section, feuille, geom)
     SELECT insee, section, feuille, ST_Multi(ST_Union(geom ORDER BY id)) FROM demo_w_block GROUP BY insee, section, feuille`,
  );
}

/** Stage 4: cadastre parcels tiling every block. */
async function cadastre(db: Database, p: DemoParams): Promise<void> {
  const [{ max }] = await db.query<{ max: number }>('SELECT coalesce(max(id), 0)::int AS max FROM demo_w_block');
  await inChunks(db, 1, max, 400, (q, lo, hi) =>
    q.query(
      `INSERT INTO demo_w_cadastre (id, block_id, insee, section, feuille, geom)
       SELECT b.id * 4096 + t.k, b.id, b.insee, b.section, b.feuille, t.piece
       FROM demo_w_block b,
       LATERAL (SELECT greatest(1, round(ST_Area(b.geom) / (CASE b.kind WHEN 'urbain' THEN $2::float8 WHEN 'foret' THEN $4::float8 ELSE $3::float8 END)
                                         * (0.7 + 0.6 * demo_u($1, b.id, 51))))::int AS n,
                       demo_u($1, b.id, 52) * pi() AS theta,
                       CASE b.kind WHEN 'foret' THEN 1.3 ELSE 1.4 + 1.6 * demo_u($1, b.id, 53) END AS stretch) AS z,
       LATERAL demo_tessellate(b.geom, least(z.n, 4000), z.theta, z.stretch, $1, b.id, 54) WITH ORDINALITY AS t(piece, k)
       WHERE b.id BETWEEN $5 AND $6`,
      [p.seed, p.lotM2.urbain, p.lotM2.agricole, p.lotM2.foret, lo, hi],
    ),
  );
  // Numbers restart at 1 in every section, in reading order of the sheets.
  await run(
    db,
    `UPDATE demo_w_cadastre c SET numero = lpad(r.n::text, 4, '0'), contenance = round(ST_Area(c.geom))::int FROM (
       SELECT id, row_number() OVER (PARTITION BY insee, section ORDER BY feuille, -round(ST_YMax(geom) / 50), ST_XMin(geom), id) AS n
       FROM demo_w_cadastre) AS r
     WHERE r.id = c.id`,
  );
}

export type GeometryFigures = {
  communes: number;
  epci: number;
  blocks: number;
  cadastre: number;
  farms: number;
  fields: number;
  areaKm2: number;
};

/** Builds every geometry of the territory into the demo_w_* tables (after clearWork). */
export async function buildGeometry(db: Database, p: DemoParams, progress: Progress = () => {}): Promise<GeometryFigures> {
  const f = randomFields(p);
  const steps: [string, () => Promise<void>][] = [
    ['outline and blocks', () => outlineAndBlocks(db, p, f)],
    ['communes and EPCI', () => communesAndEpci(db, p, f)],
    ['land use and sections', () => landUseAndSections(db, p, f)],
    ['cadastre parcels', () => cadastre(db, p)],
    ['farms', () => farms(db, p, f)],
    ['PAC fields', () => fields(db, p)],
  ];
  for (const [name, fn] of steps) {
    const t0 = performance.now();
    await fn();
    progress(name, { ms: Math.round(performance.now() - t0) });
  }
  const [row] = await db.query<GeometryFigures>(
    `SELECT (SELECT count(*)::int FROM demo_w_commune) AS communes, (SELECT count(*)::int FROM demo_w_epci) AS epci,
            (SELECT count(*)::int FROM demo_w_block) AS blocks, (SELECT count(*)::int FROM demo_w_cadastre) AS cadastre,
            (SELECT count(*)::int FROM demo_w_farm) AS farms, (SELECT count(*)::int FROM demo_w_field) AS fields,
            (SELECT ST_Area(geom) / 1e6 FROM demo_w_territory) AS "areaKm2"`,
  );
  return row;
}

