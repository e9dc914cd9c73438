/**
 * The embedded database's memory setting (docs/startup.md, "Memory"): shared_buffers is 16MB unless
 * TERROIR_PGLITE_SHARED_BUFFERS says otherwise, passed on PostgreSQL's command line so that the data
 * directory's postgresql.conf (time zone, date style, locale of initdb) is left as it was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND, freshDb, type TestDb } from '../helpers/db.ts';
import { openDatabase } from '../../src/db/open.ts';
import { loadConfig, ConfigError } from '../../src/config/load.ts';

const skip = BACKEND !== 'pglite' && 'embedded backend only';
let t: TestDb;
before(async () => {
  if (!skip) t = await freshDb();
});
after(() => t?.close());

test('TERROIR_PGLITE_SHARED_BUFFERS: 16MB by default, a size with its unit, else a configuration error', () => {
  assert.equal(loadConfig({}).pgliteSharedBuffers, '16MB');
  assert.equal(loadConfig({ TERROIR_PGLITE_SHARED_BUFFERS: '128MB' }).pgliteSharedBuffers, '128MB');
  for (const bad of ['16', '16mb', 'lots', '16 MB'])
    assert.throws(() => loadConfig({ TERROIR_PGLITE_SHARED_BUFFERS: bad }), (e: unknown) => e instanceof ConfigError && /TERROIR_PGLITE_SHARED_BUFFERS/.test((e as Error).message), bad);
});

test('pglite: shared_buffers as configured, postgresql.conf untouched', { skip }, async () => {
  const settings = async (sharedBuffers?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'terroir-sb-'));
    cpSync(join(t.dataDir!, 'pg'), join(dir, 'pg'), { recursive: true });
    const conf = readFileSync(join(dir, 'pg', 'postgresql.conf'), 'utf8');
    const db = await openDatabase({ dataDir: dir, poolSize: 1, statementTimeoutMs: 60_000, pgliteSharedBuffers: sharedBuffers });
    try {
      const [row] = await db.query<{ sb: string; tz: string }>(`SELECT current_setting('shared_buffers') AS sb, current_setting('TimeZone') AS tz`);
      return { ...row, confKept: readFileSync(join(dir, 'pg', 'postgresql.conf'), 'utf8') === conf };
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  assert.deepEqual(await settings(), { sb: '16MB', tz: 'Etc/GMT0', confKept: true });
  assert.deepEqual(await settings('32MB'), { sb: '32MB', tz: 'Etc/GMT0', confKept: true });
});
