/**
 * Seeded randomness for the JS side of the generator (names, crops, farm attributes). Every draw is a
 * pure function of (seed, key...): nothing depends on iteration order, so a change in how rows are
 * read (batch size, backend, plan) never changes the territory. The SQL side uses demo_u(), the same
 * idea with PostgreSQL's hashint8extended.
 */

/** 32-bit mix (splitmix/murmur finaliser). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash of a seed and integer keys to [0, 1). */
export function hash01(seed: number, ...keys: number[]): number {
  let a = mix32((seed | 0) ^ 0x9e3779b9);
  let b = mix32(Math.floor(seed / 4294967296) ^ 0x7f4a7c15);
  for (const k of keys) {
    const lo = k | 0;
    const hi = Math.floor(k / 4294967296) | 0;
    a = mix32(a ^ lo ^ Math.imul(b, 0x27d4eb2d));
    b = mix32(b ^ hi ^ Math.imul(a, 0x165667b1));
  }
  // 53 bits from two 32-bit words.
  return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
}

/** A small sequential generator for one entity (its own stream, seeded by hash01 of its key). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  constructor(seed: number, ...keys: number[]) {
    this.#a = Math.floor(hash01(seed, ...keys, 1) * 4294967296) >>> 0;
    this.#b = Math.floor(hash01(seed, ...keys, 2) * 4294967296) >>> 0;
    this.#c = Math.floor(hash01(seed, ...keys, 3) * 4294967296) >>> 0;
    this.#d = 1;
  }
  /** sfc32: fast, statistically sound for this purpose. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>> | readonly (readonly [K, number])[]): K {
    const entries = (Array.isArray(weights) ? weights : Object.entries(weights)) as [K, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1][0];
  }
}

/**
 * A smooth random field as the SQL function demo_wave() evaluates it: `n` plane waves with
 * wavelengths in [minWave, maxWave] metres, random directions and phases; amplitudes sum to 1.
 */
export function waveField(rng: Rng, n: number, minWave: number, maxWave: number): number[] {
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const lambda = minWave + (maxWave - minWave) * rng.next();
    const dir = rng.next() * Math.PI * 2;
    const k = (2 * Math.PI) / lambda;
    w.push(1 / n, k * Math.cos(dir), k * Math.sin(dir), rng.next() * Math.PI * 2);
  }
  return w;
}
