/**
 * Access control's pure parts, without a database: where a request's key is taken from (and taken
 * out of), how URLs are redacted for the logs, the quota syntax and its windows. Expected values are
 * written out and bounds tried on both sides (mutation scope `auth`, stryker.config.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { carriesCredential, redactCredentials, takeCredential } from '../../src/auth/credentials.ts';
import { HttpProblem } from '../../src/http/problems.ts';
import { formatQuota, parseQuota, QuotaSyntaxError, windowOf } from '../../src/auth/quota.ts';

const KEY_A = `trr_abcd1234_${'A'.repeat(43)}`;
const KEY_B = `trr_wxyz9876_${'B'.repeat(43)}`;
const req = (r: { authorization?: string; query?: unknown; body?: unknown }) =>
  ({ headers: r.authorization === undefined ? {} : { authorization: r.authorization }, query: r.query, body: r.body }) as unknown as FastifyRequest;

/** The 400 thrown, with the parameter and location it names. */
function problemOf(fn: () => unknown): { name?: string; location?: string; detail: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HttpProblem, String(e));
    assert.equal(e.status, 400);
    return { name: e.param?.name, location: e.param?.location, detail: e.detail };
  }
  assert.fail('expected a 400');
}

test('credentials: Bearer, apikey in the query or the body, taken out of the request', () => {
  assert.deepEqual(takeCredential(req({ authorization: `Bearer ${KEY_A}` })), { token: KEY_A, source: 'bearer' });
  assert.deepEqual(takeCredential(req({ authorization: `bearer \t${KEY_A}\t ` })), { token: KEY_A, source: 'bearer' });
  assert.equal(takeCredential(req({ authorization: `Basic ${KEY_A}` })), undefined);
  assert.equal(takeCredential(req({ authorization: `Bearer ${KEY_A} extra` })), undefined);
  assert.equal(takeCredential(req({ authorization: `Bearer${KEY_A}` })), undefined);
  assert.equal(takeCredential(req({ authorization: `NotBearer ${KEY_A}` })), undefined, 'the scheme is the whole first word');
  const query: Record<string, unknown> = { apikey: KEY_A, code_insee: '47501' };
  assert.deepEqual(takeCredential(req({ query })), { token: KEY_A, source: 'apikey' });
  assert.deepEqual(query, { code_insee: '47501' }, 'apikey removed from the query');
  const body: Record<string, unknown> = { apikey: KEY_B, geom: {} };
  assert.deepEqual(takeCredential(req({ body })), { token: KEY_B, source: 'apikey' });
  assert.deepEqual(body, { geom: {} }, 'apikey removed from the body');
  assert.equal(takeCredential(req({ query: { apikey: '' } })), undefined, 'an empty apikey is no key');
  assert.equal(takeCredential(req({})), undefined);
  assert.equal(takeCredential(req({ query: ['apikey'], body: Buffer.from('apikey') })), undefined, 'arrays and buffers hold no apikey');
});

test('credentials: one key per request; a foreign apikey beside a bearer is ignored', () => {
  // A Géoportail key an API Carto client still sends, beside a Terroir bearer: the bearer.
  assert.deepEqual(takeCredential(req({ authorization: `Bearer ${KEY_A}`, query: { apikey: 'geoportail-key' } })), { token: KEY_A, source: 'bearer' });
  // The same key twice is one key.
  assert.deepEqual(takeCredential(req({ authorization: `Bearer ${KEY_A}`, query: { apikey: KEY_A }, body: { apikey: KEY_A } })), { token: KEY_A, source: 'bearer' });
  assert.deepEqual(takeCredential(req({ query: { apikey: KEY_A }, body: { apikey: KEY_A } })), { token: KEY_A, source: 'apikey' });
  // Two different Terroir keys: a 400 naming apikey where the second came from.
  assert.deepEqual(problemOf(() => takeCredential(req({ authorization: `Bearer ${KEY_A}`, query: { apikey: KEY_B } }))).location, 'query');
  const both = problemOf(() => takeCredential(req({ query: { apikey: KEY_A }, body: { apikey: KEY_B } })));
  assert.equal(both.name, 'apikey');
  assert.equal(both.location, 'body');
  assert.match(both.detail, /two different keys/);
  // Two apikeys without a bearer, one foreign: still two candidates.
  assert.equal(problemOf(() => takeCredential(req({ query: { apikey: 'foreign' }, body: { apikey: KEY_A } }))).name, 'apikey');
});

test('credentials: an apikey must be one string of at most 1000 characters', () => {
  assert.deepEqual(problemOf(() => takeCredential(req({ query: { apikey: ['a', 'b'] } }))), { name: 'apikey', location: 'query', detail: 'apikey: a single string is expected' });
  assert.equal(problemOf(() => takeCredential(req({ body: { apikey: 12 } }))).location, 'body');
  assert.deepEqual(takeCredential(req({ query: { apikey: 'k'.repeat(1000) } })), { token: 'k'.repeat(1000), source: 'apikey' });
  assert.deepEqual(problemOf(() => takeCredential(req({ query: { apikey: 'k'.repeat(1001) } }))), { name: 'apikey', location: 'query', detail: 'apikey: longer than 1000 characters' });
});

test('credentials: what is credential-like, and URLs as they may be logged', () => {
  assert.equal(carriesCredential(req({ authorization: '' })), true);
  assert.equal(carriesCredential(req({ query: { apikey: 'x' } })), true);
  assert.equal(carriesCredential(req({ body: { apikey: 'x' } })), true);
  assert.equal(carriesCredential(req({ query: { code: 'x' }, body: null })), false);
  assert.equal(carriesCredential(req({ query: Object.create({ apikey: 'inherited' }) })), false, 'own properties only');
  assert.equal(redactCredentials('/api/x?apikey=secret&a=1'), '/api/x?apikey=redacted&a=1');
  assert.equal(redactCredentials('/api/x?a=1&APIKEY=secret'), '/api/x?a=1&APIKEY=redacted');
  assert.equal(redactCredentials(`/api/x?k=${KEY_A}`), '/api/x?k=trr_abcd1234_redacted');
  assert.equal(redactCredentials('/api/x?myapikey=kept'), '/api/x?myapikey=kept');
  // A download link's token anywhere in the URL (not only as `jeton=`), up to its last token character.
  const link = 'trl_' + 'Ab-9_'.repeat(8) + 'xyz';
  assert.equal(redactCredentials(`/dl/${link}/parcelles.zip?x=1`), '/dl/trl_redacted/parcelles.zip?x=1');
  assert.equal(redactCredentials(`/a?next=${link}&jeton=${link}`), '/a?next=trl_redacted&jeton=redacted');
});

test('quota syntax: windows ordered, one limit per window, unlimited and off', () => {
  assert.deepEqual(parseQuota(' 10000/year,500/day,5/second '), [
    { count: 5, window: 'second' },
    { count: 500, window: 'day' },
    { count: 10000, window: 'year' },
  ]);
  assert.deepEqual(parseQuota('3/minute,2/hour'), [{ count: 3, window: 'minute' }, { count: 2, window: 'hour' }]);
  assert.deepEqual(parseQuota('off'), []);
  assert.deepEqual(parseQuota('unlimited'), []);
  assert.throws(() => parseQuota('1/day,2/day'), (e: Error) => e instanceof QuotaSyntaxError && /one limit per window/.test(e.message));
  assert.throws(() => parseQuota('10/week'), (e: Error) => e instanceof QuotaSyntaxError && /expected unlimited.*second, minute, hour, day, year/.test(e.message));
  assert.equal(formatQuota([{ count: 5, window: 'second' }, { count: 10, window: 'year' }]), '5/second,10/year');
  assert.equal(formatQuota([]), 'unlimited');
});

test('quota windows: their end and length, leap years included', () => {
  const t = Date.UTC(2026, 2, 15, 10, 30, 45, 500);
  assert.deepEqual(windowOf('second', t), { end: Date.UTC(2026, 2, 15, 10, 30, 46), seconds: 1 });
  assert.deepEqual(windowOf('minute', t), { end: Date.UTC(2026, 2, 15, 10, 31), seconds: 60 });
  assert.deepEqual(windowOf('hour', t), { end: Date.UTC(2026, 2, 15, 11), seconds: 3600 });
  assert.deepEqual(windowOf('day', t), { end: Date.UTC(2026, 2, 16), seconds: 86400 });
  assert.deepEqual(windowOf('year', t), { end: Date.UTC(2027, 0, 1), seconds: 365 * 86400 });
  assert.deepEqual(windowOf('year', Date.UTC(2024, 11, 31, 23, 59)), { end: Date.UTC(2025, 0, 1), seconds: 366 * 86400 });
  // At the exact end of a window, the next one.
  assert.equal(windowOf('day', Date.UTC(2026, 2, 16)).end, Date.UTC(2026, 2, 17));
});
