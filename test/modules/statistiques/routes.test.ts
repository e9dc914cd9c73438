/**
 * /api/statistiques on the demo: every figure of every route checked against a direct SQL
 * computation written independently of the module's (no containment shortcut, no per-parcel
 * grouping: intersections with the contour taken whole), the contract's shape, CSV, campaigns and
 * their completion, the cache per dataset version, and errors as problems naming the parameter.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../../src/formats/csv.ts';
import { setCampagne } from '../../../src/modules/rpg/campagnes.ts';
import { importFeatures } from '../../../src/import/engine.ts';
import { natureLayerOf } from '../../../src/modules/nature/layers.ts';
import { assertProblem } from '../../helpers/app.ts';
import { bearer, ha, statsWorld, type StatsWorld } from './helpers.ts';

let w: StatsWorld;
before(async () => {
  w = await statsWorld();
});
after(async () => w?.t.close());

const get = (url: string, headers: Record<string, string> = {}) => w.t.app.inject({ method: 'GET', url, headers });
async function json(url: string) {
  const res = await get(url);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}
const geomParam = (g: unknown) => `geom=${encodeURIComponent(JSON.stringify(g))}`;
/** Areas compared to the cent of hectare: the two computations sum the same areas in another order. */
const near = (a: number | null, b: number | null, what: string) => {
  assert.ok(a !== null && b !== null, `${what}: ${a} vs ${b}`);
  assert.ok(Math.abs(a - b) <= 0.010001, `${what}: ${a} vs ${b}`);
};

test('territoires: a demo commune by name prefix (any case, no accents) and by code, communes and EPCI first, bbox of the contour', async () => {
  const [c] = await w.t.db.query<{ code: string; nom: string; x0: number; y0: number; x1: number; y1: number }>(
    'SELECT code, nom, ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, ST_XMax(geom) AS x1, ST_YMax(geom) AS y1 FROM limites_commune WHERE code = $1',
    [w.communes[0]],
  );
  const prefix = c.nom.slice(0, 3).toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
  const byName = await json(`/api/statistiques/territoires?q=${encodeURIComponent(prefix)}`);
  const hit = byName.territoires.find((t: { code: string }) => t.code === c.code);
  assert.ok(hit, `${prefix} finds ${c.nom}: ${JSON.stringify(byName)}`);
  assert.equal(hit.type, 'commune');
  assert.equal(hit.nom, c.nom);
  assert.deepEqual(hit.bbox.map((x: number) => x.toFixed(5)), [c.x0, c.y0, c.x1, c.y1].map((x) => x.toFixed(5)));
  const byCode = await json(`/api/statistiques/territoires?q=${c.code}`);
  assert.equal(byCode.territoires[0].code, c.code);
  const epci = await json(`/api/statistiques/territoires?q=${w.epci}`);
  assert.equal(epci.territoires[0].type, 'epci');
  // Every demo commune by the start of its code; at most `limit`.
  const all = await json('/api/statistiques/territoires?q=475&limit=2');
  assert.equal(all.territoires.length, 2);
  assert.ok(all.territoires.every((t: { type: string }) => t.type === 'commune'));
  assert.deepEqual((await json('/api/statistiques/territoires?q=zzzzzz')).territoires, []);
  // Kinds in order (communes, EPCI, départements, régions) once the whole-name matches are out:
  // a département and a région named like the commune (units without contour: bbox null).
  await w.t.db.query(`INSERT INTO limites_region (code, nom, nom_m) VALUES ('09', $1, $2) ON CONFLICT DO NOTHING`, [`${c.nom}-Région`, `${c.nom.toUpperCase()}-REGION`]);
  await w.t.db.query(`INSERT INTO limites_departement (code, nom, nom_m, region) VALUES ('98', $1, $2, '09') ON CONFLICT DO NOTHING`, [`${c.nom} Département`, `${c.nom.toUpperCase()} DEPARTEMENT`]);
  const kinds = await json(`/api/statistiques/territoires?q=${encodeURIComponent(c.nom.slice(0, 4))}`);
  const order = kinds.territoires.map((t: { type: string }) => t.type);
  assert.deepEqual(order.slice(-2), ['departement', 'region'], JSON.stringify(kinds));
  assert.equal(kinds.territoires.at(-1).bbox, null);
  // A word inside a name, hyphen written as a space.
  const byWord = await json(`/api/statistiques/territoires?q=${encodeURIComponent('région')}`);
  assert.ok(byWord.territoires.some((t: { code: string }) => t.code === '09'), JSON.stringify(byWord));
  await w.t.db.query(`DELETE FROM limites_departement WHERE code = '98'`);
  await w.t.db.query(`DELETE FROM limites_region WHERE code = '09'`);
  assertProblem(await get('/api/statistiques/territoires'), 400, 'q');
  assertProblem(await get('/api/statistiques/territoires?q=a&limit=51'), 400, 'limit');
  // LIKE wildcards are text, not patterns.
  assert.deepEqual((await json('/api/statistiques/territoires?q=%25')).territoires, []);
});

/** The direct computation of the crop mix of `geomSql` (a contour over $1). */
async function directCultures(geomSql: string, value: string) {
  return w.t.db.query<{ campagne: number; code_group: string; code_cultu: string; m2: number; m2d: number; n: number }>(
    `SELECT r.campagne, r.code_group, r.code_cultu,
            sum(ST_Area(ST_Intersection(r.geom, t.g)::geography)) AS m2,
            sum(ST_Area(ST_Intersection(r.geom, t.g)::geography)) FILTER (WHERE coalesce(r.culture_d1, '') <> '' OR coalesce(r.culture_d2, '') <> '') AS m2d,
            count(*) FILTER (WHERE ST_Contains(t.g, ST_PointOnSurface(r.geom)))::int AS n
     FROM rpg_parcelle r, (SELECT ${geomSql} AS g) t
     WHERE ST_Intersects(r.geom, t.g)
     GROUP BY 1, 2, 3`,
    [value],
  );
}

type CulturesBody = {
  territoire: { type: string; code: string | null; nom: string | null; surface_ha: number };
  campagnes: { campagne: number; complete: boolean; surface_agricole_ha: number; parcelles: number; part_derobee: number; groupes: { code_groupe: string; libelle: string; surface_ha: number; parcelles: number; cultures: { code_cultu: string; libelle: string; surface_ha: number; parcelles: number }[] }[] }[];
};

function checkCultures(body: CulturesBody, direct: Awaited<ReturnType<typeof directCultures>>, what: string) {
  assert.deepEqual(body.campagnes.map((c) => c.campagne), [2021, 2022, 2023]);
  for (const c of body.campagnes) {
    assert.equal(c.complete, true);
    const rows = direct.filter((d) => d.campagne === c.campagne);
    assert.ok(rows.length > 3, `${what} ${c.campagne}: several crops`);
    const m2 = rows.reduce((s, r) => s + r.m2, 0);
    near(c.surface_agricole_ha, ha(m2), `${what} ${c.campagne} surface_agricole_ha`);
    assert.equal(c.parcelles, rows.reduce((s, r) => s + r.n, 0), `${what} ${c.campagne} parcelles`);
    const m2d = rows.reduce((s, r) => s + (r.m2d ?? 0), 0);
    assert.ok(m2d > 0, 'the demo has catch crops');
    assert.ok(Math.abs(c.part_derobee - m2d / m2) < 0.0001, `${what} ${c.campagne} part_derobee ${c.part_derobee} vs ${m2d / m2}`);
    const groups = new Set(rows.map((r) => r.code_group));
    assert.equal(c.groupes.length, groups.size, `${what} ${c.campagne}: one entry per group`);
    for (const g of c.groupes) {
      const gr = rows.filter((r) => r.code_group === g.code_groupe);
      near(g.surface_ha, ha(gr.reduce((s, r) => s + r.m2, 0)), `${what} ${c.campagne} group ${g.code_groupe}`);
      assert.equal(g.parcelles, gr.reduce((s, r) => s + r.n, 0));
      assert.ok(g.libelle, `group ${g.code_groupe} has its label`);
      assert.equal(g.cultures.length, gr.length);
      for (const k of g.cultures) {
        const d = gr.find((r) => r.code_cultu === k.code_cultu)!;
        near(k.surface_ha, ha(d.m2), `${what} ${c.campagne} crop ${k.code_cultu}`);
        assert.equal(k.parcelles, d.n, `${what} ${c.campagne} crop ${k.code_cultu} parcelles`);
        assert.ok(k.libelle);
      }
      // Largest first.
      for (let i = 1; i < g.cultures.length; i++) assert.ok(g.cultures[i - 1].surface_ha >= g.cultures[i].surface_ha);
    }
    for (let i = 1; i < c.groupes.length; i++) assert.ok(c.groupes[i - 1].surface_ha >= c.groupes[i].surface_ha);
  }
}

test('cultures of a commune, of the EPCI and of a drawn polygon: every figure equals the direct SQL computation', async () => {
  const commune = w.communes[0];
  const a = await json(`/api/statistiques/cultures?code_insee=${commune}`);
  const [c] = await w.t.db.query<{ nom: string; m2: number }>('SELECT nom, ST_Area(geom::geography) AS m2 FROM limites_commune WHERE code = $1', [commune]);
  assert.deepEqual(a.territoire, { type: 'commune', code: commune, nom: c.nom, surface_ha: ha(c.m2) });
  checkCultures(a, await directCultures('(SELECT geom FROM limites_commune WHERE code = $1)', commune), `commune ${commune}`);

  const e = await json(`/api/statistiques/cultures?code_epci=${w.epci}`);
  assert.equal(e.territoire.type, 'epci');
  checkCultures(e, await directCultures('(SELECT geom FROM limites_epci WHERE code = $1)', w.epci), `EPCI ${w.epci}`);
  // The communes add up to their EPCI (they tile it): parcels exactly, areas to rounding.
  const parts = await Promise.all(w.communes.map((code) => json(`/api/statistiques/cultures?code_insee=${code}&campagne=2023`)));
  const e23 = e.campagnes.find((x: { campagne: number }) => x.campagne === 2023);
  assert.equal(parts.reduce((s, p) => s + p.campagnes[0].parcelles, 0), e23.parcelles);
  assert.ok(Math.abs(parts.reduce((s, p) => s + p.campagnes[0].surface_agricole_ha, 0) - e23.surface_agricole_ha) < 0.01 * w.communes.length);

  // A drawn box across the first commune's boundary: parcels clipped to it.
  const [b] = await w.t.db.query<{ x: number; y: number }>('SELECT ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y FROM limites_commune WHERE code = $1', [commune]);
  const box = { type: 'Polygon', coordinates: [[[b.x - 0.01, b.y - 0.01], [b.x + 0.02, b.y - 0.01], [b.x + 0.02, b.y + 0.015], [b.x - 0.01, b.y + 0.015], [b.x - 0.01, b.y - 0.01]]] };
  const g = await json(`/api/statistiques/cultures?${geomParam(box)}`);
  assert.equal(g.territoire.type, 'geom');
  assert.equal(g.territoire.code, null);
  checkCultures(g, await directCultures('ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)', JSON.stringify(box)), 'drawn box');
});

test('cultures: campaign, range, CSV', async () => {
  const code = w.communes[1];
  const one = await json(`/api/statistiques/cultures?code_insee=${code}&campagne=2022`);
  assert.deepEqual(one.campagnes.map((c: { campagne: number }) => c.campagne), [2022]);
  const range = await json(`/api/statistiques/cultures?code_insee=${code}&campagne_debut=2022&campagne_fin=2023`);
  assert.deepEqual(range.campagnes.map((c: { campagne: number }) => c.campagne), [2022, 2023]);
  assert.deepEqual(range.campagnes[0], one.campagnes[0]);
  const from = await json(`/api/statistiques/cultures?code_insee=${code}&campagne_debut=2022`);
  assert.deepEqual(from.campagnes.map((c: { campagne: number }) => c.campagne), [2022, 2023]);

  for (const res of [await get(`/api/statistiques/cultures?code_insee=${code}&campagne=2022&format=csv`), await get(`/api/statistiques/cultures?code_insee=${code}&campagne=2022`, { accept: 'text/csv' })]) {
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    const rows = parseCsv(res.body);
    assert.deepEqual(rows[0], ['campagne', 'code_groupe', 'libelle_groupe', 'code_cultu', 'libelle_culture', 'surface_ha', 'parcelles']);
    const crops = one.campagnes[0].groupes.flatMap((g: { code_groupe: string; libelle: string; cultures: { code_cultu: string; libelle: string; surface_ha: number; parcelles: number }[] }) =>
      g.cultures.map((k) => ['2022', g.code_groupe, g.libelle, k.code_cultu, k.libelle, String(k.surface_ha), String(k.parcelles)]),
    );
    assert.deepEqual(rows.slice(1), crops);
  }
});

test('cultures: a campaign not completed is listed without figures; completing it brings them (new version, not the cached answer)', async () => {
  const code = w.communes[2];
  const url = `/api/statistiques/cultures?code_insee=${code}`;
  const before = await get(url);
  assert.equal(before.json().campagnes[2].complete, true);
  assert.equal((await get(url)).headers['x-terroir-cache'], 'hit');
  await setCampagne(w.t.db, 2023, { etat: 'instruction' });
  try {
    const res = await get(url);
    assert.equal(res.headers['x-terroir-cache'], 'miss');
    const c = res.json().campagnes[2];
    assert.deepEqual(c, { campagne: 2023, complete: false, surface_agricole_ha: null, parcelles: null, part_derobee: null, groupes: [] });
    assert.equal(res.json().campagnes[1].complete, true);
  } finally {
    await setCampagne(w.t.db, 2023, { etat: 'constatee', constatee_le: '2024-06-30' });
  }
  assert.deepEqual((await json(url)).campagnes[2], before.json().campagnes[2]);
});

test('errors: no territory, two, unknown code, bad geom, campaigns', async () => {
  const c = w.communes[0];
  assertProblem(await get('/api/statistiques/cultures'), 400, 'code_insee');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&code_epci=${w.epci}`), 400, 'code_epci');
  assertProblem(await get('/api/statistiques/cultures?code_insee=4750'), 400, 'code_insee');
  assertProblem(await get('/api/statistiques/cultures?code_insee=99999'), 404);
  assertProblem(await get('/api/statistiques/cultures?code_epci=299999999'), 404);
  assertProblem(await get('/api/statistiques/cultures?code_dep=99'), 404);
  assertProblem(await get('/api/statistiques/cultures?code_dep=47'), 404); // known, no contour loaded
  assertProblem(await get('/api/statistiques/cultures?geom=x'), 400, 'geom');
  assertProblem(await get(`/api/statistiques/cultures?${geomParam({ type: 'Point', coordinates: [0.4, 44.3] })}`), 400, 'geom');
  const bowtie = { type: 'Polygon', coordinates: [[[0.4, 44.3], [0.5, 44.4], [0.5, 44.3], [0.4, 44.4], [0.4, 44.3]]] };
  assertProblem(await get(`/api/statistiques/cultures?${geomParam(bowtie)}`), 400, 'geom');
  assertProblem(await get(`/api/statistiques/cultures?${geomParam({ type: 'Polygon', coordinates: [[[0.4, 95], [0.5, 44.4], [0.5, 44.3], [0.4, 95]]] })}`), 400, 'geom');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&campagne=2019`), 400, 'campagne');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&campagne=2023&campagne_fin=2023`), 400, 'campagne');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&campagne_debut=2023&campagne_fin=2022`), 400, 'campagne_debut');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&campagne_debut=2024`), 400, 'campagne_debut');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&campagne=abc`), 400, 'campagne');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&format=xml`), 400, 'format');
  assertProblem(await get(`/api/statistiques/cultures?code_insee=${c}&foo=1`), 400, 'foo');
});

const COMMUNE = '(SELECT geom FROM limites_commune WHERE code = $1)';
const EPCI = '(SELECT geom FROM limites_epci WHERE code = $1)';

test('transitions: every flow equals the direct overlap of the parcels of N-1 and N inside the territory', async () => {
  for (const [territory, sql, value] of [[`code_insee=${w.communes[0]}`, COMMUNE, w.communes[0]], [`code_epci=${w.epci}`, EPCI, w.epci]]) {
    const body = await json(`/api/statistiques/transitions?${territory}`);
    assert.deepEqual(body.transitions.map((t: { de: number; vers: number }) => [t.de, t.vers]), [[2021, 2022], [2022, 2023]]);
    for (const tr of body.transitions) {
      assert.equal(tr.complete, true);
      const direct = await w.t.db.query<{ de: string; vers: string; m2: number }>(
        `SELECT a.code_group AS de, b.code_group AS vers, sum(ST_Area(ST_Intersection(ST_Intersection(a.geom, t.g), b.geom)::geography)) AS m2
         FROM (SELECT ${sql} AS g) t, rpg_parcelle a JOIN rpg_parcelle b ON b.campagne = $3 AND ST_Intersects(a.geom, b.geom)
         WHERE a.campagne = $2 AND ST_Intersects(a.geom, t.g)
         GROUP BY 1, 2`,
        [value, tr.de, tr.vers],
      );
      const flows = direct.filter((d) => ha(d.m2)! > 0);
      assert.ok(flows.length > 3, `${territory} ${tr.de}→${tr.vers}: several flows`);
      assert.ok(flows.some((f) => f.de !== f.vers), 'rotations change groups');
      for (const f of flows) {
        const got = tr.flux.find((x: { groupe_de: string; groupe_vers: string }) => x.groupe_de === f.de && x.groupe_vers === f.vers);
        assert.ok(got, `${territory} ${tr.de}→${tr.vers}: flow ${f.de}→${f.vers} (${ha(f.m2)} ha) answered`);
        near(got.surface_ha, ha(f.m2), `${territory} ${tr.de}→${tr.vers} ${f.de}→${f.vers}`);
        assert.ok(got.libelle_de && got.libelle_vers);
      }
      assert.ok(tr.flux.every((x: { surface_ha: number }) => x.surface_ha >= 0.005 || flows.length >= tr.flux.length), 'no flow the direct computation lacks');
      // The demo's parcels keep their contour across campaigns: the flows add up to the area of N-1.
      const c = await json(`/api/statistiques/cultures?${territory}&campagne=${tr.de}`);
      const sum = tr.flux.reduce((s: number, x: { surface_ha: number }) => s + x.surface_ha, 0);
      assert.ok(Math.abs(sum - c.campagnes[0].surface_agricole_ha) <= 0.005 * tr.flux.length + 0.01, `flows sum to the area: ${sum} vs ${c.campagnes[0].surface_agricole_ha}`);
    }
  }
  const one = await json(`/api/statistiques/transitions?code_insee=${w.communes[0]}&campagne=2023`);
  assert.deepEqual(one.transitions.map((t: { de: number }) => t.de), [2022]);
  const csv = parseCsv((await get(`/api/statistiques/transitions?code_insee=${w.communes[0]}&campagne=2023&format=csv`)).body);
  assert.deepEqual(csv[0], ['de', 'vers', 'groupe_de', 'libelle_de', 'groupe_vers', 'libelle_vers', 'surface_ha']);
  assert.equal(csv.length - 1, one.transitions[0].flux.length);
  assertProblem(await get(`/api/statistiques/transitions?code_insee=${w.communes[0]}&campagne=2021`), 400, 'campagne'); // 2020 not loaded
  assertProblem(await get(`/api/statistiques/transitions?code_insee=${w.communes[0]}&campagne_fin=2021`), 400, 'campagne_fin');
});

/** Zones of each type, as the direct computation selects them. */
const ZONES: Record<string, string> = {
  aoc: 'SELECT geom AS g FROM aoc_appellation_viticole',
  U: "SELECT the_geom AS g FROM gpu_zone_urba WHERE typezone LIKE 'U%'",
  AU: "SELECT the_geom AS g FROM gpu_zone_urba WHERE typezone LIKE 'AU%'",
  A: "SELECT the_geom AS g FROM gpu_zone_urba WHERE typezone LIKE 'A%' AND typezone NOT LIKE 'AU%'",
  N: "SELECT the_geom AS g FROM gpu_zone_urba WHERE typezone LIKE 'N%'",
  ZC: "SELECT the_geom AS g FROM gpu_secteur_cc WHERE typesect IN ('01', '02')",
  ZnC: "SELECT the_geom AS g FROM gpu_secteur_cc WHERE typesect NOT IN ('01', '02')",
  'natura-habitat': 'SELECT geom AS g FROM nature_sic',
  'natura-oiseaux': 'SELECT geom AS g FROM nature_zps',
  znieff1: 'SELECT geom AS g FROM nature_znieff1',
  znieff2: 'SELECT geom AS g FROM nature_znieff2',
  pn: 'SELECT geom AS g FROM nature_pn',
  pnr: 'SELECT geom AS g FROM nature_pnr',
  rnn: 'SELECT geom AS g FROM nature_rnn',
  rnc: 'SELECT geom AS g FROM nature_rnc',
  rncf: 'SELECT geom AS g FROM nature_rncf',
};

test('zonages: the agricultural area in each zone type equals the direct computation (zones unioned, then intersected)', async () => {
  const nonZero = new Set<string>();
  for (const [territory, sql, value] of [[`code_insee=${w.communes[0]}`, COMMUNE, w.communes[0]], [`code_epci=${w.epci}`, EPCI, w.epci]]) {
    const body = await json(`/api/statistiques/zonages?${territory}&campagne=2022`);
    assert.equal(body.campagne, 2022);
    assert.equal(body.complete, true);
    const c = await json(`/api/statistiques/cultures?${territory}&campagne=2022`);
    assert.equal(body.surface_agricole_ha, c.campagnes[0].surface_agricole_ha);
    assert.deepEqual(body.zonages.map((z: { type: string }) => z.type), Object.keys(ZONES));
    for (const z of body.zonages) {
      // Per parcel: the part of it in the territory, intersected with the union of the zones of the type it touches.
      const [d] = await w.t.db.query<{ m2: number | null }>(
        `SELECT sum(ST_Area(ST_Intersection(ST_Intersection(r.geom, t.g), (SELECT ST_Union(z.g) FROM (${ZONES[z.type]}) z WHERE ST_Intersects(z.g, r.geom)))::geography)) AS m2
         FROM rpg_parcelle r, (SELECT ${sql} AS g) t
         WHERE r.campagne = 2022 AND ST_Intersects(r.geom, t.g) AND EXISTS (SELECT 1 FROM (${ZONES[z.type]}) z WHERE ST_Intersects(z.g, r.geom))`,
        [value],
      );
      near(z.surface_ha, ha(d.m2 ?? 0), `${territory} ${z.type}`);
      assert.ok(Math.abs(z.part - (d.m2 ?? 0) / 1e4 / body.surface_agricole_ha) < 0.0002, `${territory} ${z.type} part`);
      assert.ok(['aoc', 'urbanisme', 'nature'].includes(z.famille) && z.libelle);
      if (z.surface_ha > 0) nonZero.add(z.type);
    }
    const urba = body.zonages.filter((z: { famille: string }) => z.famille === 'urbanisme').reduce((s: number, z: { part: number }) => s + z.part, 0);
    assert.ok(urba > 0.9 && urba < 1.01, `${territory}: the urbanism types cover the farmland once (${urba})`);
  }
  for (const t of ['aoc', 'A', 'ZnC']) assert.ok(nonZero.has(t), `the demo has farmland in ${t}: ${[...nonZero]}`);
  assert.ok([...nonZero].some((t) => !['aoc', 'U', 'AU', 'A', 'N', 'ZC', 'ZnC'].includes(t)), `farmland in some nature zone: ${[...nonZero]}`);
  // Default campaign: the latest complete one.
  assert.equal((await json(`/api/statistiques/zonages?code_insee=${w.communes[0]}`)).campagne, 2023);
  const csv = parseCsv((await get(`/api/statistiques/zonages?code_insee=${w.communes[0]}&format=csv`)).body);
  assert.deepEqual(csv[0], ['campagne', 'famille', 'type', 'libelle', 'surface_ha', 'part', 'surface_agricole_ha']);
  assertProblem(await get(`/api/statistiques/zonages?code_insee=${w.communes[0]}&campagne_debut=2022`), 400, 'campagne_debut');
});

test('bio: the organic area per stage equals the direct computation; its share of the agricultural area', async () => {
  const commune = w.communes[0];
  const body = await (async () => {
    const res = await get(`/api/statistiques/bio?code_insee=${commune}`, bearer(w.keys.commune));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'private, no-store');
    return res.json();
  })();
  assert.deepEqual(body.campagnes.map((c: { campagne: number }) => c.campagne), [2021, 2022, 2023]);
  const cultures = await json(`/api/statistiques/cultures?code_insee=${commune}`);
  for (const c of body.campagnes) {
    const direct = await w.t.db.query<{ conversion: string; m2: number }>(
      `SELECT b.conversion, sum(ST_Area(ST_Intersection(b.geom, t.g)::geography)) AS m2
       FROM bio_parcelle b, (SELECT ${COMMUNE} AS g) t WHERE b.millesime = $2 AND b.bio = 1 AND ST_Intersects(b.geom, t.g) GROUP BY 1`,
      [commune, c.campagne],
    );
    assert.ok(direct.length, 'organic parcels in the commune');
    const total = direct.reduce((s, d) => s + d.m2, 0);
    near(c.surface_bio_ha, ha(total), `${c.campagne} surface_bio_ha`);
    assert.equal(c.surface_agricole_ha, cultures.campagnes.find((x: { campagne: number }) => x.campagne === c.campagne).surface_agricole_ha);
    assert.ok(Math.abs(c.part_bio - total / 1e4 / c.surface_agricole_ha) < 0.0002, `${c.campagne} part_bio`);
    assert.equal(c.etapes.length, direct.length);
    for (const e of c.etapes) {
      const d = direct.find((x) => x.conversion === e.etape)!;
      near(e.surface_ha, ha(d.m2), `${c.campagne} ${e.etape}`);
    }
    assert.ok(Math.abs(c.etapes.reduce((s: number, e: { part: number }) => s + e.part, 0) - c.part_bio) < 0.0005, 'the stages add up to part_bio');
  }
  const csv = await get(`/api/statistiques/bio?code_insee=${commune}&campagne=2023`, { ...bearer(w.keys.commune), accept: 'text/csv' });
  assert.deepEqual(parseCsv(csv.body)[0], ['campagne', 'etape', 'surface_ha', 'part', 'surface_bio_ha', 'part_bio', 'surface_agricole_ha']);
});

test('bio security: no key 401, key without the scope 403, outside the territory 403 (code, EPCI, geom), hostile geom 400', async () => {
  const [inside, outside] = w.communes;
  const url = (q: string) => `/api/statistiques/bio?${q}`;
  assertProblem(await get(url(`code_insee=${inside}`)), 401);
  assertProblem(await get(url(`code_insee=${inside}&apikey=trr_abcdefgh_${'x'.repeat(43)}`)), 401);
  assertProblem(await get(url(`code_insee=${inside}`), bearer(w.keys.sansScope)), 403);
  for (const q of [`code_insee=${outside}`, `code_epci=${w.epci}`, 'code_dep=47', 'code_reg=75']) {
    const res = await get(url(q), bearer(w.keys.commune));
    assertProblem(res, 403);
    assert.doesNotMatch(res.body, /surface|part_bio|etapes/);
  }
  const [o] = await w.t.db.query<{ g: string }>('SELECT ST_AsGeoJSON(ST_Envelope(geom)) AS g FROM limites_commune WHERE code = $1', [outside]);
  assertProblem(await get(url(`geom=${encodeURIComponent(o.g)}`), bearer(w.keys.commune)), 403);
  // The key of the commune in the query string works as in the header (API Carto clients).
  assert.equal((await get(url(`code_insee=${inside}&apikey=${w.keys.commune}`))).statusCode, 200);
  // Hostile or malformed territories: 400 naming the parameter, for a national key too.
  const bowtie = { type: 'Polygon', coordinates: [[[0.4, 44.3], [0.5, 44.4], [0.5, 44.3], [0.4, 44.4], [0.4, 44.3]]] };
  const deep = '['.repeat(40) + ']'.repeat(40);
  const many = { type: 'Polygon', coordinates: [[...Array.from({ length: 50_001 }, (_, i) => [0.4 + (i % 100) * 1e-4, 44.3 + Math.floor(i / 100) * 1e-4]), [0.4, 44.3]]] };
  for (const key of [w.keys.commune, w.keys.national]) {
    for (const g of [JSON.stringify(bowtie), '{"type":"Polygon","coordinates":[[[0,0],[1e999,0],[1,1],[0,0]]]}', deep, 'not json', JSON.stringify({ type: 'Point', coordinates: [0.4, 44.3] })]) {
      assertProblem(await get(url(`geom=${encodeURIComponent(g)}`), bearer(key)), 400, 'geom');
    }
    assertProblem(await get(url(`geom=${encodeURIComponent(JSON.stringify(many))}`), bearer(key)), 400, 'geom');
    assertProblem(await get(url(''), bearer(key)), 400, 'code_insee');
    assertProblem(await get(url(`code_insee=${inside}&geom=${encodeURIComponent(JSON.stringify(bowtie))}`), bearer(key)), 400, 'geom');
  }
});

test('cache: an import changes the dataset version, so the next answer is computed again from the new data', async () => {
  const code = w.communes[3];
  const url = `/api/statistiques/zonages?code_insee=${code}&campagne=2023`;
  const first = await get(url);
  assert.equal(first.headers['x-terroir-cache'], 'miss');
  const second = await get(url);
  assert.equal(second.headers['x-terroir-cache'], 'hit');
  assert.equal(second.body, first.body);
  const pn = (body: { zonages: { type: string; part: number }[] }) => body.zonages.find((z) => z.type === 'pn')!.part;
  assert.ok(pn(first.json()) < 0.99);
  // A national park over the whole commune, loaded through the import path.
  const [c] = await w.t.db.query<{ g: string }>('SELECT ST_AsGeoJSON(geom) AS g FROM limites_commune WHERE code = $1', [code]);
  await importFeatures(w.t.db, natureLayerOf('pn').targets[0], [{ index: 1, properties: { ID_MNHN: 'FR3400099', NOM_SITE: 'Parc de test' }, geometry: JSON.parse(c.g) }], { file: 'pn-test.geojson', srid: 4326, options: {} });
  const third = await get(url);
  assert.equal(third.headers['x-terroir-cache'], 'miss');
  assert.ok(pn(third.json()) > 0.999, `the park covers the commune's farmland: ${pn(third.json())}`);
  assert.equal((await get(url)).headers['x-terroir-cache'], 'hit');
});

test('OpenAPI: the routes with their schemas', async () => {
  const doc = await json('/api/doc/statistiques.json');
  for (const p of ['/api/statistiques/territoires', '/api/statistiques/cultures', '/api/statistiques/transitions', '/api/statistiques/zonages', '/api/statistiques/bio']) {
    assert.ok(doc.paths[p]?.get, `${p} documented`);
    assert.ok(doc.paths[p].get.responses['200'].content['application/json'].schema, `${p} answer schema`);
  }
  const params = doc.paths['/api/statistiques/cultures'].get.parameters.map((p: { name: string }) => p.name);
  for (const n of ['code_insee', 'code_epci', 'code_dep', 'code_reg', 'geom', 'campagne', 'campagne_debut', 'campagne_fin', 'format']) assert.ok(params.includes(n), n);
  assert.match(doc.paths['/api/statistiques/bio'].get.description, /Restricted.*cartobio:territoires/s);
});
