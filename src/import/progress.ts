/**
 * Progress of `terroir import`: a cli-progress bar (features, features/s, ETA) on a terminal, plain
 * log lines every few seconds otherwise (CI logs, pipes), always on stderr so that stdout keeps only
 * the summary.
 */
import cliProgress from 'cli-progress';
import { basename } from 'node:path';
import type { ImportProgress, ImportSummary } from './engine.ts';

export interface ProgressReporter {
  onProgress(p: ImportProgress): void;
  stop(): void;
}

const PHASE: Record<ImportProgress['phase'], string> = {
  read: 'reading',
  wait: 'waiting for another import of this dataset',
  transform: 'reprojecting (PostGIS)',
  swap: 'swapping into the table',
  done: 'done',
};

function rate(p: ImportProgress): number {
  return p.elapsedMs > 0 ? Math.round((p.features * 1000) / p.elapsedMs) : 0;
}

/** Below 100 % while reading: the last bytes read are not yet the last feature loaded. */
const READING_MAX = 0.999;

/**
 * Fraction done: by the feature count a .dbf announces, else by bytes of the source files the
 * reader has reached (a GeoJSON, several files); undefined when neither is known (features handed
 * in by code), and the bar is then a counter. Never 100 % before the read is over.
 */
export function fraction(p: ImportProgress): number | undefined {
  if (p.phase !== 'read') return 1;
  if (p.fileCount === 1 && p.expected) return Math.min(READING_MAX, p.fileFeatures / p.expected);
  if (p.bytesTotal > 0) return Math.min(READING_MAX, p.bytes / p.bytesTotal);
  return undefined;
}

/** `1 feature`, `2 features`, `1,234 features`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr, tty = !!stream.isTTY): ProgressReporter {
  if (tty) {
    // The bar is created at the first report: with a percentage and an ETA when a fraction is known,
    // a plain counter otherwise (an ETA of a total nobody knows would be invented).
    let bar: cliProgress.SingleBar | undefined;
    let measured = false;
    return {
      onProgress(p) {
        const f = fraction(p);
        const payload = { phase: PHASE[p.phase], file: basename(p.file), features: p.features, rate: rate(p) };
        if (!bar) {
          measured = f !== undefined;
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: measured
                ? '{phase} {file} [{bar}] {percentage}% | {features} features | {rate} features/s | ETA {eta_formatted}'
                : '{phase} {file} | {features} features | {rate} features/s',
              barsize: 30,
              hideCursor: true,
              clearOnComplete: false,
              etaBuffer: 50,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(1000, Math.round((f ?? 0) * 1000), payload);
        } else bar.update(measured ? Math.round((f ?? 0) * 1000) : 0, payload);
      },
      stop() {
        bar?.stop();
      },
    };
  }
  let last = 0;
  let phase = '';
  return {
    onProgress(p) {
      const now = p.elapsedMs;
      if (p.phase === phase && now - last < 5000) return;
      last = now;
      phase = p.phase;
      const f = fraction(p);
      const eta = f && f > 0 && p.phase === 'read' ? ` ETA ${Math.round(((1 - f) * now) / f / 1000)} s,` : '';
      stream.write(
        `[import] ${PHASE[p.phase]} ${basename(p.file)}: ${plural(p.features, 'feature')}${f !== undefined && p.phase === 'read' ? ` (${Math.floor(f * 100)}%)` : ''},${eta} ${rate(p)} features/s, ${(now / 1000).toFixed(1)} s\n`,
      );
    },
    stop() {},
  };
}

/** The human summary printed after an import. */
export function formatSummary(s: ImportSummary): string {
  const lines = [
    `${s.layer} → ${s.table}: read ${s.read}, loaded ${s.loaded}, repaired ${s.repaired}, ${s.merged ? `merged ${s.merged}, ` : ''}rejected ${s.rejected}, replaced ${s.replaced} (old rows), ${s.seconds.toFixed(1)} s (${Math.round(s.read / Math.max(s.seconds, 1e-3))} features/s)`,
  ];
  // `features` is the format of features handed in by code (the demo): nothing to add to the count.
  for (const f of s.files) lines.push(`  ${f.file}: ${plural(f.features, 'feature')}${f.format === 'features' ? '' : `, ${f.format}`}, EPSG:${f.srid} (${f.crs})${f.encoding ? `, ${f.encoding}` : ''}`);
  for (const d of s.datasets) lines.push(`  dataset ${d.id}: ${plural(d.features, 'feature')}${d.checksum ? `, sha256 ${d.checksum.slice(0, 16)}…` : ''}`);
  if (s.repairs.length) {
    lines.push(`  repaired (first ${s.repairs.length} of ${s.repaired}):`);
    for (const r of s.repairs) lines.push(`    ${r.file}: feature ${r.feature}: ${r.reason}`);
  }
  if (s.merges?.length) {
    lines.push(`  merged (first ${s.merges.length} of ${s.merged}):`);
    for (const r of s.merges) lines.push(`    ${r.file}: ${r.reason}`);
  }
  if (s.rejections.length) {
    lines.push(`  rejected (first ${s.rejections.length} of ${s.rejected}):`);
    for (const r of s.rejections) lines.push(`    ${r.file}: feature ${r.feature}: ${r.reason}`);
  }
  return lines.join('\n');
}
