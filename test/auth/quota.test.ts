import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';
import { issueKey } from '../../src/auth/keys.ts';
import { createOrganisation } from '../../src/auth/organisations.ts';
import { consume, parseQuota, windowOf } from '../../src/auth/quota.ts';
import { authApp, type AuthApp } from './helpers.ts';
import { randomIp, redisSkip, TEST_REDIS_URL } from './redis.ts';

/**
 * Quotas on both stores (the database of this run's backend, and Redis): running out, the 429 naming
 * the policy with Retry-After and the IETF RateLimit fields, resetting when the window ends (a clock
 * the test moves), several windows at once, the defaults per organisation kind, the anonymous per-IP
 * limit, and atomic counting under concurrency.
 */
for (const store of ['database', 'redis'] as const) {
  describe(`${BACKEND}, quotas counted in ${store === 'database' ? BACKEND : 'Redis'}`, { skip: store === 'redis' ? await redisSkip() : false }, () => {
    let t: AuthApp;
    // Moves forward only (Redis expires keys on the real clock).
    let offset = 0;
    const now = () => Date.now() + offset;
    const jumpTo = (t: number) => {
      assert.ok(t > now());
      offset = t - Date.now();
    };
    const env: Record<string, string> = {
      TERROIR_QUOTA_GRAND_PUBLIC: '4/day',
      TERROIR_RATE_LIMIT_ANONYMOUS: '2/minute',
      ...(store === 'redis' ? { REDIS_URL: TEST_REDIS_URL } : {}),
    };
    before(async () => {
      t = await authApp({ env, now });
    });
    after(() => t?.close());
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const call = (key: string) => t.app.inject({ url: '/api/codes-postaux/communes/29760', headers: bearer(key) });

    test('a quota runs out with a 429 naming the policy, then resets when its window ends', async () => {
      assert.equal(t.app.quotaStore.kind, store);
      const { key } = await issueKey(t.db, { organisation: t.world.bureau.id, scopes: ['cartobio:territoires'], quota: '3/day' });
      // 23:00 UTC: a reset in one hour (tomorrow's 23:00 when the test runs after 23:00: it failed then).
      const eleven = windowOf('day', now()).end - 3_600_000;
      jumpTo(eleven > now() ? eleven : windowOf('day', now() + 86_400_000).end - 3_600_000);
      const jumped = Date.now();
      for (const left of [2, 1, 0]) {
        const res = await call(key);
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['ratelimit-policy'], '"cle-day";q=3;w=86400');
        const [, r, reset] = /^"cle-day";r=(\d+);t=(\d+)$/.exec(String(res.headers.ratelimit)) ?? [];
        assert.equal(Number(r), left, String(res.headers.ratelimit));
        // One hour left, less the seconds this test has taken since the jump (a loaded machine can take several).
        const elapsed = Math.ceil((Date.now() - jumped) / 1000);
        assert.ok(Number(reset) <= 3600 && Number(reset) >= 3600 - elapsed, `t=${reset} after ${elapsed} s`);
      }
      const refused = await call(key);
      const body = assertProblem(refused, 429);
      assert.deepEqual(body['violated-policies'], ['cle-day']);
      assert.match(body.detail, /policy "cle-day" allows 3 requests per 86400 s/);
      const retry = Number(refused.headers['retry-after']);
      assert.ok(retry > 3500 && retry <= 3600, `Retry-After ${retry}`);
      assert.match(String(refused.headers.ratelimit), /^"cle-day";r=0;t=\d+$/);
      // The restricted routes share the same count.
      assertProblem(await t.app.inject({ url: '/api/acces/commune/29158', headers: bearer(key) }), 429);
      offset += retry * 1000 + 1000; // the next day
      const again = await call(key);
      assert.equal(again.statusCode, 200, 'reset with the new window');
      assert.match(String(again.headers.ratelimit), /^"cle-day";r=2;/);
    });

    test('several windows: a request refused by one gives its unit back to the others', async () => {
      const { key } = await issueKey(t.db, { organisation: t.world.bureau.id, scopes: ['cartobio:territoires'], quota: '2/minute,3/day' });
      jumpTo(windowOf('day', now()).end + 3_600_000 + 10_000); // 01:00:10 the next day: 50 s left in the minute
      assert.equal((await call(key)).statusCode, 200);
      const second = await call(key);
      assert.equal(second.headers['ratelimit-policy'], '"cle-minute";q=2;w=60, "cle-day";q=3;w=86400');
      assert.match(String(second.headers.ratelimit), /^"cle-minute";r=0;t=\d+, "cle-day";r=1;t=\d+$/);
      assert.deepEqual(assertProblem(await call(key), 429)['violated-policies'], ['cle-minute']);
      assertProblem(await call(key), 429);
      offset += 60_000;
      const third = await call(key);
      assert.equal(third.statusCode, 200, 'the refused requests did not consume the daily quota');
      assert.match(String(third.headers.ratelimit), /"cle-day";r=0;/);
      assert.deepEqual(assertProblem(await call(key), 429)['violated-policies'], ['cle-day']);
    });

    test('defaults by organisation kind: public bodies unlimited, companies professional, persons general public (configured)', async () => {
      assert.equal((await call(t.world.penmarch.key)).headers.ratelimit, undefined);
      assert.match(String((await call(t.world.bureau.key)).headers['ratelimit-policy']), /^"professionnel-year";q=10000;/);
      const person = await createOrganisation(t.db, { name: 'Jeanne Dupont', kind: 'particulier', territory: 'commune:29158' });
      const { key } = await issueKey(t.db, { organisation: person.id, scopes: ['cartobio:territoires'] });
      for (let i = 0; i < 4; i++) assert.equal((await call(key)).statusCode, 200);
      assert.deepEqual(assertProblem(await call(key), 429)['violated-policies'], ['grand-public-day']);
    });

    test('anonymous callers are limited per IP (TERROIR_RATE_LIMIT_ANONYMOUS); loopback and other IPs are not affected', async () => {
      const ip = randomIp();
      const anon = (remoteAddress: string) => t.app.inject({ url: '/api/codes-postaux/communes/29760', remoteAddress });
      jumpTo(windowOf('day', now()).end + 7_200_000 + 20_000); // 02:00:20 the next day
      assert.equal((await anon(ip)).headers['ratelimit-policy'], '"anonyme-minute";q=2;w=60');
      assert.equal((await anon(ip)).statusCode, 200);
      const refused = await anon(ip);
      assert.deepEqual(assertProblem(refused, 429)['violated-policies'], ['anonyme-minute']);
      assert.ok(Number(refused.headers['retry-after']) <= 60);
      assert.equal((await anon(randomIp())).statusCode, 200, 'another address has its own count');
      assert.equal((await anon('127.0.0.1')).statusCode, 200);
      // A key lifts the anonymous limit (its own quota applies).
      const keyed = await t.app.inject({ url: '/api/codes-postaux/communes/29760', remoteAddress: ip, headers: bearer(t.world.penmarch.key) });
      assert.equal(keyed.statusCode, 200);
    });

    test('a store that does not answer: a key is refused with a 503 (its quota is not waived), an anonymous caller is let through', async () => {
      const store = t.app.quotaStore;
      const hit = store.hit;
      store.hit = () => Promise.reject(new Error('store down'));
      try {
        const res = await call(t.world.bureau.key);
        assert.match(assertProblem(res, 503).detail, /quota store does not answer/);
        assertProblem(await t.app.inject({ url: '/api/acces/commune/29158', headers: bearer(t.world.bureau.key) }), 503);
        const anon = await t.app.inject({ url: '/api/codes-postaux/communes/29760', remoteAddress: randomIp() });
        assert.equal(anon.statusCode, 200);
        assert.equal(anon.headers.ratelimit, undefined);
      } finally {
        store.hit = hit;
      }
      assert.equal((await call(t.world.bureau.key)).statusCode, 200, 'back when the store answers');
    });

    test('counting is atomic: 40 concurrent requests on a quota of 25 give exactly 25 answers', async () => {
      const { key } = await issueKey(t.db, { organisation: t.world.bureau.id, scopes: ['cartobio:territoires'], quota: '25/day' });
      const answers = await Promise.all(Array.from({ length: 40 }, () => call(key)));
      const codes = answers.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 200).length, 25, answers.find((r) => r.statusCode !== 200 && r.statusCode !== 429)?.body ?? codes.join(' '));
      assert.equal(codes.filter((c) => c === 429).length, 15);
      // And at the store level, 100 concurrent hits count to 100.
      const subject = `test:${randomIp()}`;
      const policy = { name: 'x', limits: parseQuota('1000/day') };
      const outs = await Promise.all(Array.from({ length: 100 }, () => consume(t.app.quotaStore, subject, policy, now())));
      assert.deepEqual(outs.map((o) => o.items[0].count).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));
    });
  });
}

test('quota syntax: config values are validated, one limit per window', () => {
  assert.deepEqual(parseQuota('10000/year,500/day'), [{ count: 500, window: 'day' }, { count: 10000, window: 'year' }]);
  assert.deepEqual(parseQuota('unlimited'), []);
  for (const bad of ['10/week', '1/day,2/day', '', '-1/day', '1/day;2/year']) assert.throws(() => parseQuota(bad), /quota/, bad);
  assert.equal(windowOf('year', Date.UTC(2024, 5, 1)).seconds, 366 * 86400, 'a leap year');
  assert.equal(windowOf('day', Date.UTC(2026, 0, 1, 23, 0)).end, Date.UTC(2026, 0, 2));
});
