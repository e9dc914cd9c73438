// What the start-up bundle (scripts/build-server.mjs) was built from: every file under src/ by path,
// size and modification time. bin/terroir.js compares it with the sources as they are before using
// the bundle, so an edited, pulled or checked-out source is never shadowed by a stale bundle (it then
// runs the sources through tsx, as before the bundle existed). Reading metadata only: ~230 files in
// a few milliseconds, where hashing their content would read them all at every start.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sourceFingerprint(dir) {
  const h = createHash('sha256');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else h.update(`${p.slice(dir.length)}\0${s.size}\0${s.mtimeMs}\n`);
    }
  };
  walk(dir);
  return h.digest('hex');
}
