import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND } from '../../helpers/db.ts';
import { bearer, demandeBody, n2World, type N2World } from './helpers.ts';

/**
 * Level 2 attacked: open routes scanned for anything of level 2, restricted datasets hidden from the
 * catalogue of loaded data, and the matrix role × route × territory × campaign state, every cell
 * asserted, every restricted call found in the audit trail.
 */
let w: N2World;
let secrets: { what: string; value: string }[];
before(async () => {
  w = await n2World();
  const q = async (sql: string) => (await w.t.db.query<{ v: string }>(sql)).map((r) => r.v);
  const take = (what: string, values: string[]) => values.filter(Boolean).map((value) => ({ what, value }));
  secrets = [
    ...take('PACAGE', await q(`SELECT DISTINCT numero_pacage AS v FROM rpg_n2_exploitant`)),
    ...take('SIRET', await q(`SELECT DISTINCT siret AS v FROM rpg_n2_exploitant_etat`)),
    ...take('name', await q(`SELECT DISTINCT nom_raison_sociale AS v FROM rpg_n2_exploitant_etat`)),
    ...take('e-mail', await q(`SELECT DISTINCT adresse_mail AS v FROM rpg_n2_exploitant_etat`)),
    ...take('phone', await q(`SELECT DISTINCT telephone_siege AS v FROM rpg_n2_exploitant_etat`)),
    // Amounts with cents (an integer could be anything else): first- and second-pillar totals.
    ...take('amount', await q(`SELECT DISTINCT montant_net_total::text AS v FROM rpg_n2_pilier1 WHERE montant_net_total > 1000 AND montant_net_total <> trunc(montant_net_total)`)),
    ...take('amount', await q(`SELECT DISTINCT montant_net_total::text AS v FROM rpg_n2_pilier2 WHERE montant_net_total > 1000 AND montant_net_total <> trunc(montant_net_total)`)),
  ];
});
after(async () => w?.t.close());

const get = (url: string, key?: string) => w.t.app.inject({ method: 'GET', url, headers: key ? bearer(key) : {} });

function scan(url: string, body: string) {
  for (const s of secrets) assert.ok(!body.includes(s.value), `${url} answers a level-2 ${s.what} (${s.value})`);
}

test(`${BACKEND}: no open route answers any level-2 value (PACAGE, SIRET, names, e-mail, phones, amounts)`, async () => {
  assert.ok(secrets.filter((s) => s.what === 'PACAGE').length > 10 && secrets.some((s) => s.what === 'amount') && secrets.some((s) => s.what === 'name'));
  const [c] = await w.t.db.query<{ g: string }>(`SELECT ST_AsGeoJSON(geom, 6) AS g FROM limites_commune WHERE code = $1`, [w.communes[0]]);
  const geom = encodeURIComponent(c.g);
  const datasets = (await get('/api/datasets')).json() as { id: string }[];
  const doc = (await get('/api/doc')).json() as { paths: Record<string, Record<string, { security?: object[]; parameters?: { name: string; in: string }[] }>> };
  // Every open GET operation of the OpenAPI document, with the demo's values for its parameters, in
  // several variants (none, a commune polygon, polygon + each campaign, a commune code).
  const values: Record<string, string[]> = {
    codePostal: ['47000'],
    id: datasets.map((d) => d.id),
    code: [w.communes[0], '47'],
    annee: ['2022', '2023'],
  };
  let scanned = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const op = ops.get;
    if (!op || !op.security?.some((s) => Object.keys(s).length === 0)) continue;
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    let urls = [path];
    for (const n of names) urls = urls.flatMap((u) => (values[n] ?? ['x']).map((v) => u.replace(`{${n}}`, encodeURIComponent(v))));
    for (const u of urls) {
      for (const query of ['', `?geom=${geom}`, `?geom=${geom}&annee=2022`, `?geom=${geom}&annee=2023`, `?code_insee=${w.communes[0]}`, `?geom=${geom}&_libelles=true&annee=2023`]) {
        const res = await get(`${u}${query}`);
        if (res.statusCode === 200) scanned++;
        scan(`${u}${query}`, res.body);
      }
    }
  }
  // OGC API – Features and tiles (hidden from /api/doc): every collection listed to an anonymous caller,
  // its items over the demo commune, and the tile holding a demo parcel at zoom 14.
  const [pt] = await w.t.db.query<{ x: number; y: number; bbox: string }>(
    `SELECT ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y, concat_ws(',', ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)) AS bbox
     FROM limites_commune WHERE code = $1`,
    [w.communes[0]],
  );
  const z = 14;
  const tx = Math.floor(((pt.x + 180) / 360) * 2 ** z);
  const ty = Math.floor(((1 - Math.log(Math.tan((pt.y * Math.PI) / 180) + 1 / Math.cos((pt.y * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z);
  const ogc = await get('/ogc/collections?f=json');
  assert.equal(ogc.statusCode, 200, ogc.body.slice(0, 200));
  {
    const ids = (ogc.json() as { collections: { id: string }[] }).collections.map((x) => x.id);
    assert.ok(!ids.some((id) => id.startsWith('rpg-n2')), `no level-2 collection listed to an open caller: ${ids.join(', ')}`);
    scan('/ogc/collections', ogc.body);
    for (const id of ids) {
      for (const u of [`/ogc/collections/${id}?f=json`, `/ogc/collections/${id}/items?f=json&limit=1000&bbox=${pt.bbox}`, `/ogc/collections/${id}/queryables?f=json`]) {
        const res = await get(u);
        if (res.statusCode === 200) scanned++;
        scan(u, res.body);
      }
      for (const u of [`/tiles/${id}/${z}/${tx}/${ty}.mvt`, `/ogc/collections/${id}/tiles/WebMercatorQuad/${z}/${ty}/${tx}`]) {
        const res = await get(u);
        scan(u, res.rawPayload.toString('latin1'));
      }
    }
    for (const id of ['rpg-n2.parcelle-graphique', 'rpg-n2.ilot']) {
      const res = await get(`/ogc/collections/${id}/items?f=json&bbox=${pt.bbox}`);
      assert.ok(res.statusCode >= 400, `${id} items: ${res.statusCode}`);
      scan(id, res.body);
    }
  }
  for (const extra of ['/api/doc', '/api/doc/problems', '/api/doc/rpg.json', '/api/doc/niveau2.json', '/healthz', '/readyz']) scan(extra, (await get(extra)).body);
  assert.ok(scanned > 20, `open answers scanned: ${scanned}`);
  // A valid level-2 key on an open route changes nothing to what it answers.
  const withKey = await get(`/api/rpg/v2?annee=2023&geom=${geom}`, w.keys.draaf);
  assert.equal(withKey.statusCode, 200);
  scan('rpg/v2 with a level-2 key', withKey.body);
});

test(`${BACKEND}: /api/datasets lists level-2 datasets only to callers who may read them`, async () => {
  const n2 = (rows: { layer: string; id: string }[]) => rows.filter((r) => r.layer.startsWith('rpg-n2.') || r.layer.startsWith('demo.'));
  const open = (await get('/api/datasets')).json();
  assert.equal(n2(open).length, 0, 'anonymous: none');
  assert.ok(open.some((r: { layer: string }) => r.layer === 'rpg.parcelle'), 'level 1 listed');
  assert.equal(n2((await get('/api/datasets', w.keys.communeSansLire)).json()).length, 0, 'a requester without rpg:niveau2:lire: none');
  const reader = n2((await get('/api/datasets', w.keys.draaf)).json());
  assert.ok(reader.length >= 20 && reader.every((r) => r.layer.startsWith('rpg-n2.')), 'rpg:niveau2:lire: the level-2 datasets (not the organic ones)');
  const one = reader[0];
  assert.equal((await get(`/api/datasets/${encodeURIComponent(one.id)}`)).statusCode, 404);
  assert.equal((await get(`/api/datasets/${encodeURIComponent(one.id)}`, w.keys.draaf)).statusCode, 200);
  assert.equal((await get(`/api/datasets?layer=rpg-n2.parcelles`)).json().length, 0);
});

test(`${BACKEND}: matrix role × route × territory × campaign state, every cell asserted and audited`, async () => {
  const c = w.communes;
  const file = async (key: string, over: Record<string, unknown> = {}) => {
    const r = await w.t.app.inject({ method: 'POST', url: '/api/niveau2/demandes', headers: bearer(key), payload: demandeBody(c, over) });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as number;
  };
  const accepted = await file(w.keys.commune, { campagnes: [2023] });
  const ok = await w.t.app.inject({ method: 'POST', url: `/api/niveau2/demandes/${accepted}/decision`, headers: bearer(w.keys.draaf), payload: { decision: 'acceptation' } });
  assert.equal(ok.statusCode, 200, ok.body);
  const pending = await file(w.keys.commune);
  const [pt] = await w.t.db.query<{ g: string }>(`SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) AS g FROM rpg_parcelle WHERE campagne = 2023 ORDER BY gid LIMIT 1`);

  type Route = { name: string; method: 'GET' | 'POST' | 'PUT'; url: string; body?: unknown; restricted: boolean };
  const routes: Route[] = [
    { name: 'file (own territory)', method: 'POST', url: '/api/niveau2/demandes', body: demandeBody(c), restricted: true },
    { name: 'file (other territory)', method: 'POST', url: '/api/niveau2/demandes', body: demandeBody(c, { communes: [c[1]] }), restricted: true },
    { name: 'read', method: 'GET', url: `/api/niveau2/demandes/${accepted}`, restricted: true },
    { name: 'decide', method: 'POST', url: `/api/niveau2/demandes/${pending}/decision`, body: { decision: 'refus' }, restricted: true },
    { name: 'extraction', method: 'GET', url: `/api/niveau2/demandes/${accepted}/extraction`, restricted: true },
    { name: 'registre', method: 'GET', url: '/api/niveau2/registre', restricted: true },
    { name: 'set campaign', method: 'PUT', url: '/api/niveau2/campagnes/2030', body: { etat: 'fini' }, restricted: true },
    { name: 'direct read', method: 'GET', url: `/api/niveau2/campagnes/2023/parcelles?commune=${c[0]}`, restricted: true },
    { name: 'rpg v2 (open)', method: 'GET', url: `/api/rpg/v2?annee=2023&geom=${encodeURIComponent(pt.g)}`, restricted: false },
  ];
  // Expected status per role and route, for 2023 completed / 2023 under instruction.
  type Cell = number | [number, number];
  const M: Record<string, { key?: string; cells: Cell[] }> = {
    anonymous: { cells: [401, 401, 401, 401, 401, 401, 401, 401, [200, 403]] },
    commune: { key: w.keys.commune, cells: [201, 403, 200, 403, [200, 403], 403, 403, 403, [200, 403]] },
    communeSansLire: { key: w.keys.communeSansLire, cells: [201, 403, 200, 403, 403, 403, 403, 403, [200, 403]] },
    agence: { key: w.keys.agence, cells: [403, 201, 404, 403, 404, 403, 403, 403, [200, 403]] },
    draaf: { key: w.keys.draaf, cells: [403, 403, 200, 400, 404, 200, 403, 200, [200, 403]] },
    draafAutre: { key: w.keys.draafAutre, cells: [403, 403, 404, 404, 404, 200, 403, 403, [200, 403]] },
    ssp: { key: w.keys.ssp, cells: [201, 201, 404, 404, 404, 200, 403, [200, 403], [200, 403]] },
    admin: { key: w.keys.admin, cells: [403, 403, 403, 403, 403, 200, 400, 403, [200, 403]] },
  };
  const [{ n: before }] = await w.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_audit');
  let restrictedCalls = 0;
  for (const [state, i] of [['constatee', 0], ['instruction', 1]] as const) {
    await w.t.db.query(`DELETE FROM rpg_campagne WHERE annee = 2023`);
    if (state === 'instruction') await w.t.db.query(`INSERT INTO rpg_campagne (annee, etat, source) VALUES (2023, 'instruction', 'admin')`);
    for (const [role, { key, cells }] of Object.entries(M)) {
      for (const [j, r] of routes.entries()) {
        const cell = cells[j];
        const expected = Array.isArray(cell) ? cell[i] : cell;
        const res = await w.t.app.inject({ method: r.method, url: r.url, headers: key ? bearer(key) : {}, ...(r.body ? { payload: r.body as object } : {}) });
        assert.equal(res.statusCode, expected, `${role} × ${r.name} × 2023 ${state}: ${res.body.slice(0, 300)}`);
        if (r.restricted) restrictedCalls++;
        if (res.statusCode >= 400) assert.match(String(res.headers['content-type']), /problem\+json/);
        if (r.name === 'extraction' && expected === 403 && role === 'commune') assert.equal(res.json().rule, 'rpg-campagne-constatee');
        if (r.name === 'direct read' && expected === 403 && role === 'commune') assert.equal(res.json().rule, state === 'constatee' ? 'rpg-niveau2-demande' : 'rpg-niveau2-instruction');
        if (r.name === 'direct read' && expected === 200) assert.ok(res.json().numberReturned > 0);
      }
    }
  }
  const [{ n: afterCount }] = await w.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_audit');
  assert.equal(afterCount - before, restrictedCalls, 'every restricted call, refused or not, is one audit row; open calls none');
  const verify = await get('/api/admin/audit/verify', w.keys.admin);
  assert.equal(verify.json().ok, true, verify.body);
});

test(`${BACKEND}: edited ids and parameters never reach outside what was granted (OWASP API1)`, async () => {
  const c = w.communes;
  const r = await w.t.app.inject({ method: 'POST', url: '/api/niveau2/demandes', headers: bearer(w.keys.agence), payload: demandeBody(c, { communes: [c[1]] }) });
  const theirs = r.json().id as number;
  // Another body's id, with every verb, and path tricks.
  for (const url of [`/api/niveau2/demandes/${theirs}`, `/api/niveau2/demandes/${theirs}/extraction`, `/api/niveau2/demandes/${theirs}%20`, `/api/niveau2/demandes/0${theirs}`]) {
    const res = await get(url, w.keys.commune);
    assert.ok([400, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
    assert.ok(!res.body.includes('Agence'), url);
  }
  for (const bad of ['-1', '1.5', '99999999999', "1' OR '1'='1"]) {
    const res = await get(`/api/niveau2/demandes/${encodeURIComponent(bad)}`, w.keys.commune);
    assert.equal(res.statusCode, 400, bad);
  }
  // `1e3` is the number 1000 (schema coercion): no request of this caller has it.
  assert.equal((await get('/api/niveau2/demandes/1e3', w.keys.commune)).statusCode, 404);
  // Parameters that try to widen a download are refused as unknown (the route takes none).
  const mine = await w.t.app.inject({ method: 'POST', url: '/api/niveau2/demandes', headers: bearer(w.keys.commune), payload: demandeBody(c) });
  const id = mine.json().id as number;
  await w.t.app.inject({ method: 'POST', url: `/api/niveau2/demandes/${id}/decision`, headers: bearer(w.keys.draaf), payload: { decision: 'acceptation', tables: { parcelles: ['code_culture'] } } });
  for (const q of ['communes=' + c[1], 'campagnes=2021', 'tables=exploitants_etat', 'organisation=' + w.orgs.agence]) {
    const res = await get(`/api/niveau2/demandes/${id}/extraction?${q}`, w.keys.commune);
    assert.equal(res.statusCode, 400, q);
    assert.equal(res.json().invalid_params?.[0]?.name, q.split('=')[0], res.body);
  }
  // A requester cannot decide its own request through another route or body member.
  const self = await w.t.app.inject({ method: 'POST', url: `/api/niveau2/demandes/${id}/decision`, headers: bearer(w.keys.ssp), payload: { decision: 'acceptation' } });
  assert.equal(self.statusCode, 404);
  const forged = await w.t.app.inject({ method: 'POST', url: '/api/niveau2/demandes', headers: bearer(w.keys.commune), payload: { ...demandeBody(c), statut: 'acceptee' } });
  assert.equal(forged.statusCode, 400);
});
