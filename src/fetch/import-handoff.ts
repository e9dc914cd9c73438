/**
 * `--import`: hands the downloaded files to the importer through its programmatic API:
 * - files of a registered import target → importFiles() of the import engine (src/import/engine.ts),
 *   exactly what `terroir import <layer> <files…>` does;
 * - a GPU document archive → extracted, then importCnigFolder() (src/modules/gpu/cnig.ts), which loads
 *   every CNIG layer of the document in its partition;
 * - ADMIN EXPRESS shapefiles → read by the import engine's readers, then loadContours()
 *   (src/modules/limites-administratives), which sets the contours of the units the module knows.
 * Without --import (or when a step cannot run, e.g. an archive not extracted) the equivalent
 * `terroir import` command lines are printed.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import type { Database } from '../db/database.ts';
import { openZip } from '../import/readers/zip.ts';
import { importFiles } from '../import/engine.ts';
import { formatSummary } from '../import/progress.ts';
import { resolveSources } from '../import/sources.ts';
import { prop, text } from '../import/readers/feature.ts';
import { IMPORT_TARGETS } from '../import/targets.ts';
import { MODULES } from '../modules/index.ts';
import { importCnigFolder } from '../modules/gpu/cnig.ts';
import type { ImportStep } from './sources/types.ts';

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
  /** Layers of the steps that no registered import target has. */
  unregistered: string[];
}

export function planHandoff(steps: ImportStep[]): Handoff {
  return {
    commands: steps.map(importCommandLine).filter((c): c is string => c !== null),
    unregistered: [...new Set(steps.filter((s) => (s.via ?? 'target') !== 'contours').map((s) => s.layer).filter((l) => !IMPORT_TARGETS.get(l)))],
  };
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

type AdminLevel = 'commune' | 'epci' | 'departement' | 'region';
interface ContourFeature {
  code: string | number;
  geometry: { type: string; coordinates?: unknown } | null;
}
/** The part of the limites-administratives module's loadContours() this handoff uses. */
type LoadContours = (
  db: Database,
  level: AdminLevel,
  features: AsyncIterable<ContourFeature>,
  meta: { source: string; producer: string; licence: string; vintage?: string | null },
) => Promise<{ received: number; updated: number; unmatched: string[]; unmatchedCount: number; rejectedCount: number }>;

/**
 * loadContours() of the limites-administratives module, loaded when needed: the module may be
 * absent from a build, and only ADMIN EXPRESS imports need it.
 */
async function contoursLoader(): Promise<LoadContours> {
  const spec = '../modules/limites-administratives/index.ts';
  let mod: { loadContours?: LoadContours };
  try {
    mod = (await import(spec)) as { loadContours?: LoadContours };
  } catch (e) {
    throw new Error(`ADMIN EXPRESS contours need the limites-administratives module, absent from this build (${(e as Error).message})`);
  }
  if (typeof mod.loadContours !== 'function') throw new Error('the limites-administratives module of this build has no loadContours()');
  return mod.loadContours;
}

/** The unit code property of each ADMIN EXPRESS layer (3.x upper-case names, 4.x lower-case ones). */
const CODE_FIELDS: Record<AdminLevel, string[]> = {
  commune: ['INSEE_COM', 'code_insee'],
  departement: ['INSEE_DEP', 'code_insee'],
  region: ['INSEE_REG', 'code_insee'],
  epci: ['CODE_SIREN', 'code_siren'],
};

async function importContours(db: Database, step: ImportStep, log: (line: string) => void): Promise<void> {
  const level = step.level!;
  const loadContours = await contoursLoader();
  // The module's units (COG attributes) must exist before contours are attached to them.
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM limites_${level}`);
  if (n === 0) {
    const mod = MODULES.find((m) => m.name === 'limites-administratives');
    await mod?.bootstrap?.(db, pino({ level: 'warn' }));
  }
  const { sources, close } = await resolveSources(step.files);
  try {
    const src = sources[0];
    const opened = await src.open(db, {});
    const srid = opened.srid();
    if (srid !== undefined && srid !== 4326) {
      throw new Error(`${basename(src.label)} is in EPSG:${srid}; contours are loaded from the WGS84 (WGS84G) editions, the default of terroir fetch admin-express`);
    }
    async function* features(): AsyncGenerator<ContourFeature> {
      for await (const f of opened.features) {
        yield { code: text(prop(f, ...CODE_FIELDS[level])) ?? '', geometry: f.geometry };
      }
    }
    const r = await loadContours(db, level, features(), {
      source: step.options?.edition ?? basename(src.label),
      producer: 'IGN (ADMIN EXPRESS)',
      licence: 'Licence Ouverte 2.0 (Etalab)',
      vintage: step.options?.date ?? null,
    });
    log(
      `limites-administratives.${level}: ${r.updated} contours set from ${r.received} features` +
        (r.unmatchedCount ? `, ${r.unmatchedCount} codes unknown to the module (${r.unmatched.slice(0, 5).join(', ')}…)` : '') +
        (r.rejectedCount ? `, ${r.rejectedCount} rejected` : ''),
    );
  } finally {
    close();
  }
}

/** Runs the import steps on `db`, one after the other; stops at the first failure (the import engine's message). */
export async function runImports(db: Database, steps: ImportStep[], log: (line: string) => void): Promise<void> {
  for (const step of steps) {
    const via = step.via ?? 'target';
    if (via === 'contours') {
      await importContours(db, step, log);
    } else if (via === 'cnig') {
      const zip = step.files[0];
      const dir = zip.replace(/\.zip$/i, '');
      await extractZip(zip, dir);
      const s = await importCnigFolder(db, dir, { partition: step.options?.partition });
      log(`${s.partition}${s.idurba ? ` (${s.idurba})` : ''}: ${s.layers.filter((l) => l.file || l.loaded).map((l) => `${l.layer} ${l.loaded}`).join(', ')}`);
    } else {
      const target = IMPORT_TARGETS.get(step.layer);
      if (!target) {
        log(`${step.layer}: no import target is registered for it; not imported (${step.files.join(', ')})`);
        continue;
      }
      const summary = await importFiles(db, target, step.files, { campagne: step.annee, options: step.options ?? {} });
      log(formatSummary(summary));
    }
  }
}

export function stepsReady(steps: ImportStep[]): boolean {
  return steps.every((s) => s.files.every((f) => existsSync(f)));
}
