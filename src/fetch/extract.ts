/**
 * 7z extraction for the IGN archives (RPG, ADMIN EXPRESS), through the system's 7-Zip: `7zz`
 * (Debian package `7zip`, 7-Zip itself, security-maintained) or `7z`/`7za` (package `p7zip-full`).
 * No pure-JavaScript 7z reader handles the LZMA2 multi-gigabyte, multi-volume archives IGN publishes,
 * and the npm package that bundles a binary (7zip-bin) ships p7zip 16.02 from 2016; so without a
 * system 7-Zip, `terroir fetch` downloads and verifies, and says how to extract.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const SEVEN_ZIP_NAMES = ['7zz', '7z', '7za'];

/** The first 7-Zip executable on PATH, or null. */
export function find7z(pathEnv: string | undefined = process.env.PATH): string | null {
  for (const dir of (pathEnv ?? '').split(delimiter).filter(Boolean)) {
    for (const name of SEVEN_ZIP_NAMES) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not there, or not executable
      }
    }
  }
  return null;
}

/**
 * Extracts `archive` (a .7z, or the first volume .7z.001 of a split archive, the others beside it)
 * into `outDir`, through `<outDir>.partial` so an interrupted extraction is never taken for a good one.
 */
export async function extract7z(bin: string, archive: string, outDir: string): Promise<void> {
  const partial = `${outDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const stderr: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, ['x', '-y', '-bso0', '-bsp0', `-o${partial}`, archive], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`${bin} could not extract ${archive} (exit ${code}): ${stderr.join('').trim().split('\n').slice(-3).join(' ')}`);
  }
  if (existsSync(outDir)) rmSync(outDir, { recursive: true, force: true });
  renameSync(partial, outDir);
}
