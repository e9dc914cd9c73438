/**
 * What access control costs: the same route open, open with a key (key check + quota count), and
 * restricted (key check + scope + quota count + territory check + audit append), at 32 connections
 * (req/s, p50, p99), with quotas counted in PostgreSQL and then in Redis. Two routes: one that does
 * nothing (the mechanism alone) and the cadastre point query (a real feature route). Then a reference
 * run: counting one key's requests in Redis with src/auth/quota.ts against @fastify/rate-limit's
 * Redis store, each alone on a bare Fastify.
 *
 *   node --import tsx bench/auth.ts --database-url postgres://postgres@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379
 *   options: --connections 32 --duration 10 --warmup 3 --rounds 3 --data-dir DIR (embedded instead of PostgreSQL)
 *
 * With --database-url it creates a database of its own on that server (the audit trail it fills is
 * append-only), loads the default demo territory there, and drops it at the end. Scenarios run in
 * rounds, A/B/C alternated inside each round, and the median round is printed: the machine may be
 * shared, and alternating spreads any background load over every scenario.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { scratchDatabase } from '../test/helpers/scratch-db.ts';
import { openDatabase } from '../src/db/open.ts';
import { migrate } from '../src/db/migrate.ts';
import { generateDemo } from '../src/demo/index.ts';
import { createOrganisation } from '../src/auth/organisations.ts';
import { issueKey } from '../src/auth/keys.ts';
import type { Database } from '../src/db/database.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    'redis-url': { type: 'string' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    port: { type: 'string', default: '3391' },
  },
});
const connections = Number(values.connections);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const port = Number(values.port);

interface Place {
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

async function place(): Promise<Place> {
  const admin = values['database-url'];
  if (!admin) {
    const dir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'terroir-bench-auth-'));
    return { env: { TERROIR_DATA_DIR: dir }, open: () => openDatabase({ dataDir: dir, poolSize: 1, statementTimeoutMs: 60_000 }), drop: async () => (values['data-dir'] ? undefined : rmSync(dir, { recursive: true, force: true })) };
  }
  const { url, drop } = await scratchDatabase(admin, `terroir_bench_auth_${process.pid}`);
  return {
    env: { DATABASE_URL: url, TERROIR_POOL_SIZE: String(connections) },
    open: () => openDatabase({ databaseUrl: url, dataDir: './data', poolSize: 4, statementTimeoutMs: 600_000 }),
    drop,
  };
}

/** The demo territory, an organisation on one of its EPCI, a key counted on every request, and inputs inside it. */
async function prepare(db: Database) {
  await migrate(db);
  await generateDemo(db, {});
  const [epci] = await db.query<{ code: string }>(
    `SELECT m.epci AS code FROM limites_epci_commune m JOIN demo_w_commune w ON w.insee = m.commune GROUP BY m.epci ORDER BY count(*) DESC, m.epci LIMIT 1`,
  );
  const org = await createOrganisation(db, { name: 'Bench', kind: 'entreprise', territory: `epci:${epci.code}` });
  const { key } = await issueKey(db, { organisation: org.id, scopes: ['cartobio:territoires'], quota: '1000000000/year' });
  const points = await db.query<{ g: string; code: string }>(
    `SELECT ST_AsGeoJSON(ST_PointOnSurface(p.geom), 7) AS g, p.code_insee AS code FROM cadastre_parcelle p
     JOIN auth_territory_commune t ON t.organisation = $1 AND t.commune = p.code_insee ORDER BY p.gid LIMIT 500`,
    [org.id],
  );
  return { key, points, commune: points[0].code, communes: org.communes };
}

async function serve(mode: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/auth-server.ts', mode, String(port)], {
    env: { ...process.env, TERROIR_DEMO: 'off', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench server ${mode} exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/constant`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { stop: () => new Promise((r) => (child.kill('SIGTERM'), child.once('exit', r))) };
}

interface Scenario {
  name: string;
  paths: string[];
  headers: Record<string, string>;
}
type Measure = { rps: number; p50: number; p99: number; non2xx: number };

async function measure(s: Scenario, seconds: number): Promise<Measure> {
  let k = 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    headers: s.headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: s.paths[k++ % s.paths.length] }) }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors };
}

/** Every scenario once per round, in turn (A, B, C, A, B, C…); the median round of each is kept. */
async function alternate(list: Scenario[]): Promise<Measure[]> {
  for (const s of list) await measure(s, warmup);
  const runs: Measure[][] = list.map(() => []);
  for (let r = 0; r < rounds; r++) for (const [i, s] of list.entries()) runs[i].push(await measure(s, duration));
  return runs.map((m) => {
    const sorted = [...m].sort((a, b) => a.rps - b.rps);
    return sorted[Math.floor(sorted.length / 2)];
  });
}

function table(title: string, list: Scenario[], results: Measure[], baseline: (i: number) => number) {
  console.log(`\n${title}\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms | non-2xx | vs open: req/s | vs open: p50 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  list.forEach((s, i) => {
    const m = results[i];
    const b = results[baseline(i)];
    const rel = i === baseline(i) ? '–' : `${(((m.rps - b.rps) / b.rps) * 100).toFixed(0)} %`;
    const dp = i === baseline(i) ? '–' : `+${(m.p50 - b.p50).toFixed(0)} ms`;
    console.log(`| ${s.name} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${rel} | ${dp} |`);
  });
}

async function main() {
  const p = await place();
  try {
    const db = await p.open();
    const { key, points, commune, communes } = await prepare(db);
    const [{ rows }] = await db.query<{ rows: number }>('SELECT count(*)::int AS rows FROM auth_audit');
    await db.close();
    const auth = { authorization: `Bearer ${key}` };
    const geoms = points.map((x) => encodeURIComponent(x.g));
    const list: Scenario[] = [
      { name: 'nothing route, open, no key', paths: ['/api/bench/open/constant'], headers: {} },
      { name: 'nothing route, open, with key (key check + quota)', paths: ['/api/bench/open/constant'], headers: auth },
      { name: 'nothing route, restricted (key + scope + quota + territory code + audit)', paths: [`/api/bench/restreint/constant?code_insee=${commune}`], headers: auth },
      { name: 'cadastre point, open, no key', paths: geoms.map((g) => `/api/bench/open/parcelle?geom=${g}`), headers: {} },
      { name: 'cadastre point, open, with key', paths: geoms.map((g) => `/api/bench/open/parcelle?geom=${g}`), headers: auth },
      { name: 'cadastre point, restricted (+ territory geom + audit)', paths: geoms.map((g) => `/api/bench/restreint/parcelle?geom=${g}`), headers: auth },
    ];
    const baseline = (i: number) => (i < 3 ? 0 : 3);
    const backend = values['database-url'] ? 'PostgreSQL' : 'embedded PGlite';
    console.log(`backend: ${backend}; organisation territory: ${communes} demo communes; ${connections} connections; ${warmup} s warm-up, then ${rounds} rounds of ${duration} s per scenario, scenarios alternated, median round shown`);
    const stores: [string, Record<string, string>][] = [[`quotas in ${backend}`, {}]];
    if (values['redis-url']) stores.push(['quotas in Redis', { REDIS_URL: values['redis-url'] }]);
    for (const [title, env] of stores) {
      const server = await serve('terroir', { ...p.env, ...env });
      const results = await alternate(list);
      await server.stop();
      table(`${title} (audit trail in ${backend})`, list, results, baseline);
    }
    const check = await p.open();
    const [{ after }] = await check.query<{ after: number }>('SELECT count(*)::int AS after FROM auth_audit');
    await check.close();
    console.log(`\naudit rows appended during the runs: ${after - rows}`);

    if (values['redis-url']) {
      const ref: Scenario[] = [{ name: 'one key counted in Redis', paths: ['/constant'], headers: auth }];
      const out: [string, Measure][] = [];
      for (const mode of ['ref-own', 'ref-ratelimit', 'ref-own', 'ref-ratelimit']) {
        const server = await serve(mode, { REDIS_URL: values['redis-url'] });
        out.push([mode, (await alternate(ref))[0]]);
        await server.stop();
      }
      console.log('\nreference: counting one key in Redis on a bare Fastify route (runs alternated own / @fastify/rate-limit, twice)\n');
      console.log('| counter | req/s | p50 ms | p99 ms |');
      console.log('|---|---:|---:|---:|');
      for (const [mode, m] of out) console.log(`| ${mode === 'ref-own' ? 'src/auth/quota.ts (Lua script, RateLimit fields)' : '@fastify/rate-limit + its Redis store'} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} |`);
    }
  } finally {
    await p.drop();
  }
}

await main();
