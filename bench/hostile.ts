/**
 * A hostile-input run against every route (issue 11): numbers out of range (±Infinity, 1e19, 1e309,
 * NaN), NUL and invalid percent-encoding in the query and the path, JSON nested 5,000 deep,
 * oversized and malformed geometries, unknown parameters and methods, forged Host, X-Forwarded-*
 * and X-Request-Id headers, malformed bodies. Every route of the OpenAPI document is taken, each of
 * its parameters given each hostile value, in turn, then random mixes until the count is reached.
 * Prints the status counts and every answer >= 500 (the goal is none), and the error answers that
 * are not problem+json.
 *
 *   node --import tsx bench/hostile.ts --database-url URL [--requests 20000] [--concurrency 16]
 *   node --import tsx bench/hostile.ts --data-dir DIR
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { openMigrated } from '../src/db/open.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: '11' },
  },
});
const TOTAL = Number(values.requests);
let seed = Number(values.seed);
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];

const deep = (n: number) => '{"type":'.repeat(n) + '1' + '}'.repeat(n);
const ring = (n: number) => {
  const r: number[][] = [];
  for (let i = 0; i < n - 1; i++) r.push([-4.35 + 0.01 * Math.cos(i), 47.82 + 0.01 * Math.sin(i)]);
  r.push(r[0]);
  return r;
};
const GEOMS = [
  '{"type":"Point","coordinates":[Infinity,47]}',
  '{"type":"Point","coordinates":[1e309,47]}',
  '{"type":"Point","coordinates":[-4.35]}',
  '{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}',
  '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}',
  '{"type":"GeometryCollection","geometries":[]}',
  `{"type":${deep(5000)},"coordinates":[0,0]}`,
  '{"type":"Point","coordinates":[0,0]', // unterminated
  '{"type":"Point","coordinates":"0,0"}',
  '{"type":"Point","coordinates":[0,0],"crs":{"type":"name","properties":{"name":"EPSG:2154"}}}',
  `{"type":"Polygon","coordinates":[${JSON.stringify(ring(60_000))}]}`,
  '{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}',
  '{"type":"Point","coordinates":[-4.35,47.82],"__proto__":{"x":1}}',
  'null', '[]', '"Point"', '\u0000',
];
const NUMBERS = ['Infinity', '-Infinity', '1e19', '-1e19', '1e309', 'NaN', '-1', '0', '2147483648', '9007199254740993', '1.5', '0x10', ' 1', '1e-400'];
const STRINGS = ['%00', 'a%00b', '%FF', '%C3', '%', '..%2F..%2Fetc%2Fpasswd', "'; DROP TABLE x; --", 'x'.repeat(5000), '%E2%80%AE', '*', '%25', '[]', 'true'];
const PATH_VALUES = ['%00', '%FF', '..', '%2e%2e%2f', 'x'.repeat(300), '%20', '-1', 'Infinity', '1e309', "'", '%C0%AE'];
const HEADER_SETS: Record<string, string>[] = [
  { host: 'bad host^' },
  { host: '' },
  { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' },
  { 'x-forwarded-host': 'bad host^' },
  { 'x-forwarded-for': 'not-an-ip, 999.1.1.1' },
  { 'x-request-id': 'x'.repeat(5000) },
  { 'x-request-id': 'a\tb' },
  { authorization: 'Bearer trr_aaaaaaaa_' + 'z'.repeat(40) },
  { authorization: 'Basic %%%' },
  { origin: 'null', 'access-control-request-method': 'DELETE' },
  { accept: 'text/csv' },
  { 'accept-encoding': 'br;q=abc' },
  { 'content-type': 'application/json; charset=latin1' },
];
const BODIES = ['{', '{"geom":' + deep(5000) + '}', '[]', 'null', '{"geom":{"type":"Point","coordinates":[0,0]},"_start":1e19}', '{"_limit":1e400}', '{"x":"\\u0000"}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '"text"', 'x'.repeat(1000)];

interface Route { method: string; path: string; query: Record<string, string>; body: Record<string, string> }

function routesOf(doc: { paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema?: { type?: string } }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string }> } }> } }>> }): Route[] {
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const query: Record<string, string> = {};
      for (const p of op.parameters ?? []) if (p.in === 'query') query[p.name] = p.schema?.type ?? 'string';
      const body: Record<string, string> = {};
      for (const [k, s] of Object.entries(op.requestBody?.content?.['application/json']?.schema?.properties ?? {})) body[k] = s.type ?? 'string';
      out.push({ method: method.toUpperCase(), path, query, body });
    }
  }
  out.push({ method: 'GET', path: '/healthz', query: {}, body: {} }, { method: 'GET', path: '/readyz', query: {}, body: {} }, { method: 'GET', path: '/api/doc/{file}', query: {}, body: {} });
  return out;
}

const SAMPLE_PATH: Record<string, string> = { codePostal: '29760', id: 'rpg.parcelle:2023', file: 'rpg.json', collectionId: 'cadastre.parcelle', featureId: '1', z: '12', x: '2000', y: '1400' };
const fill = (path: string, hostile?: string) => path.replace(/\{(\w+)\}/g, (_, n) => hostile ?? SAMPLE_PATH[n] ?? '1');
const qs = (q: Record<string, string>) => Object.entries(q).map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');

interface Req { method: string; url: string; headers: Record<string, string>; body?: string }

function* requests(routes: Route[]): Generator<Req> {
  const valid: Record<string, string> = { annee: '2023', geom: encodeURIComponent('{"type":"Point","coordinates":[-4.35,47.82]}'), code_insee: '29158' };
  // Systematic: each parameter of each route, each hostile value of its kind.
  for (const r of routes) {
    const base = Object.fromEntries(Object.keys(r.query).filter((k) => k in valid).map((k) => [k, valid[k]]));
    for (const [name, type] of Object.entries(r.query)) {
      const vals = name === 'geom' ? GEOMS.map(encodeURIComponent) : type === 'integer' || type === 'number' ? NUMBERS.map(encodeURIComponent) : STRINGS;
      for (const v of vals) yield { method: r.method === 'POST' ? 'GET' : r.method, url: `${fill(r.path)}?${qs({ ...base, [name]: v })}`, headers: {} };
    }
    for (const v of PATH_VALUES) if (r.path.includes('{')) yield { method: r.method, url: fill(r.path, v), headers: {} };
    if (r.method === 'POST') {
      for (const [name, type] of Object.entries(r.body)) {
        const vals = name === 'geom' ? GEOMS : type === 'integer' || type === 'number' ? ['1e19', '1e400', '-1e400', '1.5', '"1"', 'null', '[1]'] : ['"\\u0000"', '"' + 'x'.repeat(5000) + '"', '{}', '[]', '1e400', 'null'];
        for (const v of vals) yield { method: 'POST', url: fill(r.path), headers: { 'content-type': 'application/json' }, body: `{"${name}":${v}}` };
      }
      for (const b of BODIES) yield { method: 'POST', url: fill(r.path), headers: { 'content-type': 'application/json' }, body: b };
    }
    for (const h of HEADER_SETS) yield { method: r.method, url: `${fill(r.path)}?${qs(base)}`, headers: h };
    for (const m of ['DELETE', 'PUT', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND']) yield { method: m, url: fill(r.path), headers: {} };
    yield { method: r.method, url: `${fill(r.path)}?inconnu=1&${qs(base)}`, headers: {} };
  }
  // Random mixes until the count is reached.
  for (;;) {
    const r = pick(routes);
    const q: Record<string, string> = {};
    for (const [name, type] of Object.entries(r.query)) {
      if (rnd() < 0.5) continue;
      q[name] = name === 'geom' ? encodeURIComponent(pick(GEOMS)) : type === 'integer' || type === 'number' ? encodeURIComponent(pick(NUMBERS)) : pick(STRINGS);
    }
    const headers = rnd() < 0.3 ? { ...pick(HEADER_SETS) } : {};
    const post = r.method === 'POST' && rnd() < 0.5;
    yield {
      method: post ? 'POST' : r.method === 'POST' ? 'GET' : r.method,
      url: `${fill(r.path, rnd() < 0.2 ? pick(PATH_VALUES) : undefined)}?${qs(q)}`,
      headers: post ? { 'content-type': 'application/json', ...headers } : headers,
      body: post ? pick(BODIES.concat(GEOMS.map((g) => `{"geom":${g}}`))) : undefined,
    };
  }
}

function send(agent: Agent, port: number, r: Req): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
    let req;
    try {
      req = request({ agent, host: '127.0.0.1', port, method: r.method, path: r.url, headers, setHost: !('host' in headers) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => body.length < 2000 && (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
        res.on('error', () => resolve({ status: -1, type: '', body: '' }));
      });
    } catch (e) {
      return resolve({ status: -2, type: '', body: (e as Error).message }); // refused by the client library itself
    }
    req.on('error', (e) => resolve({ status: -1, type: '', body: e.message }));
    req.setTimeout(60_000, () => req.destroy());
    req.end(r.body);
  });
}

const config = loadConfig({ LOG_LEVEL: 'silent', ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : { TERROIR_DATA_DIR: values['data-dir'] ?? './data' }) });
const { db } = await openMigrated(config);
const app = await buildApp({ config, db, logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;
const routes = routesOf(app.swagger() as never);
const agent = new Agent({ keepAlive: true, maxSockets: Number(values.concurrency) });
const counts = new Map<number, number>();
const fivexx: string[] = [];
const notProblem: string[] = [];
const gen = requests(routes);
let sent = 0;
const t0 = performance.now();
async function worker() {
  for (;;) {
    if (sent >= TOTAL) return;
    sent++;
    const r = gen.next().value as Req;
    const res = await send(agent, port, r);
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    if (res.status >= 500) fivexx.push(`${res.status} ${r.method} ${r.url.slice(0, 160)} ${JSON.stringify(r.headers).slice(0, 100)} ${(r.body ?? '').slice(0, 80)} → ${res.body.slice(0, 200)}`);
    else if (res.status >= 400 && !res.type.startsWith('application/problem+json') && r.method !== 'HEAD') notProblem.push(`${res.status} ${r.method} ${r.url.slice(0, 120)} ${res.type}`);
  }
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
const s = (performance.now() - t0) / 1000;
console.log(`${sent} hostile requests over ${routes.length} routes in ${s.toFixed(1)} s (${db.backend})`);
console.log('status counts:', Object.fromEntries([...counts.entries()].sort((a, b) => a[0] - b[0])));
console.log(`responses >= 500: ${fivexx.length}`);
for (const l of fivexx.slice(0, 30)) console.log('  ' + l);
console.log(`error answers not problem+json: ${notProblem.length}`);
for (const l of [...new Set(notProblem)].slice(0, 20)) console.log('  ' + l);
agent.destroy();
await app.close();
await db.close();
