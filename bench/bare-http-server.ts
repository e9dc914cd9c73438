/**
 * The floor under bench/http.ts: a bare `node:http` server (no framework, no validation, no hooks)
 * that runs the very same generic feature query and envelope as Terroir for the scenarios it is
 * given. Its requests/s is what any Node HTTP front can reach on this machine; the gap between it
 * and Terroir is what Fastify, validation and Terroir's own per-request work cost.
 *
 *   node --import tsx bench/bare-http-server.ts SCENARIOS.json PORT
 *   SCENARIOS.json: { db: {...openDatabase config}, scenarios: [{ layer, conditions, geoms, limit }] }
 *   GET /<scenario index>/<geom index> answers the FeatureCollection.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { openDatabase } from '../src/db/open.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { queryFeatures, type Condition } from '../src/features/query.ts';
import { parseGeom } from '../src/geo/geom-param.ts';
import { featureCollection } from '../src/features/feature-collection.ts';

interface BareScenario {
  layer: string;
  conditions: Condition[];
  geoms: string[];
  limit: number;
}

const [file, port] = process.argv.slice(2);
const { db: dbConfig, scenarios } = JSON.parse(readFileSync(file, 'utf8')) as { db: Parameters<typeof openDatabase>[0]; scenarios: BareScenario[] };
const db = await openDatabase(dbConfig);
// Only for its layer catalogue: the descriptors the routes use.
const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, logger: false });
const layers = scenarios.map((s) => app.catalog.get(s.layer));

const server = http.createServer((req, res) => {
  const [, i, k] = (req.url ?? '').split('/').map(Number);
  const s = scenarios[i];
  if (req.url === '/readyz') return void res.end('ok');
  // The geometry text is parsed per request, as a route does with its query string.
  const geom = parseGeom(s.geoms[k % s.geoms.length]);
  queryFeatures(db, layers[i], { where: s.conditions, geom, start: 0, limit: s.limit }).then(
    (page) => {
      const body = featureCollection(page, []);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    (e: Error) => {
      res.writeHead(500).end(e.message);
    },
  );
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  void app.close().then(() => db.close()).then(() => process.exit(0));
});
