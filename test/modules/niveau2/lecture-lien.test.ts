import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { BACKEND } from '../../helpers/db.ts';
import { assertProblem } from '../../helpers/app.ts';
import { redactCredentials } from '../../../src/auth/credentials.ts';
import { bearer, demandeBody, n2World, type N2World } from './helpers.ts';

/**
 * What issue 16 left: the direct read of a campaign by the services instructing it (and State services
 * once completed), the expiring single-use download link of an extraction, and a request granting the
 * MAEC tables end to end. Links here live 120 s (TERROIR_LINK_TTL_SECONDS).
 */
let w: N2World;
before(async () => {
  w = await n2World({ TERROIR_LINK_TTL_SECONDS: '120' });
});
after(async () => w?.t.close());

const inject = (method: string, url: string, key?: string, payload?: unknown) =>
  w.t.app.inject({ method: method as 'GET', url, headers: key ? bearer(key) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

const setCampaign = async (annee: number, etat: 'instruction' | 'constatee') => {
  const res = await inject('PUT', `/api/niveau2/campagnes/${annee}`, w.keys.admin, etat === 'constatee' ? { etat, constatee_le: `${annee + 1}-06-30` } : { etat });
  assert.equal(res.statusCode, 200, res.body);
};

async function accepted(key: string, over: Record<string, unknown> = {}, decision: Record<string, unknown> = {}) {
  const res = await inject('POST', '/api/niveau2/demandes', key, demandeBody(w.communes, over));
  assert.equal(res.statusCode, 201, res.body);
  const id = res.json().id as number;
  const dec = await inject('POST', `/api/niveau2/demandes/${id}/decision`, w.keys.draaf, { decision: 'acceptation', ...decision });
  assert.equal(dec.statusCode, 200, dec.body);
  return id;
}

const auditOf = (path: string) =>
  w.t.db.query<{ route: string; method: string; status: number; features: number | null; organisation: number | null; key_prefix: string | null; territory: unknown }>(
    `SELECT route, method, status, features, organisation, key_prefix, territory FROM auth_audit WHERE path = $1 ORDER BY seq`,
    [path],
  );

test(`${BACKEND}: before completion only the instructing services read a campaign's level 2; after, State services`, async () => {
  const c = w.communes;
  const url = (annee: number, commune = c[0], table = 'parcelles') => `/api/niveau2/campagnes/${annee}/${table}?commune=${commune}`;
  const [{ n: expected }] = await w.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_n2_parcelle WHERE campagne = 2023 AND commune_ilot = $1`, [c[0]]);
  assert.ok(expected > 0);
  await setCampaign(2023, 'instruction');
  try {
    // The DRAAF of the region reads the campaign under instruction, in its territory.
    const res = await inject('GET', url(2023), w.keys.draaf);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    const fc = res.json() as { features: { properties: Record<string, unknown>; geometry: { type: string } }[]; numberReturned: number };
    assert.equal(fc.numberReturned, expected);
    assert.ok(fc.features.every((f) => f.properties.campagne === 2023 && f.properties.commune_ilot === c[0] && f.geometry.type === 'MultiPolygon'));
    assert.ok(typeof fc.features[0].properties.numero_pacage === 'string' && 'surface_admissible' in fc.features[0].properties);
    const ilots = await inject('GET', url(2023, c[0], 'ilots'), w.keys.draaf);
    assert.equal(ilots.statusCode, 200);
    assert.ok((ilots.json() as { numberReturned: number }).numberReturned > 0);
    // Paging.
    const page = await inject('GET', `${url(2023)}&limit=2&offset=1`, w.keys.draaf);
    assert.deepEqual((page.json() as typeof fc).features.map((f) => f.properties.id_parcelle), fc.features.slice(1, 3).map((f) => f.properties.id_parcelle));

    // A DRAAF of another territory: 403 naming the commune outside.
    const other = assertProblem(await inject('GET', url(2023), w.keys.draafAutre), 403);
    assert.equal(other.outside.name, 'commune');
    // A public body holding rpg:niveau2:lire (the commune itself, its own territory): 403 naming the rule.
    const body = assertProblem(await inject('GET', url(2023), w.keys.commune), 403);
    assert.equal(body.rule, 'rpg-niveau2-instruction');
    assert.match(body.detail, /campaign 2023 is not completed.*only the services instructing it/);
    // The SSP is a State service but does not instruct PAC campaigns.
    assert.equal(assertProblem(await inject('GET', url(2023), w.keys.ssp), 403).rule, 'rpg-niveau2-instruction');
    assertProblem(await inject('GET', url(2023), w.keys.communeSansLire), 403);
    assertProblem(await inject('GET', url(2023)), 401);
    assertProblem(await inject('GET', `/api/niveau2/campagnes/2023/parcelles`, w.keys.draaf), 400, 'commune');
    assertProblem(await inject('GET', url(2023, c[0], 'exploitants_etat'), w.keys.draaf), 400, 'table');
  } finally {
    await setCampaign(2023, 'constatee');
  }
  // Completed: State services (the DDT, the SSP) read it; the commune still only through a request.
  assert.equal((await inject('GET', url(2023), w.keys.ddt)).statusCode, 200);
  assert.equal((await inject('GET', url(2023), w.keys.ssp)).statusCode, 200);
  assert.equal(assertProblem(await inject('GET', url(2023), w.keys.commune), 403).rule, 'rpg-niveau2-demande');

  // Every read, refused or not, is in the hash-chained audit trail with the territory and the features returned.
  const audit = await auditOf('/api/niveau2/campagnes/2023/parcelles');
  const ok = audit.find((a) => a.status === 200 && a.organisation === w.orgs.draaf);
  assert.ok(ok && ok.features === expected && ok.route === '/api/niveau2/campagnes/:annee/:table', JSON.stringify(audit[0]));
  assert.deepEqual(typeof ok.territory === 'string' ? JSON.parse(ok.territory) : ok.territory, { commune: c[0] });
  assert.ok(audit.some((a) => a.status === 403 && a.organisation === w.orgs.commune));
  const verify = await inject('GET', '/api/admin/audit/verify', w.keys.admin);
  assert.equal(verify.json().ok, true, verify.body);
});

test(`${BACKEND}: a download link expires, is used once, for its request only, and is audited when issued and used`, async () => {
  const id = await accepted(w.keys.commune);
  const other = await accepted(w.keys.commune);
  // Only the requester, with rpg:niveau2:lire, for an accepted request.
  assertProblem(await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.agence), 404);
  assertProblem(await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.draaf), 404);
  assertProblem(await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.communeSansLire), 403);
  assertProblem(await inject('POST', `/api/niveau2/demandes/${id}/lien`), 401);
  const pending = (await inject('POST', '/api/niveau2/demandes', w.keys.commune, demandeBody(w.communes))).json().id as number;
  assertProblem(await inject('POST', `/api/niveau2/demandes/${pending}/lien`, w.keys.commune), 409);

  const t0 = Date.now();
  const issued = await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.commune);
  assert.equal(issued.statusCode, 201, issued.body);
  const { url, expire_le } = issued.json() as { url: string; expire_le: string };
  assert.match(url, new RegExp(`^/api/niveau2/demandes/${id}/extraction\\?jeton=trl_[A-Za-z0-9_-]{43}$`));
  const ttl = (Date.parse(expire_le) - t0) / 1000;
  assert.ok(ttl > 110 && ttl <= 121, `TERROIR_LINK_TTL_SECONDS=120 → ${ttl} s`);
  const token = url.split('jeton=')[1];
  // Never in a log line.
  assert.equal(redactCredentials(url), `/api/niveau2/demandes/${id}/extraction?jeton=redacted`);
  assert.ok(!redactCredentials(`/x?a=${token}`).includes(token.slice(4)));
  const [stored] = await w.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM auth_lien WHERE hash = $1`, [token]);
  assert.equal(stored.n, 0, 'only the digest of the token is stored');

  // Reused for another request of the same requester: 403, and the link stays usable for its own.
  const elsewhere = assertProblem(await inject('GET', `/api/niveau2/demandes/${other}/extraction?jeton=${token}`), 403);
  assert.match(elsewhere.detail, /issued for another object/);
  // Edited: one character changed, cut, or another shape.
  const flip = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const bad of [flip, token.slice(0, -1), token.replace('trl_', 'trr_'), 'x']) {
    assertProblem(await inject('GET', `/api/niveau2/demandes/${id}/extraction?jeton=${encodeURIComponent(bad)}`), 401);
  }
  // A key and a link in one request: which one is meant is not guessed.
  assertProblem(await inject('GET', `/api/niveau2/demandes/${id}/extraction?jeton=${token}`, w.keys.commune), 400, 'jeton');
  // A link does not open another route.
  assertProblem(await inject('GET', `/api/niveau2/demandes/${id}?jeton=${token}`), 401);

  // Used without any key: the extraction, registered and audited as the requester's.
  const res = await w.t.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.equal(res.headers['x-checksum-sha256'], createHash('sha256').update(res.rawPayload).digest('hex'));
  assert.ok('niveau2.gpkg' in unzipSync(new Uint8Array(res.rawPayload)));
  // Once only.
  assert.match(assertProblem(await w.t.app.inject({ method: 'GET', url }), 401).detail, /already used/);

  const reg = (await inject('GET', `/api/niveau2/registre?demande=${id}&evenement=extraction`, w.keys.draaf)).json() as { checksum: string; organisation: number }[];
  assert.equal(reg.length, 1);
  assert.equal(reg[0].checksum, res.headers['x-checksum-sha256']);
  assert.equal(reg[0].organisation, w.orgs.commune);
  const issuedAudit = await auditOf(`/api/niveau2/demandes/${id}/lien`);
  assert.ok(issuedAudit.some((a) => a.method === 'POST' && a.status === 201 && a.organisation === w.orgs.commune));
  const used = await auditOf(`/api/niveau2/demandes/${id}/extraction`);
  const usedOk = used.filter((a) => a.status === 200);
  assert.equal(usedOk.length, 1);
  assert.equal(usedOk[0].organisation, w.orgs.commune);
  assert.ok(usedOk[0].key_prefix && (usedOk[0].features ?? 0) > 0);
  assert.ok(used.filter((a) => a.status === 401).length >= 5, 'edited and reused links are audited too');

  // Expired: refused.
  const second = (await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.commune)).json() as { url: string };
  await w.t.db.query(`UPDATE auth_lien SET expires_at = now() - interval '1 second' WHERE used_at IS NULL AND subject = $1`, [String(id)]);
  assert.match(assertProblem(await w.t.app.inject({ method: 'GET', url: second.url }), 401).detail, /expired/);
  // Never past the decision's own expiry.
  await w.t.db.query(`UPDATE n2_demande SET expire_le = now() + interval '30 seconds' WHERE id = $1`, [id]);
  const short = (await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.commune)).json() as { expire_le: string };
  assert.ok(Date.parse(short.expire_le) - Date.now() <= 31_000);
  // A decision expired: no link.
  await w.t.db.query(`UPDATE n2_demande SET expire_le = now() - interval '1 minute' WHERE id = $1`, [id]);
  assertProblem(await inject('POST', `/api/niveau2/demandes/${id}/lien`, w.keys.commune), 403);
  // A link whose key was revoked since is dead.
  const third = (await inject('POST', `/api/niveau2/demandes/${other}/lien`, w.keys.commune)).json() as { url: string };
  await w.t.db.query(`UPDATE auth_api_key SET revoked_at = now() WHERE prefix = $1`, [w.keys.commune.slice(4, 12)]);
  try {
    assertProblem(await w.t.app.inject({ method: 'GET', url: third.url }), 401);
  } finally {
    // The trigger-free key table: the world's key is needed by later tests.
    await w.t.db.query(`UPDATE auth_api_key SET revoked_at = NULL WHERE prefix = $1`, [w.keys.commune.slice(4, 12)]);
  }
});

test(`${BACKEND}: a request granting the MAEC tables yields exactly those tables and attributes`, async () => {
  const c = w.communes;
  // The DDT (the département) asks for MAEC elements and the referential, and parcels; granted: the MAEC tables only, narrowed.
  const id = await accepted(
    w.keys.ddt,
    {
      communes: c,
      campagnes: [2022],
      tables: {
        maec_elements: ['numero_pacage', 'numero_ilot', 'type_element', 'numero_element', 'maec_1', 'maec_2', 'longueur'],
        maec_mesures: ['code_mesure', 'libelle_mesure', 'dispositif', 'montant_net_mesure'],
        parcelles: ['code_culture'],
      },
    },
    {
      communes: [c[0], c[1]],
      tables: { maec_elements: ['numero_pacage', 'numero_ilot', 'type_element', 'maec_1', 'longueur'], maec_mesures: ['code_mesure', 'montant_net_mesure'] },
    },
  );
  const res = await inject('GET', `/api/niveau2/demandes/${id}/extraction`, w.keys.ddt);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  const files = unzipSync(new Uint8Array(res.rawPayload));
  assert.deepEqual(Object.keys(files).sort(), ['information_art14.txt', 'maec_elements.csv', 'maec_mesures.csv', 'metadonnees.json'], 'no GeoPackage: no table with geometry granted');

  const lines = (name: string) => strFromU8(files[name]).trim().split(/\r?\n/);
  const elements = lines('maec_elements.csv');
  assert.equal(elements[0], 'campagne,numero_pacage,numero_ilot,type_element,maec_1,longueur');
  // Exactly the elements of the îlots lying in the two granted communes (whatever the farm's seat).
  const expected = await w.t.db.query<{ numero_pacage: string; numero_ilot: number; type_element: string }>(
    `SELECT e.numero_pacage, e.numero_ilot, e.type_element FROM rpg_n2_maec_element e
     WHERE e.campagne = 2022 AND EXISTS (SELECT 1 FROM rpg_n2_parcelle p WHERE p.campagne = 2022 AND p.numero_pacage = e.numero_pacage
       AND p.numero_ilot = e.numero_ilot AND p.commune_ilot = ANY($1::text[]))
     ORDER BY 1, 2, 3`,
    [[c[0], c[1]]],
  );
  assert.ok(expected.length > 0, 'the demo engages hedges, trees and ponds in 2022');
  const got = elements.slice(1).map((l) => l.split(',')).map((f) => `${f[1]}|${f[2]}|${f[3]}`).sort();
  assert.deepEqual(got, expected.map((e) => `${e.numero_pacage}|${e.numero_ilot}|${e.type_element}`).sort());
  assert.ok(got.some((g) => g.endsWith('|HAIE')) && got.some((g) => /\|(MARE|ARBRE_ISOLE)$/.test(g)), 'linear and point elements');
  const [{ n: all }] = await w.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_n2_maec_element WHERE campagne = 2022`);
  assert.ok(all >= expected.length);

  const mesures = lines('maec_mesures.csv');
  assert.equal(mesures[0], 'campagne,code_mesure,montant_net_mesure');
  const ref = await w.t.db.query<{ code_mesure: string; montant_net_mesure: number }>(`SELECT code_mesure, montant_net_mesure FROM rpg_n2_maec_mesure WHERE campagne = 2022 ORDER BY code_mesure`);
  assert.deepEqual(mesures.slice(1).sort(), ref.map((r) => `2022,${r.code_mesure},${r.montant_net_mesure}`).sort());

  const sheet = JSON.parse(strFromU8(files['metadonnees.json']));
  assert.deepEqual(
    sheet.tables.map((t: { table: string; attributs: { name: string }[] }) => [t.table, t.attributs.map((a) => a.name)]).sort(),
    [
      ['maec_elements', ['campagne', 'numero_pacage', 'numero_ilot', 'type_element', 'maec_1', 'longueur']],
      ['maec_mesures', ['campagne', 'code_mesure', 'montant_net_mesure']],
    ],
  );
  // Nothing of what was asked but not granted: no crop, no measure label, no element number.
  for (const [name, bytes] of Object.entries(files)) {
    if (name === 'information_art14.txt') continue;
    assert.ok(!Buffer.from(bytes).includes('Entretien des haies'), `${name} holds no measure label`);
    assert.ok(!Buffer.from(bytes).includes('"numero_element"') && !strFromU8(bytes).split('\n')[0].includes('numero_element'), `${name} has no element number`);
  }
});
