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
] as const) {
  test(`a wrong ${name} stops start-up naming it`, () => {
    assert.throws(() => loadConfig(env as Record<string, string>), (e: unknown) => e instanceof ConfigError && (e as Error).message.includes(name));
  });
}
