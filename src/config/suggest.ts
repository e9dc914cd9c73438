/**
 * "Did you mean": the known names closest to a misspelt one (a layer, a command, a variable), by
 * edit distance. A name is suggested when it is within a third of its length of edits, or when one
 * name contains the other (`parcelle` → `cadastre.parcelle`, `rpg.parcelles` → `rpg.parcelle`).
 */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** At most `max` known names close to `input`, closest first (an empty list when none is close). */
export function closest(input: string, known: readonly string[], max = 3): string[] {
  const x = input.toLowerCase();
  return known
    .map((name) => {
      const n = name.toLowerCase();
      const d = distance(x, n);
      const contained = x.length >= 3 && (n.includes(x) || x.includes(n));
      return { name, d: contained ? Math.min(d, 1) : d, ok: contained || d <= Math.max(1, Math.floor(Math.max(x.length, n.length) / 3)) };
    })
    .filter((c) => c.ok)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .filter((c, _, all) => c.d === all[0].d) // the closest only: one clear suggestion beats a list
    .slice(0, max)
    .map((c) => c.name);
}

/** ` (did you mean X?)` / ` (did you mean X or Y?)`, or '' when nothing is close. */
export function didYouMean(input: string, known: readonly string[]): string {
  const c = closest(input, known);
  if (!c.length) return '';
  return ` (did you mean ${c.length === 1 ? c[0] : `${c.slice(0, -1).join(', ')} or ${c[c.length - 1]}`}?)`;
}
