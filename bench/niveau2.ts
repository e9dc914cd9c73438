/**
 * RPG level-2 extraction figures (docs/niveau2.md):
 *
 *   node --import tsx bench/niveau2.ts --postgres URL [--size departement] [--annees 2022-2023] [--reuse DBNAME] [--keep]
 *
 * Generates the demo (département-sized by default) in a new database, files a request covering the
 * whole territory for every table without the State-only one, accepts it, then builds the extraction
 * (the same function as GET /api/niveau2/demandes/{id}/extraction) three times: wall time, rows, zip
 * size, and the process's peak resident memory and heap during the extraction (sampled every 20 ms).
 * Without --postgres, the embedded backend in a temporary directory. `--keep` leaves the new PostgreSQL
 * database (its name is printed) for a later `--reuse`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDatabase } from '../test/helpers/scratch-db.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Database } from '../src/db/database.ts';
import { generateDemo } from '../src/demo/index.ts';
import { createOrganisation } from '../src/auth/organisations.ts';
import { issueKey, authenticate } from '../src/auth/keys.ts';
import { decide, fileDemande, readDemande } from '../src/modules/niveau2/demandes.ts';
import { extractFor } from '../src/modules/niveau2/extraction.ts';
import { N2_TABLES } from '../src/modules/niveau2/tables.ts';
import type { DemoSize } from '../src/demo/params.ts';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const pgUrl = opt('postgres');
const size = (opt('size') ?? 'departement') as DemoSize;
const [a0, a1] = (opt('annees') ?? '2022-2023').split('-').map(Number);
const annees = Array.from({ length: (a1 ?? a0) - a0 + 1 }, (_, i) => a0 + i);

const reuse = opt('reuse');
const keep = args.includes('--keep');

async function open(): Promise<{ db: Database; drop(): Promise<void> }> {
  if (pgUrl && reuse) {
    // A database left by an earlier run (its demo already generated): measured again, kept.
    const u = new URL(pgUrl);
    u.pathname = `/${reuse}`;
    const db = await openPostgres(u.toString(), { poolSize: 4, statementTimeoutMs: 0 });
    return { db, drop: () => db.close() };
  }
  if (pgUrl) {
    const scratch = await scratchDatabase(pgUrl, `terroir_bench_n2_${process.pid}`);
    const db = await openPostgres(scratch.url, { poolSize: 4, statementTimeoutMs: 0 });
    return {
      db,
      async drop() {
        await db.close();
        if (keep) return console.log(`kept database ${scratch.name} (--reuse ${scratch.name})`);
        await scratch.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-n2-'));
  const db = await openPglite(dir);
  return { db, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const mb = (b: number) => Math.round(b / 1048576);

async function main() {
  const { db, drop } = await open();
  try {
    await migrate(db);
    if (!reuse) {
      const t0 = performance.now();
      const demo = await generateDemo(db, { size, annees });
      console.log(`demo ${size} ${annees.join(',')}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${demo.geometry.fields} fields a year`);
    }
    const communes = (await db.query<{ code: string }>(`SELECT code FROM limites_commune WHERE code LIKE '475%' OR code LIKE '476%' OR code LIKE '477%' OR code LIKE '478%' OR code LIKE '479%' ORDER BY code`)).map((r) => r.code);
    const territory = communes.map((c) => `commune:${c}`).join(',');
    const requester = await createOrganisation(db, { name: 'Agence de l’eau (bench)', kind: 'agence-eau', territory });
    const draaf = await createOrganisation(db, { name: 'DRAAF (bench)', kind: 'draaf', territory });
    const key = async (org: number, scopes: ('rpg:niveau2:demander' | 'rpg:niveau2:lire' | 'demandes:instruire')[]) => {
      const auth = await authenticate(db, (await issueKey(db, { organisation: org, scopes })).key);
      if (!auth.ok) throw new Error('key');
      return auth.principal;
    };
    const pReq = await key(requester.id, ['rpg:niveau2:demander', 'rpg:niveau2:lire']);
    const pDraaf = await key(draaf.id, ['demandes:instruire']);
    const tables = Object.fromEntries(N2_TABLES.filter((t) => !t.etatSeulement).map((t) => [t.id, t.attributes.map((a) => a.name)]));
    const d = await fileDemande(db, pReq, {
      nature: 'service-public', traitement: 'bench', finalite: 'bench', mission: 'bench', conservation: '1 an', campagnes: annees, communes, tables,
      responsable: { nom: 'x', courriel: 'x@example.org' }, dpo: { nom: 'y', courriel: 'y@example.org' },
      engagements: { usage_limite_au_traitement: true, information_des_exploitants: true },
    });
    await decide(db, pDraaf, (await readDemande(db, d.id))!, { decision: 'acceptation' });
    for (let run = 1; run <= 3; run++) {
      global.gc?.();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed + base.external;
      const timer = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
      }, 20);
      const s = performance.now();
      const x = await extractFor(db, pReq, d.id);
      const seconds = (performance.now() - s) / 1000;
      clearInterval(timer);
      console.log(
        `run ${run}: ${seconds.toFixed(2)} s, rows ${JSON.stringify(x.rows)}, zip ${(x.zip.length / 1048576).toFixed(1)} MB ` +
          `(${x.files.map((f) => `${f.name} ${(f.bytes / 1048576).toFixed(1)} MB`).join(', ')}), ` +
          `peak RSS ${mb(peakRss)} MB (+${mb(peakRss - base.rss)}), peak heap+external ${mb(peakHeap)} MB (+${mb(peakHeap - base.heapUsed - base.external)}); load ${loadavg()[0].toFixed(1)}`,
      );
    }
  } finally {
    await drop();
  }
}

await main();
