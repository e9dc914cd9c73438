import type { Command } from './types.ts';
import { SelectorError } from '../fetch/errors.ts';
import { formatBytes, streamProgress } from '../fetch/progress.ts';
import { runFetch } from '../fetch/run.ts';
import { runImports, shellQuote, stepsReady } from '../fetch/import-handoff.ts';
import { openMigrated } from '../db/open.ts';
import { FETCH_SOURCES } from '../fetch/sources/index.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export const fetchCommand: Command = {
  name: 'fetch',
  summary:
    'download official open data (resumable, checksummed, conditional); --import loads it into the database; sources:\n' +
    FETCH_SOURCES.map((s) => `        ${s.usage}`).join('\n'),
  usage: 'terroir fetch <source> [selectors…] [--dest DIR] [--import] [--base-url URL] [--force] [--retries N]',
  options: {
    dest: { type: 'string' },
    import: { type: 'boolean' },
    'base-url': { type: 'string' },
    millesime: { type: 'string' },
    edition: { type: 'string' },
    format: { type: 'string' },
    zone: { type: 'string' },
    resource: { type: 'string' },
    retries: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run({ config, values, positionals, catalog }) {
    const [source, ...selectors] = positionals;
    if (!source) throw new SelectorError(`which source? ${FETCH_SOURCES.map((s) => s.name).join(', ')} (terroir fetch --help)`);
    let attempts: number | undefined;
    if (values.retries !== undefined) {
      attempts = Number(values.retries) + 1;
      if (!Number.isInteger(attempts) || attempts < 1 || attempts > 51) throw new SelectorError(`--retries must be an integer from 0 to 50, got "${String(values.retries)}"`);
    }
    const progress = streamProgress(process.stderr);
    const report = await runFetch(source, selectors, {
      dest: str(values.dest) ?? './downloads',
      baseUrl: str(values['base-url']),
      force: values.force === true,
      flags: {
        millesime: str(values.millesime),
        edition: str(values.edition),
        format: str(values.format),
        zone: str(values.zone),
        resource: str(values.resource),
      },
      http: attempts ? { retry: { attempts } } : {},
      progress,
    });

    for (const r of report.results) {
      const how = r.status === 'unchanged' ? (r.transferred ? 'unchanged (same bytes)' : 'unchanged (not modified)') : r.resumed ? `${r.status} (resumed)` : r.status;
      const verified = r.verified ? `, ${r.verified.algorithm} verified` : '';
      console.log(`${how.padEnd(24)} ${r.path}  ${formatBytes(r.size)}  sha256 ${r.sha256}${verified}`);
    }
    if (report.extractedDir) console.log(`extracted                ${report.extractedDir}`);
    console.log(`manifest                 ${report.dir}/terroir-fetch.json`);

    if (values.import) {
      if (!report.importSteps.length) {
        console.log('\n--import: nothing importable in these files');
      } else if (report.extractionSkipped || !stepsReady(report.importSteps)) {
        console.log('\n--import: the archive is not extracted, so nothing was imported; extract it, then run:');
        for (const c of report.handoff.commands) console.log(`  ${c}`);
        if (report.importSteps.some((s) => s.via === 'contours')) {
          console.log(`  terroir ${process.argv.slice(2).map(shellQuote).join(' ')}   (again, once 7-Zip is installed: contours are loaded by fetch --import)`);
        }
      } else {
        console.log('');
        const { db } = await openMigrated(config);
        try {
          await runImports(db, report.importSteps, (line) => console.log(line), catalog);
        } finally {
          await db.close();
        }
      }
    } else if (report.handoff.commands.length) {
      console.log(`\nto load them: add --import, or run ${report.handoff.commands.length > 1 ? 'e.g. ' : ''}${report.handoff.commands[0]}`);
    }
  },
};
