/**
 * Statistics latency, cold (computed: first request of a territory, cache miss) and cached (the same
 * request again: the dataset version read, then the per-node LRU), for every route, on the default
 * demo territory (12 communes in one EPCI, campaigns 2017–2023; `--communes` to change) through the
 * real app (Fastify inject: the handler, hooks and serialisation, no socket).
 *
 *   node --import tsx bench/statistiques.ts [--database-url postgres://postgres@127.0.0.1:5432/test] [--communes 12] [--repeat 20]
 *
 * For each route: cold over every commune (all campaigns; zonages: the latest), then the EPCI cold;
 * cached: `--repeat` requests of each commune again. Prints the figures and writes bench/out/statistiques-<backend>.json.
 * With --database-url it creates a database of its own on that server and drops it at the end;
 * without, an embedded database in a temporary directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scratchDatabase } from '../test/helpers/scratch-db.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { openDatabase } from '../src/db/open.ts';
import { migrate } from '../src/db/migrate.ts';
import { generateDemo } from '../src/demo/index.ts';
import { createOrganisation } from '../src/auth/organisations.ts';
import { issueKey } from '../src/auth/keys.ts';
import type { Database } from '../src/db/database.ts';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, communes: { type: 'string', default: '12' }, repeat: { type: 'string', default: '20' } } });
const backend = values['database-url'] ? 'postgres' : 'pglite';

async function place(): Promise<{ db: Database; drop(): Promise<void> }> {
  const admin = values['database-url'];
  if (!admin) {
    const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-stats-'));
    const db = await openDatabase({ dataDir: dir, poolSize: 1, statementTimeoutMs: 600_000 });
    return { db, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const scratch = await scratchDatabase(admin, `terroir_bench_stats_${process.pid}`);
  const db = await openDatabase({ databaseUrl: scratch.url, dataDir: './data', poolSize: 4, statementTimeoutMs: 600_000 });
  return {
    db,
    async drop() {
      await db.close();
      await scratch.drop();
    },
  };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), max: +s[s.length - 1].toFixed(2) };
};

const p = await place();
try {
  await migrate(p.db);
  const t0 = process.hrtime.bigint();
  await generateDemo(p.db, { communes: Number(values.communes) });
  console.log(`# ${backend}: demo of ${values.communes} communes generated in ${(ms(t0) / 1000).toFixed(1)} s`);
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db: p.db, logger: false });
  const org = await createOrganisation(p.db, { name: 'SSP bench', kind: 'ssp', territory: 'france' });
  const key = (await issueKey(p.db, { organisation: org.id, scopes: ['cartobio:territoires'] })).key;
  const communes = (await p.db.query<{ code: string }>(`SELECT code FROM limites_commune WHERE code LIKE '475%' ORDER BY code`)).map((r) => r.code);
  const [{ epci }] = await p.db.query<{ epci: string }>('SELECT epci FROM limites_epci_commune WHERE commune = $1', [communes[0]]);
  const routes = ['cultures', 'transitions', 'zonages', 'bio'];
  const out: Record<string, unknown> = { backend, communes: communes.length, loadavg: loadavg().map((x) => +x.toFixed(2)) };
  const get = async (url: string) => {
    const t = process.hrtime.bigint();
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    const d = ms(t);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return { d, cache: res.headers['x-terroir-cache'], bytes: res.body.length };
  };
  console.log('| route | cold, commune (median / p95 / max ms) | cold, EPCI (ms) | cached (median / p95 ms) |');
  console.log('|---|---:|---:|---:|');
  for (const r of routes) {
    const cold: number[] = [];
    for (const c of communes) {
      const x = await get(`/api/statistiques/${r}?code_insee=${c}`);
      if (x.cache !== 'miss') throw new Error(`${r} ${c}: expected a miss`);
      cold.push(x.d);
    }
    const e = await get(`/api/statistiques/${r}?code_epci=${epci}`);
    if (e.cache !== 'miss') throw new Error(`${r} EPCI: expected a miss`);
    const hot: number[] = [];
    for (let i = 0; i < Number(values.repeat); i++) {
      for (const c of communes) {
        const x = await get(`/api/statistiques/${r}?code_insee=${c}`);
        if (x.cache !== 'hit') throw new Error(`${r} ${c}: expected a hit`);
        hot.push(x.d);
      }
    }
    const sc = stats(cold);
    const sh = stats(hot);
    out[r] = { cold_commune: sc, cold_epci_ms: +e.d.toFixed(2), cached: sh };
    console.log(`| ${r} | ${sc.median} / ${sc.p95} / ${sc.max} | ${e.d.toFixed(1)} | ${sh.median} / ${sh.p95} |`);
  }
  await app.close();
  out.loadavg_end = loadavg().map((x) => +x.toFixed(2));
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(`bench/out/statistiques-${backend}.json`, JSON.stringify(out, null, 2));
  console.log(`# load average ${(out.loadavg as number[]).join(' ')} → ${(out.loadavg_end as number[]).join(' ')}; bench/out/statistiques-${backend}.json`);
} finally {
  await p.drop();
}
