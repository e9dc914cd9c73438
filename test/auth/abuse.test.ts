import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND } from '../helpers/db.ts';
import { startServer, type Server } from '../demo/helpers.ts';
import { newKey } from '../../src/auth/keys.ts';
import { FAILURE_MAX_DELAY_MS, FREE_FAILURES } from '../../src/auth/plugin.ts';
import { migratedPlace, provisionKeys, type MigratedPlace } from './helpers.ts';

/**
 * An attacker against a real node: 1,000 wrong keys in a row (Bearer, query string, JSON body; shaped
 * like ours or not; right prefix with a wrong secret). Every one is a 401; past the first few, each
 * answer is delayed; a valid key from the same address is not. Then the node's whole log and every
 * answer are searched for key material.
 */
let place: MigratedPlace;
let node: Server;
let admin: string;
before(async () => {
  place = await migratedPlace({}, async (db) => void ({ admin } = await provisionKeys(db)));
  node = await startServer(place);
});
after(async () => {
  await node?.stop();
  await place?.drop();
});

test(`${BACKEND}: 1,000 wrong keys in a row are all 401 and slowed; no key material in answers or log`, { timeout: 300_000 }, async () => {
  const prefix = admin.slice(0, 13);
  const wrong = Array.from({ length: 1000 }, (_, i) =>
    i % 4 === 0 ? newKey().key : i % 4 === 1 ? `${prefix}${newKey().key.slice(13)}` : i % 4 === 2 ? `cle-${i}-${newKey().key.slice(13)}` : `trr_${newKey().key.slice(4, 12)}_x${i}`,
  );
  const send = (key: string, i: number) => {
    const url = `${node.url}/api/admin/organisations`;
    const t0 = performance.now();
    const req =
      i % 3 === 0
        ? fetch(url, { headers: { authorization: `Bearer ${key}` } })
        : i % 3 === 1
          ? fetch(`${url}?apikey=${encodeURIComponent(key)}`)
          : fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apikey: key, name: 'x' }) });
    return req.then(async (r) => ({ status: r.status, body: await r.text(), headers: JSON.stringify([...r.headers]), ms: performance.now() - t0 }));
  };
  // A kept-alive connection that the node closes after its 5 s idle timeout, just as the client
  // reuses it, fails with a reset before any answer (on a loaded machine the client's own timer runs
  // late): any HTTP client retries such a request (RFC 9110 §9.3.1 for idempotent ones; these only
  // ever get a 401). Retried once, counted, and the count bounded below, so a node that really drops
  // connections still fails the test.
  let resets = 0;
  const sendRetrying = (key: string, i: number): ReturnType<typeof send> =>
    send(key, i).catch((e: Error & { cause?: { code?: string } }) => {
      if (!['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(e.cause?.code ?? '')) throw e;
      resets++;
      return send(key, i);
    });
  // A route's first request compiles its schemas and warms the code (src/http/lazy-schemas.ts): done
  // with the valid key first (GET, and a POST refused for its body), so that what is timed below is
  // the answer to a wrong key, not the first request of a route on a loaded machine.
  assert.equal((await send(admin, 0)).status, 200);
  assert.equal((await fetch(`${node.url}/api/admin/organisations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: '{}' })).status, 400);
  // What an answer costs on this machine now (a loaded one can take a second): the bounds below are
  // this plus or minus the penalty, not absolute times.
  const baseline = Math.max((await send(admin, 0)).ms, (await send(admin, 1)).ms);
  // The first few failures of an address are answered at once (a typo is not an attack).
  const first = [];
  for (let i = 0; i < FREE_FAILURES; i++) first.push(await send(wrong[i], i));
  assert.ok(first.every((r) => r.status === 401 && r.ms < baseline + FAILURE_MAX_DELAY_MS / 2), JSON.stringify({ baseline, first: first.map((r) => [r.status, Math.round(r.ms)]) }));
  // Then the rest, 200 at a time.
  const answers = [...first];
  const t0 = performance.now();
  for (let i = FREE_FAILURES; i < wrong.length; i += 200) answers.push(...(await Promise.all(wrong.slice(i, i + 200).map((k, j) => sendRetrying(k, i + j)))));
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(answers.length, 1000);
  assert.ok(resets <= 10, `${resets} of the 995 requests met a reset connection`);
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [401]);
  for (const a of answers) assert.match(a.body, /"status":401/);
  const late = answers.slice(500).map((a) => a.ms).sort((x, y) => x - y);
  assert.ok(late[Math.floor(late.length / 2)] >= FAILURE_MAX_DELAY_MS * 0.9, `median wait of the last 500: ${Math.round(late[late.length / 2])} ms`);
  assert.ok(seconds >= 4.5 * (FAILURE_MAX_DELAY_MS / 1000), `the 995 took ${seconds.toFixed(1)} s`);
  // Still slowed after the burst; a valid key from the same address is answered at once.
  const one = await send(newKey().key, 0);
  assert.equal(one.status, 401);
  assert.ok(one.ms >= FAILURE_MAX_DELAY_MS * 0.9, `${one.ms} ms`);
  const t1 = performance.now();
  const ok = await fetch(`${node.url}/api/admin/organisations?apikey=${admin}`);
  assert.equal(ok.status, 200);
  // Not penalised: at least half the penalty quicker than the wrong key just before it.
  const validMs = performance.now() - t1;
  assert.ok(validMs < one.ms - FAILURE_MAX_DELAY_MS / 2, `valid key ${Math.round(validMs)} ms, wrong key ${Math.round(one.ms)} ms`);
  // A valid key on an open route, in the query string: it must not reach the log either.
  assert.equal((await fetch(`${node.url}/api/codes-postaux/communes/29760?apikey=${admin}`)).status, 200);

  const log = node.output();
  assert.ok(log.split('\n').length > 1000, 'the requests were logged');
  assert.match(log, /apikey=redacted/);
  const secretOf = (k: string) => (k.length > 20 ? k.slice(-20) : k);
  for (const k of [...wrong, admin]) {
    const s = secretOf(k);
    assert.ok(!log.includes(s), `log holds key material: …${s.slice(0, 6)}`);
    for (const a of answers) assert.ok(!a.body.includes(s) && !a.headers.includes(s), 'an answer holds key material');
  }
  assert.ok(!log.includes(admin.slice(14, 30)), 'not even a part of the valid key');
});
