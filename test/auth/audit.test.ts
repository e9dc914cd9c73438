import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND, freshDb, type TestDb } from '../helpers/db.ts';
import { assertProblem } from '../helpers/app.ts';
import {
  appendAudit, canonical, chainHash, GENESIS, listAudit, makeCheckpoint, verifyAudit, verifyCheckpoint, type AuditRecord,
} from '../../src/auth/audit.ts';
import { authApp, square, type AuthApp } from './helpers.ts';

/**
 * The audit trail: what a restricted request records, the append-only trigger, the chain under 50
 * concurrent requests, the same hashes on both backends, tampering (edit, removal, swap) found at
 * the exact row, signed checkpoints, and an answer refused when it cannot be recorded.
 */
let t: AuthApp;
let keyDir: string;
before(async () => {
  t = await authApp();
  keyDir = mkdtempSync(join(tmpdir(), 'terroir-audit-key-'));
});
after(async () => {
  await t?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** What an attacker with the database owner's rights does: switch the trigger off, change rows, switch it on. */
async function behindTheBack(db: TestDb['db'], sql: string, params: unknown[] = []) {
  await db.query('ALTER TABLE auth_audit DISABLE TRIGGER auth_audit_no_change');
  try {
    await db.query(sql, params);
  } finally {
    await db.query('ALTER TABLE auth_audit ENABLE TRIGGER auth_audit_no_change');
  }
}

test(`${BACKEND}: a restricted request is recorded with who, what, where, how many and the outcome; open ones are not`, async () => {
  const before = (await listAudit(t.db, { limit: 1000 })).length;
  await t.app.inject({ url: '/api/codes-postaux/communes/29760', headers: bearer(t.world.penmarch.key) });
  const geom = square(-4.45, 47.75, -4.35, 47.8);
  const ok = await t.app.inject({ url: `/api/acces/lieu?geom=${encodeURIComponent(JSON.stringify(geom))}`, headers: { ...bearer(t.world.penmarch.key), 'x-request-id': 'req-audit-1' } });
  assert.equal(ok.statusCode, 200);
  const denied = await t.app.inject({ url: '/api/acces/commune/29001', headers: bearer(t.world.penmarch.key) });
  assert.equal(denied.statusCode, 403);
  const anonymous = await t.app.inject({ url: '/api/acces/commune/29001' });
  assert.equal(anonymous.statusCode, 401);
  const rows = (await listAudit(t.db, { limit: 1000 })).slice(before);
  assert.equal(rows.length, 3, 'three restricted requests, the open one not recorded');
  const prefix = /^trr_([a-z0-9]{8})_/.exec(t.world.penmarch.key)![1];
  assert.deepEqual(
    { ...rows[0], at: undefined, seq: undefined, prev_hash: undefined, hash: undefined },
    {
      at: undefined, seq: undefined, prev_hash: undefined, hash: undefined,
      request_id: 'req-audit-1', method: 'GET', route: '/api/acces/lieu', path: '/api/acces/lieu', scope: 'cartobio:territoires',
      organisation: t.world.penmarch.id, key_prefix: prefix, territory: { geom }, status: 200, features: ok.json().numberReturned, ip: '127.0.0.1',
    },
  );
  assert.ok(rows[0].features! >= 1);
  assert.deepEqual([rows[1].status, rows[1].territory, rows[1].route], [403, { code: '29001' }, '/api/acces/commune/:code']);
  assert.deepEqual([rows[2].status, rows[2].organisation, rows[2].key_prefix], [401, null, null]);
  assert.ok(Math.abs(Date.parse(rows[0].at) - Date.now()) < 60_000);
  assert.equal(rows[1].prev_hash, rows[0].hash);
  assert.doesNotMatch(JSON.stringify(rows), /trr_[a-z0-9]{8}_/, 'no key in the audit trail');
});

test(`${BACKEND}: UPDATE, DELETE and TRUNCATE of the audit trail are refused`, async () => {
  await assert.rejects(t.db.query('UPDATE auth_audit SET status = 200'), /append-only: UPDATE refused/);
  await assert.rejects(t.db.query('DELETE FROM auth_audit'), /append-only: DELETE refused/);
  await assert.rejects(t.db.query('TRUNCATE auth_audit'), /append-only: TRUNCATE refused/);
  assert.equal((await verifyAudit(t.db)).ok, true);
});

test(`${BACKEND}: 50 concurrent restricted requests form one linear chain`, async () => {
  const start = (await verifyAudit(t.db)).rows;
  const urls = Array.from({ length: 50 }, (_, i) => (i % 2 ? '/api/acces/commune/29158' : '/api/acces/epci/200000001'));
  const codes = await Promise.all(urls.map((url, i) => t.app.inject({ url, headers: bearer(i % 3 ? t.world.bureau.key : t.world.ssp.key) }).then((r) => r.statusCode)));
  assert.deepEqual([...new Set(codes)], [200]);
  const rows = await listAudit(t.db, { after: 0, limit: 1000 });
  assert.equal(rows.length, start + 50);
  rows.forEach((r, i) => {
    assert.equal(r.seq, i + 1, 'no gap, no duplicate');
    assert.equal(r.prev_hash, i ? rows[i - 1].hash : GENESIS, `row ${r.seq} follows row ${r.seq - 1}`);
    assert.equal(chainHash(r.prev_hash, r), r.hash, `row ${r.seq}: its hash recomputed`);
  });
  assert.equal(new Set(rows.slice(start).map((r) => r.request_id)).size, 50, 'one row per request');
  const v = await verifyAudit(t.db);
  assert.deepEqual([v.ok, v.rows, v.head?.hash], [true, start + 50, rows[rows.length - 1].hash]);
});

test(`${BACKEND}: an edited, a removed and a swapped row are each found at the exact row`, async () => {
  const n = (await verifyAudit(t.db)).rows;
  assert.ok(n >= 50);
  const [row] = await t.db.query<{ status: number; path: string }>('SELECT status, path FROM auth_audit WHERE seq = 17');
  // Edited: the outcome of row 17 rewritten.
  await behindTheBack(t.db, 'UPDATE auth_audit SET status = 404 WHERE seq = 17');
  assert.deepEqual((await verifyAudit(t.db)).problem, { kind: 'edited', seq: 17, detail: 'row 17 was edited: its content no longer gives its hash' });
  await behindTheBack(t.db, 'UPDATE auth_audit SET status = $1 WHERE seq = 17', [row.status]);
  assert.equal((await verifyAudit(t.db)).ok, true, 'restored');
  // Edited by someone who also recomputed its hash: row 17 is consistent again, the next link breaks.
  const [r17] = await listAudit(t.db, { after: 16, limit: 1 });
  await behindTheBack(t.db, `UPDATE auth_audit SET path = '/x', hash = $1 WHERE seq = 17`, [chainHash(r17.prev_hash, { ...r17, path: '/x' })]);
  const rewritten = (await verifyAudit(t.db)).problem!;
  assert.deepEqual([rewritten.kind, rewritten.seq], ['removed', 18]);
  assert.match(rewritten.detail, /rewritten with a new hash/);
  await behindTheBack(t.db, `UPDATE auth_audit SET path = $1, hash = $2 WHERE seq = 17`, [r17.path, r17.hash]);
  assert.equal((await verifyAudit(t.db)).ok, true, 'restored');
  // Removed: row 23 deleted.
  const fresh = await freshDb();
  try {
    for (let i = 0; i < 30; i++) await appendAudit(fresh.db, record(i));
    await behindTheBack(fresh.db, 'DELETE FROM auth_audit WHERE seq = 23');
    assert.deepEqual((await verifyAudit(fresh.db)).problem, { kind: 'removed', seq: 23, detail: 'row 23 is missing: the log goes from row 22 to row 24' });
    // Removed and the following rows renumbered to hide the gap.
    await behindTheBack(fresh.db, 'UPDATE auth_audit SET seq = -seq WHERE seq > 23');
    await behindTheBack(fresh.db, 'UPDATE auth_audit SET seq = -seq - 1 WHERE seq < 0');
    const renumbered = (await verifyAudit(fresh.db)).problem!;
    assert.deepEqual([renumbered.kind, renumbered.seq], ['removed', 23]);
    assert.match(renumbered.detail, /row 23 does not follow row 22: the row it was appended after is gone/);
    // Swapped: rows 10 and 11 exchange their places.
    await behindTheBack(fresh.db, 'UPDATE auth_audit SET seq = -1 WHERE seq = 10');
    await behindTheBack(fresh.db, 'UPDATE auth_audit SET seq = 10 WHERE seq = 11');
    await behindTheBack(fresh.db, 'UPDATE auth_audit SET seq = 11 WHERE seq = -1');
    const swapped = (await verifyAudit(fresh.db)).problem!;
    assert.deepEqual([swapped.kind, swapped.seq], ['reordered', 10]);
    assert.match(swapped.detail, /row 10 does not follow row 9: it was appended after the row now numbered 11/);
  } finally {
    await fresh.close();
  }
});

/** A fixed record: the same on both backends, so the same chain. */
function record(i: number): AuditRecord {
  return {
    at: new Date(Date.UTC(2026, 0, 1, 12, 0, i, i * 7)).toISOString(),
    request_id: `req-${i}`,
    method: i % 2 ? 'POST' : 'GET',
    route: '/api/cartobio/territoires/epci/:siren',
    path: `/api/cartobio/territoires/epci/2000000${String(i).padStart(2, '0')}`,
    scope: 'cartobio:territoires',
    organisation: i % 4 ? 3 : null,
    key_prefix: i % 4 ? 'abcd1234' : null,
    territory: i % 3 ? { siren: `2000000${String(i).padStart(2, '0')}`, geom: { type: 'Point', coordinates: [-4.35 + i / 1e7, 47.82e0] }, n: 1e21, u: 'é\u0000"\ud83d\ude00' } : null,
    status: [200, 403, 401, 429][i % 4],
    features: i % 4 ? null : i * 3,
    ip: i % 5 ? '203.0.113.7' : '2001:db8::1',
  };
}

test(`${BACKEND}: the same rows give the same hashes on both backends`, async () => {
  // RFC 8785: keys sorted, numbers in ECMAScript form, strings escaped minimally.
  assert.ok(canonical(record(1)).startsWith('{"at":"2026-01-01T12:00:01.007Z","features":null,"ip":"203.0.113.7","key_prefix":"abcd1234"'));
  assert.match(canonical(record(1)), /"n":1e\+21,"siren":"200000001","u":"é\\u0000\\"😀"}/);
  const fresh = await freshDb();
  try {
    let head = '';
    for (let i = 0; i < 12; i++) head = (await appendAudit(fresh.db, record(i))).hash;
    let expected = GENESIS;
    for (let i = 0; i < 12; i++) expected = chainHash(expected, record(i));
    assert.equal(head, expected, 'the database computes what node computes');
    // Pinned: the PGlite and the PostgreSQL runs of this test compare against the same constant.
    assert.equal(head, 'a5011b92bd5a00392f1fa016562b4465a18e2956034b16a2007edc07c35ef4f0');
    // And recomputed from the rows as this backend stores and reads them back (what verify trusts).
    const v = await verifyAudit(fresh.db);
    assert.deepEqual([v.ok, v.rows, v.head?.hash], [true, 12, 'a5011b92bd5a00392f1fa016562b4465a18e2956034b16a2007edc07c35ef4f0']);
    assert.deepEqual((await listAudit(fresh.db, { after: 0, limit: 12 })).map((r) => ({ ...r, seq: undefined, prev_hash: undefined, hash: undefined })),
      Array.from({ length: 12 }, (_, i) => ({ ...record(i), seq: undefined, prev_hash: undefined, hash: undefined })), 'rows read back as written');
  } finally {
    await fresh.close();
  }
});

test(`${BACKEND}: a signed checkpoint pins the head: rows removed from the end are found against it`, async () => {
  const fresh = await freshDb();
  const keyFile = join(keyDir, 'audit-ed25519.pem');
  try {
    for (let i = 0; i < 8; i++) await appendAudit(fresh.db, record(i));
    const cp = await makeCheckpoint(fresh.db, keyFile);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the signing key is readable by its owner only');
    assert.match(readFileSync(keyFile, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.equal(cp.checkpoint.seq, 8);
    assert.equal(cp.checkpoint.hash, (await verifyAudit(fresh.db)).head!.hash);
    assert.equal(await verifyCheckpoint(fresh.db, cp, cp.key_id), undefined);
    // Forged: the head changed in the file, or signed by another key.
    assert.match((await verifyCheckpoint(fresh.db, { ...cp, checkpoint: { ...cp.checkpoint, seq: 7 } }))!.detail, /signature does not verify/);
    assert.match((await verifyCheckpoint(fresh.db, cp, '0123456789abcdef'))!.detail, /signed by key/);
    // The last two rows removed: the chain alone is still consistent, the checkpoint is not.
    await behindTheBack(fresh.db, 'DELETE FROM auth_audit WHERE seq > 6');
    assert.equal((await verifyAudit(fresh.db)).ok, true);
    assert.deepEqual(await verifyCheckpoint(fresh.db, cp, cp.key_id), {
      kind: 'removed', seq: 7, detail: `rows 7 to 8 were removed: the checkpoint of ${cp.checkpoint.signed_at} has 8 rows, the log 6`,
    });
    // Nothing of the key is in the database.
    const [dump] = await fresh.db.query<{ t: string }>(`SELECT string_agg(auth_audit::text, '') AS t FROM auth_audit`);
    assert.ok(!dump.t.includes(readFileSync(keyFile, 'utf8').split('\n')[1]));
  } finally {
    await fresh.close();
  }
});

test(`${BACKEND}: an answer that cannot be recorded is a 500 carrying no data`, async () => {
  await t.db.exec('ALTER TABLE auth_audit RENAME TO auth_audit_away');
  try {
    const res = await t.app.inject({ url: '/api/acces/commune/29158', headers: bearer(t.world.penmarch.key) });
    assertProblem(res, 500);
    assert.doesNotMatch(res.body, /restricted-value/);
  } finally {
    await t.db.exec('ALTER TABLE auth_audit_away RENAME TO auth_audit');
  }
  assert.equal((await t.app.inject({ url: '/api/acces/commune/29158', headers: bearer(t.world.penmarch.key) })).statusCode, 200);
});
