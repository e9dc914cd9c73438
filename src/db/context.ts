/**
 * What the database layer knows of the request a statement runs for (issue 11): its abort signal
 * (deadline passed, client gone: the statement is cancelled on PostgreSQL, and a request's later
 * statements are not started at all), and whether it is heavy (a large input geometry: its
 * statements go through the bounded heavy lane, so heavy requests can never hold every pooled
 * connection and point queries keep theirs). Carried by AsyncLocalStorage: the HTTP layer enters it
 * once per request (src/http/deadline.ts, wired in app.ts); code between never passes it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface QueryContext {
  signal: AbortSignal;
  /**
   * When the request's deadline passes (epoch ms). Checked around each statement as well as by
   * the timer: the embedded database runs on this thread, so no timer fires during its statement.
   */
  deadline?: number;
  lane?: Lane;
  /** Set by whoever finds the request heavy (the `geom` parser: vertex count, extent). */
  heavy: boolean;
}

const store = new AsyncLocalStorage<QueryContext>();

/** Runs `fn` (and everything it starts) with `ctx` as the current query context. */
export function runWithQueryContext<T>(ctx: QueryContext, fn: () => T): T {
  return store.run(ctx, fn);
}

export function queryContext(): QueryContext | undefined {
  return store.getStore();
}

/** Marks the current request heavy (no effect outside a request). */
export function markHeavy(): void {
  const ctx = store.getStore();
  if (ctx) ctx.heavy = true;
}

/** A statement not started, or cancelled, because its request ended (deadline or client gone). */
export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
  readonly code = 'TERROIR_ABORTED';
}

/** The heavy lane is full: the request is refused at once (503 with Retry-After). */
export class LaneFullError extends Error {
  override name = 'LaneFullError';
  readonly code = 'TERROIR_BUSY';
}

/**
 * A counting semaphore with a bounded queue: at most `slots` statements of heavy requests at once,
 * at most `queue` waiting; a waiter whose request ends leaves the queue.
 */
export class Lane {
  #busy = 0;
  readonly #waiting: { go: () => void; fail: (e: Error) => void }[] = [];

  constructor(
    readonly slots: number,
    readonly queue: number,
  ) {}

  get busy(): number {
    return this.#busy;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#busy < this.slots) {
      this.#busy++;
      return this.#releaser();
    }
    if (this.#waiting.length >= this.queue) throw new LaneFullError(`heavy lane full (${this.slots} running, ${this.queue} waiting)`);
    await new Promise<void>((resolve, reject) => {
      const entry = {
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(new RequestAbortedError('request ended while waiting in the heavy lane'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.shift();
      if (next) next.go();
      else this.#busy--;
    };
  }
}

/**
 * Runs one statement of the current request: refused when the request already ended, through the
 * heavy lane when the request is heavy. `run` receives the signal to cancel on.
 */
export async function inQueryContext<T>(run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const ctx = store.getStore();
  if (!ctx) return run(undefined);
  const ended = () => ctx.signal.aborted || (ctx.deadline !== undefined && Date.now() > ctx.deadline);
  if (ended()) throw new RequestAbortedError('request ended before this statement');
  const release = ctx.heavy && ctx.lane ? await ctx.lane.acquire(ctx.signal) : undefined;
  try {
    const result = await run(ctx.signal);
    if (ended()) throw new RequestAbortedError('request past its deadline');
    return result;
  } finally {
    release?.();
  }
}
