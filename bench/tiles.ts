/**
 * Vector tiles: requests/s, p50/p99 and bytes at z10 (cadastre communes), z13 and z15 (RPG
 * parcels of the latest campaign), cold (a new ETag every time is not possible: the same tile is
 * asked again, encoded again, since Terroir keeps no tile cache) and with If-None-Match (a 304
 * decided before any database work). On PostgreSQL the tile's ST_AsMVT statement also runs straight
 * on the server through pgbench at the same concurrency; on PGlite the same selection and encoding
 * (encodeTile) run back to back in this process once the server is stopped.
 *
 *   node --import tsx bench/tiles.ts --database-url URL | --data-dir DIR
 *   options: --connections 8 --duration 5 --warmup 1 --port 3392
 */
import { openDatabase } from '../src/db/open.ts';
import { buildCatalog } from '../src/modules/index.ts';
import { Collections } from '../src/ogc/collections.ts';
import { encodeTile, mvtSql } from '../src/tiles/encode.ts';
import { benchArgs, fmt, hammer, inProcess, pgbench, serve, type Figures } from './ogc-common.ts';

const { values, opts, url } = benchArgs(3392);

function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

const server = await serve({ databaseUrl: url, dataDir: values['data-dir'], port: Number(values.port) });
let stopped = false;
const stop = async () => {
  if (!stopped) await server.stop();
  stopped = true;
};
const root = `http://127.0.0.1:${values.port}`;
try {
  const list = (await (await fetch(`${root}/ogc/collections`)).json()) as { collections: { id: string; extent: { spatial: { bbox: number[][] } } }[] };
  const rpg = list.collections.find((c) => c.id.startsWith('rpg-parcelle-'))!;
  const [x0, y0, x1, y1] = rpg.extent.spatial.bbox[0];
  const [lon, lat] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const tiles = [
    { collection: 'cadastre-commune', ...tileOf(lon, lat, 10) },
    { collection: rpg.id, ...tileOf(lon, lat, 13) },
    { collection: rpg.id, ...tileOf(lon, lat, 15) },
  ];
  // The floor: on PostgreSQL the tile's ST_AsMVT statement through pgbench at the same concurrency,
  // right after the HTTP measures; on PGlite the same selection and encoding (encodeTile) back to back
  // in this process, once the server is stopped (one process owns a data directory).
  const pg = url ? await openDatabase({ databaseUrl: url, dataDir: './data', poolSize: 2, statementTimeoutMs: 60_000 }) : null;
  const rows: [string, Figures, Figures, Figures | null][] = [];
  for (const t of tiles) {
    const path = `${root}/tiles/${t.collection}/${t.z}/${t.x}/${t.y}.mvt`;
    const first = await fetch(path);
    const etag = first.headers.get('etag') ?? '';
    const cold = await hammer(path, opts);
    const revalidated = await hammer(path, opts, { 'if-none-match': etag }, 304);
    let reference: Figures | null = null;
    if (pg) {
      const { sql, params } = mvtSql(await new Collections(pg, buildCatalog()).get(t.collection, null), t);
      reference = await pgbench(url!, sql, params.values, opts);
    }
    rows.push([`${t.collection} z${t.z}/${t.x}/${t.y}`, cold, revalidated, reference]);
  }
  await pg?.close();
  if (!url) {
    await stop();
    const db = await openDatabase({ dataDir: values['data-dir'] ?? './data', poolSize: 1, statementTimeoutMs: 60_000 });
    const collections = new Collections(db, buildCatalog());
    for (const [i, t] of tiles.entries()) {
      const c = await collections.get(t.collection, null);
      rows[i][3] = await inProcess(() => encodeTile(db, c, t), opts);
    }
    await db.close();
  }
  console.log(`\nbackend: ${url ? 'PostgreSQL' : 'PGlite'}; ${opts.connections} connections, ${opts.duration} s each after ${opts.warmup} s warm-up (machine shared)`);
  console.log(`| tile | encoded: req/s | p50 / p99 ms | bytes | If-None-Match (304): req/s | p50 / p99 ms | ${url ? 'ST_AsMVT straight (pgbench)' : 'encodeTile in process'} q/s | HTTP / floor |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, c, r, ref] of rows) {
    console.log(`| ${name} | ${fmt(c.rps)} | ${c.p50} / ${c.p99} | ${fmt(c.bytes)} | ${fmt(r.rps)} | ${r.p50} / ${r.p99} | ${ref ? fmt(ref.rps) : 'n/a'} | ${ref ? (c.rps / ref.rps).toFixed(2) : 'n/a'} |`);
  }
} finally {
  await stop();
}
