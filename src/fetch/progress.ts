/**
 * The progress line of `terroir fetch`. On a terminal: one line rewritten in place (name, percent,
 * bytes, rate); in a log (not a TTY): a line at start, at every 10 % and at the end, so a cron log
 * shows progress without thousands of carriage returns.
 */
export interface ProgressSink {
  /** A transfer begins: `total` bytes when known, `from` > 0 when resuming a partial file. */
  start(name: string, total: number | undefined, from: number): void;
  /** `bytes` more received. */
  advance(bytes: number): void;
  /** The transfer ended (or was interrupted: `ok` false; a retry may follow). */
  end(ok: boolean): void;
  /** A message line (retry, skip, verification). */
  note(message: string): void;
}

export const silentProgress: ProgressSink = { start() {}, advance() {}, end() {}, note() {} };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** The text of one progress line (exported for tests). */
export function progressLine(name: string, done: number, total: number | undefined, bytesPerSec: number): string {
  const pct = total ? `${((100 * done) / total).toFixed(1).padStart(5)}% ` : '';
  const of = total ? ` / ${formatBytes(total)}` : '';
  const rate = bytesPerSec > 0 ? `  ${formatBytes(Math.round(bytesPerSec))}/s` : '';
  const eta = total && bytesPerSec > 0 ? `  ETA ${formatDuration((total - done) / bytesPerSec)}` : '';
  return `${name}  ${pct}${formatBytes(done)}${of}${rate}${eta}`;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function streamProgress(out: NodeJS.WriteStream = process.stderr): ProgressSink {
  const tty = Boolean(out.isTTY);
  let name = '';
  let total: number | undefined;
  let done = 0;
  let startedAt = 0;
  let startBytes = 0;
  let lastDraw = 0;
  let lastDecile = -1;
  let width = 0;
  let lastPrintedDone = -1;
  const rate = () => {
    const s = (Date.now() - startedAt) / 1000;
    return s > 0 ? (done - startBytes) / s : 0;
  };
  const draw = (force = false) => {
    const now = Date.now();
    if (tty) {
      if (!force && now - lastDraw < 200) return;
      lastDraw = now;
      const line = progressLine(name, done, total, rate());
      out.write(`\r${line.padEnd(width)}`);
      width = line.length;
    } else if (total) {
      const decile = Math.floor((10 * done) / total);
      if ((decile !== lastDecile || force) && done !== lastPrintedDone) {
        lastDecile = decile;
        lastPrintedDone = done;
        out.write(`${progressLine(name, done, total, rate())}\n`);
      }
    } else if ((force || now - lastDraw > 30_000) && done !== lastPrintedDone) {
      lastDraw = now;
      lastPrintedDone = done;
      out.write(`${progressLine(name, done, total, rate())}\n`);
    }
  };
  return {
    start(n, t, from) {
      name = n;
      total = t;
      done = from;
      startBytes = from;
      startedAt = Date.now();
      lastDecile = total ? Math.floor((10 * done) / total) : -1;
      lastPrintedDone = -1;
      width = 0;
      if (from > 0) out.write(`${n}: resuming at ${formatBytes(from)}${t ? ` of ${formatBytes(t)}` : ''}\n`);
      draw(true);
    },
    advance(bytes) {
      done += bytes;
      draw();
    },
    end(ok) {
      if (tty) {
        draw(true);
        out.write('\n');
      } else if (ok) draw(true);
    },
    note(message) {
      out.write(`${message}\n`);
    },
  };
}
