import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { testApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { demoState, ensureDemoTerritory, generateDemo, removeDemo, type DemoOptions, type DemoResult } from '../../src/demo/index.ts';
import { demoChecksum } from '../../src/demo/checksum.ts';
import { RESTRICTED_TABLES } from '../../src/demo/restricted.ts';
import { MODULES } from '../../src/modules/index.ts';
import { createOrganisation } from '../../src/auth/organisations.ts';

/**
 * The demo generator on a small territory, on the real database of this run's backend, loaded through
 * the import targets and checked through the HTTP interface. 2014 is an îlot campaign (RPG v1),
 * 2015–2017 parcel campaigns (RPG v2).
 */
const OPTS: DemoOptions = { seed: 7, communes: 6, annees: [2014, 2015, 2016, 2017] };

let t: TestApp;
let r: DemoResult;
let checksum: string;
let ids: string[];

const one = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await t.db.query<T>(sql, params))[0];

before(async () => {
  t = await testApp();
  r = await generateDemo(t.db, OPTS);
  checksum = (await demoChecksum(t.db)).checksum;
  ids = (await t.db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE details->>'generator' = 'terroir-demo'`)).map((x) => x.id);
});
after(async () => t?.close());

test(`${BACKEND}: the territory has the requested shape and every layer is loaded through an import target`, async () => {
  assert.equal(r.geometry.communes, 6);
  assert.ok(r.geometry.epci >= 1);
  assert.ok(r.geometry.cadastre > 1000, `cadastre parcels: ${r.geometry.cadastre}`);
  assert.ok(r.geometry.fields > 300, `fields: ${r.geometry.fields}`);
  assert.deepEqual(r.load.missing, [], 'every demo layer has a registered import target');
  for (const layer of ['rpg.parcelle', 'rpg.ilot', 'cadastre.parcelle', 'cadastre.feuille', 'cadastre.commune', 'aoc.appellation-viticole', 'gpu.document', 'gpu.municipality-apicarto']) {
    assert.ok(r.load.byLayer[layer]?.features > 0, `${layer} loaded: ${JSON.stringify(r.load.byLayer[layer])}`);
  }
  assert.ok((r.load.byLayer['gpu.zone-urba']?.features ?? 0) + (r.load.byLayer['gpu.secteur-cc']?.features ?? 0) > 0);
  // Rows in the module tables match what the engine reported.
  const rpg = await one<{ n: number }>('SELECT count(*)::int AS n FROM rpg_parcelle WHERE dataset_id = ANY($1)', [ids]);
  assert.equal(rpg.n, r.load.byLayer['rpg.parcelle'].features);
  assert.equal(rpg.n, r.geometry.fields * 3, 'every field is declared in each 2015+ campaign');
  const cad = await one<{ n: number }>('SELECT count(*)::int AS n FROM cadastre_parcelle WHERE dataset_id = ANY($1)', [ids]);
  assert.equal(cad.n, r.geometry.cadastre);
});

test(`${BACKEND}: every generated dataset is labelled synthetic in terroir_dataset`, async () => {
  const rows = await t.db.query<{ id: string; layer: string; synthetic: boolean; producer: string; source: string }>(
    `SELECT id, layer, synthetic, producer, source FROM terroir_dataset WHERE id = ANY($1) ORDER BY id`,
    [ids],
  );
  assert.equal(rows.length, r.load.datasets.length + r.restrictedDatasets);
  for (const d of rows) {
    assert.equal(d.synthetic, true, d.id);
    assert.match(d.producer, /SYNTHETIC/, d.id);
    assert.match(d.source, /^terroir demo --seed 7 /, d.id);
  }
  // Nothing else in the database claims to be synthetic or is left unflagged.
  const other = await one<{ n: number }>('SELECT count(*)::int AS n FROM terroir_dataset WHERE synthetic AND NOT (id = ANY($1))', [ids]);
  assert.equal(other.n, 0);
  // And so in /api/datasets, the register clients read.
  if (MODULES.some((m) => m.name === 'datasets')) {
    const listed = (await t.app.inject({ method: 'GET', url: '/api/datasets?synthetic=true' })).json() as { id: string; synthetic: boolean }[];
    // Restricted (level 2, organic status) datasets are not listed to an anonymous caller.
    const restricted = (await t.db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE details->>'restricted' = 'true' OR layer LIKE 'rpg-n2.%' OR layer LIKE 'bio.%'`)).map((x) => x.id);
    assert.ok(restricted.length >= r.restrictedDatasets);
    assert.deepEqual(listed.map((d) => d.id).sort(), ids.filter((id) => !restricted.includes(id)).sort());
    const real = (await t.app.inject({ method: 'GET', url: '/api/datasets?synthetic=false' })).json() as { id: string }[];
    assert.ok(!real.some((d) => ids.includes(d.id)));
    const sheet = (await t.app.inject({ method: 'GET', url: `/api/datasets/${encodeURIComponent('rpg.parcelle:2016:D47')}` })).json();
    assert.equal(sheet.synthetic, true);
    assert.equal(sheet.details.generator, 'terroir-demo');
    assert.equal(sheet.details.seed, 7);
  }
  // The RPG datasets are the département's, distinct from a real national or regional file.
  assert.ok(ids.includes('rpg.parcelle:2016:D47'), ids.join(' '));
  assert.ok(ids.includes('rpg.ilot:2014:D47'));
});

test(`${BACKEND}: same seed gives the same database, another seed another one`, async () => {
  const again = await generateDemo(t.db, OPTS);
  assert.equal((await demoChecksum(t.db)).checksum, checksum, 'regenerating with the same options reproduces every row');
  assert.equal(again.geometry.cadastre, r.geometry.cadastre);
  await generateDemo(t.db, { ...OPTS, seed: 8 });
  const other = await demoChecksum(t.db);
  assert.notEqual(other.checksum, checksum);
  // A regeneration replaces the previous demo: no dataset of seed 8 remains once seed 7 is back.
  await generateDemo(t.db, OPTS);
  assert.equal((await demoChecksum(t.db)).checksum, checksum);
  const stale = await one<{ n: number }>(`SELECT count(*)::int AS n FROM terroir_dataset WHERE details->>'seed' = '8'`);
  assert.equal(stale.n, 0);
});

test(`${BACKEND}: communes tile the territory without overlap, as generated and as loaded`, async () => {
  const w = await one<{ territory: number; communes: number; overlap: number; gaps: number; parts: number }>(
    `SELECT (SELECT ST_Area(geom) FROM demo_w_territory) AS territory,
            (SELECT sum(ST_Area(geom)) FROM demo_w_commune) AS communes,
            (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) FROM demo_w_commune a JOIN demo_w_commune b
               ON a.insee < b.insee AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)) AS overlap,
            (SELECT ST_Area(ST_Difference((SELECT geom FROM demo_w_territory), ST_Union(geom))) FROM demo_w_commune) AS gaps,
            (SELECT max(ST_NumGeometries(geom)) FROM demo_w_commune) AS parts`,
  );
  assert.ok(Math.abs(w.communes - w.territory) / w.territory < 0.001, `sum of commune areas ${w.communes} vs territory ${w.territory}`);
  assert.ok(w.overlap < 1, `overlap ${w.overlap} m²`);
  assert.ok(w.gaps < 1, `gaps ${w.gaps} m²`);
  assert.equal(w.parts, 1, 'every commune is in one piece');
  // The loaded communes (WGS84, through the engine) still tile the territory within 0.1 %.
  const l = await one<{ n: number; communes: number; union: number }>(
    `SELECT count(*)::int AS n, sum(ST_Area(ST_Transform(geom, 2154))) AS communes, ST_Area(ST_Transform(ST_Union(geom), 2154)) AS union
     FROM cadastre_commune WHERE dataset_id = ANY($1)`,
    [ids],
  );
  assert.equal(l.n, 6);
  assert.ok(Math.abs(l.communes - w.territory) / w.territory < 0.001, `loaded communes ${l.communes} vs territory ${w.territory}`);
  assert.ok((l.communes - l.union) / l.union < 0.001, `loaded communes overlap: ${l.communes - l.union} m²`);
  // Cadastre parcels tile their commune.
  const cad = await t.db.query<{ insee: string; parcels: number; commune: number }>(
    `SELECT c.insee, (SELECT sum(ST_Area(k.geom)) FROM demo_w_cadastre k WHERE k.insee = c.insee) AS parcels, ST_Area(c.geom) AS commune
     FROM demo_w_commune c`,
  );
  for (const c of cad) assert.ok(Math.abs(c.parcels - c.commune) / c.commune < 0.001, `${c.insee}: parcels ${c.parcels} vs commune ${c.commune}`);
});

test(`${BACKEND}: parcels lie inside their commune (RPG, îlots and cadastre, as loaded)`, async () => {
  for (const [table, extra] of [['rpg_parcelle', ''], ['rpg_ilot', ''], ['cadastre_parcelle', 'AND c.code_insee = p.code_insee']] as const) {
    const outside = await one<{ n: number; total: number }>(
      `SELECT count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM cadastre_commune c WHERE c.dataset_id = ANY($1) ${extra} AND c.geom && p.geom
                AND ST_Within(ST_Transform(p.geom, 2154), ST_Buffer(ST_Transform(c.geom, 2154), 0.05))))::int AS n,
              count(*)::int AS total
       FROM ${table} p WHERE p.dataset_id = ANY($1)`,
      [ids],
    );
    assert.ok(outside.total > 0, table);
    assert.equal(outside.n, 0, `${outside.n} of ${outside.total} ${table} rows outside their commune`);
  }
  const commune = await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM rpg_ilot i WHERE i.dataset_id = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM cadastre_commune c WHERE c.code_insee = i.commune AND ST_Intersects(c.geom, ST_PointOnSurface(i.geom)))`,
    [ids],
  );
  assert.equal(commune.n, 0, 'an îlot is in the commune its COMMUNE field names');
});

test(`${BACKEND}: SURF_PARC, SURF_GRAPH and contenance match the loaded geometry's area within 1 %`, async () => {
  const rpg = await one<{ bad: number; total: number }>(
    `SELECT count(*) FILTER (WHERE abs(surf_parc - ST_Area(ST_Transform(geom, 2154)) / 1e4) > 0.01 * surf_parc)::int AS bad, count(*)::int AS total
     FROM rpg_parcelle WHERE dataset_id = ANY($1)`,
    [ids],
  );
  assert.ok(rpg.total > 0);
  assert.equal(rpg.bad, 0);
  const ilot = await one<{ bad: number }>(
    `SELECT count(*) FILTER (WHERE abs(surf_graph - ST_Area(ST_Transform(geom, 2154)) / 1e4) > 0.01 * surf_graph OR surf_cultu > surf_decla + 0.01)::int AS bad
     FROM rpg_ilot WHERE dataset_id = ANY($1)`,
    [ids],
  );
  assert.equal(ilot.bad, 0);
  const cad = await one<{ bad: number }>(
    `SELECT count(*) FILTER (WHERE abs(contenance - ST_Area(ST_Transform(geom, 2154))) > 0.01 * contenance + 1)::int AS bad
     FROM cadastre_parcelle WHERE dataset_id = ANY($1)`,
    [ids],
  );
  assert.equal(cad.bad, 0);
});

test(`${BACKEND}: crop codes come from the nomenclature, rotate on arable land and carry catch crops`, async () => {
  const codes = await one<{ unknown: number; badgroup: number; badd1: number; d1: number; total: number }>(
    `SELECT count(*) FILTER (WHERE n.code IS NULL)::int AS unknown,
            count(*) FILTER (WHERE n.code IS NOT NULL AND p.code_group <> n.code_groupe::text)::int AS badgroup,
            count(*) FILTER (WHERE (p.culture_d1 IS NOT NULL AND p.culture_d1 NOT IN (SELECT code FROM nomenclature_derobee))
                             OR (p.culture_d2 IS NOT NULL AND p.culture_d2 NOT IN (SELECT code FROM nomenclature_derobee)))::int AS badd1,
            count(*) FILTER (WHERE p.culture_d1 IS NOT NULL)::int AS d1,
            count(*)::int AS total
     FROM rpg_parcelle p LEFT JOIN nomenclature_culture n ON n.code = p.code_cultu WHERE p.dataset_id = ANY($1)`,
    [ids],
  );
  assert.equal(codes.unknown, 0);
  assert.equal(codes.badgroup, 0);
  assert.equal(codes.badd1, 0);
  assert.ok(codes.d1 > 0.02 * codes.total, `catch crops on ${codes.d1} of ${codes.total} parcels`);
  const distinct = await one<{ n: number }>('SELECT count(DISTINCT code_cultu)::int AS n FROM rpg_parcelle WHERE dataset_id = ANY($1)', [ids]);
  assert.ok(distinct.n >= 12, `${distinct.n} distinct crops`);
  // Rotations: arable fields change crop from one campaign to the next; grassland and vines stay.
  const rot = await one<{ arable: number; changed: number; permanent: number; kept: number }>(
    `SELECT count(*) FILTER (WHERE NOT perm)::int AS arable, count(*) FILTER (WHERE NOT perm AND a.code_cultu <> b.code_cultu)::int AS changed,
            count(*) FILTER (WHERE perm)::int AS permanent, count(*) FILTER (WHERE perm AND a.code_cultu = b.code_cultu)::int AS kept
     FROM demo_w_crop a JOIN demo_w_crop b ON b.field_id = a.field_id AND b.campagne = a.campagne + 1,
     LATERAL (SELECT a.code_cultu IN ('PPH', 'PRL', 'VRC', 'PRU', 'NOS', 'NOX', 'VRG', 'J6P') AS perm) AS k
     WHERE a.campagne >= 2015`,
  );
  assert.ok(rot.changed > 0.6 * rot.arable, `${rot.changed} of ${rot.arable} arable fields changed crop`);
  assert.ok(rot.kept > 0.9 * rot.permanent, `${rot.kept} of ${rot.permanent} permanent crops kept`);
});

test(`${BACKEND}: crop proportions look like a south-west French département`, async () => {
  const rows = await t.db.query<{ g: string; share: number }>(
    `SELECT code_group AS g, sum(surf_parc) / sum(sum(surf_parc)) OVER () AS share
     FROM rpg_parcelle WHERE dataset_id = ANY($1) GROUP BY code_group`,
    [ids],
  );
  const share = (...groups: string[]) => rows.filter((x) => groups.includes(x.g)).reduce((s, x) => s + x.share, 0);
  const grass = share('16', '17', '18', '19');
  assert.ok(grass > 0.15 && grass < 0.6, `grassland and fodder ${grass}`);
  assert.ok(share('1') > 0.05 && share('1') < 0.3, `soft wheat ${share('1')}`);
  assert.ok(share('2') > 0.03 && share('2') < 0.25, `maize ${share('2')}`);
  assert.ok(share('1', '2', '3', '4', '5', '6', '7', '8') > 0.25, 'arable crops');
  assert.ok(share('21') > 0, 'vines in the wine-growing hills');
});

test(`${BACKEND}: organic share of every campaign is within 10–15 %, consistent with RPG and level-2 data`, async () => {
  const rows = await t.db.query<{ campagne: number; bio: number; total: number }>(
    `SELECT p.campagne, coalesce((SELECT sum(surface_ha) FROM demo_bio_parcelle b WHERE b.campagne = p.campagne), 0) AS bio, sum(p.surf_parc) AS total
     FROM rpg_parcelle p WHERE p.dataset_id = ANY($1) GROUP BY p.campagne ORDER BY p.campagne`,
    [ids],
  );
  assert.equal(rows.length, 3);
  for (const x of rows) assert.ok(x.bio / x.total >= 0.1 && x.bio / x.total <= 0.15, `${x.campagne}: ${((100 * x.bio) / x.total).toFixed(1)} % organic`);
  const orphans = await one<{ n: number; bad: number }>(
    `SELECT count(*) FILTER (WHERE p.id_parcel IS NULL)::int AS n,
            count(*) FILTER (WHERE p.code_cultu <> b.code_cultu OR (b.engagement = 'M') <> (b.niveau_conversion = 'AB'))::int AS bad
     FROM demo_bio_parcelle b LEFT JOIN rpg_parcelle p ON p.campagne = b.campagne AND p.id_parcel = b.id_parcel AND p.dataset_id = ANY($1)
     WHERE b.campagne >= 2015`,
    [ids],
  );
  assert.equal(orphans.n, 0, 'every organic parcel is an RPG parcel of its campaign');
  assert.equal(orphans.bad, 0, 'same crop; M exactly for certified AB parcels');
  const n2 = await one<{ n: number; rpg: number; bio: number; biobio: number }>(
    `SELECT (SELECT count(*)::int FROM rpg_n2_parcelle WHERE campagne >= 2015) AS n,
            (SELECT count(*)::int FROM rpg_parcelle WHERE dataset_id = ANY($1)) AS rpg,
            (SELECT count(*)::int FROM rpg_n2_parcelle WHERE campagne >= 2015 AND bio) AS bio,
            (SELECT count(*)::int FROM demo_bio_parcelle WHERE campagne >= 2015) AS biobio`,
    [ids],
  );
  assert.equal(n2.n, n2.rpg, 'one level-2 instructed parcel per level-1 parcel');
  assert.equal(n2.bio, n2.biobio);
  const aid = await one<{ farms: number; aided: number; neg: number }>(
    `SELECT (SELECT count(DISTINCT numero_pacage)::int FROM rpg_n2_parcelle) AS farms, count(DISTINCT p1.numero_pacage)::int AS aided,
            count(*) FILTER (WHERE p1.montant_net_total <= 0 OR p2.montant_net_total < 0)::int AS neg
     FROM rpg_n2_pilier1 p1 JOIN rpg_n2_pilier2 p2 USING (campagne, numero_pacage)`,
  );
  assert.equal(aid.aided, aid.farms);
  assert.equal(aid.neg, 0);
  const pacage = await one<{ bad: number }>(`SELECT count(*) FILTER (WHERE numero_pacage !~ '^047[0-9]{6}$' OR siret !~ '^[0-9]{14}$')::int AS bad FROM rpg_n2_exploitant_etat`);
  assert.equal(pacage.bad, 0);
});

test(`${BACKEND}: the fictional communes and EPCI match no real INSEE code, SIREN or name`, async () => {
  const require = createRequire(import.meta.url);
  const cog = require('@etalab/decoupage-administratif/data/communes.json') as { code: string; nom: string }[];
  const epci = require('@etalab/decoupage-administratif/data/epci.json') as { code: string }[];
  const communes = await t.db.query<{ insee: string; nom: string; epci: string }>('SELECT insee, nom, epci FROM demo_w_commune');
  const codes = new Set(cog.map((c) => c.code));
  const names = new Set(cog.map((c) => c.nom));
  for (const c of communes) {
    assert.ok(!codes.has(c.insee), `${c.insee} is a real INSEE code`);
    assert.ok(!names.has(c.nom), `${c.nom} is a real commune name`);
  }
  const sirens = new Set(epci.map((e) => e.code));
  for (const e of new Set(communes.map((c) => c.epci))) assert.ok(!sirens.has(e), `${e} is a real EPCI`);
});

test(`${BACKEND}: every API Carto module returns features for a point inside the territory`, async () => {
  const mounted = new Set(MODULES.map((m) => m.name));
  const [pt] = await t.db.query<{ rpg: string; ilot: string; aoc: string; box: string }>(
    `SELECT (SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) FROM rpg_parcelle WHERE dataset_id = 'rpg.parcelle:2016:D47' ORDER BY gid LIMIT 1) AS rpg,
            (SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) FROM rpg_ilot WHERE dataset_id = 'rpg.ilot:2014:D47' ORDER BY gid LIMIT 1) AS ilot,
            (SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) FROM aoc_appellation_viticole WHERE dataset_id = ANY($1) ORDER BY id_uni LIMIT 1) AS aoc,
            (SELECT ST_AsGeoJSON(ST_Envelope(ST_Buffer(ST_PointOnSurface(geom), 0.003))) FROM rpg_parcelle WHERE dataset_id = 'rpg.parcelle:2016:D47' ORDER BY gid LIMIT 1) AS box`,
    [ids],
  );
  const g = (s: string) => encodeURIComponent(s);
  const checks: [string, string, string, Record<string, unknown>?][] = [
    ['rpg', 'GET', `/api/rpg/v2?annee=2016&geom=${g(pt.rpg)}`],
    ['rpg', 'GET', `/api/rpg/v1?annee=2014&geom=${g(pt.ilot)}`],
    ['cadastre', 'GET', `/api/cadastre/parcelle?geom=${g(pt.rpg)}`],
    ['cadastre', 'GET', `/api/cadastre/commune?geom=${g(pt.rpg)}`],
    ['cadastre', 'GET', `/api/cadastre/feuille?geom=${g(pt.rpg)}`],
    ['cadastre', 'GET', `/api/cadastre/division?geom=${g(pt.rpg)}`],
    ['cadastre', 'GET', `/api/cadastre/localisant?geom=${g(pt.box)}`],
    ['aoc', 'POST', '/api/aoc/appellation-viticole', { geom: JSON.parse(pt.aoc) }],
    ['gpu', 'GET', `/api/gpu/municipality?geom=${g(pt.rpg)}`],
    ['gpu', 'GET', `/api/gpu/document?geom=${g(pt.rpg)}`],
  ];
  let ran = 0;
  for (const [module, method, url, payload] of checks) {
    if (!mounted.has(module)) continue;
    const res = await t.app.inject({ method: method as 'GET' | 'POST', url, payload });
    assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
    const body = res.json();
    assert.ok(body.features.length >= 1, `${method} ${url.split('?')[0]} answered no feature`);
    // The answer itself says its features are generated (envelope members after the reference's).
    assert.equal(body.synthetic, true, `${url.split('?')[0]}: synthetic flag`);
    assert.match(body.notice, /SYNTHETIC/);
    ran++;
  }
  if (mounted.has('gpu')) {
    // The point's commune has a PLU (zones) or a carte communale (sectors).
    const zones = await t.app.inject({ method: 'GET', url: `/api/gpu/zone-urba?geom=${g(pt.rpg)}` });
    const sectors = await t.app.inject({ method: 'GET', url: `/api/gpu/secteur-cc?geom=${g(pt.rpg)}` });
    assert.equal(zones.json().features.length + sectors.json().features.length, 1);
  }
  assert.ok(ran >= 8, `modules mounted: ${[...mounted].join(', ')}`);
});

test(`${BACKEND}: the communes and EPCI are administrative units with contours: a territory can be drawn on them`, async () => {
  const communes = await t.db.query<{ code: string; has: boolean; epci: string | null }>(
    `SELECT w.insee AS code, c.geom IS NOT NULL AS has, m.epci FROM demo_w_commune w
     LEFT JOIN limites_commune c ON c.code = w.insee LEFT JOIN limites_epci_commune m ON m.commune = w.insee ORDER BY w.insee`,
  );
  assert.equal(communes.length, 6);
  for (const c of communes) assert.ok(c.has && c.epci, `${c.code}: registered with its contour and EPCI`);
  const [epci] = await t.db.query<{ code: string; n: number }>(
    `SELECT e.code, (SELECT count(*)::int FROM limites_epci_commune m WHERE m.epci = e.code) AS n FROM limites_epci e
     JOIN demo_w_epci w ON w.siren = e.code WHERE e.geom IS NOT NULL ORDER BY n DESC LIMIT 1`,
  );
  assert.ok(epci && epci.n >= 1);
  const org = await createOrganisation(t.db, { name: 'EPCI de démonstration', kind: 'epci', territory: `epci:${epci.code}` });
  assert.equal(org.communes, epci.n);
  assert.ok(org.territory_km2! > 1);
  // The contours are the cadastre communes' (one generated geometry, loaded twice through the import path).
  const [diff] = await t.db.query<{ d: number }>(
    `SELECT max(ST_HausdorffDistance(l.geom, c.geom)) AS d FROM limites_commune l JOIN cadastre_commune c ON c.code_insee = l.code WHERE l.code = ANY($1)`,
    [communes.map((c) => c.code)],
  );
  assert.ok(diff.d < 1e-6, `contours match the cadastre communes: ${diff.d}`);
  await t.db.query('DELETE FROM auth_organisation');
});

test(`${BACKEND}: the restricted synthetic tables are served by no open route`, async () => {
  for (const l of t.app.catalog.all()) assert.ok(!l.table.startsWith('demo_'), `${l.id} serves ${l.table}`);
  for (const l of t.app.catalog.all()) if (l.table.startsWith('rpg_n2_')) assert.notEqual(l.access, 'public', `${l.id} is restricted`);
  assert.doesNotMatch(t.app.printRoutes({ commonPrefix: false }), /demo/i);
  // The organic parcels have OGC and tile routes of their own, restricted like the layer: nothing without a key.
  for (const url of ['/ogc/collections/bio-parcelle/items', '/tiles/bio-parcelle.json', '/tiles/bio-parcelle/13/4100/2950.mvt']) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 401, `${url}: ${res.statusCode}`);
    assert.doesNotMatch(res.body, /pacage|conversion|millesime/i, url);
  }
  for (const table of Object.values(RESTRICTED_TABLES)) {
    const [row] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    assert.ok(row.n > 0, `${table} is filled`);
  }
  // Every restricted table keeps the layer-table conventions: dataset_id indexed, GiST on its geometry.
  const idx = await t.db.query<{ t: string; def: string }>(`SELECT tablename AS t, indexdef AS def FROM pg_indexes WHERE tablename LIKE 'demo_%' OR tablename LIKE 'rpg_n2_%'`);
  const geometric = await t.db.query<{ t: string }>(`SELECT f_table_name AS t FROM geometry_columns`);
  for (const table of Object.values(RESTRICTED_TABLES)) {
    assert.ok(idx.some((i) => i.t === table && /\(dataset_id\)/.test(i.def)), `${table}: dataset_id index`);
    if (geometric.some((g) => g.t === table)) assert.ok(idx.some((i) => i.t === table && /USING gist/.test(i.def)), `${table}: GiST index`);
  }
});

test(`${BACKEND}: the organic parcels go through the CartoBio layer (bio.parcelle), one row per organic parcel and campaign, stages kept`, async () => {
  const rows = await t.db.query<{ millesime: number; n: number; stages: string; communes: number; demo: number }>(
    `SELECT b.millesime, count(*)::int AS n, string_agg(DISTINCT b.conversion, ',' ORDER BY b.conversion) AS stages,
            count(*) FILTER (WHERE b.code_commune IS NOT NULL AND b.code_epci IS NOT NULL AND b.surface_ha > 0)::int AS communes,
            (SELECT count(*)::int FROM demo_bio_parcelle d WHERE d.campagne = b.millesime) AS demo
     FROM bio_parcelle b WHERE b.dataset_id LIKE 'bio.parcelle:%:demo-D%' GROUP BY b.millesime ORDER BY 1`,
  );
  assert.deepEqual(rows.map((x) => x.millesime), OPTS.annees);
  for (const x of rows) {
    assert.equal(x.n, x.demo, `${x.millesime}: every organic parcel of the demo`);
    assert.equal(x.communes, x.n, `${x.millesime}: commune, EPCI and area on every row`);
    assert.match(x.stages, /^(AB|C1|C2|C3)(,(AB|C1|C2|C3))*$/);
  }
  const [d] = await t.db.query<{ synthetic: boolean }>(`SELECT bool_and(synthetic) AS synthetic FROM terroir_dataset WHERE layer = 'bio.parcelle'`);
  assert.equal(d.synthetic, true);
});

test(`${BACKEND}: the demo has one synthetic zone of each nature kind, and its communes answer a point query of limites-administratives`, async () => {
  const routes = ['natura-habitat', 'natura-oiseaux', 'znieff1', 'znieff2', 'pn', 'pnr', 'rnn', 'rnc', 'rncf'];
  const tables = ['sic', 'zps', 'znieff1', 'znieff2', 'pn', 'pnr', 'rnn', 'rnc', 'rncf'];
  for (const [i, route] of routes.entries()) {
    const { p } = await one<{ p: string }>(`SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) AS p FROM nature_${tables[i]} LIMIT 1`);
    const res = await t.app.inject({ method: 'GET', url: `/api/nature/${route}?geom=${encodeURIComponent(p)}` });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.totalFeatures, 1, route);
    const name = body.features[0].properties.sitename ?? body.features[0].properties.nom ?? body.features[0].properties.nom_site;
    assert.match(name, /\(synthétique\)$/, route);
    assert.equal(body.synthetic, true, route);
  }
  const c = await one<{ code: string; p: string }>(`SELECT insee AS code, ST_AsGeoJSON(ST_Transform(ST_PointOnSurface(geom), 4326)) AS p FROM demo_w_commune ORDER BY insee LIMIT 1`);
  const [lon, lat] = JSON.parse(c.p).coordinates;
  const res = await t.app.inject({ method: 'GET', url: `/api/limites-administratives/commune?lon=${lon}&lat=${lat}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().features.map((f: { properties: { insee_com: string } }) => f.properties.insee_com), [c.code]);
});

test(`${BACKEND}: a later start regenerates nothing; real data or a removed demo change what serve would do`, async () => {
  const log = { info() {}, warn() {}, error() {} };
  assert.equal(await demoState(t.db), 'demo-present');
  const runs = await one<{ n: number }>('SELECT count(*)::int AS n FROM demo_run');
  assert.equal(await ensureDemoTerritory(t.db, log), null);
  assert.equal((await one<{ n: number }>('SELECT count(*)::int AS n FROM demo_run')).n, runs.n, 'no new generation');
  await t.db.query(
    `INSERT INTO terroir_dataset (id, layer, source, producer, licence, synthetic) VALUES ('rpg.parcelle:2099:R99', 'rpg.parcelle', 'x', 'x', 'x', false)`,
  );
  assert.equal(await demoState(t.db), 'real-data');
  await t.db.query(`DELETE FROM terroir_dataset WHERE id = 'rpg.parcelle:2099:R99'`);
  // An interrupted generation (the process died while loading) is redone at the next start.
  await t.db.query(`INSERT INTO demo_run (seed, size, params, status) VALUES (1, 'default', '{}', 'loading')`);
  assert.equal(await demoState(t.db), 'incomplete-demo');
  const removed = await removeDemo(t.db);
  assert.equal(removed, ids.length);
  for (const table of ['rpg_parcelle', 'rpg_ilot', 'cadastre_parcelle', 'cadastre_localisant', 'cadastre_feuille', 'cadastre_commune', 'aoc_appellation_viticole', 'gpu_zone_urba', 'gpu_document', 'gpu_municipality', 'bio_parcelle', ...Object.values(RESTRICTED_TABLES)]) {
    const [row] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    assert.equal(row.n, 0, `${table} emptied`);
  }
  await t.db.query(`DELETE FROM demo_run`);
  assert.equal(await demoState(t.db), 'empty');
  const [units] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM limites_commune WHERE code IN (SELECT insee FROM demo_w_commune)`);
  assert.equal(units.n, 0, 'the demo communes are no longer administrative units');
});

