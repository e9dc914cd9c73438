/**
 * `terroir serve` as a child process, awaited until it says it is ready (the JSON `terroir ready`
 * line or the human `Terroir is ready on …` line), never for a fixed time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';

export interface Served {
  child: ChildProcessWithoutNullStreams;
  /** http://127.0.0.1:<port>, the port the service chose (`--port 0`). */
  url: string;
  /** The ready line's URLs to try. */
  tryUrls: string[];
  stdout(): string;
  stderr(): string;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

export async function startServe(env: Record<string, string>, args: string[] = [], timeoutMs = 240_000): Promise<Served> {
  const child = spawn(process.execPath, ['bin/terroir.js', 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise<{ url: string; tryUrls: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within ${timeoutMs / 1000} s:\n${out}\n${err}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const json = /^\{.*"msg":"terroir ready".*\}$/m.exec(out);
      if (json) {
        clearTimeout(timer);
        const o = JSON.parse(json[0]);
        resolve({ url: o.url, tryUrls: o.try });
        return;
      }
      const human = /Terroir is ready on (\S+) — try:\n((?: {2}\S+\n)+)/.exec(out);
      if (human) {
        clearTimeout(timer);
        resolve({ url: human[1], tryUrls: human[2].trim().split(/\s+/) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready:\n${out}\n${err}`));
    });
  });
  const { url, tryUrls } = await ready;
  const local = (u: string) => u.replace('//localhost:', '//127.0.0.1:');
  return {
    child,
    url: local(url),
    tryUrls: tryUrls.map(local),
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}
