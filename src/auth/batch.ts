import { outsideRequest } from '../db/context.ts';

/**
 * Group commit in the process: calls made while a flush is running wait and go together in the next
 * one. A lone call is flushed at once (no timer, no added latency when idle); under load, one
 * statement and one commit serve a whole batch instead of every request queueing on the same row
 * lock (a key's quota counter) or advisory lock (the audit chain) and paying its own WAL flush.
 * Measured in bench/auth.ts (docs/access.md).
 */
export function batcher<I, O>(
  flush: (items: I[]) => Promise<O[]>,
  limits: { items?: number; weight?: (item: I) => number; maxWeight?: number } = {},
): (item: I) => Promise<O> {
  const { items = 256, weight = () => 0, maxWeight = Infinity } = limits;
  let queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = false;
  async function run() {
    running = true;
    while (queue.length) {
      // At least one item; then as many as fit (a few large audit rows make a batch of their own).
      let n = 1;
      let w = weight(queue[0].item);
      while (n < queue.length && n < items && (w += weight(queue[n].item)) <= maxWeight) n++;
      const batch = queue.slice(0, n);
      queue = queue.slice(n);
      try {
        const out = await flush(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(out[i]));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    running = false;
  }
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // The flush serves every waiting request: it runs in none of their contexts (a request that
      // ends, client gone or deadline passed, must not cancel the others' counts or audit rows).
      if (!running) outsideRequest(() => void run());
    });
}
