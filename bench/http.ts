/**
 * HTTP speed of the feature routes, and what the HTTP layer costs on top of the database.
 *
 *   node --import tsx bench/http.ts --data-dir DIR            # embedded backend, a loaded data dir
 *   node --import tsx bench/http.ts --database-url URL        # PostgreSQL backend
 *   options: --connections 32 --duration 10 --warmup 3 --annee 2023
 *
 * For each scenario it runs autocannon against a real `terroir serve` child process (requests/s,
 * p50/p99 latency), then runs the very same generic feature query (src/features/query.ts with the
 * route's layer descriptor and conditions) straight on the database with the same concurrency, and
 * prints the share of the HTTP layer in the total time per request. A bare node:http server running
 * the same query (bench/bare-http-server.ts) gives the floor any Node HTTP front reaches on the
 * machine, so that the share splits into the process hop itself and Terroir's own layer. Inputs are
 * drawn from the data itself: points on parcels, and a real commune polygon. Build a département-sized base first:
 *   terroir demo --size departement --data-dir DIR   (see docs/demo.md)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db/open.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { queryFeatures, type Condition } from '../src/features/query.ts';
import { parseGeom } from '../src/geo/geom-param.ts';
import type { Database } from '../src/db/database.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    annee: { type: 'string' },
    port: { type: 'string', default: '3390' },
  },
});
const connections = Number(values.connections);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const port = Number(values.port);
const dbConfig = values['database-url']
  ? { databaseUrl: values['database-url'], dataDir: './data', poolSize: connections, statementTimeoutMs: 60_000 }
  : { dataDir: values['data-dir'] ?? './data', poolSize: 1, statementTimeoutMs: 60_000 };

interface Scenario {
  name: string;
  layer: string;
  paths: string[];
  conditions: Condition[];
  geoms: string[];
  limit: number;
}

async function scenarios(db: Database): Promise<Scenario[]> {
  const out: Scenario[] = [];
  out.push({ name: 'codes-postaux 29760', layer: '', paths: ['/api/codes-postaux/communes/29760'], conditions: [], geoms: [], limit: 0 });
  const [{ annee }] = await db.query<{ annee: number | null }>('SELECT max(campagne) AS annee FROM rpg_parcelle');
  const year = values.annee ? Number(values.annee) : annee;
  const points = await db.query<{ g: string }>(
    `SELECT ST_AsGeoJSON(ST_PointOnSurface(geom), 7) AS g FROM cadastre_parcelle ORDER BY gid LIMIT 500`,
  );
  if (points.length) {
    const geoms = points.map((p) => p.g);
    out.push({
      name: 'cadastre/parcelle, point geom',
      layer: 'cadastre.parcelle',
      paths: geoms.map((g) => `/api/cadastre/parcelle?geom=${encodeURIComponent(g)}`),
      conditions: [],
      geoms,
      limit: 1000,
    });
  }
  if (year) {
    const rpgPoints = await db.query<{ g: string }>(
      `SELECT ST_AsGeoJSON(ST_PointOnSurface(geom), 7) AS g FROM rpg_parcelle WHERE campagne = $1 ORDER BY gid LIMIT 500`,
      [year],
    );
    const geoms = rpgPoints.map((p) => p.g);
    out.push({
      name: `rpg/v2 ${year}, point geom`,
      layer: 'rpg.parcelle',
      paths: geoms.map((g) => `/api/rpg/v2?annee=${year}&geom=${encodeURIComponent(g)}`),
      conditions: [{ column: 'campagne', value: year }],
      geoms,
      limit: 1000,
    });
    // A commune-sized polygon: the median-area commune of the cadastre layer, simplified to < 2,000 vertices.
    const [commune] = await db.query<{ g: string; code: string; n: number }>(
      `SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0002), 7) AS g, code_insee AS code,
              (SELECT count(*)::int FROM rpg_parcelle r WHERE r.campagne = $1 AND ST_Intersects(r.geom, c.geom)) AS n
         FROM cadastre_commune c ORDER BY ST_Area(geom) OFFSET (SELECT count(*) / 2 FROM cadastre_commune) LIMIT 1`,
      [year],
    );
    if (commune) {
      const g = JSON.stringify(JSON.parse(commune.g)); // MultiPolygon as stored
      out.push({
        name: `rpg/v2 ${year}, commune ${commune.code} polygon (${commune.n} parcels, _limit=1000)`,
        layer: 'rpg.parcelle',
        paths: [`/api/rpg/v2?annee=${year}&_limit=1000&geom=${encodeURIComponent(g)}`],
        conditions: [{ column: 'campagne', value: year }],
        geoms: [g],
        limit: 1000,
      });
    }
  }
  return out;
}

/** CPU seconds (user + system) of the given processes, from /proc (Linux). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* a backend that ended */
    }
  }
  return ticks / 100; // USER_HZ
}

/** The PostgreSQL server's processes, when it runs on this machine: their CPU is part of each request. */
function postgresPids(): number[] {
  if (!values['database-url'] || !/@(127\.0\.0\.1|localhost)[:/]/.test(values['database-url'])) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
}

/**
 * CPU milliseconds per request spent by `pids` (and PostgreSQL when local) while `run` goes; with
 * `self`, this process's own CPU too (the driver loop, and PGlite when it runs in here).
 */
async function cpuPerRequest<T>(pids: number[], run: () => Promise<T>, count: (r: T) => number, self = false) {
  const pg0 = cpuSeconds(postgresPids());
  const p0 = cpuSeconds(pids);
  const s0 = process.cpuUsage();
  const r = await run();
  const s = process.cpuUsage(s0);
  const own = self ? (s.user + s.system) / 1e6 : 0;
  const total = cpuSeconds(postgresPids()) - pg0 + cpuSeconds(pids) - p0 + own;
  return { result: r, cpuMs: (total * 1000) / count(r) };
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function direct(db: Database, app: Awaited<ReturnType<typeof buildApp>>, s: Scenario, seconds: number) {
  return cpuPerRequest([], () => directRun(db, app, s, seconds), (r) => r.n, true);
}

async function directRun(db: Database, app: Awaited<ReturnType<typeof buildApp>>, s: Scenario, seconds: number) {
  const layer = app.catalog.get(s.layer);
  const inputs = s.geoms.map((g) => parseGeom(g));
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let i = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const geom = inputs[i++ % inputs.length];
      const t0 = performance.now();
      await queryFeatures(db, layer, { where: s.conditions, geom, start: 0, limit: s.limit });
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / secs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}

type Measure = { rps: number; p50: number; p99: number; errors: number; cpuMs: number };

/** autocannon on `paths`, after a warm-up run of its own (JIT, pools, caches), as a client sees it. */
async function load(paths: string[], serverPid: number): Promise<Measure> {
  let k = 0;
  const run = (seconds: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[k++ % paths.length] }) }],
    });
  await run(warmup);
  // Server-side CPU only (the server and PostgreSQL): autocannon's own CPU is not the service's cost.
  const { result: r, cpuMs } = await cpuPerRequest([serverPid], () => run(duration), (r) => r.requests.total);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors, cpuMs };
}

async function serve(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function main() {
  let db = await openDatabase(dbConfig);
  const list = await scenarios(db);
  await db.close(); // the embedded directory can only be open in one process at a time
  const env = { LOG_LEVEL: 'warn', ...(values['database-url'] ? { DATABASE_URL: values['database-url'], TERROIR_POOL_SIZE: String(connections) } : { TERROIR_DATA_DIR: dbConfig.dataDir }) };

  // 1. Terroir itself, as `terroir serve` runs it.
  let server = await serve(['bin/terroir.js', 'serve', '--port', String(port), '--host', '127.0.0.1'], env);
  const terroir: Record<string, Measure> = {};
  for (const s of list) terroir[s.name] = await load(s.paths, server.pid);
  await server.stop();

  // 2. The floor: a bare node:http server running the same query (bench/bare-http-server.ts).
  const featureScenarios = list.filter((s) => s.layer);
  const file = join(mkdtempSync(join(tmpdir(), 'terroir-bench-')), 'scenarios.json');
  writeFileSync(file, JSON.stringify({ db: dbConfig, scenarios: featureScenarios }));
  server = await serve(['--import', 'tsx', 'bench/bare-http-server.ts', file, String(port)], {});
  const bare: Record<string, Measure> = {};
  for (const [i, s] of featureScenarios.entries()) bare[s.name] = await load(s.geoms.map((_, k) => `/${i}/${k}`), server.pid);
  await server.stop();

  // 3. The same query straight on the database, same concurrency, after a warm-up.
  db = await openDatabase(dbConfig);
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, logger: false });
  console.log(`\nbackend: ${db.backend}; ${connections} connections, ${warmup} s warm-up + ${duration} s per run\n`);
  console.log(
    '| scenario | Terroir req/s | p50 ms | p99 ms | non-2xx | bare node:http req/s | SQL q/s | SQL p50 ms | SQL p99 ms | HTTP share (throughput) | Terroir vs bare | CPU ms/req Terroir / bare / SQL | HTTP share (CPU) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of list) {
    const h = terroir[s.name];
    if (!s.layer) {
      console.log(`| ${s.name} | ${h.rps.toFixed(0)} | ${h.p50} | ${h.p99} | ${h.errors} | – | – | – | – | – | – | ${h.cpuMs.toFixed(3)} / – / – | – |`);
      continue;
    }
    await direct(db, app, s, warmup);
    const { result: d, cpuMs } = await direct(db, app, s, duration);
    const b = bare[s.name];
    const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
    // Throughput: per-request time at the same concurrency is 1/throughput, the load generator
    // sharing the machine included. CPU: what the service (server + database) spends per request
    // through HTTP against the same query from a driver loop, the load generator left out.
    console.log(
      `| ${s.name} | ${h.rps.toFixed(0)} | ${h.p50} | ${h.p99} | ${h.errors} | ${b.rps.toFixed(0)} | ${d.rps.toFixed(0)} | ${d.p50.toFixed(1)} | ${d.p99.toFixed(1)} | ${pct(1 - h.rps / d.rps)} | ${pct(1 - h.rps / b.rps)} | ${h.cpuMs.toFixed(3)} / ${b.cpuMs.toFixed(3)} / ${cpuMs.toFixed(3)} | ${pct(1 - cpuMs / h.cpuMs)} |`,
    );
  }
  await app.close();
  await db.close();
}

await main();
