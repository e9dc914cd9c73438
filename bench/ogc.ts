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
 *            --workers 1,2 (PostgreSQL: Terroir with each TERROIR_WORKERS count, on the next ports, in the same run)
 *
 * Load data first: `terroir demo --size departement` (or `--communes N`) on that database.
 */
import { openDatabase } from '../src/db/open.ts';
import type { Database } from '../src/db/database.ts';
import { buildCatalog } from '../src/modules/index.ts';
import { Collections } from '../src/ogc/collections.ts';
import { itemsRequest, pageSql } from '../src/ogc/items.ts';
import { benchArgs, fmt, inProcess, pgbench, serve, hammer, type Figures } from './ogc-common.ts';

const { values, opts, url, workers } = benchArgs(3391);

const servers: { name: string; base: string; stop(): Promise<void> }[] = [];
const stop = () => Promise.all(servers.splice(0).map((s) => s.stop()));
try {
  for (const [i, w] of workers.entries()) {
    const port = Number(values.port) + i;
    const s = await serve({ databaseUrl: url, dataDir: values['data-dir'], port, workers: w });
    servers.push({ name: `${w} worker${w > 1 ? 's' : ''}`, base: `http://127.0.0.1:${port}/ogc`, stop: s.stop });
  }
  const base = servers[0].base;
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
  const pg = url ? await openDatabase({ databaseUrl: url, dataDir: './data', poolSize: 2, statementTimeoutMs: 60_000 }) : null;
  // Per scenario: each server's figures, then the floor measured right after them.
  const http: Figures[][] = [];
  const floors: Figures[] = [];
  for (const s of scenarios) {
    const figures: Figures[] = [];
    for (const server of servers) figures.push(await hammer(`${server.base}${s.path}`, opts));
    http.push(figures);
    if (pg) {
      const f = await floorOf(pg, s.path);
      floors.push(await pgbench(url!, f.sql, f.values, opts));
    }
  }
  await pg?.close();
  const names = servers.map((s) => s.name);
  if (!url) {
    await stop();
    const db = await openDatabase({ dataDir: values['data-dir'] ?? './data', poolSize: 1, statementTimeoutMs: 60_000 });
    for (const s of scenarios) {
      const f = await floorOf(db, s.path);
      floors.push(await inProcess(() => db.query(f.sql, f.values), opts));
    }
    await db.close();
  }
  console.log(`\nbackend: ${url ? 'PostgreSQL' : 'PGlite'}; ${opts.connections} connections, ${opts.duration} s each after ${opts.warmup} s warm-up`);
  console.log(`| page | Terroir | HTTP req/s | p50 / p99 ms | bytes | same SQL straight (${url ? 'pgbench' : 'in process'}) q/s | HTTP / SQL |`);
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const [i, s] of scenarios.entries()) {
    for (const [k, h] of http[i].entries()) {
      const r = floors[i];
      console.log(`| ${s.name} | ${names[k]} | ${fmt(h.rps)} | ${h.p50} / ${h.p99} | ${fmt(h.bytes)} | ${fmt(r.rps)} | ${(h.rps / r.rps).toFixed(2)} |`);
    }
  }
} finally {
  await stop();
}
