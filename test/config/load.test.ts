import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../src/config/load.ts';

test('defaults: embedded backend in ./data on port 3000', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, './data');
  assert.equal(c.databaseUrl, undefined);
  assert.ok(Object.isFrozen(c));
  assert.equal(c.demo, 'auto');
  assert.equal(loadConfig({ TERROIR_DEMO: 'off' }).demo, 'off');
  // Quotas of seed 001: public bodies free, 2,000,000/year general public, 10,000/year professional.
  assert.deepEqual([c.quotaPublic, c.quotaGrandPublic, c.quotaProfessionnel, c.rateLimitAnonymous], ['unlimited', '2000000/year', '10000/year', 'auto']);
  assert.equal(loadConfig({ TERROIR_RATE_LIMIT_ANONYMOUS: '100/second,20000/hour' }).rateLimitAnonymous, '100/second,20000/hour');
});

test('flags win over the environment', () => {
  const c = loadConfig({ PORT: '8091', TERROIR_DATA_DIR: '/a' }, { port: '9000' });
  assert.equal(c.port, 9000);
  assert.equal(c.dataDir, '/a');
});

for (const [env, name] of [
  [{ PORT: 'abc' }, 'PORT'],
  [{ PORT: '70000' }, 'PORT'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
  [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
  [{ TERROIR_POOL_SIZE: '0' }, 'TERROIR_POOL_SIZE'],
  [{ TERROIR_DATADIR: '/x' }, 'TERROIR_DATADIR'],
  [{ TERROIR_DEMO: 'yes' }, 'TERROIR_DEMO'],
  [{ TERROIR_QUOTA_PROFESSIONNEL: '10000/week' }, 'TERROIR_QUOTA_PROFESSIONNEL'],
  [{ TERROIR_QUOTA_GRAND_PUBLIC: '2M/year' }, 'TERROIR_QUOTA_GRAND_PUBLIC'],
  [{ TERROIR_QUOTA_PUBLIC: '-1/day' }, 'TERROIR_QUOTA_PUBLIC'],
  [{ TERROIR_RATE_LIMIT_ANONYMOUS: 'beaucoup' }, 'TERROIR_RATE_LIMIT_ANONYMOUS'],
] as const) {
  test(`a wrong ${name} stops start-up naming it`, () => {
    assert.throws(() => loadConfig(env as Record<string, string>), (e: unknown) => e instanceof ConfigError && (e as Error).message.includes(name));
  });
}
