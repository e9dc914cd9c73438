/**
 * The territory's regulatory layers, built from the blocks in PostGIS (Lambert-93) into
 * demo_w_feature, each with the properties of the file it would be published in:
 *
 *  aoc       INAO parcel delimitation: one zone per denomination and commune over the farmland of the
 *            wine-growing hills (the AOC), and a smaller "cru" denomination on the best slopes;
 *  urbanisme one document per commune (PLU, or carte communale for small villages) or per EPCI
 *            (PLUi), CNIG standard: DOC_URBA, ZONE_URBA (UA, UB, 1AU, A, Ap, N) or SECTEUR_CC (ZC,
 *            ZnC), PRESCRIPTION_SURF (espaces boisés classés, emplacements réservés), PRESCRIPTION_LIN
 *            (hedges), PRESCRIPTION_PCT (heritage), INFO_SURF (droit de préemption urbain, sites
 *            archéologiques).
 */
import type { Database } from '../db/database.ts';
import type { DemoParams } from './params.ts';
import { appellationNames, upperNoAccents } from './names.ts';
import { hash01, Rng } from './random.ts';
import { run } from './sql.ts';

/** Documents: PLUi for some large EPCI, else PLU for bourgs and CC for small villages. */
async function documents(db: Database, p: DemoParams): Promise<void> {
  const communes = await db.query<{ insee: string; population: number; epci: string; n: number }>(
    `SELECT c.insee, c.population, c.epci, count(*) OVER (PARTITION BY c.epci)::int AS n FROM demo_w_commune c ORDER BY c.insee`,
  );
  const epciCount = new Set(communes.map((c) => c.epci)).size;
  const insee: string[] = [];
  const type: string[] = [];
  const partition: string[] = [];
  const idurba: string[] = [];
  const datappro: string[] = [];
  const date = (rng: Rng) => {
    const y = rng.int(2011, 2023);
    return `${y}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}`;
  };
  const epciDate = new Map<string, string>();
  for (const c of communes) {
    const plui = epciCount > 1 && c.n >= 8 && hash01(p.seed, 601, Number(c.epci)) < 0.45;
    insee.push(c.insee);
    if (plui) {
      if (!epciDate.has(c.epci)) epciDate.set(c.epci, date(new Rng(p.seed, 602, Number(c.epci))));
      const d = epciDate.get(c.epci)!;
      type.push('PLUi');
      partition.push(`DU_${c.epci}`);
      idurba.push(`${c.epci}_PLUi_${d}`);
      datappro.push(d);
    } else {
      const rng = new Rng(p.seed, 603, Number(c.insee.slice(2)));
      const plu = c.population >= 700 || rng.next() < 0.3;
      const d = date(rng);
      type.push(plu ? 'PLU' : 'CC');
      partition.push(`DU_${c.insee}`);
      idurba.push(`${c.insee}_${plu ? 'PLU' : 'CC'}_${d}`);
      datappro.push(d);
    }
  }
  await run(
    db,
    `UPDATE demo_w_commune c SET doc_type = m.t, partition = m.p, idurba = m.i, datappro = m.d
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS m(insee, t, p, i, d) WHERE c.insee = m.insee`,
    [insee, type, partition, idurba, datappro],
  );
}

const ZONES: [string, string, string, string][] = [
  ['UA', 'Zone urbaine du centre ancien', 'U', '01'],
  ['UB', "Zone urbaine d'extension récente", 'U', '01'],
  ['1AU', "Zone à urbaniser ouverte à l'urbanisation", 'AUc', '01'],
  ['A', 'Zone agricole', 'A', '00'],
  ['Ap', 'Zone agricole protégée (terroir viticole)', 'A', '00'],
  ['N', 'Zone naturelle et forestière', 'N', '00'],
];

const RESERVATIONS = [
  ['05', '02', "Extension du cimetière"],
  ['05', '01', "Aménagement d'un carrefour"],
  ['05', '03', "Création d'une aire de stationnement"],
  ['05', '01', 'Élargissement de voirie'],
  ['05', '02', 'Réserve pour équipement scolaire'],
  ['05', '04', 'Création d’un cheminement piéton'],
] as const;

const HERITAGE = ['Pigeonnier', 'Lavoir', 'Croix de chemin', 'Moulin', 'Séchoir à prunes', 'Four à pain'];

/** Feature properties common to CNIG layers of a commune's document. */
const CNIG_TAIL = `'NOMFIC', c.idurba || '_reglement.pdf', 'URLFIC', NULL, 'INSEE', c.insee, 'DATAPPRO', c.datappro,
  'DATVALID', c.datappro, 'IDURBA', c.idurba, '_partition', c.partition`;

async function urbanisme(db: Database, p: DemoParams): Promise<void> {
  await documents(db, p);
  // Zone of every block (PLU zoning; carte communale sectors derive from it).
  await run(
    db,
    `UPDATE demo_w_block b SET zone = CASE
       WHEN b.seed ~= c.chef_lieu THEN 'UA'
       WHEN b.kind = 'urbain' THEN 'UB'
       WHEN b.kind = 'foret' THEN 'N'
       WHEN demo_u($1, b.id, 71) < 0.35 AND EXISTS (
         SELECT 1 FROM demo_w_block u WHERE u.kind = 'urbain' AND u.insee = b.insee AND u.geom && b.geom AND ST_Intersects(u.geom, b.geom)) THEN '1AU'
       WHEN b.vigne THEN 'Ap'
       ELSE 'A' END
     FROM demo_w_commune c WHERE c.insee = b.insee`,
    [p.seed],
  );
  const z = { lib: ZONES.map((x) => x[0]), long: ZONES.map((x) => x[1]), type: ZONES.map((x) => x[2]), dest: ZONES.map((x) => x[3]) };
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'zone_urba', row_number() OVER (ORDER BY c.insee, b.zone)::int, c.insee,
       jsonb_build_object('LIBELLE', b.zone, 'LIBELONG', zl.long, 'TYPEZONE', zl.type, 'DESTDOMI', zl.dest, ${CNIG_TAIL}),
       ST_Multi(ST_Union(b.geom ORDER BY b.id))
     FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee
     JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS zl(lib, long, type, dest) ON zl.lib = b.zone
     WHERE c.doc_type IN ('PLU', 'PLUi')
     GROUP BY c.insee, c.idurba, c.datappro, c.partition, b.zone, zl.long, zl.type, zl.dest`,
    [z.lib, z.long, z.type, z.dest],
  );
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'secteur_cc', row_number() OVER (ORDER BY c.insee, s.sect)::int, c.insee,
       jsonb_build_object('LIBELLE', s.sect,
         'LIBELONG', CASE s.sect WHEN 'ZC' THEN 'Secteur où les constructions sont autorisées' ELSE 'Secteur où les constructions ne sont pas autorisées' END,
         'TYPESECT', CASE s.sect WHEN 'ZC' THEN '01' ELSE '99' END, 'FERMRECO', 'non',
         'DESTDOMI', CASE s.sect WHEN 'ZC' THEN '01' ELSE '00' END, ${CNIG_TAIL}),
       ST_Multi(ST_Union(s.geom ORDER BY s.id))
     FROM (SELECT id, insee, geom, CASE WHEN zone IN ('UA', 'UB', '1AU') THEN 'ZC' ELSE 'ZnC' END AS sect FROM demo_w_block) AS s
     JOIN demo_w_commune c ON c.insee = s.insee
     WHERE c.doc_type = 'CC'
     GROUP BY c.insee, c.idurba, c.datappro, c.partition, s.sect`,
  );
  // Espaces boisés classés: most woods of a PLU commune.
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'prescription_surf', row_number() OVER (ORDER BY c.insee)::int, c.insee,
       jsonb_build_object('LIBELLE', 'EBC', 'TXT', 'Espace boisé classé à conserver (art. L113-1)', 'TYPEPSC', '01', 'STYPEPSC', '01', ${CNIG_TAIL}),
       ST_Multi(ST_Union(b.geom ORDER BY b.id))
     FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee
     WHERE c.doc_type IN ('PLU', 'PLUi') AND b.kind = 'foret' AND demo_u($1, b.id, 72) < 0.65
     GROUP BY c.insee, c.idurba, c.datappro, c.partition`,
    [p.seed],
  );
  // Emplacements réservés: 1 to 3 cadastre parcels next to the bourg.
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'prescription_surf', 100000 + row_number() OVER (ORDER BY r.insee, r.rk)::int, r.insee,
       jsonb_build_object('LIBELLE', 'ER' || r.rk, 'TXT', (($2::text[])[1 + (r.id % array_length($2::text[], 1))]),
         'TYPEPSC', '05', 'STYPEPSC', (($3::text[])[1 + (r.id % array_length($3::text[], 1))]), ${CNIG_TAIL.replaceAll('c.', 'r.')}),
       r.geom
     FROM (
       SELECT k.id, k.geom, c.insee, c.idurba, c.datappro, c.partition, c.population,
              row_number() OVER (PARTITION BY c.insee ORDER BY demo_u($1, k.id, 73), k.id) AS rk
       FROM demo_w_cadastre k JOIN demo_w_block b ON b.id = k.block_id JOIN demo_w_commune c ON c.insee = k.insee
       WHERE c.doc_type IN ('PLU', 'PLUi') AND b.zone IN ('UB', '1AU', 'UA')
     ) AS r
     WHERE r.rk <= 1 + (r.population > 1000)::int + (r.population > 3000)::int`,
    [p.seed, RESERVATIONS.map((r) => r[2]), RESERVATIONS.map((r) => r[1])],
  );
  // Hedges to protect: some shared edges between farmland blocks.
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'prescription_lin', row_number() OVER (ORDER BY h.insee, h.a, h.b)::int, h.insee,
       jsonb_build_object('LIBELLE', 'Haie', 'TXT', 'Haie bocagère à préserver (art. L151-23)', 'TYPEPSC', '07', 'STYPEPSC', '04', ${CNIG_TAIL.replaceAll('c.', 'h.')}),
       h.geom
     FROM (
       SELECT a.id AS a, b.id AS b, c.insee, c.idurba, c.datappro, c.partition,
              ST_Multi(ST_LineMerge(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2))) AS geom
       FROM demo_w_block a JOIN demo_w_block b ON a.insee = b.insee AND a.id < b.id AND a.geom && b.geom
       JOIN demo_w_commune c ON c.insee = a.insee
       WHERE c.doc_type IN ('PLU', 'PLUi') AND a.kind = 'agricole' AND b.kind = 'agricole'
         AND demo_u($1, a.id::bigint * 100000 + b.id, 74) < 0.15 AND ST_Intersects(a.geom, b.geom)
     ) AS h
     WHERE NOT ST_IsEmpty(h.geom) AND ST_Length(h.geom) > 50`,
    [p.seed],
  );
  // Heritage points: the church at the chef-lieu, and a few farm buildings.
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'prescription_pct', row_number() OVER (ORDER BY x.insee, x.rk)::int, x.insee,
       jsonb_build_object('LIBELLE', x.lib, 'TXT', 'Élément de patrimoine bâti à protéger (art. L151-19)', 'TYPEPSC', '07', 'STYPEPSC', '01', ${CNIG_TAIL.replaceAll('c.', 'x.')}),
       ST_Multi(x.pt)
     FROM (
       SELECT c.insee, c.idurba, c.datappro, c.partition, 0::bigint AS rk, 'Église' AS lib, c.chef_lieu AS pt
       FROM demo_w_commune c WHERE c.doc_type IN ('PLU', 'PLUi')
       UNION ALL
       SELECT * FROM (
         SELECT c.insee, c.idurba, c.datappro, c.partition, row_number() OVER (PARTITION BY c.insee ORDER BY demo_u($1, k.id, 75), k.id) AS rk,
                ($2::text[])[1 + (k.id % array_length($2::text[], 1))] AS lib, ST_PointOnSurface(k.geom) AS pt
         FROM demo_w_cadastre k JOIN demo_w_block b ON b.id = k.block_id JOIN demo_w_commune c ON c.insee = k.insee
         WHERE c.doc_type IN ('PLU', 'PLUi') AND b.kind = 'agricole') AS farm
       WHERE farm.rk <= 2
     ) AS x`,
    [p.seed, HERITAGE],
  );
  // Droit de préemption urbain over the U and AU zones; an archaeological site in some communes.
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'info_surf', row_number() OVER (ORDER BY c.insee)::int, c.insee,
       jsonb_build_object('LIBELLE', 'DPU', 'TXT', 'Périmètre du droit de préemption urbain', 'TYPEINF', '04', 'STYPEINF', '00', ${CNIG_TAIL}),
       ST_Multi(ST_Union(b.geom ORDER BY b.id))
     FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee
     WHERE c.doc_type IN ('PLU', 'PLUi') AND b.zone IN ('UA', 'UB', '1AU')
     GROUP BY c.insee, c.idurba, c.datappro, c.partition`,
  );
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'info_surf', 100000 + row_number() OVER (ORDER BY s.insee)::int, s.insee,
       jsonb_build_object('LIBELLE', 'Site archéologique', 'TXT', 'Zone de présomption de prescription archéologique', 'TYPEINF', '16', 'STYPEINF', '00', ${CNIG_TAIL.replaceAll('c.', 's.')}),
       s.geom
     FROM (
       SELECT c.insee, c.idurba, c.datappro, c.partition, b.geom, row_number() OVER (PARTITION BY c.insee ORDER BY demo_u($1, b.id, 76), b.id) AS rk
       FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee
       WHERE c.doc_type IN ('PLU', 'PLUi') AND b.kind = 'agricole' AND demo_u($1, hashtext(c.insee), 77) < 0.3
     ) AS s WHERE s.rk = 1`,
    [p.seed],
  );
  // DOC_URBA: one row per document, its perimeter the union of its communes.
  await run(
    db,
    `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
     SELECT 'doc_urba', row_number() OVER (ORDER BY c.partition)::int, min(c.insee),
       jsonb_build_object('IDURBA', c.idurba, 'TYPEDOC', min(c.doc_type), 'ETAT', '03', 'NOMPROC', 'Elab',
         'DATAPPRO', c.datappro, 'DATEFIN', NULL,
         'SIREN', CASE WHEN min(c.doc_type) = 'PLUi' THEN min(c.epci) END,
         'INTERCO', CASE WHEN min(c.doc_type) = 'PLUi' THEN 'T' ELSE 'F' END,
         'NOMREG', c.idurba || '_reglement.pdf', 'URLREG', NULL, 'NOMPLAN', c.idurba || '_plan.pdf', 'URLPLAN', NULL,
         'SITEWEB', NULL, 'TYPEREF', '01', 'DATEREF', substr(c.datappro, 1, 4),
         '_partition', c.partition, '_communes', string_agg(c.insee, ',' ORDER BY c.insee)),
       ST_Multi(ST_Union(c.geom ORDER BY c.insee))
     FROM demo_w_commune c GROUP BY c.partition, c.idurba, c.datappro`,
  );
}

async function aoc(db: Database, p: DemoParams): Promise<void> {
  // Named after the communes with the most vineyard (AOC) and the most cru blocks.
  const [main] = await db.query<{ nom: string }>(
    `SELECT c.nom FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee WHERE b.vigne
     GROUP BY c.nom ORDER BY count(*) DESC, c.nom LIMIT 1`,
  );
  const [cru] = await db.query<{ nom: string }>(
    `SELECT c.nom FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee WHERE b.cru
     GROUP BY c.nom ORDER BY count(*) DESC, c.nom LIMIT 1`,
  );
  if (!main) return;
  const names = appellationNames(p.seed, main.nom, cru?.nom ?? main.nom);
  const denoms = [
    { flag: 'vigne', id: 9001, app: names.aoc, denom: names.aoc, type: 'appellation' },
    { flag: 'cru', id: 9002, app: names.aoc, denom: `${names.aoc} ${names.cru}`, type: 'dénomination géographique complémentaire' },
  ];
  for (const d of denoms) {
    await run(
      db,
      `INSERT INTO demo_w_feature (layer, id, insee, props, geom)
       SELECT 'aoc', $1::int * 1000 + row_number() OVER (ORDER BY c.insee)::int, c.insee,
         jsonb_build_object('dt', 'Sud-Ouest (synthétique)', 'type_prod', 'Vins', 'categorie', 'Vin tranquille',
           'type_denom', $2::text, 'signe', 'AOC', 'id_app', 9001, 'app', $3::text, 'id_denom', $1::int, 'denom', $4::text,
           'insee', c.insee, 'cvi', NULL, 'nomcom', NULL, 'insee2011', c.insee, 'nomcom2011', NULL,
           'id_aire', 9000 + $1::int % 1000, 'crinao', 'Sud-Ouest', 'grp_name1', 'Sud-Ouest', 'grp_name2', 'Territoire synthétique'),
         ST_Multi(ST_Union(b.geom ORDER BY b.id))
       FROM demo_w_block b JOIN demo_w_commune c ON c.insee = b.insee
       WHERE b.kind = 'agricole' AND ${d.flag === 'cru' ? 'b.cru' : 'b.vigne'}
       GROUP BY c.insee`,
      [d.id, d.type, d.app, d.denom],
    );
  }
  // Commune names as INAO writes them (upper case, no accent).
  const rows = await db.query<{ insee: string; nom: string }>('SELECT insee, nom FROM demo_w_commune');
  await run(
    db,
    `UPDATE demo_w_feature f SET props = props || jsonb_build_object('nomcom', m.n, 'nomcom2011', m.n)
     FROM unnest($1::text[], $2::text[]) AS m(insee, n) WHERE f.layer = 'aoc' AND f.insee = m.insee`,
    [rows.map((r) => r.insee), rows.map((r) => upperNoAccents(r.nom))],
  );
}

export async function buildFeatures(db: Database, p: DemoParams): Promise<void> {
  await aoc(db, p);
  await urbanisme(db, p);
}
