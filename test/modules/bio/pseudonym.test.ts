/** The parcel pseudonym: HMAC-SHA-256 under a server secret, stable per secret, different per secret. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pseudonym, pseudonymSecret, PSEUDONYM_FILE } from '../../../src/modules/bio/pseudonym.ts';
import { tempDir } from '../../import/helpers.ts';

test('stable per secret, different per secret, not the plain hash of the source key', () => {
  const a = Buffer.from('secret-a'.repeat(5));
  const b = Buffer.from('secret-b'.repeat(5));
  const key = 'cartobio:082000001:1.1';
  assert.equal(pseudonym(a, key), pseudonym(a, key));
  assert.notEqual(pseudonym(a, key), pseudonym(b, key));
  assert.notEqual(pseudonym(a, key), pseudonym(a, 'cartobio:082000001:1.2'));
  assert.match(pseudonym(a, key), /^[0-9a-f]{32}$/);
  for (const alg of ['sha256', 'sha512']) assert.ok(!createHash(alg).update(key).digest('hex').startsWith(pseudonym(a, key)), `not ${alg}(key)`);
  // The 2020 export's ANON_ID: SHA-512 of the PACAGE, first 48 hex digits; ours is not derived from it.
  assert.ok(!createHash('sha512').update('082000001').digest('hex').includes(pseudonym(a, key)));
});

test('the secret: TERROIR_PSEUDONYM_KEY; on PostgreSQL nothing else; on the embedded backend generated once, 0600, then kept', () => {
  const { dir, cleanup } = tempDir('terroir-pseudo-');
  try {
    assert.deepEqual(pseudonymSecret({ pseudonymKey: 'k'.repeat(32), dataDir: dir }, 'postgres'), Buffer.from('k'.repeat(32)));
    assert.equal(pseudonymSecret({ dataDir: dir }, 'postgres'), null);
    const first = pseudonymSecret({ dataDir: join(dir, 'data') }, 'pglite')!;
    assert.equal(first.length, 32);
    const path = join(dir, 'data', PSEUDONYM_FILE);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(pseudonymSecret({ dataDir: join(dir, 'data') }, 'pglite'), first, 'kept, not regenerated');
    assert.equal(readFileSync(path, 'utf8').trim(), first.toString('hex'));
    const other = pseudonymSecret({ dataDir: join(dir, 'other') }, 'pglite')!;
    assert.notDeepEqual(other, first, 'each data directory its own secret');
  } finally {
    cleanup();
  }
});

test('PostgreSQL without TERROIR_PSEUDONYM_KEY: the routes answer 503 saying so (not ids other nodes would not share)', async () => {
  const { buildApp } = await import('../../../src/app.ts');
  const { loadConfig } = await import('../../../src/config/load.ts');
  const { freshDb } = await import('../../helpers/db.ts');
  const { seedWorld } = await import('../../auth/helpers.ts');
  const t = await freshDb();
  try {
    const world = await seedWorld(t.db);
    // The backend is what decides: a PostgreSQL-like database object over this run's database.
    const db = Object.create(t.db, { backend: { value: 'postgres' } });
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, logger: false });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/territoires/insee/29158', headers: { authorization: `Bearer ${world.penmarch.key}` } });
      assert.equal(res.statusCode, 503, res.body);
      assert.match(res.json().detail, /TERROIR_PSEUDONYM_KEY/);
    } finally {
      await app.close();
    }
  } finally {
    await t.close();
  }
});
