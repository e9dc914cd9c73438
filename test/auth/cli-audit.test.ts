import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND } from '../helpers/db.ts';
import { appendAudit } from '../../src/auth/audit.ts';
import { cliPlace, type CliPlace } from './helpers.ts';

/**
 * `terroir audit` as an administrator runs it: `verify` exits 1 at the first broken row and names it,
 * `checkpoint` prints the signed head (the key file created 0600), `verify --checkpoint` checks it.
 */
let place: CliPlace;
before(async () => {
  place = await cliPlace('terroir-cli-audit-');
});
after(async () => place?.drop());

const run = (...args: string[]) => place.run(...args);

test(`${BACKEND}: audit verify and checkpoint: intact, then the tampered row named, exit 1`, async () => {
  const db = await place.open();
  try {
    for (let i = 0; i < 5; i++) {
      await appendAudit(db, {
        at: new Date(Date.UTC(2026, 5, 1, 8, 0, i)).toISOString(), request_id: `r${i}`, method: 'GET', route: '/api/admin/keys', path: '/api/admin/keys',
        scope: 'admin', organisation: 1, key_prefix: 'abcdefgh', territory: null, status: 200, features: null, ip: '192.0.2.1',
      });
    }
  } finally {
    await db.close();
  }
  const ok = await run('audit', 'verify');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^audit trail intact: 5 rows; head row 5, hash [0-9a-f]{64}\n$/);
  const cp = await run('audit', 'checkpoint');
  assert.equal(cp.code, 0, cp.stderr);
  const signed = JSON.parse(cp.stdout);
  assert.equal(signed.checkpoint.seq, 5);
  assert.match(cp.stderr, new RegExp(`key id ${signed.key_id}`));
  assert.equal(statSync(place.keyFile).mode & 0o777, 0o600);
  const cpFile = join(place.dir, 'checkpoint.json');
  writeFileSync(cpFile, cp.stdout);
  assert.match((await run('audit', 'verify', '--checkpoint', cpFile)).stdout, /checkpoint of .* \(row 5\) holds/);

  const tamper = await place.open();
  try {
    await tamper.exec(`ALTER TABLE auth_audit DISABLE TRIGGER auth_audit_no_change;
      UPDATE auth_audit SET organisation = 2 WHERE seq = 3;
      ALTER TABLE auth_audit ENABLE TRIGGER auth_audit_no_change;`);
  } finally {
    await tamper.close();
  }
  const broken = await run('audit', 'verify');
  assert.equal(broken.code, 1);
  assert.equal(broken.stdout, 'audit trail BROKEN at row 3 (edited): row 3 was edited: its content no longer gives its hash\n');
  const json = JSON.parse((await run('audit', 'verify', '--json')).stdout);
  assert.deepEqual([json.ok, json.rows, json.problem.seq], [false, 2, 3]);
  const refused = await run('audit', 'checkpoint');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /broken, no checkpoint signed/);
  assert.equal((await run('audit', 'verify', '--checkpoint', join(place.dir, 'missing.json'))).code, 2);
});
