/**
 * The shared HTTP mechanisms as functions, without a database or a server: the problem bodies
 * (RFC 9457 + API Carto members, bounded echoes), the JSON depth bound, the paging schema and the
 * URL the links are built from. Expected values are written out, not derived from the constants,
 * and every bound is tried on both sides (mutation scope `http`, stryker.config.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { boundedEcho, HttpProblem, invalidParam, notFound, problemBody, problemType, PROBLEMS } from '../../src/http/problems.ts';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../src/http/input.ts';
import { pagingSchema, requestUrl } from '../../src/http/paging.ts';

test('problem bodies: type, title, status, the API Carto code and message, invalid_params naming the field', () => {
  assert.equal(problemType('not-found'), '/api/doc/problems#not-found');
  const p = invalidParam('section', 'Le numéro de section est sur 2 caractères', 'body', 'ABC');
  assert.equal(p.status, 400);
  assert.equal(p.message, 'section: Le numéro de section est sur 2 caractères');
  assert.deepEqual(problemBody(p, '/api/cadastre/parcelle', 'rid-1'), {
    type: '/api/doc/problems#invalid-parameter',
    title: 'Invalid parameter',
    status: 400,
    detail: 'section: Le numéro de section est sur 2 caractères',
    instance: '/api/cadastre/parcelle',
    request_id: 'rid-1',
    code: 400,
    message: { section: { type: 'field', value: 'ABC', msg: 'Le numéro de section est sur 2 caractères', path: 'section', location: 'body' } },
    invalid_params: [{ name: 'section', in: 'body', reason: 'Le numéro de section est sur 2 caractères' }],
  });
  // Default location: the query string; no value echoed as null.
  assert.deepEqual(problemBody(invalidParam('x', 'bad'), '/i', 'r').message, { x: { type: 'field', value: null, msg: 'bad', path: 'x', location: 'query' } });
  // A detail that does not start with the parameter's name is the reason as it is.
  const other = new HttpProblem('invalid-parameter', 'something else', { name: 'geom', location: 'query' });
  assert.equal(problemBody(other, '/i', 'r').invalid_params?.[0].reason, 'something else');
  // Without a parameter: message = detail, no invalid_params; extensions come first and cannot override.
  const nf = problemBody(notFound('no such dataset'), '/api/datasets/x', 'r2');
  assert.deepEqual(nf, { type: '/api/doc/problems#not-found', title: 'Not found', status: 404, detail: 'no such dataset', instance: '/api/datasets/x', request_id: 'r2', code: 404, message: 'no such dataset' });
  const limited = problemBody(new HttpProblem('too-many-requests', 'quota', undefined, { policy: 'q', status: 200 }), '/i', 'r');
  assert.equal(limited.status, 429);
  assert.equal(limited.policy, 'q');
  assert.deepEqual(Object.keys(limited).slice(0, 2), ['policy', 'status']);
  assert.equal(PROBLEMS.unavailable.status, 503);
});

test('problem bodies: detail and instance cut at 1000 characters, echoes at 200', () => {
  const long = (n: number) => 'a'.repeat(n);
  assert.equal(problemBody(new HttpProblem('bad-request', long(1000)), long(1000), 'r').detail, long(1000));
  assert.equal(problemBody(new HttpProblem('bad-request', long(1001)), long(1001), 'r').detail, `${long(1000)}…`);
  assert.equal(problemBody(new HttpProblem('bad-request', 'x'), long(1001), 'r').instance, `${long(1000)}…`);
  assert.equal(boundedEcho(long(200)), long(200));
  assert.equal(boundedEcho(long(201)), `${long(200)}…`);
  assert.equal(boundedEcho(3), 3);
  assert.equal(boundedEcho(false), false);
  assert.equal(boundedEcho(undefined), null);
  assert.equal(boundedEcho(null), null);
  const small = { type: 'Point', coordinates: [1, 2] };
  assert.equal(boundedEcho(small), small, 'a short object is echoed as it is');
  const exactly200 = { s: 'x'.repeat(192) }; // {"s":"…"} = 8 + 192 characters
  assert.equal(JSON.stringify(exactly200).length, 200);
  assert.equal(boundedEcho(exactly200), exactly200, 'an object of 200 characters is echoed as it is');
  const of201 = { s: 'x'.repeat(193) };
  assert.equal(boundedEcho(of201), `${JSON.stringify(of201).slice(0, 200)}…`);
  const big = { coordinates: Array.from({ length: 100 }, (_, i) => i) };
  const echoed = boundedEcho(big) as string;
  assert.equal(typeof echoed, 'string');
  assert.equal(echoed.length, 201);
  assert.ok(echoed.startsWith('{"coordinates":[0,1,2,'));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(boundedEcho(cyclic), null);
  assert.equal(boundedEcho(10n), null, 'a value JSON cannot write is not echoed');
});

test('JSON depth: 32 levels pass, 33 do not; strings and escapes do not count', () => {
  assert.equal(MAX_JSON_DEPTH, 32);
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.equal(jsonDepthExceeds(nested(32)), false);
  assert.equal(jsonDepthExceeds(nested(33)), true);
  assert.equal(jsonDepthExceeds('{"a":'.repeat(33) + '1' + '}'.repeat(33)), true);
  assert.equal(jsonDepthExceeds('{"a":'.repeat(32) + '1' + '}'.repeat(32)), false);
  // Closing brackets bring the depth back down: many siblings are not depth.
  assert.equal(jsonDepthExceeds('[' + '[],'.repeat(100) + '[]]'), false);
  assert.equal(jsonDepthExceeds(nested(3), 3), false);
  assert.equal(jsonDepthExceeds(nested(4), 3), true);
  assert.equal(jsonDepthExceeds('{}'.repeat(50), 1), false);
  // Brackets inside strings, escaped quotes included, are text.
  assert.equal(jsonDepthExceeds(JSON.stringify({ s: '['.repeat(100) }), 2), false);
  assert.equal(jsonDepthExceeds(JSON.stringify({ s: '\\"' + '['.repeat(100) }), 2), false);
  assert.equal(jsonDepthExceeds(`["\\"", [[[]]]]`, 3), true, 'after an escaped quote the string still ends at its closing quote');
});

test('paging schema: default and maximum of the route, _start from 0', () => {
  const s = pagingSchema(500, 1000) as unknown as Record<string, Record<string, unknown>>;
  assert.equal(s._start.minimum, 0);
  assert.equal(s._start.default, 0);
  assert.equal(s._start.type, 'integer');
  assert.equal(s._limit.minimum, 1);
  assert.equal(s._limit.maximum, 1000);
  assert.equal(s._limit.default, 500);
  assert.equal(s._limit.description, 'Features per page (default 500, at most 1000).');
  assert.equal(s._start.description, 'Index of the first feature (paging).');
  const bare = pagingSchema(500, 1000, false) as unknown as Record<string, Record<string, unknown>>;
  assert.equal('default' in bare._start, false);
  assert.equal('default' in bare._limit, false);
  assert.equal(bare._limit.maximum, 1000);
});

test('request URL: the public URL when configured, else a plain Host and http(s) only', () => {
  const req = (r: { url: string; host?: unknown; protocol?: string; publicUrl?: string }) =>
    ({ url: r.url, host: r.host, protocol: r.protocol ?? 'http', server: { config: r.publicUrl ? { publicUrl: r.publicUrl } : {} } }) as unknown as FastifyRequest;
  assert.equal(requestUrl(req({ url: '/api/x?a=1', host: 'terroir.example.fr' })).href, 'http://terroir.example.fr/api/x?a=1');
  assert.equal(requestUrl(req({ url: '/api/x', host: 'terroir.example.fr:8443', protocol: 'https' })).href, 'https://terroir.example.fr:8443/api/x');
  assert.equal(requestUrl(req({ url: '/api/x', host: '[::1]:3000' })).href, 'http://[::1]:3000/api/x');
  assert.equal(requestUrl(req({ url: '/api/x', host: '127.0.0.1:3000' })).href, 'http://127.0.0.1:3000/api/x');
  assert.equal(requestUrl(req({ url: '/api/x', host: 'localhost.' })).href, 'http://localhost./api/x');
  // A scheme other than https is http; a forged or malformed host is localhost.
  assert.equal(requestUrl(req({ url: '/a', host: 'h', protocol: 'javascript' })).href, 'http://h/a');
  for (const bad of ['evil.com/path', 'a b', 'x@evil.com', '-bad', 'h:123456', '', undefined, 42, 'a'.repeat(64)])
    assert.equal(requestUrl(req({ url: '/a', host: bad })).origin, 'http://localhost', String(bad));
  assert.equal(requestUrl(req({ url: '/a', host: `${'a'.repeat(63)}.fr` })).host, `${'a'.repeat(63)}.fr`);
  // The public URL wins over the headers, its trailing slashes dropped, its path kept as a prefix.
  assert.equal(requestUrl(req({ url: '/api/x?b=2', host: 'evil.com', protocol: 'https', publicUrl: 'https://geo.example.org/terroir//' })).href, 'https://geo.example.org/terroir/api/x?b=2');
  // A path starting with `//` never makes a link to another host.
  assert.equal(requestUrl(req({ url: '//evil.com/api/x', host: 'h' })).href, 'http://h/evil.com/api/x');
  assert.equal(requestUrl(req({ url: '///a b', host: 'h' })).href, 'http://h/a%20b');
  // Only the leading slashes are folded: a URL inside the query string is kept whole.
  assert.equal(requestUrl(req({ url: '/api/x?u=http://a//b', host: 'h' })).href, 'http://h/api/x?u=http://a//b');
  // A host the URL parser refuses (a port above 65535) falls back on localhost, the path kept and its
  // non-printable characters encoded.
  assert.equal(requestUrl(req({ url: '/a/b?c=d', host: 'h:99999' })).href, 'http://localhost/a/b?c=d');
  assert.equal(requestUrl(req({ url: '/a/b', host: 'h:99999', protocol: 'https' })).href, 'https://localhost/a/b');
  assert.equal(requestUrl(req({ url: '/é', host: 'h:99999' })).href, 'http://localhost/%C3%A9');
  // A server without configuration (no public URL) reads the headers.
  const bare = { url: '/a', host: 'h', protocol: 'http', server: {} } as unknown as FastifyRequest;
  assert.equal(requestUrl(bare).href, 'http://h/a');
});
