/**
 * The retry policy of src/fetch/http.ts against a real local HTTP server: which statuses are retried
 * (429, 408, 5xx) and which are not (other 4xx), on both paths that use it (getText for feeds and
 * APIs, downloadFile for the data), and Retry-After honoured in both of its forms, capped by
 * maxDelayMs. Expected delays are written out, never computed with backoffDelay itself.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay, getText, isRetryableStatus, type HttpOptions } from '../../src/fetch/http.ts';
import { downloadFile } from '../../src/fetch/download.ts';
import { HttpStatusError, RetriesExhaustedError } from '../../src/fetch/errors.ts';
import { Manifest } from '../../src/fetch/manifest.ts';
import { startServer, type FixtureServer } from './server.ts';

let server: FixtureServer;
let slept: number[];
let reasons: string[];
/** Base delay 1 ms: without Retry-After no wait can exceed 1.25 ms; with it, the header's value shows. */
const opts = (o: Partial<HttpOptions> = {}): HttpOptions => ({
  retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 60_000 },
  sleep: async (ms) => void slept.push(ms),
  onRetry: (r) => reasons.push(r.reason),
  ...o,
});
const url = (p: string) => `${server.url}${p}`;
const statuses = (p: string) => server.hits(p).map((h) => h.status);

before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => {
  slept = [];
  reasons = [];
  server.requests.length = 0;
});

for (const status of [429, 408, 500, 503]) {
  test(`getText: HTTP ${status} is retried until the answer comes`, async () => {
    const p = `/feed-${status}.xml`;
    server.set(p, { body: '<feed/>', contentType: 'application/atom+xml', failTimes: 2, failStatus: status });
    const a = await getText(url(p), opts());
    assert.equal(a?.text, '<feed/>');
    assert.deepEqual(statuses(p), [status, status, 200]);
    assert.equal(reasons.length, 2);
    for (const r of reasons) assert.match(r, new RegExp(`^HTTP ${status} `));
  });
}

for (const status of [400, 403, 404, 409, 410, 499]) {
  test(`getText: HTTP ${status} is not retried (the request itself is wrong)`, async () => {
    const p = `/refused-${status}`;
    server.set(p, { body: '', status });
    await assert.rejects(getText(url(p), opts()), (e: unknown) => e instanceof HttpStatusError && e.message.includes(String(status)));
    assert.deepEqual(statuses(p), [status]);
    assert.deepEqual(slept, []);
  });
}

test('isRetryableStatus: the boundaries', () => {
  assert.deepEqual(
    [200, 304, 400, 404, 407, 408, 409, 428, 429, 430, 499, 500, 502, 503, 504].filter(isRetryableStatus),
    [408, 429, 500, 502, 503, 504],
  );
});

test('downloadFile: 429 and 408 are retried, and the file is whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terroir-http-'));
  try {
    for (const status of [429, 408]) {
      const p = `/data/${status}.bin`;
      server.set(p, { body: Buffer.from(`payload ${status}`), failTimes: 1, failStatus: status, retryAfter: '2' });
      const r = await downloadFile({ url: url(p), dir, fileName: `${status}.bin`, manifest: new Manifest(dir), http: opts() });
      assert.equal(readFileSync(r.path, 'utf8'), `payload ${status}`);
      assert.deepEqual(statuses(p), [status, 200]);
    }
    assert.deepEqual(slept, [2000, 2000], 'Retry-After: 2 → 2 s before each second attempt');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Retry-After in seconds is the wait, whatever the backoff would be', async () => {
  server.set('/ra-secs', { body: 'ok', failTimes: 2, failStatus: 429, retryAfter: '7' });
  assert.equal((await getText(url('/ra-secs'), opts()))?.text, 'ok');
  assert.deepEqual(slept, [7000, 7000]);
});

test('Retry-After as an HTTP date is the time until then', async () => {
  const when = new Date(Date.now() + 30_000).toUTCString(); // whole seconds: 29–30 s from now
  server.set('/ra-date', { body: 'ok', failTimes: 1, failStatus: 503, retryAfter: when });
  assert.equal((await getText(url('/ra-date'), opts()))?.text, 'ok');
  assert.equal(slept.length, 1);
  assert.ok(slept[0] > 28_000 && slept[0] <= 30_000, `${slept[0]} ms`);
});

test('Retry-After is capped by maxDelayMs; 0 means at once; an unreadable one falls back to the backoff', async () => {
  server.set('/ra-long', { body: 'ok', failTimes: 1, failStatus: 429, retryAfter: '3600' });
  await getText(url('/ra-long'), opts());
  server.set('/ra-zero', { body: 'ok', failTimes: 1, failStatus: 429, retryAfter: '0' });
  await getText(url('/ra-zero'), opts());
  assert.deepEqual(slept, [60_000, 0]);
  slept = [];
  server.set('/ra-bad', { body: 'ok', failTimes: 1, failStatus: 429, retryAfter: 'soon' });
  await getText(url('/ra-bad'), opts());
  assert.equal(slept.length, 1);
  assert.ok(slept[0] >= 0 && slept[0] <= 2, `backoff of a 1 ms base: ${slept[0]} ms`);
});

test('Retry-After is really waited for (default sleep, 1 s)', async () => {
  server.set('/ra-real', { body: 'ok', failTimes: 1, failStatus: 429, retryAfter: '1' });
  const t0 = performance.now();
  assert.equal((await getText(url('/ra-real'), { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 60_000 } }))?.text, 'ok');
  const ms = performance.now() - t0;
  assert.ok(ms >= 990, `answered after ${Math.round(ms)} ms`);
});

test('attempts are counted: a 429 that never ends gives up after `attempts`, naming the last reason', async () => {
  server.set('/always-busy', { body: 'ok', failTimes: 100, failStatus: 429 });
  await assert.rejects(getText(url('/always-busy'), opts()), (e: unknown) => e instanceof RetriesExhaustedError && /HTTP 429/.test(e.message));
  assert.equal(server.hits('/always-busy').length, 4);
  assert.equal(slept.length, 3);
});

test('backoffDelay without Retry-After: doubling from the base, ±25 %, capped', () => {
  const policy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 6000 };
  const range = (attempt: number) => {
    const xs = Array.from({ length: 200 }, () => backoffDelay(policy, attempt));
    return [Math.min(...xs), Math.max(...xs)];
  };
  const within = ([lo, hi]: number[], min: number, max: number) => assert.ok(lo >= min && hi <= max, `${lo}…${hi} outside ${min}…${max}`);
  within(range(1), 750, 1250);
  within(range(2), 1500, 2500);
  within(range(3), 3000, 5000);
  within(range(5), 4500, 7500); // 16 s capped at 6 s, then jittered
  assert.equal(backoffDelay(policy, 1, '4'), 4000);
  assert.equal(backoffDelay(policy, 1, 'Thu, 01 Jan 2099 00:00:00 GMT'), 6000);
  assert.equal(backoffDelay(policy, 1, 'Thu, 01 Jan 2099 00:00:10 GMT', Date.parse('Thu, 01 Jan 2099 00:00:05 GMT')), 5000);
});
