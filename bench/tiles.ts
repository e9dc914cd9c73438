/**
 * Vector tiles: requests/s, p50/p99 and bytes at z10 (cadastre communes), z13 and z15 (RPG
 * parcels of the latest campaign), cold (the same tile asked again and encoded again every time:
 * Terroir keeps no tile cache) and with If-None-Match (a 304 decided before any database work).
 *
 * On PostgreSQL, in the same run and tile by tile: Terroir with each worker count of `--workers`
 * (TERROIR_WORKERS), a bare node:http server doing the same encodeTile (bench/bare-tile-server.ts:
 * what one Node process reaches), and the floor, the tile's ST_AsMVT statement straight on the server
 * through pgbench at the same concurrency. On PGlite, Terroir, then the same selection and encoding
 * (encodeTile) back to back in this process once the server is stopped.
 *
 *   node --import tsx bench/tiles.ts --database-url URL [--workers 1,2] | --data-dir DIR
 *   options: --connections 8 --duration 5 --warmup 1 --port 3392 (the next ports for the other servers)
 *            --zooms 10,13,15 (which of the three tiles) --rounds 1 (PostgreSQL: the whole interleaved series
 *            again; on a shared machine the load moves between measures, so each row gives the median of
 *            the rounds' ratios, each round's HTTP figure divided by the floor measured in that round)
 */
import { openDatabase } from '../src/db/open.ts';
import { buildCatalog } from '../src/modules/index.ts';
import { Collections } from '../src/ogc/collections.ts';
import { encodeTile, mvtSql } from '../src/tiles/encode.ts';
import { benchArgs, fmt, hammer, inProcess, pgbench, serve, serveScript, type Figures } from './ogc-common.ts';

const { values, more, opts, url, workers } = benchArgs(3392, { zooms: { type: 'string', default: '10,13,15' }, rounds: { type: 'string', default: '1' } });
const zooms = new Set(more.zooms.split(',').map(Number));
const rounds = Number(more.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || (!url && rounds > 1)) throw new Error('--rounds: a whole number from 1, above 1 on PostgreSQL only');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

interface Server {
  name: string;
  root: string;
  /** Terroir answers If-None-Match; the bare server has no ETag. */
  etags: boolean;
  stop(): Promise<void>;
}

const port = Number(values.port);
const servers: Server[] = [];
const stopAll = () => Promise.all(servers.splice(0).map((s) => s.stop()));
try {
  for (const [i, w] of workers.entries()) {
    const s = await serve({ databaseUrl: url, dataDir: values['data-dir'], port: port + i, workers: w });
    servers.push({ name: `Terroir, ${w} worker${w > 1 ? 's' : ''}`, root: `http://127.0.0.1:${port + i}`, etags: true, stop: s.stop });
  }
  if (url) {
    const p = port + workers.length;
    const s = await serveScript('bench/bare-tile-server.ts', [url, String(p)], p);
    servers.push({ name: 'bare node:http, 1 process', root: `http://127.0.0.1:${p}`, etags: false, stop: s.stop });
  }
  const list = (await (await fetch(`${servers[0].root}/ogc/collections`)).json()) as { collections: { id: string; extent: { spatial: { bbox: number[][] } } }[] };
  const rpg = list.collections.find((c) => c.id.startsWith('rpg-parcelle-'))!;
  const [x0, y0, x1, y1] = rpg.extent.spatial.bbox[0];
  const [lon, lat] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const tiles = [
    { collection: 'cadastre-commune', ...tileOf(lon, lat, 10) },
    { collection: rpg.id, ...tileOf(lon, lat, 13) },
    { collection: rpg.id, ...tileOf(lon, lat, 15) },
  ].filter((t) => zooms.has(t.z));
  const pg = url ? await openDatabase({ databaseUrl: url, dataDir: './data', poolSize: 2, statementTimeoutMs: 60_000 }) : null;
  // rows[tile][server][round], floors[tile][round]
  const rows = tiles.map(() => servers.map(() => [] as { cold: Figures; revalidated: Figures | null }[]));
  const floors = tiles.map(() => [] as Figures[]);
  for (let round = 0; round < rounds; round++) {
    for (const [k, t] of tiles.entries()) {
      for (const [i, s] of servers.entries()) {
        const path = `${s.root}/tiles/${t.collection}/${t.z}/${t.x}/${t.y}.mvt`;
        const etag = (await fetch(path)).headers.get('etag') ?? '';
        const cold = await hammer(path, opts);
        const revalidated = s.etags ? await hammer(path, opts, { 'if-none-match': etag }, 304) : null;
        rows[k][i].push({ cold, revalidated });
      }
      // The floor right after the HTTP measures of the same tile.
      if (pg) {
        const { sql, params } = mvtSql(await new Collections(pg, buildCatalog()).get(t.collection, null), t);
        floors[k].push(await pgbench(url!, sql, params.values, opts));
      }
    }
  }
  await pg?.close();
  if (!url) {
    await stopAll();
    const db = await openDatabase({ dataDir: values['data-dir'] ?? './data', poolSize: 1, statementTimeoutMs: 60_000 });
    const collections = new Collections(db, buildCatalog());
    for (const [k, t] of tiles.entries()) floors[k].push(await inProcess(async () => encodeTile(db, await collections.get(t.collection, null), t), opts));
    await db.close();
  }
  console.log(`\nbackend: ${url ? 'PostgreSQL' : 'PGlite'}; ${opts.connections} connections, ${opts.duration} s each after ${opts.warmup} s warm-up; ${rounds} round${rounds > 1 ? 's (medians)' : ''}`);
  console.log(`| tile | server | encoded: req/s | p50 / p99 ms | bytes | If-None-Match (304): req/s | p50 / p99 ms | ${url ? 'ST_AsMVT straight (pgbench)' : 'encodeTile in process'} q/s | HTTP / floor |`);
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [k, t] of tiles.entries()) {
    for (const [i, s] of servers.entries()) {
      const runs = rows[k][i];
      const m = (f: (r: (typeof runs)[number]) => number | undefined) => median(runs.map((r) => f(r) ?? NaN));
      const floor = median(floors[k].map((f) => f.rps));
      const ratio = median(runs.map((r, n) => r.cold.rps / floors[k][Math.min(n, floors[k].length - 1)].rps));
      const spread = runs.length > 1 ? ` (${runs.map((r, n) => (r.cold.rps / floors[k][Math.min(n, floors[k].length - 1)].rps).toFixed(2)).join(', ')})` : '';
      const r304 = s.etags ? `${fmt(m((r) => r.revalidated?.rps))} | ${m((r) => r.revalidated?.p50)} / ${m((r) => r.revalidated?.p99)}` : '– | –';
      console.log(`| ${t.collection} z${t.z}/${t.x}/${t.y} | ${s.name} | ${fmt(m((r) => r.cold.rps))} | ${m((r) => r.cold.p50)} / ${m((r) => r.cold.p99)} | ${fmt(m((r) => r.cold.bytes))} | ${r304} | ${fmt(floor)} | ${ratio.toFixed(2)}${spread} |`);
    }
  }
} finally {
  await stopAll();
}
