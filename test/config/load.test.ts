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

test('a wrong value is answered with the values accepted, not the validator’s words', () => {
  const message = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail('accepted');
  };
  assert.equal(message({ TERROIR_DEMO: 'never' }), 'invalid configuration TERROIR_DEMO="never": accepted values: auto|off');
  assert.match(message({ LOG_LEVEL: 'loud' }), /accepted values: fatal\|error\|warn\|info\|debug\|trace\|silent$/);
  assert.match(message({ PORT: '70000' }), /PORT=70000: must be an integer from 0 to 65535$/);
  assert.match(message({ TERROIR_QUOTA_PUBLIC: '-1/day' }), /expected unlimited\|off\|N\/window.*second\|minute\|hour\|day\|year/);
  assert.match(message({ TERROIR_RATE_LIMIT_ANONYMOUS: 'beaucoup' }), /accepted values: auto\|unlimited\|off\|N\/window/);
  assert.match(message({ DATABASE_URL: 'mysql://x' }), /expected a postgres:\/\/user@host:port\/database URL$/);
  for (const m of [message({ TERROIR_DEMO: 'x' }), message({ LOG_LEVEL: 'x' })]) assert.doesNotMatch(m, /constant|must match|anyOf/);
});

test('a misspelt TERROIR_ variable gets the closest known one', () => {
  assert.throws(() => loadConfig({ TERROIR_DEMOS: 'off' }), /TERROIR_DEMOS \(did you mean TERROIR_DEMO\?\)/);
  assert.throws(() => loadConfig({ TERROIR_ZZZZZZZZZZZZ: 'x' }), (e: Error) => !/did you mean/.test(e.message));
});

test('heavy-lane thresholds: TERROIR_HEAVY_VERTICES (integer) and TERROIR_HEAVY_AREA_DEG2 (decimal), checked', () => {
  const d = loadConfig({});
  assert.equal(d.heavyVertices, 2000);
  assert.equal(d.heavyAreaDeg2, 0.01);
  const c = loadConfig({ TERROIR_HEAVY_VERTICES: '5000', TERROIR_HEAVY_AREA_DEG2: '0.025' });
  assert.equal(c.heavyVertices, 5000);
  assert.equal(c.heavyAreaDeg2, 0.025);
  assert.throws(() => loadConfig({ TERROIR_HEAVY_AREA_DEG2: 'Infinity' }), (e: unknown) => e instanceof ConfigError && /TERROIR_HEAVY_AREA_DEG2 must be a number/.test((e as Error).message));
  assert.throws(() => loadConfig({ TERROIR_HEAVY_AREA_DEG2: '0' }), (e: unknown) => e instanceof ConfigError && /TERROIR_HEAVY_AREA_DEG2/.test((e as Error).message));
  assert.throws(() => loadConfig({ TERROIR_HEAVY_VERTICES: '1.5' }), (e: unknown) => e instanceof ConfigError && /TERROIR_HEAVY_VERTICES must be an integer/.test((e as Error).message));
});
