/**
 * HTTP speed of the feature routes, and what the HTTP layer costs on top of the database.
 *
 *   node --import tsx bench/http.ts --data-dir DIR            # embedded backend, a loaded data dir
 *   node --import tsx bench/http.ts --database-url URL        # PostgreSQL backend
 *   options: --connections 32 --duration 10 --annee 2023
 *
 * For each scenario it runs autocannon against a real `terroir serve` child process (requests/s,
 * p50/p99 latency), then runs the very same generic feature query (src/features/query.ts with the
 * route's layer descriptor and conditions) straight on the database with the same concurrency, and
 * prints the share of the HTTP layer in the total time per request. Inputs are drawn from the data
 * itself: points on parcels, and a real commune polygon. Build a département-sized base first:
 *   terroir demo --size departement --data-dir DIR   (see docs/demo.md)
 */
import { spawn } from 'node:child_process';
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
    annee: { type: 'string' },
    port: { type: 'string', default: '3390' },
  },
});
const connections = Number(values.connections);
const duration = Number(values.duration);
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
      conditions: [{ sql: 't.campagne', value: year }],
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
        conditions: [{ sql: 't.campagne', value: year }],
        geoms: [g],
        limit: 1000,
      });
    }
  }
  return out;
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function direct(db: Database, app: Awaited<ReturnType<typeof buildApp>>, s: Scenario) {
  const layer = app.catalog.get(s.layer);
  const inputs = s.geoms.map((g) => parseGeom(g));
  const latencies: number[] = [];
  const end = performance.now() + duration * 1000;
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
  return { rps: latencies.length / secs, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main() {
  let db = await openDatabase(dbConfig);
  const list = await scenarios(db);
  await db.close(); // the embedded directory can only be open in one process at a time
  const env = { ...process.env, LOG_LEVEL: 'warn', ...(values['database-url'] ? { DATABASE_URL: values['database-url'], TERROIR_POOL_SIZE: String(connections) } : { TERROIR_DATA_DIR: dbConfig.dataDir }) };
  const server = spawn(process.execPath, ['bin/terroir.js', 'serve', '--port', String(port), '--host', '127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const http: Record<string, { rps: number; p50: number; p99: number; errors: number }> = {};
  for (const s of list) {
    let k = 0;
    const r = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: s.paths[k++ % s.paths.length] }) }],
    });
    http[s.name] = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors };
  }
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));

  db = await openDatabase(dbConfig);
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, logger: false });
  const backend = db.backend;
  console.log(`\nbackend: ${backend}; ${connections} connections, ${duration} s per run\n`);
  console.log('| scenario | HTTP req/s | HTTP p50 ms | HTTP p99 ms | non-2xx | SQL q/s | SQL p50 ms | SQL p99 ms | HTTP share |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of list) {
    const h = http[s.name];
    if (!s.layer) {
      console.log(`| ${s.name} | ${h.rps.toFixed(0)} | ${h.p50} | ${h.p99} | ${h.errors} | – | – | – | – |`);
      continue;
    }
    const d = await direct(db, app, s);
    // Per-request time at the same concurrency is 1/throughput: the HTTP layer's share of it.
    const share = 1 - h.rps / d.rps;
    console.log(
      `| ${s.name} | ${h.rps.toFixed(0)} | ${h.p50} | ${h.p99} | ${h.errors} | ${d.rps.toFixed(0)} | ${d.p50.toFixed(1)} | ${d.p99.toFixed(1)} | ${(share * 100).toFixed(0)} % |`,
    );
  }
  await app.close();
  await db.close();
}

await main();
