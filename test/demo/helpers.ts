import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDatabase } from '../helpers/scratch-db.ts';
import { BACKEND } from '../helpers/db.ts';

export const BIN = fileURLToPath(new URL('../../bin/terroir.js', import.meta.url));

/** An empty place for the CLI to store data: a data directory (PGlite) or a new database (PostgreSQL). */
export interface Place {
  args: string[];
  env: NodeJS.ProcessEnv;
  drop(): Promise<void>;
}

let n = 0;

export async function emptyPlace(): Promise<Place> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  // An empty cache of prepared databases: these tests are about building from nothing (the generation
  // path), whether or not `npm install` ran `terroir prepare` on this machine (it did in CI). The
  // prepared path has its own tests (test/commands/prepare.test.ts).
  const cache = mkdtempSync(join(tmpdir(), 'terroir-demo-cache-'));
  env.TERROIR_CACHE_DIR = cache;
  if (BACKEND === 'postgres') {
    const scratch = await scratchDatabase(process.env.DATABASE_URL!, `terroir_t_demo_${process.pid}_${n++}`);
    return {
      args: ['--database-url', scratch.url],
      env,
      async drop() {
        rmSync(cache, { recursive: true, force: true });
        await scratch.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'terroir-demo-cli-'));
  return {
    args: ['--data-dir', dir],
    env,
    drop: async () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `terroir <args>` to completion. */
export function terroir(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Server {
  child: ChildProcess;
  url: string;
  /** JSON log lines so far. */
  log(): Record<string, unknown>[];
  /** Everything the process wrote so far, stdout and stderr, as written. */
  output(): string;
  readyMs: number;
  stop(): Promise<number | null>;
}

/**
 * Starts `terroir serve --port 0` and resolves once it logs "terroir ready" (with the port it chose),
 * rejects as soon as it exits before that. `timeoutMs` is an optional last resort: without it the
 * wait is bounded by the work (the ready line or the exit) and the test's own timeout.
 */
export function startServer(place: Place, timeoutMs?: number): Promise<Server> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...place.args], { env: place.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let stderr = '';
    let raw = '';
    let url = '';
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`serve not ready after ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}; last log: ${JSON.stringify(lines.slice(-5))}`));
          }, timeoutMs);
    child.stderr.on('data', (d) => {
      stderr += d;
      raw += d;
    });
    child.stdout.on('data', (d) => {
      buf += d;
      raw += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let j: Record<string, unknown>;
        try {
          j = JSON.parse(line);
        } catch {
          continue;
        }
        lines.push(j);
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(j.msg ?? ''));
        if (m) url = m[1];
        if (j.msg === 'terroir ready') {
          clearTimeout(timer);
          const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
          resolve({
            child,
            url,
            log: () => lines,
            output: () => raw,
            readyMs: performance.now() - t0,
            stop: async () => {
              child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before being ready: ${stderr.slice(-2000)} ${JSON.stringify(lines.slice(-5))}`));
    });
  });
}
