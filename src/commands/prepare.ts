import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Command } from './types.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { migrate } from '../db/migrate.ts';
import type { Database } from '../db/database.ts';
import { copyPrepared, findPrepared, preparedCacheDir, preparedKey, savePrepared, type PreparedManifest } from '../db/prepared.ts';
import { openPglite } from '../db/pglite.ts';
import { MODULES } from '../modules/index.ts';
import { generateDemo } from '../demo/index.ts';
import { demoChecksum } from '../demo/checksum.ts';
import { DEMO_STEPS, startConsole, type Console } from './console.ts';


async function bootstrap(db: Database): Promise<void> {
  const log = pino({ level: 'warn' });
  for (const m of MODULES) if (m.bootstrap) await m.bootstrap(db, log.child({ module: m.name }));
}

async function buildDemo(db: Database, catalog: Catalog, out: Console): Promise<string> {
  const bar = out.progress('Generating the demo territory', DEMO_STEPS);
  let steps = 0;
  const r = await generateDemo(db, {}, (step) => {
    steps++;
    bar.tick(step);
  }, catalog);
  bar.done(`Demo territory generated in ${r.seconds.total.toFixed(1)} s (${steps} steps)`, { steps, seconds: r.seconds.total });
  return (await demoChecksum(db, catalog)).checksum;
}

/** Builds what is missing (or everything with `force`) in a scratch data directory of the cache. */
async function build(cache: string, withDemo: boolean, force: boolean, catalog: Catalog, out: Console): Promise<PreparedManifest[]> {
  const need = { base: force || !findPrepared(cache, 'base'), demo: withDemo && (force || !findPrepared(cache, 'demo')) };
  if (!need.base && !need.demo) return [];
  mkdirSync(cache, { recursive: true });
  const scratch = mkdtempSync(join(cache, 'build-'));
  const made: PreparedManifest[] = [];
  try {
    const t0 = performance.now();
    const base = findPrepared(cache, 'base');
    // The demo alone is missing: start from the prepared empty database rather than from initdb.
    if (!need.base && base) {
      out.step('Copying the prepared empty database…');
      copyPrepared(base.path, scratch);
    } else out.step('Creating an empty database (PostgreSQL initdb, PostGIS, migrations)…');
    let db = await openPglite(scratch);
    try {
      await migrate(db);
      await bootstrap(db);
      if (need.base) {
        await db.close(); // a closed directory is what is copied
        made.push(savePrepared(cache, 'base', preparedKey('base'), scratch, { seconds: (performance.now() - t0) / 1000 }));
        out.step(`Prepared the empty database (${(made[0].bytes / 1e6).toFixed(0)} MB, ${made[0].seconds.toFixed(1)} s)`);
        if (need.demo) db = await openPglite(scratch);
      }
      if (need.demo) {
        const t1 = performance.now();
        const checksum = await buildDemo(db, catalog, out);
        await db.close();
        const m = savePrepared(cache, 'demo', preparedKey('demo'), scratch, { seconds: (performance.now() - t1) / 1000, demoChecksum: checksum });
        made.push(m);
        out.step(`Prepared the database with the demo territory (${(m.bytes / 1e6).toFixed(0)} MB, checksum ${checksum.slice(0, 12)})`);
      }
    } finally {
      await db.close().catch(() => {}); // already closed on success
    }
    return made;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The prepared demo against the generator as the code is now: a new generation from the prepared
 * empty database must give the checksum recorded with the tarball (CI runs it: the shipped demo
 * cannot drift from its generator unnoticed).
 */
async function verify(cache: string, catalog: Catalog, out: Console): Promise<void> {
  const base = findPrepared(cache, 'base');
  const demo = findPrepared(cache, 'demo');
  if (!base || !demo?.manifest?.demoChecksum) throw new Error('nothing to verify: run `terroir prepare` first');
  const scratch = mkdtempSync(join(cache, 'verify-'));
  try {
    copyPrepared(base.path, scratch);
    const db = await openPglite(scratch);
    try {
      const fresh = await buildDemo(db, catalog, out);
      if (fresh !== demo.manifest.demoChecksum)
        throw new Error(`the prepared demo (${demo.manifest.demoChecksum}) differs from a new generation (${fresh}): run \`terroir prepare --force\``);
      out.step(`The prepared demo is what the generator writes (checksum ${fresh.slice(0, 12)})`);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export const prepareCommand: Command = {
  name: 'prepare',
  summary:
    'build once the embedded databases a first start unpacks instead of creating (empty + migrated, and with the demo territory); `npm install` runs it',
  usage: 'terroir prepare [--no-demo] [--force] [--verify] [--cache-dir DIR]',
  options: {
    'no-demo': { type: 'boolean' },
    force: { type: 'boolean' },
    verify: { type: 'boolean' },
  },
  async run({ config, values, catalog }) {
    const out = startConsole(config);
    const cache = preparedCacheDir(config.cacheDir);
    const made = await build(cache, !values['no-demo'], !!values.force, catalog, out);
    if (!made.length) out.step(`The prepared databases are up to date (${cache})`, { cache });
    if (values.verify) await verify(cache, catalog, out);
  },
};
