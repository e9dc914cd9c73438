/**
 * CartoBio Territoires: an EPCI-sized extraction, as GeoJSON and as zipped Shapefile, at 20,000 and
 * 80,000 synthetic organic parcels (an EPCI of 20, then 80 communes of 1,000 parcels each, 9-vertex
 * polygons), through real HTTP with a key restricted to the EPCI: seconds to the last byte, bytes,
 * and the process's peak RSS and heap above the idle level while answering (sampled every 20 ms; the
 * client in the same process reads and drops the stream). Flat memory = the peak does not grow from
 * 20k to 80k.
 *
 *   node --expose-gc --import tsx bench/cartobio.ts [--database-url postgres://postgres@127.0.0.1:5432/test] [--sizes 20000,80000]
 *
 * With --database-url it creates a database of its own on that server and drops it at the end;
 * without, an embedded database in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scratchDatabase } from '../test/helpers/scratch-db.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { openDatabase } from '../src/db/open.ts';
import { migrate } from '../src/db/migrate.ts';
import { createOrganisation } from '../src/auth/organisations.ts';
import { issueKey } from '../src/auth/keys.ts';
import type { Database } from '../src/db/database.ts';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, sizes: { type: 'string', default: '20000,80000' }, keep: { type: 'boolean', default: false } } });
const sizes = values.sizes!.split(',').map(Number);
const PER_COMMUNE = 1000;

async function place(): Promise<{ db: Database; drop(): Promise<void> }> {
  const admin = values['database-url'];
  if (!admin) {
    const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-bio-'));
    const db = await openDatabase({ dataDir: dir, poolSize: 1, statementTimeoutMs: 600_000 });
    return { db, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const scratch = await scratchDatabase(admin, `terroir_bench_bio_${process.pid}`);
  const db = await openDatabase({ databaseUrl: scratch.url, dataDir: './data', poolSize: 4, statementTimeoutMs: 600_000 });
  return {
    db,
    async drop() {
      await db.close();
      if (values.keep) return console.log(`# kept database ${scratch.name}`);
      await scratch.drop();
    },
  };
}

/** EPCI `siren` of `n` square communes (0.05°) in a row of 10, each holding 1,000 parcels on a 0.0015° grid. */
async function territory(db: Database, siren: string, first: number, n: number) {
  await db.query(
    `INSERT INTO limites_commune (code, nom, nom_m, statut, departement, region, geom)
     SELECT lpad((47000 + $1 + i)::text, 5, '0'), 'Bench ' || i, 'BENCH ' || i, 'Commune simple', '47', '75',
            ST_Multi(ST_MakeEnvelope(0.05 * ((($1 + i) % 10)), 44 + 0.05 * (($1 + i) / 10), 0.05 * ((($1 + i) % 10) + 1), 44 + 0.05 * ((($1 + i) / 10) + 1), 4326))
     FROM generate_series(0, $2 - 1) AS i`,
    [first, n],
  );
  await db.query(`INSERT INTO limites_epci (code, nom, nom_m, type, geom) VALUES ($1, 'Bench', 'BENCH', 'CC', NULL)`, [siren]);
  await db.query(`INSERT INTO limites_epci_commune (commune, epci) SELECT lpad((47000 + $1 + i)::text, 5, '0'), $3 FROM generate_series(0, $2 - 1) AS i`, [first, n, siren]);
  await db.query(
    `UPDATE limites_epci SET geom = (SELECT ST_Multi(ST_Union(c.geom, 1e-8)) FROM limites_commune c JOIN limites_epci_commune m ON m.commune = c.code WHERE m.epci = $1) WHERE code = $1`,
    [siren],
  );
  await db.query(
    `INSERT INTO bio_parcelle (dataset_id, millesime, cle_source, code_culture, label_culture, groupe_culture, code_groupe, code_cpf, bio, conversion,
       date_engagement, surface_ha, code_commune, nom_commune, code_epci, code_departement, code_region, geom)
     SELECT 'bench', 2023, 'bench:' || $3 || ':' || c || ':' || k, 'BTH', 'Blé tendre d''hiver', 'Blé tendre', 1, '01.11.12', 1,
            (ARRAY['C1','C2','C3','AB','AB?'])[1 + (k % 5)], DATE '2020-04-01', 1.2,
            lpad((47000 + $1 + c)::text, 5, '0'), 'Bench ' || c, $3, '47', '75',
            ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(0.05 * ((($1 + c) % 10)) + 0.0008 + 0.0015 * (k % 32), 44 + 0.05 * (($1 + c) / 10) + 0.0008 + 0.0015 * (k / 32)), 4326), 0.0006, 2))
     FROM generate_series(0, $2 - 1) AS c, generate_series(0, ${PER_COMMUNE - 1}) AS k`,
    [first, n, siren],
  );
}

/**
 * Peak RSS, and peak *live* heap: with --expose-gc a full collection runs before each heap sample
 * (every 500 ms), so garbage waiting for the collector is not counted as memory the answer holds.
 */
function sampler() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
  let peak = { ...base };
  let tick = 0;
  const t = setInterval(() => {
    if (gc && ++tick % 25 === 0) gc();
    const m = process.memoryUsage();
    peak = { rss: Math.max(peak.rss, m.rss), heap: gc && tick % 25 !== 0 ? peak.heap : Math.max(peak.heap, m.heapUsed) };
  }, 20);
  return () => {
    clearInterval(t);
    return { rssMb: (peak.rss - base.rss) / 1e6, heapMb: (peak.heap - base.heap) / 1e6, baseRssMb: base.rss / 1e6 };
  };
}

async function main() {
  const { db, drop } = await place();
  try {
    await migrate(db);
    // The whole extraction is timed, not cut by the per-request deadline (30 s by default) on a loaded machine.
    const config = loadConfig({ LOG_LEVEL: 'silent', TERROIR_PSEUDONYM_KEY: 'bench-pseudonym-secret-0123456789abcdef', TERROIR_DEADLINE_MS: '600000' });
    let first = 0;
    const epcis: { siren: string; n: number }[] = [];
    for (const size of sizes) {
      const n = size / PER_COMMUNE;
      const siren = `2470000${String(epcis.length).padStart(2, '0')}`;
      const t0 = performance.now();
      await territory(db, siren, first, n);
      first += n;
      epcis.push({ siren, n: size });
      console.log(`# ${size} parcels generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    await db.query('ANALYZE bio_parcelle');
    await db.query('ANALYZE limites_commune');
    const org = await createOrganisation(db, { name: 'Bench EPCI', kind: 'epci', territory: epcis.map((e) => `epci:${e.siren}`).join(',') });
    const { key } = await issueKey(db, { organisation: org.id, scopes: ['cartobio:territoires'] });
    const app = await buildApp({ config, db, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    console.log(`backend ${db.backend}; Node ${process.version}; machine shared (other engineers' tests running)`);
    console.log('parcels  format     seconds   MB out   peak RSS +MB  live heap +MB  parcels/s');
    for (const e of epcis) {
      for (const format of ['geojson', 'shapefile']) {
        const stop = sampler();
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/territoires/epci/${e.siren}?format=${format}`, { headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'identity' } });
        if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
        let bytes = 0;
        for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) bytes += c.length;
        const s = (performance.now() - t0) / 1000;
        const m = stop();
        console.log(
          `${String(e.n).padStart(7)}  ${format.padEnd(9)}  ${s.toFixed(2).padStart(7)}  ${(bytes / 1e6).toFixed(1).padStart(7)}  ${m.rssMb.toFixed(1).padStart(12)}  ${m.heapMb.toFixed(1).padStart(13)}  ${Math.round(e.n / s).toString().padStart(9)}`,
        );
      }
    }
    await app.close();
  } finally {
    await drop();
  }
}

await main();
