/**
 * HTTP plumbing shared by the downloader and the sources' discovery requests (Atom feeds, JSON APIs,
 * published .md5 files): one retry policy (5xx, 429 and network errors, exponential backoff with
 * jitter, Retry-After honoured), identity encoding, a user agent naming the tool.
 */
import { HttpStatusError, RetriesExhaustedError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in all (first try included). */
  attempts: number;
  /** First backoff delay; doubled each attempt, capped by maxDelayMs, ±25 % jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

export interface HttpOptions {
  retry?: Partial<RetryPolicy>;
  /** For tests: a fetch to use instead of the global one. */
  fetchImpl?: typeof fetch;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (the CLI prints it: a silent wait of a minute looks like a hang). */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Aborts the request when no byte arrives for this long (a stalled connection is an error to retry). */
  idleTimeoutMs?: number;
}

export const USER_AGENT = 'terroir-fetch/0.1 (open data downloader of the Terroir service)';

export function retryPolicy(o: HttpOptions): RetryPolicy {
  return { ...DEFAULT_RETRY, ...(o.retry ?? {}) };
}

export const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Statuses worth another attempt: the server or a proxy is overloaded or restarting. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Delay before attempt `attempt + 1` (attempt counts from 1). Retry-After (seconds or date) wins when given. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfter?: string | null, now = Date.now()): number {
  if (retryAfter) {
    const secs = Number(retryAfter);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, policy.maxDelayMs);
  }
  const exp = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(exp * (0.75 + Math.random() * 0.5));
}

/** A short reason for a thrown fetch/stream error (undici hides the socket error in `cause`). */
export function errorReason(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause ? ` (${err.cause.code ?? err.cause.message})` : '';
  return `${err.message ?? String(e)}${cause}`;
}

/** Thrown inside an attempt to ask for another one (status or network failure). */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfter?: string | null,
  ) {
    super(message);
  }
}

/**
 * Runs `attempt` until it returns, retrying on RetryableError and on network errors (TypeError
 * "fetch failed", stream "terminated", aborts from the idle timer). Anything else propagates at once.
 */
export async function withRetries<T>(url: string, o: HttpOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  const policy = retryPolicy(o);
  const sleep = o.sleep ?? defaultSleep;
  let last = '';
  for (let n = 1; n <= policy.attempts; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (!isRetryable(e)) throw e;
      last = errorReason(e);
      if (n === policy.attempts) break;
      const delayMs = backoffDelay(policy, n, e instanceof RetryableError ? e.retryAfter : null);
      o.onRetry?.({ url, attempt: n, delayMs, reason: last });
      await sleep(delayMs);
    }
  }
  throw new RetriesExhaustedError(url, policy.attempts, last);
}

function isRetryable(e: unknown): boolean {
  if (e instanceof RetryableError) return true;
  if (e instanceof HttpStatusError) return false;
  const name = (e as Error)?.name;
  // fetch() network failures are TypeErrors; a body cut short rejects with TypeError "terminated"
  // or an undici SocketError; our idle timer aborts with an AbortError/TimeoutError.
  return name === 'TypeError' || name === 'AbortError' || name === 'TimeoutError' || name === 'SocketError' ||
    (e as { code?: string })?.code === 'ECONNRESET' || (e as { code?: string })?.code === 'UND_ERR_SOCKET';
}

/** An AbortController that fires when `touch()` has not been called for `ms`. */
export function idleAbort(ms: number | undefined) {
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    if (!ms) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(Object.assign(new Error(`no data for ${ms} ms`), { name: 'TimeoutError' })), ms);
    timer.unref();
  };
  touch();
  return { signal: ctrl.signal, touch, clear: () => timer && clearTimeout(timer) };
}

export function baseHeaders(extra: Record<string, string> = {}): Record<string, string> {
  // identity: the bytes on disk must be the bytes published (checksums, Range offsets); a
  // transparently decoded gzip body would break both.
  return { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...extra };
}

export interface TextAnswer {
  status: number;
  url: string;
  text: string;
  headers: Headers;
}

/**
 * GET a small document (feed, JSON, .md5) with retries. 404 throws HttpStatusError naming the URL,
 * unless `allow404`, which returns `null` (a probe for a name that may not exist).
 */
export async function getText(url: string, o: HttpOptions & { allow404?: boolean; accept?: string } = {}): Promise<TextAnswer | null> {
  const doFetch = o.fetchImpl ?? fetch;
  return withRetries(url, o, async () => {
    const idle = idleAbort(o.idleTimeoutMs ?? 60_000);
    try {
      const res = await doFetch(url, {
        headers: baseHeaders(o.accept ? { accept: o.accept } : {}),
        redirect: 'follow',
        signal: idle.signal,
      });
      if (res.status === 404 && o.allow404) {
        await res.body?.cancel();
        return null;
      }
      if (isRetryableStatus(res.status)) {
        await res.body?.cancel();
        throw new RetryableError(`HTTP ${res.status} ${res.statusText}`, res.headers.get('retry-after'));
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new HttpStatusError(url, res.status, res.statusText);
      }
      const text = await res.text();
      return { status: res.status, url: res.url || url, text, headers: res.headers };
    } finally {
      idle.clear();
    }
  });
}

export async function getJson<T>(url: string, o: HttpOptions = {}): Promise<T> {
  const a = (await getText(url, { ...o, accept: 'application/json' }))!;
  try {
    return JSON.parse(a.text) as T;
  } catch {
    throw new Error(`expected JSON from ${url}, got: ${a.text.slice(0, 120).replace(/\s+/g, ' ')}`);
  }
}

/** Joins a base URL (with or without trailing slash) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
