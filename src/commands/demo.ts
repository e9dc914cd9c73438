import type { Command } from './types.ts';
import { openMigrated } from '../db/open.ts';
import { DemoOptionError, generateDemo, parseAnnees, removeDemo, resolveParams, type DemoOptions } from '../demo/index.ts';
import { demoChecksum } from '../demo/checksum.ts';
import { ConfigError } from '../config/load.ts';

function integer(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d{1,10}$/.test(v)) throw new ConfigError(`--${name} ${JSON.stringify(v)}: expected a non-negative integer`);
  return Number(v);
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate the deterministic SYNTHETIC demo territory and load it through the import path (replaces a previous demo)',
  usage:
    'terroir demo [--seed N] [--communes K] [--annees 2017-2023] [--size default|departement] [--checksum] [--remove] [--data-dir DIR] [--database-url URL]',
  options: {
    seed: { type: 'string' },
    communes: { type: 'string' },
    annees: { type: 'string' },
    size: { type: 'string' },
    checksum: { type: 'boolean' },
    remove: { type: 'boolean' },
  },
  async run({ config, values, catalog }) {
    let opts: DemoOptions;
    try {
      const size = values.size as string | undefined;
      if (size !== undefined && size !== 'default' && size !== 'departement') throw new DemoOptionError(`--size ${JSON.stringify(size)}: expected default or departement`);
      opts = {
        seed: integer('seed', values.seed),
        communes: integer('communes', values.communes),
        annees: values.annees === undefined ? undefined : parseAnnees(String(values.annees)),
        size: size as DemoOptions['size'],
      };
      resolveParams(opts); // every range checked before the database is opened
    } catch (e) {
      throw e instanceof DemoOptionError ? new ConfigError(e.message) : e;
    }
    const { db } = await openMigrated(config);
    try {
      if (values.remove) {
        const n = await removeDemo(db, catalog);
        console.log(n ? `removed ${n} synthetic demo datasets` : 'no demo datasets to remove');
        return;
      }
      const t0 = performance.now();
      const r = await generateDemo(
        db,
        opts,
        (step, detail) => {
          if (step !== 'cadastre commune loaded') console.log(`  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${step}${detail && Object.keys(detail).length ? ' ' + JSON.stringify(detail) : ''}`);
        },
        catalog,
      );
      const g = r.geometry;
      console.log(
        `demo territory (SYNTHETIC) seed ${r.params.seed}, size ${r.params.size}: ${g.communes} communes in ${g.epci} EPCI, ${g.areaKm2.toFixed(0)} km², ` +
          `${g.cadastre} cadastre parcels, ${g.fields} PAC fields × ${r.params.annees.length} campaigns (${r.params.annees[0]}–${r.params.annees[r.params.annees.length - 1]}), ${g.farms} farms (${r.organicFarms} organic)`,
      );
      console.log(
        `loaded ${r.load.features} features in ${r.load.imports} imports (${r.load.datasets.length} datasets) + ${r.restrictedDatasets} restricted datasets; ` +
          `generation ${r.seconds.generate.toFixed(1)} s, loading ${r.seconds.load.toFixed(1)} s, total ${r.seconds.total.toFixed(1)} s`,
      );
      for (const [layer, b] of Object.entries(r.load.byLayer)) console.log(`  ${layer.padEnd(28)} ${String(b.features).padStart(8)} features ${String(b.imports).padStart(5)} imports ${b.seconds.toFixed(1).padStart(7)} s`);
      if (r.load.missing.length) console.log(`not loaded (no import target registered): ${r.load.missing.join(', ')}`);
      if (values.checksum) {
        // Hashes every demo row: minutes at département size, beyond the service's statement timeout.
        const sum = await db.transaction(async (tx) => {
          if (db.backend === 'postgres') await tx.query('SET LOCAL statement_timeout = 0');
          return demoChecksum(tx, catalog);
        });
        console.log(`checksum ${sum.checksum}`);
      }
    } finally {
      await db.close();
    }
  },
};
