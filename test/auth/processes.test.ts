import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND } from '../helpers/db.ts';
import { startServer, type Server } from '../demo/helpers.ts';
import { verifyAudit } from '../../src/auth/audit.ts';
import { migratedPlace, provisionKeys, type MigratedPlace } from './helpers.ts';
import { redisSkip, TEST_REDIS_URL } from './redis.ts';

/**
 * Real `terroir serve` processes: two nodes sharing one quota (through PostgreSQL, through Redis) and
 * one audit chain, and an attacker trying 1,000 wrong keys against a node, whose answers and log are
 * then searched for key material.
 */
const CODES = '/api/codes-postaux/communes/29760';

/** Fires `n` requests at each of `nodes`, interleaved and concurrent; returns the statuses. */
async function burst(nodes: Server[], n: number, path: string, key: string): Promise<number[]> {
  const calls = Array.from({ length: n * nodes.length }, (_, i) => fetch(`${nodes[i % nodes.length].url}${path}`, { headers: { authorization: `Bearer ${key}` } }));
  return Promise.all(calls.map(async (p) => (await p).status));
}

async function sharedQuota(nodes: Server[], keys: { admin: string; limited: string }) {
  const statuses = await burst(nodes, 6, CODES, keys.limited);
  assert.equal(statuses.filter((s) => s === 200).length, 10, `statuses: ${statuses.join(',')}`);
  assert.equal(statuses.filter((s) => s === 429).length, 2);
  // Each node now refuses: the count is the same for both.
  for (const node of nodes) {
    const res = await fetch(`${node.url}${CODES}`, { headers: { authorization: `Bearer ${keys.limited}` } });
    assert.equal(res.status, 429);
    assert.match(res.headers.get('ratelimit') ?? '', /^"cle-day";r=0;t=\d+$/);
    assert.deepEqual((await res.json())['violated-policies'], ['cle-day']);
  }
}

describe(`${BACKEND}: two nodes on one PostgreSQL database share one quota and one audit chain`, { skip: BACKEND === 'postgres' ? false : 'two processes share one database only on PostgreSQL (this file runs again with DATABASE_URL)' }, () => {
  let place: MigratedPlace;
  let nodes: Server[] = [];
  let keys: { admin: string; limited: string };
  before(async () => {
    place = await migratedPlace({}, async (db) => void (keys = await provisionKeys(db)));
    nodes = await Promise.all([startServer(place), startServer(place)]);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await place?.drop();
  });

  test('10 requests a day, 12 asked through both nodes at once: 10 answered, 2 refused', () => sharedQuota(nodes, keys));

  test('50 concurrent restricted requests through both nodes form one linear chain', async () => {
    const statuses = await burst(nodes, 25, '/api/admin/organisations', keys.admin);
    assert.deepEqual([...new Set(statuses)], [200]);
    const db = await place.open();
    try {
      const v = await verifyAudit(db);
      // The open route of the quota test is not audited: the chain holds the 50 admin requests, gapless.
      assert.deepEqual([v.ok, v.rows], [true, 50]);
      const [n] = await db.query<{ nodes: number }>(`SELECT count(DISTINCT request_id)::int AS nodes FROM auth_audit`);
      assert.equal(n.nodes, 50);
    } finally {
      await db.close();
    }
  });
});

describe(`${BACKEND}: two nodes share one quota through Redis`, { skip: await redisSkip() }, () => {
  let places: MigratedPlace[] = [];
  let nodes: Server[] = [];
  let keys: { admin: string; limited: string };
  let copy: string | undefined;
  before(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL };
    const first = await migratedPlace(env, async (db) => void (keys = await provisionKeys(db)));
    places = [first];
    if (BACKEND === 'postgres') places.push(first);
    else {
      // Two embedded nodes have two databases: the second starts from a copy of the first (same keys).
      copy = mkdtempSync(join(tmpdir(), 'terroir-node2-'));
      cpSync(first.args[1], copy, { recursive: true });
      places.push({ ...first, args: ['--data-dir', copy] });
    }
    nodes = await Promise.all(places.map((p) => startServer(p)));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await places[0]?.drop();
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  test('10 requests a day, 12 asked through both nodes at once: 10 answered, 2 refused', () => sharedQuota(nodes, keys));
});
