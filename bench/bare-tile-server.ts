/**
 * The reference under bench/tiles.ts: a bare `node:http` server (no framework, no hooks, no access
 * rules, no ETag) answering `/tiles/{collection}/{z}/{x}/{y}.mvt` with the very same `encodeTile`
 * through the same kind of pool as Terroir. Its requests/s is what one Node process with node-postgres
 * reaches on this machine for a tile; the gap to Terroir is what Terroir's own per-request work costs.
 *
 *   node --import tsx bench/bare-tile-server.ts DATABASE_URL PORT
 */
import http from 'node:http';
import { openDatabase } from '../src/db/open.ts';
import { buildCatalog } from '../src/modules/index.ts';
import { Collections } from '../src/ogc/collections.ts';
import { encodeTile } from '../src/tiles/encode.ts';

const [databaseUrl, port] = process.argv.slice(2);
// The pool Terroir opens by default (TERROIR_POOL_SIZE 10).
const db = await openDatabase({ databaseUrl, dataDir: './data', poolSize: 10, statementTimeoutMs: 60_000 });
const collections = new Collections(db, buildCatalog());

const server = http.createServer((req, res) => {
  if (req.url === '/readyz') return void res.end('ok');
  const m = /^\/tiles\/([^/]+)\/(\d+)\/(\d+)\/(\d+)\.mvt$/.exec(req.url ?? '');
  if (!m) return void res.writeHead(404).end();
  const [, id, z, x, y] = m;
  collections
    .get(id, null)
    .then((c) => encodeTile(db, c, { z: Number(z), x: Number(x), y: Number(y) }))
    .then(
      (mvt) => {
        if (!mvt) return void res.writeHead(204).end();
        res.writeHead(200, { 'content-type': 'application/vnd.mapbox-vector-tile', 'content-length': mvt.byteLength });
        res.end(mvt);
      },
      (e: Error) => void res.writeHead(500).end(e.message),
    );
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  void db.close().then(() => process.exit(0));
});
