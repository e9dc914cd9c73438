import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { unzipSync, strFromU8 } from 'fflate';
import initSqlJs from 'sql.js';
import { BACKEND } from '../../helpers/db.ts';
import { assertProblem } from '../../helpers/app.ts';
import { bearer, demandeBody, n2World, type N2World } from './helpers.ts';

/**
 * The whole level-2 workflow through the HTTP API on the synthetic demo: campaign register, filing,
 * routing, decision, extraction (GeoPackage + CSV + metadata + art. 14 notice), register, audit.
 */
let w: N2World;
before(async () => {
  w = await n2World();
});
after(async () => w?.t.close());

const inject = (method: string, url: string, key?: string, payload?: unknown) =>
  w.t.app.inject({ method: method as 'GET', url, headers: key ? bearer(key) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

const point = async (annee: number) => {
  const [p] = await w.t.db.query<{ x: number; y: number }>(
    `SELECT ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM rpg_parcelle WHERE campagne = $1 ORDER BY gid LIMIT 1`,
    [annee],
  );
  return encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [p.x, p.y] }));
};

test(`${BACKEND}: the campaign register decides what open level-1 routes serve`, async () => {
  const list = await inject('GET', '/api/niveau2/campagnes');
  assert.equal(list.statusCode, 200);
  const byYear = new Map((list.json() as { annee: number; etat: string; source: string; constatee_le: string | null }[]).map((c) => [c.annee, c]));
  assert.deepEqual(byYear.get(2024), { annee: 2024, etat: 'constatee', constatee_le: '2025-06-30', source: 'defaut', note: null, modifie_le: null });
  // 2026 is in instruction until the end of June 2027 (today is after 15 May 2026).
  assert.equal(byYear.get(2026)?.etat, new Date().toISOString().slice(0, 10) > '2026-05-15' ? 'instruction' : 'declaration');
  // The demo's imports of published level-1 files recorded 2022 and 2023 as completed.
  assert.equal(byYear.get(2023)?.source, 'import');

  const ok = await inject('GET', `/api/rpg/v2?annee=2023&geom=${await point(2023)}`);
  assert.equal(ok.statusCode, 200);
  assert.ok((ok.json() as { features: unknown[] }).features.length >= 1);
  const early = await inject('GET', `/api/rpg/v2?annee=2026&geom=${await point(2023)}`);
  const body = assertProblem(early, 403);
  assert.match(body.detail, /campaign 2026 is not completed.*open level-1 routes serve completed/);
  assert.equal(body.rule, 'rpg-campagne-constatee');

  // An administrator sets 2023 back to instruction: the open route refuses it at once (GET and POST).
  assertProblem(await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.draaf, { etat: 'instruction' }), 403);
  assertProblem(await inject('PUT', '/api/niveau2/campagnes/2023', undefined, { etat: 'instruction' }), 401);
  assertProblem(await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'fini' }), 400, 'etat');
  assertProblem(await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'constatee', constatee_le: '2999-01-01' }), 400, 'constatee_le');
  assertProblem(await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'instruction', constatee_le: '2024-06-30' }), 400, 'constatee_le');
  assertProblem(await inject('PUT', '/api/niveau2/campagnes/1999', w.keys.admin, { etat: 'instruction' }), 400, 'annee');
  const set = await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'instruction', note: 'contrôle en cours' });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json().source, 'admin');
  assertProblem(await inject('GET', `/api/rpg/v2?annee=2023&geom=${await point(2023)}`), 403);
  const post = await w.t.app.inject({ method: 'POST', url: '/api/rpg/v2', payload: { annee: 2023, geom: { type: 'Point', coordinates: [0.5, 44.3] } } });
  assertProblem(post, 403);
  const back = await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'constatee', constatee_le: '2024-06-28' });
  assert.equal(back.json().constatee_le, '2024-06-28');
  assert.equal((await inject('GET', `/api/rpg/v2?annee=2023&geom=${await point(2023)}`)).statusCode, 200);
});

test(`${BACKEND}: filing a request: checks, territory, routing, register`, async () => {
  const c = w.communes;
  assertProblem(await inject('POST', '/api/niveau2/demandes', undefined, demandeBody(c)), 401);
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.communeSansScope, demandeBody(c)), 403);
  const outside = assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { communes: [c[1]] })), 403);
  assert.equal(outside.outside.name, 'communes');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { communes: undefined })), 403);
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { engagements: { usage_limite_au_traitement: true, information_des_exploitants: false } })), 400, 'engagements.information_des_exploitants');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { tables: { cheptel: ['x'] } })), 400, 'tables.cheptel');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { tables: { parcelles: ['nom'] } })), 400, 'tables.parcelles');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { tables: { exploitants_etat: ['siret'] } })), 400, 'tables.exploitants_etat');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { campagnes: [2010] })), 400, 'campagnes');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { nature: 'interesse' })), 400, 'pacage');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { pacage: '047000001' })), 400, 'pacage');
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c, { dpo: { nom: 'x', courriel: 'pas un courriel' } })), 400);
  assertProblem(await inject('POST', '/api/niveau2/demandes', w.keys.commune, { ...demandeBody(c), inconnu: 1 }), 400);

  const res = await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(c));
  assert.equal(res.statusCode, 201, res.body);
  const d = res.json();
  assert.equal(d.statut, 'deposee');
  assert.equal(d.instructeur, 'draaf');
  assert.equal(d.region, '75');
  assert.deepEqual(d.communes, [c[0]]);
  assert.equal(res.headers.location, `/api/niveau2/demandes/${d.id}`);
  assert.equal(d.information_art14, undefined, 'no notice before acceptance');

  // Research goes to the SSP, national.
  const r = await inject('POST', '/api/niveau2/demandes', w.keys.ssp, demandeBody(c, { nature: 'recherche', communes: c, tables: { parcelles: ['code_culture'] } }));
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().instructeur, 'ssp');
});

async function file(key: string, over: Record<string, unknown> = {}) {
  const res = await inject('POST', '/api/niveau2/demandes', key, demandeBody(w.communes, over));
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: number };
}

test(`${BACKEND}: who sees and who decides which request (object-level authorisation)`, async () => {
  const d = await file(w.keys.commune);
  const mine = await inject('GET', '/api/niveau2/demandes', w.keys.commune);
  assert.ok((mine.json() as { id: number }[]).some((x) => x.id === d.id));
  assert.equal((await inject('GET', `/api/niveau2/demandes/${d.id}`, w.keys.communeSansLire)).statusCode, 200);
  // Another requester, a DRAAF of another territory, the SSP: not theirs (404, existence not told).
  for (const k of [w.keys.agence, w.keys.draafAutre, w.keys.ssp, w.keys.ddt]) {
    assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}`, k), 404);
    assert.ok(!(await inject('GET', '/api/niveau2/demandes', k)).json().some((x: { id: number }) => x.id === d.id));
  }
  assert.ok((await inject('GET', '/api/niveau2/demandes?statut=deposee', w.keys.draaf)).json().some((x: { id: number }) => x.id === d.id));
  assertProblem(await inject('GET', '/api/niveau2/demandes?statut=perdue', w.keys.draaf), 400, 'statut');
  assertProblem(await inject('GET', '/api/niveau2/demandes/abc', w.keys.draaf), 400, 'id');
  assertProblem(await inject('GET', '/api/niveau2/demandes/999999', w.keys.draaf), 404);

  // Decisions: the requester cannot decide its own, nor can another DRAAF or the SSP.
  const accept = { decision: 'acceptation' };
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.commune, accept), 403);
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draafAutre, accept), 404);
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.ssp, accept), 404);
  // Narrowing only.
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation', tables: { parcelles: ['nom'] } }), 400, 'tables.parcelles');
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation', tables: { pilier2: ['numero_pacage'] } }), 400, 'tables.pilier2');
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation', communes: [w.communes[1]] }), 400, 'communes');
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation', campagnes: [2021] }), 400, 'campagnes');
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'refus' }), 400, 'motif');
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'peut-etre' }), 400, 'decision');
  // Pending: nothing to download.
  assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.commune), 409);
  const ok = await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation' });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().statut, 'acceptee');
  assertProblem(await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'refus', motif: 'trop tard' }), 409);
});

test(`${BACKEND}: refused and expired requests download nothing`, async () => {
  const d = await file(w.keys.commune);
  const refused = await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'refus', motif: 'finalité sans lien avec la mission' });
  assert.equal(refused.json().statut, 'refusee');
  assert.equal(refused.json().motif_refus, 'finalité sans lien avec la mission');
  assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.commune), 409);
  const e = await file(w.keys.commune);
  await inject('POST', `/api/niveau2/demandes/${e.id}/decision`, w.keys.draaf, { decision: 'acceptation', validite_jours: 1 });
  await w.t.db.query(`UPDATE n2_demande SET expire_le = now() - interval '1 minute' WHERE id = $1`, [e.id]);
  const expired = assertProblem(await inject('GET', `/api/niveau2/demandes/${e.id}/extraction`, w.keys.commune), 403);
  assert.match(expired.detail, /could be downloaded until/);
});

async function openGpkg(bytes: Uint8Array) {
  const SQL = await initSqlJs();
  return new SQL.Database(bytes);
}

test(`${BACKEND}: the extraction holds exactly what was granted, for completed campaigns, with its metadata, checksum and register`, async () => {
  const d = await file(w.keys.commune);
  const granted = { parcelles: ['numero_pacage', 'commune_ilot', 'code_culture', 'surface_admissible'], exploitants: ['numero_pacage'] };
  const dec = await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation', tables: granted, campagnes: [2022, 2023] });
  assert.equal(dec.statusCode, 200, dec.body);
  assert.match(dec.json().information_art14, /Responsable du traitement : Maire de la commune démo/);
  // 2023 goes back to instruction: only 2022 is extracted.
  await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'instruction' });
  // Only the requester downloads, with rpg:niveau2:lire.
  assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.communeSansLire), 403);
  assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.agence), 404);
  assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.draaf), 404);
  const res = await w.t.app.inject({ method: 'GET', url: `/api/niveau2/demandes/${d.id}/extraction`, headers: bearer(w.keys.commune) });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.equal(res.headers['cache-control'], 'private, no-store');
  const zip = res.rawPayload;
  const sum = createHash('sha256').update(zip).digest('hex');
  assert.equal(res.headers['x-checksum-sha256'], sum);
  const files = unzipSync(new Uint8Array(zip));
  assert.deepEqual(Object.keys(files).sort(), ['exploitants.csv', 'information_art14.txt', 'metadonnees.json', 'niveau2.gpkg']);

  const gpkg = await openGpkg(files['niveau2.gpkg']);
  const cols = gpkg.exec(`PRAGMA table_info(parcelles)`)[0].values.map((v) => v[1]);
  assert.deepEqual(cols, ['fid', 'geom', 'campagne', 'numero_pacage', 'commune_ilot', 'code_culture', 'surface_admissible']);
  const rows = gpkg.exec(`SELECT campagne, commune_ilot, count(*) FROM parcelles GROUP BY 1, 2`)[0].values;
  assert.deepEqual(rows.map((r) => [r[0], r[1]]), [[2022, w.communes[0]]], 'one campaign (completed), one commune (granted)');
  const [expected] = await w.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_n2_parcelle WHERE campagne = 2022 AND commune_ilot = $1`, [w.communes[0]]);
  assert.equal(rows[0][2], expected.n);
  assert.equal(gpkg.exec(`SELECT srs_id, geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'parcelles'`)[0].values[0].join(), '4326,MULTIPOLYGON');
  const blob = gpkg.exec('SELECT geom FROM parcelles LIMIT 1')[0].values[0][0] as Uint8Array;
  assert.equal(String.fromCharCode(blob[0], blob[1]), 'GP');
  assert.equal(gpkg.exec('PRAGMA application_id')[0].values[0][0], 1196444487);
  gpkg.close();

  const csv = strFromU8(files['exploitants.csv']).trim().split(/\r?\n/);
  assert.equal(csv[0], 'campagne,numero_pacage');
  const [farms] = await w.t.db.query<{ n: number }>(
    `SELECT count(DISTINCT numero_pacage)::int AS n FROM rpg_n2_parcelle WHERE campagne = 2022 AND commune_ilot = $1`,
    [w.communes[0]],
  );
  assert.equal(csv.length - 1, farms.n, 'the farms working land in the territory, wherever their seat');

  const sheet = JSON.parse(strFromU8(files['metadonnees.json']));
  assert.deepEqual(sheet.campagnes, [2022]);
  assert.deepEqual(sheet.campagnes_exclues.map((c: { campagne: number }) => c.campagne), [2023]);
  assert.equal(sheet.demande.traitement, 'Suivi des surfaces en herbe du bassin versant');
  assert.equal(sheet.engagements.information_des_exploitants, true);
  assert.match(sheet.synthetique, /SYNTHÉTIQUES/);
  assert.equal(sheet.systeme_de_coordonnees.includes('EPSG:4326'), true);
  assert.ok(sheet.genealogie.length > 0);
  const parcelles = sheet.tables.find((t: { table: string }) => t.table === 'parcelles');
  assert.deepEqual(parcelles.attributs.map((a: { name: string }) => a.name), ['campagne', 'numero_pacage', 'commune_ilot', 'code_culture', 'surface_admissible']);
  for (const f of sheet.fichiers) assert.equal(f.sha256, createHash('sha256').update(files[f.name]).digest('hex'), f.name);
  assert.match(strFromU8(files['information_art14.txt']), /article 14[\s\S]*DPO mutualisé[\s\S]*5 ans/);

  // The register records the transmitted dataset: content, checksum, commitments.
  const reg = await inject('GET', `/api/niveau2/registre?demande=${d.id}`, w.keys.draaf);
  assert.equal(reg.statusCode, 200);
  const events = reg.json() as { evenement: string; checksum: string | null; detail: Record<string, unknown> }[];
  assert.deepEqual(events.map((e) => e.evenement), ['depot', 'acceptation', 'extraction']);
  assert.equal(events[2].checksum, sum);
  assert.deepEqual((events[2].detail.engagements as Record<string, boolean>).usage_limite_au_traitement, true);
  const csvReg = await inject('GET', `/api/niveau2/registre?format=csv&demande=${d.id}`, w.keys.draaf);
  assert.match(String(csvReg.headers['content-type']), /^text\/csv/);
  assert.match(csvReg.body, new RegExp(sum));
  assertProblem(await inject('GET', '/api/niveau2/registre', w.keys.commune), 403);
  assert.equal((await inject('GET', `/api/niveau2/registre?demande=${d.id}`, w.keys.draafAutre)).json().length, 0);
  assert.equal((await inject('GET', `/api/niveau2/registre?demande=${d.id}`, w.keys.admin)).json().length, 3);
  assertProblem(await inject('GET', '/api/niveau2/registre?format=xml', w.keys.admin), 400, 'format');
  // Append-only.
  await assert.rejects(w.t.db.query(`DELETE FROM n2_registre WHERE demande = $1`, [d.id]), /append-only/);

  // Every level-2 read is in the hash-chained audit trail, with what it returned.
  const audit = await w.t.db.query<{ route: string; status: number; features: number | null; organisation: number }>(
    `SELECT route, status, features, organisation FROM auth_audit WHERE path = $1 ORDER BY seq`,
    [`/api/niveau2/demandes/${d.id}/extraction`],
  );
  const okRow = audit.find((a) => a.status === 200);
  assert.ok(okRow && okRow.organisation === w.orgs.commune && (okRow.features ?? 0) > 0, JSON.stringify(audit));
  assert.ok(audit.some((a) => a.status === 404), 'refused attempts audited too');

  // None of the granted campaigns completed: nothing, 403 naming the rule.
  await inject('PUT', '/api/niveau2/campagnes/2022', w.keys.admin, { etat: 'instruction' });
  const none = assertProblem(await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.commune), 403);
  assert.equal(none.rule, 'rpg-campagne-constatee');
  await inject('PUT', '/api/niveau2/campagnes/2022', w.keys.admin, { etat: 'constatee', constatee_le: '2023-06-30' });
  await inject('PUT', '/api/niveau2/campagnes/2023', w.keys.admin, { etat: 'constatee', constatee_le: '2024-06-30' });
});

test(`${BACKEND}: State-only fields never leave for a non-State body, even if the stored decision says so`, async () => {
  const d = await file(w.keys.commune, { tables: { parcelles: ['code_culture'] } });
  await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation' });
  // Tampering with the stored grant (a bug, an edited row) must not open the State-only table.
  await w.t.db.query(`UPDATE n2_demande SET accorde = jsonb_set(accorde, '{tables,exploitants_etat}', '["numero_pacage","siret","nom_raison_sociale"]') WHERE id = $1`, [d.id]);
  const res = await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.commune);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  const files = unzipSync(new Uint8Array(res.rawPayload));
  assert.ok(!('exploitants_etat.csv' in files));
  const sheet = JSON.parse(strFromU8(files['metadonnees.json']));
  assert.equal(sheet.tables_exclues[0].table, 'exploitants_etat');
  const [siret] = await w.t.db.query<{ s: string }>('SELECT siret AS s FROM rpg_n2_exploitant_etat LIMIT 1');
  for (const [name, bytes] of Object.entries(files)) assert.ok(!Buffer.from(bytes).includes(siret.s), `${name} holds no SIRET`);

  // A State service (DDT) may ask and receive it.
  const s = await file(w.keys.ddt, { tables: { exploitants_etat: ['numero_pacage', 'siret', 'nom_raison_sociale'] } });
  await inject('POST', `/api/niveau2/demandes/${s.id}/decision`, w.keys.draaf, { decision: 'acceptation' });
  const ok = await inject('GET', `/api/niveau2/demandes/${s.id}/extraction`, w.keys.ddt);
  assert.equal(ok.statusCode, 200);
  const etat = strFromU8(unzipSync(new Uint8Array(ok.rawPayload))['exploitants_etat.csv']).trim().split(/\r?\n/);
  assert.equal(etat[0], 'campagne,numero_pacage,siret,nom_raison_sociale');
  assert.ok(etat.length > 1);
});

test(`${BACKEND}: an interested party's request yields that farm only`, async () => {
  const [farm] = await w.t.db.query<{ p: string }>(`SELECT numero_pacage AS p FROM rpg_n2_parcelle WHERE campagne = 2022 AND commune_ilot = $1 ORDER BY 1 LIMIT 1`, [w.communes[0]]);
  const d = await file(w.keys.commune, { nature: 'interesse', pacage: farm.p });
  const dec = await inject('POST', `/api/niveau2/demandes/${d.id}/decision`, w.keys.draaf, { decision: 'acceptation' });
  assert.equal(dec.statusCode, 200, dec.body);
  const files = unzipSync(new Uint8Array((await inject('GET', `/api/niveau2/demandes/${d.id}/extraction`, w.keys.commune)).rawPayload));
  const gpkg = await openGpkg(files['niveau2.gpkg']);
  const pacages = gpkg.exec('SELECT DISTINCT numero_pacage FROM parcelles')[0].values.map((v) => v[0]);
  gpkg.close();
  assert.deepEqual(pacages, [farm.p]);
  const pilier = strFromU8(files['pilier1.csv']).trim().split(/\r?\n/).slice(1);
  assert.ok(pilier.length >= 1 && pilier.every((l) => l.split(',')[1] === farm.p));
});
