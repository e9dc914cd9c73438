/**
 * `terroir fetch` without the command-line layer: plan (URLs, published checksums), download each
 * file (resumable, conditional, verified), extract archives, then hand over to the importer.
 * Used by src/commands/fetch.ts and by the tests.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { downloadFile, type DownloadResult } from './download.ts';
import { RetriesExhaustedError, SelectorError } from './errors.ts';
import { extract7z, find7z } from './extract.ts';
import type { HttpOptions } from './http.ts';
import { planHandoff, type Handoff } from './import-handoff.ts';
import { Manifest } from './manifest.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { FETCH_SOURCES, findSource } from './sources/index.ts';
import type { ImportStep, PlanFiles, SourceFlags } from './sources/types.ts';

export interface FetchRunOptions {
  /** Destination root; each source writes under its own sub-directory. */
  dest: string;
  /** Replaces the source's default base URL (a mirror, or the tests' local server). */
  baseUrl?: string;
  flags?: SourceFlags;
  http?: HttpOptions;
  progress?: ProgressSink;
  /** Path of a 7-Zip executable; null: none (download only); undefined: look on PATH. */
  sevenZip?: string | null;
  /** Download again even when the server says unchanged. */
  force?: boolean;
  /** Lines for the user besides progress (chosen edition, extraction…). */
  note?: (line: string) => void;
}

export interface FetchFailure {
  fileName: string;
  url: string;
  error: Error;
}

export interface FetchReport {
  source: string;
  title: string;
  dir: string;
  results: DownloadResult[];
  failures: FetchFailure[];
  extractedDir?: string;
  /** Why an archive was not extracted (no 7-Zip), with the command to do it by hand. */
  extractionSkipped?: string;
  importSteps: ImportStep[];
  handoff: Handoff;
}

/** Several files failed: each failure, one per line. */
export class FetchFailedError extends Error {
  override name = 'FetchFailedError';
  constructor(
    readonly failures: FetchFailure[],
    readonly notAttempted: string[] = [],
  ) {
    super(
      `${failures.length} download(s) failed:\n${failures.map((f) => `  ${f.fileName}: ${f.error.message}`).join('\n')}` +
        (notAttempted.length ? `\nnot attempted: ${notAttempted.join(', ')}` : ''),
    );
  }
}

export function checkBaseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SelectorError(`--base-url must be an absolute http(s) URL, got "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SelectorError(`--base-url must be http or https, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

export async function runFetch(sourceName: string, selectors: string[], o: FetchRunOptions): Promise<FetchReport> {
  const source = findSource(sourceName);
  if (!source) throw new SelectorError(`unknown source "${sourceName}"; sources: ${FETCH_SOURCES.map((s) => s.name).join(', ')}`);
  const progress = o.progress ?? silentProgress;
  const note = o.note ?? ((l: string) => progress.note(l));
  const http: HttpOptions = {
    ...o.http,
    onRetry: o.http?.onRetry ?? ((r) => note(`retrying ${r.url} in ${(r.delayMs / 1000).toFixed(1)} s (attempt ${r.attempt} failed: ${r.reason})`)),
  };
  const baseUrl = o.baseUrl ? checkBaseUrl(o.baseUrl) : source.defaultBaseUrl;
  const plan = await source.plan(selectors, { baseUrl, http, flags: o.flags ?? {}, note });

  const dir = resolve(o.dest, plan.subdir);
  mkdirSync(dir, { recursive: true });
  const manifest = new Manifest(dir);
  note(`${plan.title} → ${dir}`);

  const results: DownloadResult[] = [];
  const failures: FetchFailure[] = [];
  let notAttempted: string[] = [];
  for (const d of plan.downloads) {
    try {
      results.push(await downloadFile({ url: d.url, dir, fileName: d.fileName, manifest, published: d.published, progress, http, force: o.force }));
    } catch (e) {
      failures.push({ fileName: d.fileName, url: d.url, error: e as Error });
      note(`${d.fileName}: FAILED: ${(e as Error).message}`);
      // Retries exhausted means the host is unreachable or down: the next files would wait as long for nothing.
      if (e instanceof RetriesExhaustedError) {
        notAttempted = plan.downloads.slice(plan.downloads.indexOf(d) + 1).map((l) => l.fileName);
        break;
      }
    }
  }

  const paths = new Map(plan.downloads.map((d) => [d.fileName, join(dir, d.fileName)]));
  const report: FetchReport = {
    source: source.name,
    title: plan.title,
    dir,
    results,
    failures,
    importSteps: [],
    handoff: { commands: [] },
  };
  if (failures.length) {
    if (failures.length === 1 && plan.downloads.length === 1) throw failures[0].error;
    throw new FetchFailedError(failures, notAttempted);
  }

  const files: PlanFiles = { dir, paths };
  if (plan.archive) {
    const entry = manifest.get(plan.archive.fileName)!;
    const outDir = join(dir, plan.archive.into);
    const archivePath = join(dir, plan.archive.fileName);
    if (entry.extractedSha256 === entry.sha256 && existsSync(outDir)) {
      files.extractedDir = outDir;
    } else {
      const bin = o.sevenZip === undefined ? find7z() : o.sevenZip;
      if (!bin) {
        report.extractionSkipped =
          `no 7-Zip executable (7zz, 7z or 7za) on PATH, so ${plan.archive.fileName} was downloaded and verified but not extracted; ` +
          `install Debian's "7zip" package (apt-get install 7zip), or extract by hand: 7zz x ${archivePath} -o${outDir}`;
        note(report.extractionSkipped);
      } else {
        note(`extracting ${plan.archive.fileName} with ${bin} → ${outDir}`);
        await extract7z(bin, archivePath, outDir);
        manifest.set(plan.archive.fileName, { ...entry, extractedSha256: entry.sha256, extractedTo: plan.archive.into });
        files.extractedDir = outDir;
      }
    }
    report.extractedDir = files.extractedDir;
  }
  report.importSteps = plan.importSteps(files);
  report.handoff = planHandoff(report.importSteps);
  return report;
}
