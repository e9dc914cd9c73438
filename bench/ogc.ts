/**
 * OGC API – Features items pages: requests/s, p50/p99 latency and bytes per answer, for the first
 * page (limit 1000) of an RPG campaign and of the cadastre parcels, and for the 50th page of the
 * cadastre parcels reached by cursor (keyset paging: it should cost what the first does). On
 * PostgreSQL the same page's SQL, wrapped in json_agg so that the database builds the whole page, runs
 * straight on the server through pgbench at the same concurrency: the floor the HTTP service is
 * compared with. On PGlite the floor is the same statement back to back in this process (the server
 * stopped first: one process owns a data directory).
 *
 *   node --import tsx bench/ogc.ts --database-url URL      # PostgreSQL (pgbench reference too)
 *   node --import tsx bench/ogc.ts --data-dir DIR          # embedded backend
 *   options: --connections 8 --duration 5 --warmup 1 --port 3391
 *
 * Load data first: `terroir demo --size departement` (or `--communes N`) on that database.
 */
import { openDatabase } from '../src/db/open.ts';
import type { Database } from '../src/db/database.ts';
import { buildCatalog } from '../src/modules/index.ts';
import { Collections } from '../src/ogc/collections.ts';
import { itemsRequest, pageSql } from '../src/ogc/items.ts';
import { benchArgs, fmt, inProcess, pgbench, serve, hammer, type Figures } from './ogc-common.ts';

const { values, opts, url } = benchArgs(3391);

const server = await serve({ databaseUrl: url, dataDir: values['data-dir'], port: Number(values.port) });
let stopped = false;
const stop = async () => {
  if (!stopped) await server.stop();
  stopped = true;
};
const base = `http://127.0.0.1:${values.port}/ogc`;
try {
  const list = (await (await fetch(`${base}/collections`)).json()) as { collections: { id: string; featureCount: number }[] };
  const rpg = list.collections.find((c) => c.id.startsWith('rpg-parcelle-'))!;
  const cadastre = list.collections.find((c) => c.id === 'cadastre-parcelle')!;
  console.log(`collections: ${rpg.id} ${rpg.featureCount} features, ${cadastre.id} ${cadastre.featureCount} features`);
  // The 50th page of the cadastre by cursor: follow 49 next links once.
  let next = `${base}/collections/cadastre-parcelle/items?limit=1000`;
  for (let i = 1; i < 50; i++) {
    const page = (await (await fetch(next)).json()) as { links: { rel: string; href: string }[] };
    const link = page.links.find((l) => l.rel === 'next');
    if (!link) throw new Error(`the cadastre has fewer than 50 pages of 1000 (page ${i} is the last): load a larger territory`);
    next = link.href;
  }
  const scenarios = [
    { name: `${rpg.id} first page, limit 1000`, path: `/collections/${rpg.id}/items?limit=1000` },
    { name: 'cadastre-parcelle first page, limit 1000', path: '/collections/cadastre-parcelle/items?limit=1000' },
    { name: 'cadastre-parcelle 50th page by cursor', path: next.slice(base.length) },
  ];
  // The floor: the same page built whole by the database (json_agg). On PostgreSQL through pgbench at
  // the same concurrency, right after the HTTP measure; on PGlite back to back in this process, once the
  // server is stopped (one process owns a data directory).
  const floorOf = async (db: Database, path: string) => {
    const u = new URL(`${base}${path}`);
    const c = await new Collections(db, buildCatalog()).get(u.pathname.split('/')[3], null);
    const { sql, params } = pageSql(c, itemsRequest(c, Object.fromEntries(u.searchParams)), 'json');
    return { sql: `SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(p.feature::json))::text FROM (${sql}) p`, values: params.values };
  };
  const rows: [string, Figures, Figures][] = [];
  const pg = url ? await openDatabase({ databaseUrl: url, dataDir: './data', poolSize: 2, statementTimeoutMs: 60_000 }) : null;
  const http: Figures[] = [];
  for (const s of scenarios) {
    http.push(await hammer(`${base}${s.path}`, opts));
    if (pg) {
      const f = await floorOf(pg, s.path);
      rows.push([s.name, http.at(-1)!, await pgbench(url!, f.sql, f.values, opts)]);
    }
  }
  await pg?.close();
  if (!url) {
    await stop();
    const db = await openDatabase({ dataDir: values['data-dir'] ?? './data', poolSize: 1, statementTimeoutMs: 60_000 });
    for (const [i, s] of scenarios.entries()) {
      const f = await floorOf(db, s.path);
      rows.push([s.name, http[i], await inProcess(() => db.query(f.sql, f.values), opts)]);
    }
    await db.close();
  }
  console.log(`\nbackend: ${url ? 'PostgreSQL' : 'PGlite'}; ${opts.connections} connections, ${opts.duration} s each after ${opts.warmup} s warm-up (machine shared)`);
  console.log(`| page | HTTP req/s | p50 / p99 ms | bytes | same SQL straight (${url ? 'pgbench' : 'in process'}) q/s | HTTP / SQL |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, h, r] of rows) {
    console.log(`| ${name} | ${fmt(h.rps)} | ${h.p50} / ${h.p99} | ${fmt(h.bytes)} | ${fmt(r.rps)} | ${(h.rps / r.rps).toFixed(2)} |`);
  }
} finally {
  await stop();
}
