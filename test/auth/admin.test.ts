import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertProblem } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { createOrganisation } from '../../src/auth/organisations.ts';
import { authApp, square, type AuthApp } from './helpers.ts';

/**
 * The administration under /api/admin through HTTP, as an administrator's script drives it: organisations
 * (a territory naming a unit whose contour is not loaded is refused when saved, and nothing is left
 * behind), keys issued once and revoked at once, a key's last use, the audit trail listed, verified and
 * signed (409 over a broken chain). The same operations as `terroir org|key|audit` (cli*.test.ts).
 */
let t: AuthApp;
let keyDir: string;
before(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'terroir-admin-key-'));
  t = await authApp({ env: { TERROIR_AUDIT_KEY_FILE: join(keyDir, 'audit.pem') } });
});
after(async () => {
  await t?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(t.world.ssp.key), ...(payload ? { payload } : {}) });
const organisationCount = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_organisation'))[0].n;

test(`${BACKEND}: a territory naming a unit whose contour is not loaded is refused when the organisation is saved`, async () => {
  const before = await organisationCount();
  // Commune 29002 and département 72 exist in limites_* but without a contour (helpers.ts).
  for (const [territory, message] of [
    ['commune:29002', /^territory: commune 29002 has no contour loaded .*refused rather than left open$/],
    ['commune:29158,dep:72', /^territory: departement 72 has no contour loaded/],
    ['epci:200000001,commune:99999', /^territory: commune 99999 is not a known administrative unit$/],
  ] as const) {
    const body = assertProblem(await admin('POST', '/api/admin/organisations', { name: 'Syndicat', kind: 'epci', territory }), 400, 'territory');
    assert.match(body.detail, message, territory);
    // The same refusal from the library the CLI calls.
    await assert.rejects(createOrganisation(t.db, { name: 'Syndicat', kind: 'epci', territory }), (e: Error) => message.test(e.message));
  }
  assert.equal(await organisationCount(), before, 'no organisation left half-saved, with an open territory');
  const [n] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_territory_commune WHERE organisation NOT IN (SELECT id FROM auth_organisation)');
  assert.equal(n.n, 0);
});

test(`${BACKEND}: organisations are added, listed and shown; a drawn territory and units resolve to contours`, async () => {
  const created = await admin('POST', '/api/admin/organisations', { name: 'CC du Bout du Monde', kind: 'epci', siren: '200067106', territory: 'epci:200000001' });
  assert.equal(created.statusCode, 201, created.body);
  const org = created.json();
  assert.deepEqual([org.kind, org.territory, org.communes, org.national, org.keys], ['epci', 'epci:200000001', 2, false, 0]);
  assert.ok(org.territory_km2 > 300 && org.territory_km2 < 700, `${org.territory_km2} km²`);
  const drawn = await admin('POST', '/api/admin/organisations', { name: 'Bassin', kind: 'agence-eau', geometry: square(-4.5, 47.7, -4.3, 47.9) });
  assert.equal(drawn.statusCode, 201, drawn.body);
  assert.deepEqual([drawn.json().territory, drawn.json().communes], ['geometry', 1], 'the commune whose contour the drawing covers');
  assertProblem(await admin('POST', '/api/admin/organisations', { name: 'X', kind: 'epci', siren: '200067107', territory: 'france' }), 400, 'siren');
  assertProblem(await admin('POST', '/api/admin/organisations', { name: 'X', kind: 'syndic', territory: 'france' }), 400, 'kind');
  assertProblem(await admin('POST', '/api/admin/organisations', { name: 'X', kind: 'epci' }), 400, 'territory');
  const list = (await admin('GET', '/api/admin/organisations')).json();
  assert.ok(list.some((o: { id: number }) => o.id === org.id));
  assert.equal((await admin('GET', `/api/admin/organisations/${org.id}`)).json().name, 'CC du Bout du Monde');
  assertProblem(await admin('GET', '/api/admin/organisations/9999'), 404);
  // Only the admin scope: a key without it is a 403, no key a 401.
  assertProblem(await t.app.inject({ url: '/api/admin/organisations', headers: bearer(t.world.penmarch.key) }), 403);
  assertProblem(await t.app.inject({ url: '/api/admin/organisations' }), 401);
});

test(`${BACKEND}: a key is issued once (never listed again), works at once, records its last use, and is revoked at once`, async () => {
  const issued = await admin('POST', '/api/admin/keys', { organisation: t.world.penmarch.id, scopes: ['cartobio:territoires'], expires: '2099-12-31', label: 'SIG' });
  assert.equal(issued.statusCode, 201, issued.body);
  assert.equal(issued.headers['cache-control'], 'no-store');
  const { key, prefix, status, expires_at, last_used_at } = issued.json();
  assert.match(key, new RegExp(`^trr_${prefix}_[A-Za-z0-9_-]{43}$`));
  assert.deepEqual([status, expires_at, last_used_at], ['active', '2100-01-01T00:00:00Z', null]);
  const stored = await t.db.query<{ hash: string }>('SELECT hash FROM auth_api_key WHERE prefix = $1', [prefix]);
  assert.notEqual(stored[0].hash, key, 'only a digest is stored');
  assert.ok(!JSON.stringify(await t.db.query('SELECT * FROM auth_api_key')).includes(key.slice(14)), 'no secret in the table');
  assertProblem(await admin('POST', '/api/admin/keys', { organisation: t.world.penmarch.id, scopes: ['tout'] }), 400, 'scopes');
  assertProblem(await admin('POST', '/api/admin/keys', { organisation: 9999, scopes: ['admin'] }), 400, 'org');

  // Used: the last use is written in the background (at most once a minute per key and node).
  assert.equal((await t.app.inject({ url: '/api/acces/commune/29158', headers: bearer(key) })).statusCode, 200);
  let listed: { prefix: string; organisation: number; last_used_at: string | null }[] = [];
  for (let i = 0; i < 100; i++) {
    listed = (await admin('GET', `/api/admin/keys?organisation=${t.world.penmarch.id}`)).json();
    if (listed.find((k) => k.prefix === prefix)?.last_used_at) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const mine = listed.find((k) => k.prefix === prefix)!;
  assert.ok(mine.last_used_at && Math.abs(Date.parse(mine.last_used_at) - Date.now()) < 120_000, JSON.stringify(mine));
  assert.ok(listed.every((k) => k.organisation === t.world.penmarch.id));
  const all = (await admin('GET', '/api/admin/keys')).body;
  assert.ok(!all.includes(key.slice(14)) && !all.includes(stored[0].hash), 'listings hold neither the secret nor its digest');

  const revoked = await admin('POST', `/api/admin/keys/trr_${prefix}/revoke`);
  assert.equal(revoked.statusCode, 200, revoked.body);
  assert.equal(revoked.json().status, 'revoked');
  assert.match(assertProblem(await t.app.inject({ url: '/api/acces/commune/29158', headers: bearer(key) }), 401).detail, /revoked/);
  assertProblem(await admin('POST', '/api/admin/keys/zzzzzzzz/revoke'), 404);
  assertProblem(await admin('POST', `/api/admin/keys/${encodeURIComponent(key)}/revoke`), 400, 'prefix');
});

test(`${BACKEND}: the audit trail is listed in chain order, verified and signed over HTTP; a broken chain is not signed`, async () => {
  const rows = (await admin('GET', '/api/admin/audit?limit=1000')).json();
  assert.ok(rows.length >= 5, 'the admin calls above were audited');
  rows.forEach((r: { seq: number; prev_hash: string; hash: string }, i: number) => {
    assert.equal(r.seq, i + 1);
    if (i) assert.equal(r.prev_hash, rows[i - 1].hash);
  });
  assert.ok(rows.some((r: { route: string; status: number }) => r.route === '/api/admin/keys' && r.status === 201));
  const page = (await admin('GET', '/api/admin/audit?after=2&limit=2')).json();
  assert.deepEqual(page.map((r: { seq: number }) => r.seq), [3, 4]);
  const penmarch = (await admin('GET', `/api/admin/audit?organisation=${t.world.penmarch.id}&limit=1000`)).json();
  assert.ok(penmarch.length >= 1 && penmarch.every((r: { organisation: number }) => r.organisation === t.world.penmarch.id));
  assertProblem(await admin('GET', '/api/admin/audit?limit=1001'), 400, 'limit');

  const v = (await admin('GET', '/api/admin/audit/verify')).json();
  assert.equal(v.ok, true);
  const cp = await admin('POST', '/api/admin/audit/checkpoint');
  assert.equal(cp.statusCode, 200, cp.body);
  assert.equal(statSync(join(keyDir, 'audit.pem')).mode & 0o777, 0o600);
  assert.ok(cp.json().checkpoint.seq >= v.head.seq, 'the head, or later (the verify call itself is audited)');
  assert.match(cp.json().signature, /^[A-Za-z0-9+/=_-]{60,}$/);

  await t.db.exec(`ALTER TABLE auth_audit DISABLE TRIGGER auth_audit_no_change;
    UPDATE auth_audit SET status = 599 WHERE seq = 2;
    ALTER TABLE auth_audit ENABLE TRIGGER auth_audit_no_change;`);
  const broken = (await admin('GET', '/api/admin/audit/verify')).json();
  assert.deepEqual([broken.ok, broken.rows, broken.problem.kind, broken.problem.seq], [false, 1, 'edited', 2]);
  assert.match(assertProblem(await admin('POST', '/api/admin/audit/checkpoint'), 409).detail, /broken, no checkpoint signed: row 2 was edited/);
});
