/**
 * Heavy queries against point queries (issue 11): a quiet phase (4 clients sending point queries)
 * gives the point p99 of a quiet server; then 32 clients send the heaviest valid queries (the
 * département's outline on gpu/all and cadastre, a whole-territory box on rpg/v2) while the same 4
 * point clients go on. Prints the point p50/p99 in both phases, the heavy requests' outcomes
 * (status counts), and the longest request of all against the deadline + 1 s.
 * The service runs as a child process (`terroir serve`), the clients in this one.
 *
 *   node --import tsx bench/heavy.ts --database-url URL [--duration 60] [--quiet 10] [--heavy 32] [--points 4] [--port 3391]
 *
 * `--heavy 0 --points 32` is the point mix alone (32 connections, cadastre and RPG point queries).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    duration: { type: 'string', default: '60' },
    quiet: { type: 'string', default: '10' },
    heavy: { type: 'string', default: '32' },
    points: { type: 'string', default: '4' },
    port: { type: 'string', default: '3391' },
    'deadline-ms': { type: 'string', default: '30000' },
    probe: { type: 'boolean', default: false },
    // The heavy clients send squares of this area (deg²) over the territory instead of the heaviest inputs.
    square: { type: 'string' },
  },
});
const url = values['database-url'];
if (!url) throw new Error('--database-url is required (the département demo on PostgreSQL)');
const port = Number(values.port);
const deadlineMs = Number(values['deadline-ms']);

const c = new pg.Client({ connectionString: url });
await c.connect();
const one = async (sql: string) => (await c.query(sql)).rows;
const [outline] = await one(`SELECT ST_AsGeoJSON(ST_Multi(ST_Buffer(ST_Union(ST_SnapToGrid(geom, 0.0005)), 0)), 6) AS g, ST_NPoints(ST_Union(ST_SnapToGrid(geom, 0.0005))) AS n FROM cadastre_commune`);
const [box] = await one(`SELECT ST_AsGeoJSON(ST_Envelope(ST_Extent(geom)::geometry), 6) AS g FROM rpg_parcelle`);
const [{ annee }] = await one(`SELECT max(campagne) AS annee FROM rpg_parcelle`);
const points = (await one(`SELECT ST_AsGeoJSON(ST_PointOnSurface(geom), 6) AS g FROM cadastre_parcelle TABLESAMPLE SYSTEM (1) LIMIT 200`)).map((r) => r.g as string);
await c.end();
console.log(`heavy inputs: département outline ${outline.n} vertices (${(outline.g.length / 1000).toFixed(0)} KB), RPG box ${box.g}; ${points.length} point inputs`);

const HEAVY = [
  { method: 'POST', path: '/api/gpu/all', body: `{"geom":${outline.g}}` },
  { method: 'POST', path: '/api/cadastre/parcelle', body: `{"geom":${outline.g}}` },
  { method: 'POST', path: `/api/rpg/v2?annee=${annee}`, body: `{"geom":${box.g}}` },
];
if (values.square) {
  // Medium inputs: squares of the given area, at 16 places across the territory's box, on the three routes.
  const b = JSON.parse(box.g).coordinates[0] as number[][];
  const h = Math.sqrt(Number(values.square)) / 2;
  HEAVY.length = 0;
  for (let i = 0; i < 16; i++) {
    const cx = b[0][0] + (b[2][0] - b[0][0]) * (0.2 + 0.6 * ((i % 4) / 3));
    const cy = b[0][1] + (b[2][1] - b[0][1]) * (0.2 + 0.6 * (Math.floor(i / 4) / 3));
    const body = JSON.stringify({ geom: { type: 'Polygon', coordinates: [[[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]]] } });
    HEAVY.push({ method: 'POST', path: ['/api/cadastre/parcelle', '/api/gpu/all', `/api/rpg/v2?annee=${annee}`][i % 3], body });
  }
  console.log(`heavy clients send squares of ${values.square} deg² (16 places, 3 routes)`);
}
let k = 0;
const point = () => {
  const g = encodeURIComponent(points[k++ % points.length]);
  return k % 2 ? { method: 'GET', path: `/api/cadastre/parcelle?geom=${g}` } : { method: 'GET', path: `/api/rpg/v2?annee=${annee}&geom=${g}` };
};

const server = spawn(process.execPath, ['bin/terroir.js', 'serve'], {
  env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', TERROIR_DEMO: 'off', LOG_LEVEL: 'error', TERROIR_DEADLINE_MS: String(deadlineMs), TERROIR_RATE_LIMIT_ANONYMOUS: 'unlimited' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
// A server already on the port would answer /readyz in its place: the child's exit stops the bench.
let exited = false;
server.on('exit', () => (exited = true));
for (let i = 0; ; i++) {
  if (exited) throw new Error(`terroir serve exited before it was ready (port ${port} in use?)`);
  const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
  if (ok) break;
  if (i > 600) throw new Error('service did not start');
  await sleep(200);
}

interface Result { status: number; ms: number }
function send(agent: Agent, r: { method: string; path: string; body?: string }): Promise<Result> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: -1, ms: performance.now() - t0 }));
    req.end(r.body);
  });
}

async function clients(n: number, seconds: number, next: () => { method: string; path: string; body?: string }, out: Result[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: n });
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: n }, async () => {
    while (performance.now() < end) out.push(await send(agent, next()));
  }));
  agent.destroy();
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const statuses = (rs: Result[]) => Object.fromEntries([...rs.reduce((m, r) => m.set(r.status, (m.get(r.status) ?? 0) + 1), new Map<number, number>())].sort((a, b) => a[0] - b[0]));

/**
 * `--probe`: what a geometry's size costs, one request at a time on the quiet server, for the
 * heavy-lane thresholds (src/geo/geom-param.ts HEAVY): squares of growing area at the territory's
 * centre, then polygons of growing vertex count over a fixed small area (0.001 deg²).
 */
if (values.probe) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const b = JSON.parse(box.g).coordinates[0] as number[][];
  const cx = (b[0][0] + b[2][0]) / 2;
  const cy = (b[0][1] + b[2][1]) / 2;
  const routes = [`/api/cadastre/parcelle`, `/api/gpu/all`, `/api/rpg/v2?annee=${annee}`];
  const probe = async (label: string, geom: unknown) => {
    const body = JSON.stringify({ geom });
    const cells: string[] = [];
    for (const path of routes) {
      const r = await send(agent, { method: 'POST', path, body });
      cells.push(`${path.replace(/\?.*/, '').replace('/api/', '')} ${r.status} ${r.ms.toFixed(0)} ms`);
    }
    console.log(`probe ${label.padEnd(28)} ${cells.join(' | ')}`);
  };
  for (const area of [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2]) {
    const h = Math.sqrt(area) / 2;
    await probe(`square ${area} deg²`, { type: 'Polygon', coordinates: [[[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]]] });
  }
  const r = Math.sqrt(0.001 / Math.PI);
  for (const n of [500, 1000, 2000, 5000, 20000, 49000]) {
    const ring = Array.from({ length: n }, (_, i) => [cx + r * Math.cos((2 * Math.PI * i) / n), cy + r * Math.sin((2 * Math.PI * i) / n)].map((v) => Math.round(v * 1e7) / 1e7));
    ring.push(ring[0]);
    await probe(`circle 0.001 deg², ${n} vertices`, { type: 'Polygon', coordinates: [ring] });
  }
  agent.destroy();
  server.kill('SIGTERM');
  process.exit(0);
}

const nPoints = Number(values.points);
const quiet: Result[] = [];
await clients(nPoints, Number(values.quiet), point, quiet);
console.log(`quiet: ${nPoints} point clients ${values.quiet} s: ${quiet.length} requests, p50 ${pct(quiet.map((r) => r.ms), 50).toFixed(1)} ms, p99 ${pct(quiet.map((r) => r.ms), 99).toFixed(1)} ms, statuses ${JSON.stringify(statuses(quiet))}`);

const heavyOut: Result[] = [];
const loaded: Result[] = [];
let h = 0;
await Promise.all([
  clients(Number(values.heavy), Number(values.duration), () => HEAVY[h++ % HEAVY.length], heavyOut),
  clients(nPoints, Number(values.duration), point, loaded),
]);
const p99q = pct(quiet.map((r) => r.ms), 99);
const p99l = pct(loaded.map((r) => r.ms), 99);
console.log(`loaded: ${values.heavy} heavy clients + ${nPoints} point clients ${values.duration} s`);
console.log(`  point: ${loaded.length} requests, p50 ${pct(loaded.map((r) => r.ms), 50).toFixed(1)} ms, p99 ${p99l.toFixed(1)} ms (${(p99l / p99q).toFixed(1)}× quiet), max ${Math.max(...loaded.map((r) => r.ms)).toFixed(0)} ms, statuses ${JSON.stringify(statuses(loaded))}`);
if (heavyOut.length) console.log(`  heavy: ${heavyOut.length} requests, statuses ${JSON.stringify(statuses(heavyOut))}, p50 ${pct(heavyOut.map((r) => r.ms), 50).toFixed(0)} ms, max ${Math.max(...heavyOut.map((r) => r.ms)).toFixed(0)} ms`);
const longest = Math.max(...heavyOut.map((r) => r.ms), ...loaded.map((r) => r.ms));
console.log(`  longest request ${longest.toFixed(0)} ms; deadline + 1 s = ${deadlineMs + 1000} ms: ${longest <= deadlineMs + 1000 ? 'within' : 'EXCEEDED'}`);
server.kill('SIGTERM');
