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
 * When process `pid` started (clock ticks since boot, /proc/<pid>/stat field 22), or undefined where
 * /proc is not there. With the pid in the lock it tells the holder from a later process that
 * happens to get the same pid: a pid alone is reused after a reboot or enough processes.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The holder the lock file names is this very process, still running (not a reuse of its pid). */
function holderAlive(pid: number, start: string | undefined): boolean {
  if (!(pid === process.pid || alive(pid))) return false;
  if (start === undefined) return true; // a lock written without start time: the pid is all there is
  const now = processStartTime(pid);
  return now === undefined || now === start;
}

/**
 * An exclusive lock on an embedded data directory. PGlite is a single-process database: two
 * processes writing the same files corrupt them, so the second one must fail with a clear message.
 * The lock names the holder's pid, host and start time. A lock left by a killed process (its pid
 * gone, or now another process's: the start time differs) is stale and taken over; `onStale` then
 * lets the caller clear what that process left behind.
 */
export function acquireDataDirLock(dir: string, onStale: () => void): () => void {
  const path = join(dir, 'terroir.lock');
  const start = processStartTime(process.pid);
  const me = `${process.pid}@${hostname()}${start === undefined ? '' : `@${start}`}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const [pidText, host, started] = readFileSync(path, 'utf8').split('@');
      const pid = Number(pidText);
      if (host === hostname() && Number.isInteger(pid) && holderAlive(pid, started)) {
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
