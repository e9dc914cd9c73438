/**
 * One resumable, verified, conditional download.
 *
 * - Bytes go to `<name>.part`; `<name>.part.json` keeps the URL and the validator (strong ETag or
 *   Last-Modified) of the answer that started it. An interrupted run (connection dropped, process
 *   killed) continues with `Range: bytes=<size>-` and `If-Range: <validator>`: the server sends the
 *   rest (206) if the file is unchanged, or the whole new file (200) if it changed.
 * - A complete file is hashed (sha256, plus the producer's algorithm when a checksum is published),
 *   verified, then renamed over `<name>`: a bad or partial file is never left under the final name.
 * - A file already in the manifest, still matching its sha256 on disk, is revalidated with
 *   If-None-Match / If-Modified-Since: 304 means nothing is downloaded.
 * - 5xx, 429 and network errors are retried with backoff; the partial bytes are kept between attempts.
 */
import { createWriteStream, type WriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ChecksumError, HttpStatusError } from './errors.ts';
import { hashFile, type PublishedChecksum } from './checksum.ts';
import { baseHeaders, idleAbort, isRetryableStatus, RetryableError, withRetries, type HttpOptions } from './http.ts';
import type { Manifest, ManifestEntry } from './manifest.ts';
import { silentProgress, type ProgressSink } from './progress.ts';

export interface DownloadRequest {
  url: string;
  dir: string;
  fileName: string;
  manifest: Manifest;
  published?: PublishedChecksum;
  progress?: ProgressSink;
  http?: HttpOptions;
  /** Download again even when the server says unchanged. */
  force?: boolean;
}

export type DownloadStatus =
  /** First download of this file. */
  | 'new'
  /** The server had a different file; the old one was replaced. */
  | 'updated'
  /** Nothing changed: a 304, or identical bytes (same sha256) from a server without validators. */
  | 'unchanged';

export interface DownloadResult {
  status: DownloadStatus;
  path: string;
  fileName: string;
  url: string;
  size: number;
  sha256: string;
  /** True when the transfer continued a partial file left by an earlier attempt or run. */
  resumed: boolean;
  /** Bytes received over the network during this call. */
  transferred: number;
  verified?: PublishedChecksum;
}

interface PartMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  total?: number;
}

type Outcome = { kind: 'not-modified'; etag?: string; lastModified?: string } | { kind: 'complete' };

export function parseContentRange(v: string | null): { start: number; end: number; total?: number } | { unsatisfied: number } | null {
  if (!v) return null;
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(v.trim());
  if (m) return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
  const u = /^bytes\s+\*\/(\d+)$/i.exec(v.trim());
  if (u) return { unsatisfied: Number(u[1]) };
  return null;
}

/** If-Range needs a strong validator: a strong ETag, else Last-Modified. */
function ifRangeValidator(m: PartMeta): string | undefined {
  if (m.etag && !m.etag.startsWith('W/')) return m.etag;
  return m.lastModified;
}

function readPartMeta(path: string): PartMeta | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PartMeta;
  } catch {
    return undefined;
  }
}

export async function downloadFile(req: DownloadRequest): Promise<DownloadResult> {
  const { url, dir, fileName, manifest } = req;
  const progress = req.progress ?? silentProgress;
  const http = req.http ?? {};
  const doFetch = http.fetchImpl ?? fetch;
  mkdirSync(dir, { recursive: true });
  const finalPath = join(dir, fileName);
  const partPath = `${finalPath}.part`;
  const partMetaPath = `${partPath}.json`;

  const discardPart = () => {
    rmSync(partPath, { force: true });
    rmSync(partMetaPath, { force: true });
  };

  // A previous complete download: still the bytes the manifest recorded?
  const previous: ManifestEntry | undefined = manifest.get(fileName);
  let haveLocal = false;
  if (previous && existsSync(finalPath)) {
    if (statSync(finalPath).size === previous.size) haveLocal = (await hashFile(finalPath)).sha256 === previous.sha256;
    if (!haveLocal) progress.note(`${fileName}: the file on disk no longer matches the manifest; downloading it again`);
  }
  const conditional = haveLocal && !req.force && previous!.url === url ? previous! : undefined;

  let partMeta = readPartMeta(partMetaPath);
  if (!existsSync(partPath) || !partMeta || partMeta.url !== url) {
    if (existsSync(partPath) && partMeta?.url !== url) progress.note(`${fileName}: discarding a partial download of another URL`);
    discardPart();
    partMeta = undefined;
  }

  let resumed = false;
  let transferred = 0;

  const outcome = await withRetries<Outcome>(url, http, async () => {
    let offset = partMeta && existsSync(partPath) ? statSync(partPath).size : 0;
    const validator = partMeta ? ifRangeValidator(partMeta) : undefined;
    if (offset > 0 && !validator) {
      // Without a validator the rest could belong to a newer file: start again rather than mix.
      progress.note(`${fileName}: the server gave no ETag/Last-Modified, so the partial file cannot be resumed safely; restarting`);
      discardPart();
      partMeta = undefined;
      offset = 0;
    }
    const resuming = offset > 0;
    const headers = baseHeaders();
    if (resuming) {
      headers.range = `bytes=${offset}-`;
      headers['if-range'] = validator!;
    } else if (conditional) {
      if (conditional.etag) headers['if-none-match'] = conditional.etag;
      if (conditional.lastModified) headers['if-modified-since'] = conditional.lastModified;
    }

    const idle = idleAbort(http.idleTimeoutMs ?? 120_000);
    try {
      const res = await doFetch(url, { headers, redirect: 'follow', signal: idle.signal });
      const etag = res.headers.get('etag') ?? undefined;
      const lastModified = res.headers.get('last-modified') ?? undefined;

      if (res.status === 304 && conditional && !resuming) {
        await res.body?.cancel();
        return { kind: 'not-modified', etag, lastModified };
      }
      if (isRetryableStatus(res.status)) {
        await res.body?.cancel();
        throw new RetryableError(`HTTP ${res.status} ${res.statusText}`, res.headers.get('retry-after'));
      }
      if (res.status === 416 && resuming) {
        await res.body?.cancel();
        const cr = parseContentRange(res.headers.get('content-range'));
        if (cr && 'unsatisfied' in cr && cr.unsatisfied === offset) return { kind: 'complete' };
        discardPart();
        partMeta = undefined;
        throw new RetryableError('the server refused the range of the partial file; restarting from the beginning');
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new HttpStatusError(url, res.status, res.statusText, res.status === 404 ? 'not published at this address' : '');
      }
      if (!res.body) throw new RetryableError('empty answer body');

      let start = 0;
      let total: number | undefined;
      if (res.status === 206) {
        const cr = parseContentRange(res.headers.get('content-range'));
        if (!cr || !('start' in cr) || cr.start !== offset) {
          await res.body.cancel();
          discardPart();
          partMeta = undefined;
          throw new RetryableError(`unexpected Content-Range "${res.headers.get('content-range')}" for a resume at ${offset}`);
        }
        start = offset;
        total = cr.total ?? partMeta?.total;
        resumed = true;
      } else {
        // 200: the whole file, either a fresh start, or If-Range saw a changed file, or the server ignores Range.
        if (resuming) progress.note(`${fileName}: the file changed on the server (or Range is not supported); starting again`);
        const len = res.headers.get('content-length');
        total = len !== null && /^\d+$/.test(len) ? Number(len) : undefined;
        partMeta = { url, etag, lastModified, total };
        writeFileSync(partMetaPath, JSON.stringify(partMeta));
      }

      progress.start(fileName, total, start);
      const out = createWriteStream(partPath, { flags: start > 0 ? 'a' : 'w' });
      try {
        await writeAll(Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>), out, (n) => {
          idle.touch();
          transferred += n;
          progress.advance(n);
        });
      } catch (e) {
        progress.end(false);
        throw e;
      }
      progress.end(true);
      const size = statSync(partPath).size;
      if (total !== undefined && size < total) throw new RetryableError(`connection closed after ${size} of ${total} bytes`);
      if (total !== undefined && size > total) {
        discardPart();
        partMeta = undefined;
        throw new RetryableError(`received ${size} bytes, more than the announced ${total}; restarting`);
      }
      return { kind: 'complete' };
    } finally {
      idle.clear();
    }
  });

  const now = new Date().toISOString();
  if (outcome.kind === 'not-modified') {
    const entry: ManifestEntry = {
      ...conditional!,
      etag: outcome.etag ?? conditional!.etag,
      lastModified: outcome.lastModified ?? conditional!.lastModified,
      checkedAt: now,
    };
    manifest.set(fileName, entry);
    return { status: 'unchanged', path: finalPath, fileName, url, size: entry.size, sha256: entry.sha256, resumed, transferred, verified: entry.verified };
  }

  const hashes = await hashFile(partPath, req.published ? [req.published.algorithm] : []);
  if (req.published) {
    const actual = hashes[req.published.algorithm];
    if (actual !== req.published.value.toLowerCase()) {
      discardPart();
      throw new ChecksumError(fileName, url, req.published.algorithm, req.published.value.toLowerCase(), actual, req.published.from);
    }
  }
  const meta = partMeta as PartMeta | undefined;
  renameSync(partPath, finalPath);
  rmSync(partMetaPath, { force: true });
  const same = previous !== undefined && previous.sha256 === hashes.sha256;
  const entry: ManifestEntry = {
    url,
    size: hashes.size,
    sha256: hashes.sha256,
    ...(meta?.etag ? { etag: meta.etag } : {}),
    ...(meta?.lastModified ? { lastModified: meta.lastModified } : {}),
    fetchedAt: same ? previous!.fetchedAt : now,
    checkedAt: now,
    ...(req.published ? { verified: req.published } : {}),
    // Same bytes: an extraction made from them is still valid.
    ...(same && previous!.extractedSha256 ? { extractedSha256: previous!.extractedSha256, extractedTo: previous!.extractedTo } : {}),
  };
  manifest.set(fileName, entry);
  return {
    status: same ? 'unchanged' : previous ? 'updated' : 'new',
    path: finalPath,
    fileName,
    url,
    size: hashes.size,
    sha256: hashes.sha256,
    resumed,
    transferred,
    verified: req.published,
  };
}

/**
 * Copies `source` into the file stream, then closes the file whether the source ended or failed:
 * every byte received is on disk for the next attempt to resume from. (stream.pipeline destroys the
 * file stream on a source error, dropping writes still buffered: a cut connection could leave the
 * partial file short or empty, and the next attempt start again from zero.)
 */
async function writeAll(source: AsyncIterable<Buffer>, out: WriteStream, onChunk: (bytes: number) => void): Promise<void> {
  try {
    for await (const chunk of source) {
      onChunk(chunk.length);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    if (!out.destroyed) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    else if (!out.closed) await once(out, 'close');
  }
}
