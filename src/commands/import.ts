import iconv from 'iconv-lite';
import type { Command } from './types.ts';
import { openMigrated } from '../db/open.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { importWith, type ImportProgress } from '../import/engine.ts';
import { formatSummary, progressReporter } from '../import/progress.ts';
import { closest } from '../config/suggest.ts';

/** A usage error (exit code 2), like the ones node:util parseArgs raises. */
function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}

function integer(name: string, v: unknown, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(String(v)) || n < min || n > max) throw usageError(`--${name} must be an integer between ${min} and ${max}, got "${v}"`);
  return n;
}

function layerList(catalog: Catalog): string {
  const targets = catalog.targets();
  if (!targets.length) return 'no importable layer is registered';
  return `Layers:\n${targets.map((t) => `  ${t.layer.padEnd(26)} ${t.title}${t.requiresCampagne ? ' (needs --annee)' : ''}\n  ${''.padEnd(26)} formats: ${t.formats.join('; ')}`).join('\n')}`;
}

export const importCommand: Command = {
  name: 'import',
  summary:
    'load a layer from its published files (shapefile loose or zipped, GeoJSON plain/.gz/NDJSON, a directory): reprojected to WGS84, replaced in one transaction',
  usage:
    'terroir import <layer> <file…> [--annee N] [--srid N] [--strict] [--option k=v]… [--producer P] [--licence L] [--vintage V] [--encoding E] [--entry GLOB] [--no-wait] [--replace-layer] [--json]',
  options: {
    annee: { type: 'string' },
    srid: { type: 'string' },
    strict: { type: 'boolean' },
    option: { type: 'string', multiple: true },
    producer: { type: 'string' },
    licence: { type: 'string' },
    vintage: { type: 'string' },
    encoding: { type: 'string' },
    entry: { type: 'string' },
    'replace-layer': { type: 'boolean' },
    json: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  },
  async run({ config, values, positionals, catalog }) {
    const [layer, ...files] = positionals;
    if (!layer) {
      console.log(`${importCommand.usage}\n\n${layerList(catalog)}`);
      return;
    }
    const target = catalog.target(layer);
    if (!target) {
      // The close names, not the list of every layer (`terroir import` alone prints that).
      const near = closest(layer, catalog.targets().map((t) => t.layer));
      throw usageError(
        near.length
          ? `unknown layer "${layer}": did you mean ${near.join(' or ')}? (\`terroir import\` lists every layer)`
          : `unknown layer "${layer}"; \`terroir import\` lists the layers`,
      );
    }
    if (!files.length) throw usageError(`no file given for ${layer} (formats: ${target.formats.join('; ')})`);
    const options: Record<string, string> = {};
    for (const kv of (values.option as string[] | undefined) ?? []) {
      const m = /^([A-Za-z0-9_.-]+)=(.*)$/s.exec(kv);
      if (!m) throw usageError(`--option expects key=value, got "${kv}"`);
      options[m[1]] = m[2];
    }
    if (values.encoding !== undefined && !iconv.encodingExists(values.encoding as string))
      throw usageError(`--encoding: unknown encoding "${values.encoding}" (e.g. windows-1252, utf-8, iso-8859-15, cp850)`);
    const campagne = integer('annee', values.annee, 1900, 2999);
    const srid = integer('srid', values.srid, 1, 999999);
    if (target.requiresCampagne && campagne === undefined) throw usageError(`${layer} needs --annee (the campaign year)`);
    const { db } = await openMigrated(config);
    const progress = progressReporter();
    try {
      const opts = {
        campagne,
        srid,
        strict: !!values.strict,
        noWait: !!values['no-wait'],
        options,
        producer: values.producer as string | undefined,
        licence: values.licence as string | undefined,
        vintage: values.vintage as string | undefined,
        encoding: values.encoding as string | undefined,
        entry: values.entry as string | undefined,
        replaceLayer: !!values['replace-layer'],
        onProgress: (p: ImportProgress) => progress.onProgress(p),
      };
      // A multi-layer source (a CNIG document folder) is loaded by its target, one engine run per layer.
      const summaries = await importWith(db, target, files, opts);
      progress.stop();
      console.log(values.json ? JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2) : summaries.map(formatSummary).join('\n'));
    } finally {
      progress.stop();
      await db.close();
    }
  },
};
