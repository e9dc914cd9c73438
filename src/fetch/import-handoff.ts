/**
 * `--import`: hands the downloaded files to the import engine through the catalogue's import
 * targets, exactly as `terroir import <layer> <files…>` does (importWith): one import path.
 * - files of a layer → that layer's target;
 * - a GPU document archive → extracted, then the folder to `gpu.document`, whose source loads every
 *   CNIG layer of the document in its partition;
 * - ADMIN EXPRESS files → the `limites-administratives.<level>` target, whose source sets the
 *   contours of the units the module knows (the module's one table of ADMIN EXPRESS fields).
 * Without --import (or when a step cannot run, e.g. an archive not extracted) the equivalent
 * `terroir import` command lines are printed.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Catalog } from '../catalog/catalog.ts';
import type { Database } from '../db/database.ts';
import { openZip } from '../import/readers/zip.ts';
import { importWith } from '../import/engine.ts';
import { formatSummary } from '../import/progress.ts';
import type { ImportSummary } from '../import/target.ts';
import { buildCatalog } from '../modules/index.ts';
import type { ImportStep } from './sources/types.ts';

/** The target that takes whole CNIG document folders (a GPU archive, once extracted). */
const CNIG_FOLDER_TARGET = 'gpu.document';

/** Quotes a shell word when it needs it (POSIX sh single quotes). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `terroir import` command of a step (a GPU archive: its zoning layer; contours have none). */
export function importCommandLine(step: ImportStep): string | null {
  if (step.via === 'contours') return null;
  const words = ['terroir', 'import', step.layer, ...step.files];
  if (step.annee !== undefined) words.push('--annee', String(step.annee));
  for (const [k, v] of Object.entries(step.options ?? {})) words.push('--option', `${k}=${v}`);
  return words.map(shellQuote).join(' ');
}

export interface Handoff {
  commands: string[];
}

export function planHandoff(steps: ImportStep[]): Handoff {
  return { commands: steps.map(importCommandLine).filter((c): c is string => c !== null) };
}

/**
 * Extracts a zip (the GPU's document archives) into `outDir` with the project's zip reader, through
 * `<outDir>.partial`. Member paths that would leave the folder are refused.
 */
export async function extractZip(zipPath: string, outDir: string): Promise<void> {
  const partial = `${outDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const zip = await openZip(zipPath);
  try {
    for (const m of zip.members) {
      const rel = normalize(m.path.replace(/\\/g, '/'));
      if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`${zipPath}: member "${m.path}" points outside the archive`);
      const target = join(partial, rel);
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(Readable.from(await zip.source(m).open()), createWriteStream(target));
    }
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  } finally {
    zip.close();
  }
  rmSync(outDir, { recursive: true, force: true });
  renameSync(partial, outDir);
}

/** One line per step: what was loaded, in the words of the kind of data. */
function describe(step: ImportStep, summaries: ImportSummary[]): string {
  const via = step.via ?? 'target';
  if (via === 'cnig') {
    return `${step.options?.partition ?? '?'} (${basename(step.files[0])}): ${summaries.map((s) => `${s.layer} ${s.loaded}`).join(', ')}`;
  }
  if (via === 'contours') {
    return summaries
      .map(
        (s) =>
          `${s.layer}: ${s.loaded} contours set from ${s.read} features` +
          (s.rejected ? `, ${s.rejected} not set (${s.rejections.slice(0, 5).map((r) => r.reason).join('; ')}${s.rejected > 5 ? '…' : ''})` : ''),
      )
      .join('\n');
  }
  return summaries.map(formatSummary).join('\n');
}

/**
 * Runs the import steps on `db` through the catalogue's targets, one after the other; stops at the
 * first failure (the import engine's message). `catalog`: the one the CLI built at start.
 */
export async function runImports(db: Database, steps: ImportStep[], log: (line: string) => void, catalog: Catalog = buildCatalog()): Promise<void> {
  for (const step of steps) {
    let files = step.files;
    if (step.via === 'cnig') {
      const dir = files[0].replace(/\.zip$/i, '');
      await extractZip(files[0], dir);
      files = [dir];
    }
    const id = step.via === 'cnig' ? CNIG_FOLDER_TARGET : step.layer;
    const target = catalog.target(id);
    if (!target) {
      log(`${id}: no import target is registered for it; not imported (${step.files.join(', ')})`);
      continue;
    }
    log(describe(step, await importWith(db, target, files, { campagne: step.annee, options: step.options ?? {} })));
  }
}

export function stepsReady(steps: ImportStep[]): boolean {
  return steps.every((s) => s.files.every((f) => existsSync(f)));
}
