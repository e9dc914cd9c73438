import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock on an embedded data directory. PGlite is a single-process database: two
 * processes writing the same files corrupt them, so the second one must fail with a clear message.
 * A lock left by a killed process (its pid is gone) is stale and taken over; `onStale` then lets the
 * caller clear what that process left behind.
 */
export function acquireDataDirLock(dir: string, onStale: () => void): () => void {
  const path = join(dir, 'terroir.lock');
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const [pidText, host] = readFileSync(path, 'utf8').split('@');
      const pid = Number(pidText);
      if (host === hostname() && Number.isInteger(pid) && (pid === process.pid || alive(pid))) {
        throw new DataDirLockedError(
          `data directory ${dir} is in use by process ${pid}; stop it or choose another TERROIR_DATA_DIR`,
        );
      }
      if (host !== hostname() && host !== undefined) {
        throw new DataDirLockedError(`data directory ${dir} is locked by ${pidText}@${host}; remove ${path} if that host is gone`);
      }
      rmSync(path, { force: true });
      onStale();
    }
  }
  throw new DataDirLockedError(`could not lock data directory ${dir}`);
}
