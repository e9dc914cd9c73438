/**
 * What `terroir serve` and `terroir prepare` print. On a terminal: short lines a person reads (what
 * start-up is doing, a progress bar, one "ready" line with URLs to try, then one line per request
 * and any warning). Otherwise (a pipe, a container, a log collector) or with LOG_FORMAT=json: pino's
 * JSON lines, as before. Written here rather than with pino-pretty, which prints every log object
 * field by field: the human console shows fewer things, not the same things in colour.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Config } from '../config/schema.ts';

/**
 * Progress reports of one default demo generation (geometry steps, one per commune's cadastre, per
 * campaign, per layer loaded…): the demo bar's 100 %. Counted, not promised: the bar stops at 99 %
 * until the generator says it is done, whatever the count.
 */
export const DEMO_STEPS = 33;

export type Fields = Record<string, unknown>;

export interface StepProgress {
  /** One step done (`note`: what it was). */
  tick(note: string, fields?: Fields): void;
  /** The whole thing done: the bar is completed and `message` printed. */
  done(message: string, fields?: Fields): void;
}

export interface Console {
  readonly human: boolean;
  /** A line saying what happens now (human), or an info log line (JSON). */
  step(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  /** A step of `total` parts: a bar on a terminal, a log line per part otherwise. */
  progress(label: string, total: number): StepProgress;
  /** The destination of the service's own logger (Fastify): human lines, or undefined for JSON on stdout. */
  readonly logStream?: pino.DestinationStream;
}

/** Human unless told otherwise or not on a terminal. */
export function isHuman(config: Pick<Config, 'logFormat'>, out: { isTTY?: boolean } = process.stdout): boolean {
  return config.logFormat === 'human' || (config.logFormat === 'auto' && !!out.isTTY);
}

const LEVEL_AT_LEAST: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export function startConsole(config: Pick<Config, 'logFormat' | 'logLevel'>, out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stdout): Console {
  if (!isHuman(config, out)) return jsonConsole(config, out);
  const threshold = LEVEL_AT_LEAST[config.logLevel] ?? 30;
  const tty = !!out.isTTY;
  const write = (line: string) => out.write(`${line}\n`);
  return {
    human: true,
    step: (message) => threshold <= 30 && write(message),
    warn: (message, fields) => threshold <= 40 && write(`warning: ${message}${fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`),
    progress(label, total) {
      let n = 0;
      let last = '';
      const draw = (note: string, final = false) => {
        if (threshold > 30) return;
        const f = final ? 1 : Math.min(0.99, n / Math.max(total, 1));
        const width = 24;
        const full = Math.round(f * width);
        const line = `${label} [${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}% ${note}`;
        const cut = line.slice(0, Math.max(20, (out.columns ?? 100) - 1));
        if (tty) out.write(`\r${cut.padEnd(last.length)}`);
        else if (final) write(cut);
        last = cut;
      };
      draw('');
      return {
        tick(note) {
          n++;
          draw(note);
        },
        done(message) {
          draw('', true);
          if (tty && threshold <= 30) out.write('\n');
          write(message);
        },
      };
    },
    logStream: humanLogStream(out, threshold),
  };
}

function jsonConsole(config: Pick<Config, 'logLevel'>, out: NodeJS.WritableStream): Console {
  const log = pino({ level: config.logLevel }, out as pino.DestinationStream);
  return {
    human: false,
    step: (message, fields = {}) => log.info(fields, message),
    warn: (message, fields = {}) => log.warn(fields, message),
    progress(label) {
      return {
        tick: (note, fields = {}) => log.info({ ...fields, step: note }, label),
        done: (message, fields = {}) => log.info(fields, message),
      };
    },
  };
}

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string };
  [k: string]: unknown;
}

/**
 * Pino's JSON lines turned into a person's: a request as `GET /url → 200 (3 ms)` (its method and URL
 * are logged when it comes in, its status when it completes), a warning or an error with its
 * message. Other information lines only at LOG_LEVEL=debug or below.
 */
export function humanLogStream(out: NodeJS.WritableStream, threshold: number): pino.DestinationStream {
  const pending = new Map<string, string>();
  let rest = '';
  const line = (text: string) => {
    let o: LogLine;
    try {
      o = JSON.parse(text);
    } catch {
      out.write(`${text}\n`);
      return;
    }
    if (o.msg === 'incoming request' && o.reqId) {
      pending.set(o.reqId, `${o.req?.method ?? ''} ${o.req?.url ?? ''}`);
      if (pending.size > 10_000) pending.delete(pending.keys().next().value!);
      return;
    }
    if (o.msg === 'request completed' && o.reqId) {
      const what = pending.get(o.reqId) ?? '';
      pending.delete(o.reqId);
      out.write(`${what} → ${o.res?.statusCode ?? '?'} (${Math.round(o.responseTime ?? 0)} ms)\n`);
      return;
    }
    if (o.level >= 50) out.write(`error: ${o.msg ?? ''}${o.err?.message ? `: ${o.err.message}` : ''}\n`);
    else if (o.level >= 40) out.write(`warning: ${o.msg ?? ''}\n`);
    else if (o.level >= threshold && threshold < 30) out.write(`${o.msg ?? ''}\n`);
  };
  return new Writable({
    write(chunk, _enc, done) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) line(l);
      done();
    },
  }) as unknown as pino.DestinationStream;
}
