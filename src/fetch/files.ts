import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Files under `dir` (recursively) whose base name matches, sorted (archives nest their data in dated folders). */
export function findFiles(dir: string, name: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (name.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
