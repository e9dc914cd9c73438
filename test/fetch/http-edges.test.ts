/**
 * src/fetch/http.ts beyond the statuses: what counts as a network error worth another attempt, the
 * reason a retry reports, the idle timer, the headers every request carries, 404 as an answer, JSON
 * that is not, and URL joining. Requests go to the real local server of ./server.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelay,
  baseHeaders,
  DEFAULT_RETRY,
  errorReason,
  getJson,
  getText,
  idleAbort,
  joinUrl,
  RetryableError,
  retryPolicy,
  USER_AGENT,
  withRetries,
} from '../../src/fetch/http.ts';
import { HttpStatusError, RetriesExhaustedError } from '../../src/fetch/errors.ts';
import { startServer, type FixtureServer } from './server.ts';

let server: FixtureServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('every request names the tool, asks for the bytes as published, and the Accept asked for', async () => {
  assert.equal(USER_AGENT, 'terroir-fetch/0.1 (open data downloader of the Terroir service)');
  assert.deepEqual(baseHeaders(), { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' });
  assert.deepEqual(baseHeaders({ accept: 'application/json' }), { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', accept: 'application/json' });
  server.set('/h.json', { body: '{"a":[1,2]}', contentType: 'application/json' });
  assert.deepEqual(await getJson(`${server.url}/h.json`), { a: [1, 2] });
  const [json] = server.hits('/h.json');
  assert.equal(json.headers['user-agent'], USER_AGENT);
  assert.equal(json.headers['accept-encoding'], 'identity');
  assert.equal(json.headers.accept, 'application/json');
  server.set('/h.txt', { body: 'x' });
  await getText(`${server.url}/h.txt`);
  assert.equal(server.hits('/h.txt')[0].headers.accept, '*/*', 'no Accept asked for: fetch’s default');
});

test('getText: redirects followed to the final URL; 404 is null when allowed, an error naming the URL otherwise', async () => {
  server.set('/final.xml', { body: '<feed/>' });
  server.set('/moved.xml', { body: '', redirectTo: '/final.xml' });
  const a = await getText(`${server.url}/moved.xml`, { retry: { attempts: 1 } });
  assert.deepEqual([a?.status, a?.url, a?.text], [200, `${server.url}/final.xml`, '<feed/>']);
  const missing = `${server.url}/missing.md5`;
  assert.equal(await getText(missing, { allow404: true, retry: { attempts: 1 } }), null);
  await assert.rejects(getText(missing, { retry: { attempts: 1 } }), (e: unknown) => e instanceof HttpStatusError && e.message.includes(missing) && e.message.includes('404'));
  // allow404 is about 404 only.
  server.set('/gone', { body: '', status: 410 });
  await assert.rejects(getText(`${server.url}/gone`, { allow404: true, retry: { attempts: 1 } }), HttpStatusError);
});

test('getJson: a body that is not JSON is an error quoting its start, whitespace folded', async () => {
  const html = `<html>\n  <body>${'x'.repeat(200)}</body></html>`;
  server.set('/not.json', { body: html });
  const u = `${server.url}/not.json`;
  await assert.rejects(getJson(u, { retry: { attempts: 1 } }), { message: `expected JSON from ${u}, got: ${html.slice(0, 120).replace(/\s+/g, ' ')}` });
});

test('errorReason: the message, and the socket error undici hides in `cause`', () => {
  assert.equal(errorReason(new Error('boom')), 'boom');
  assert.equal(errorReason(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } })), 'fetch failed (ECONNREFUSED)');
  assert.equal(errorReason(Object.assign(new TypeError('terminated'), { cause: { message: 'other side closed' } })), 'terminated (other side closed)');
  assert.equal(errorReason('plain'), 'plain');
});

/** withRetries over an attempt that throws `errors` in turn, then answers 'ok'. */
async function retried(errors: unknown[], attempts = 5) {
  const seen: { url: string; attempt: number; delayMs: number; reason: string }[] = [];
  const slept: number[] = [];
  let n = 0;
  const result = await withRetries('http://host/x', { retry: { attempts, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: async (ms) => void slept.push(ms), onRetry: (i) => seen.push(i) }, async (k) => {
    assert.equal(k, n + 1, 'attempts numbered from 1');
    if (n < errors.length) throw errors[n++];
    return 'ok';
  });
  return { result, seen, slept };
}

test('withRetries: network failures are retried, with the attempt, the delay and the reason reported', async () => {
  const named = (name: string) => Object.assign(new Error(name.toLowerCase()), { name });
  const coded = (code: string) => Object.assign(new Error('socket'), { code });
  const r = await retried([new TypeError('fetch failed'), named('AbortError'), named('TimeoutError'), named('SocketError'), coded('ECONNRESET'), coded('UND_ERR_SOCKET'), new RetryableError('HTTP 503 Service Unavailable', '3')], 8);
  assert.equal(r.result, 'ok');
  assert.deepEqual(r.seen.map((s) => [s.url, s.attempt, s.reason]), [
    ['http://host/x', 1, 'fetch failed'],
    ['http://host/x', 2, 'aborterror'],
    ['http://host/x', 3, 'timeouterror'],
    ['http://host/x', 4, 'socketerror'],
    ['http://host/x', 5, 'socket'],
    ['http://host/x', 6, 'socket'],
    ['http://host/x', 7, 'HTTP 503 Service Unavailable'],
  ]);
  assert.deepEqual(r.slept, r.seen.map((s) => s.delayMs));
  // Backoff 100 ms doubling (±25 %) capped at 1 s; the RetryableError's Retry-After (3 s) capped too.
  for (const [i, d] of r.slept.slice(0, 4).entries()) assert.ok(d >= 75 * 2 ** i && d <= 125 * 2 ** i, `attempt ${i + 1}: ${d} ms`);
  assert.equal(r.slept[6], 1000);
});

test('withRetries: anything else propagates at once; attempts run out with the last reason', async () => {
  for (const e of [new Error('bug'), new RangeError('bad'), new HttpStatusError('http://host/x', 403, 'Forbidden'), Object.assign(new Error('x'), { code: 'ENOENT' }), null]) {
    const r = retried([e]);
    await assert.rejects(r, (x: unknown) => x === e);
  }
  await assert.rejects(retried([new TypeError('a'), new TypeError('b'), new TypeError('c')], 3), (e: unknown) => e instanceof RetriesExhaustedError && /\bc\b/.test(e.message) && e.message.includes('http://host/x'));
  const two = await retried([new TypeError('a'), new TypeError('b')], 3);
  assert.equal(two.result, 'ok');
  assert.equal(two.seen.length, 2);
});

test('retryPolicy: the defaults, each overridable alone', () => {
  assert.deepEqual(DEFAULT_RETRY, { attempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 });
  assert.deepEqual(retryPolicy({}), DEFAULT_RETRY);
  assert.deepEqual(retryPolicy({ retry: { attempts: 2 } }), { attempts: 2, baseDelayMs: 1000, maxDelayMs: 60_000 });
});

test('backoffDelay: a Retry-After in the past or negative falls back to the backoff', () => {
  const policy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };
  const now = Date.parse('Thu, 01 Jan 2099 00:00:10 GMT');
  for (const ra of ['Thu, 01 Jan 2099 00:00:05 GMT', '-5', '']) {
    const d = backoffDelay(policy, 2, ra, now);
    assert.ok(d >= 1500 && d <= 2500, `${JSON.stringify(ra)}: ${d} ms`);
  }
  assert.equal(backoffDelay(policy, 2, 'Thu, 01 Jan 2099 00:00:10 GMT', now), 0);
  assert.equal(backoffDelay(policy, 2, '0.5', now), 500);
});

test('idleAbort: fires when nothing touches it for the delay, each touch restarting it; never without a delay', (t) => {
  // Mocked timers: the delays are exact, whatever the machine's load.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const idle = idleAbort(80);
  for (let i = 0; i < 4; i++) {
    t.mock.timers.tick(79);
    idle.touch();
  }
  assert.equal(idle.signal.aborted, false, 'touched every 79 ms: 316 ms alive');
  t.mock.timers.tick(79);
  assert.equal(idle.signal.aborted, false);
  t.mock.timers.tick(1);
  assert.equal(idle.signal.aborted, true);
  assert.equal((idle.signal.reason as Error).name, 'TimeoutError');
  assert.equal((idle.signal.reason as Error).message, 'no data for 80 ms');

  const cleared = idleAbort(30);
  cleared.clear();
  t.mock.timers.tick(1000);
  assert.equal(cleared.signal.aborted, false);

  const none = idleAbort(undefined);
  none.touch();
  t.mock.timers.tick(1_000_000);
  assert.equal(none.signal.aborted, false);
  assert.doesNotThrow(() => none.clear());
});

test('joinUrl: one slash between base and path, whatever each side has', () => {
  assert.equal(joinUrl('https://h/a', 'b.zip'), 'https://h/a/b.zip');
  assert.equal(joinUrl('https://h/a/', '/b.zip'), 'https://h/a/b.zip');
  assert.equal(joinUrl('https://h/a///', '///b/c.zip'), 'https://h/a/b/c.zip');
  assert.equal(joinUrl('https://h/a//x', 'y//z'), 'https://h/a//x/y//z');
});
