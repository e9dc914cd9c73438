import { createReadStream, statSync } from 'node:fs';

/**
 * Exact-length reads over a stream of Buffers (a file, a zip entry, a gunzip stream), for the binary
 * readers. Reads are served synchronously from the buffered data whenever possible: a promise per
 * record would cost more than the decoding itself.
 */
export class ByteReader {
  #it: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #done = false;
  /** Bytes handed out so far (the offset of the next read). */
  offset = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** `n` bytes if they are buffered, else undefined (then call `read`). */
  take(n: number): Buffer | undefined {
    if (this.#buf.length - this.#pos < n) return undefined;
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    this.offset += n;
    return out;
  }

  /** Exactly `n` bytes; fewer only at the end of the stream (possibly 0 bytes). */
  async read(n: number): Promise<Buffer> {
    const fast = this.take(n);
    if (fast) return fast;
    while (this.#buf.length - this.#pos < n && !this.#done) {
      const r = await this.#it.next();
      if (r.done) {
        this.#done = true;
        break;
      }
      const rest = this.#buf.subarray(this.#pos);
      this.#buf = rest.length ? Buffer.concat([rest, r.value]) : r.value;
      this.#pos = 0;
    }
    const avail = Math.min(n, this.#buf.length - this.#pos);
    const out = this.#buf.subarray(this.#pos, this.#pos + avail);
    this.#pos += avail;
    this.offset += avail;
    return out;
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const b = await this.read(Math.min(left, 1 << 20));
      if (!b.length) break;
      left -= b.length;
    }
    return n - left;
  }

  /** Stops the underlying stream early (a reader that has seen what it needs). */
  async close(): Promise<void> {
    this.#done = true;
    await this.#it.return?.();
  }
}

/** Something a reader can stream: a file on disk, a member of a zip archive. */
export interface ByteSource {
  /** Display name: a path, or `archive.zip/inner/path.shp` for a member of an archive. */
  name: string;
  /** Size in bytes as stored (compressed size for a .gz), for progress. */
  size: number;
  /** Bytes of this source consumed so far, across opens (progress). */
  bytesRead: number;
  open(): Promise<AsyncIterable<Buffer>>;
}

/** Counts what flows through, into `src.bytesRead`. */
export async function* counted(src: ByteSource, it: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of it) {
    src.bytesRead += chunk.length;
    yield chunk;
  }
}

/** Reads a whole (small) source as a Buffer: .prj, .cpg sidecars. */
export async function readAll(src: ByteSource, limit = 1 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of await src.open()) {
    parts.push(chunk);
    n += chunk.length;
    if (n > limit) throw new Error(`${src.name} is larger than ${limit} bytes`);
  }
  return Buffer.concat(parts);
}

/** A file on disk as a ByteSource (1 MiB reads: fewer, larger chunks for the decoders). */
export function fileSource(path: string): ByteSource {
  return {
    name: path,
    size: statSync(path).size,
    bytesRead: 0,
    open: async () => createReadStream(path, { highWaterMark: 1 << 20 }),
  };
}
