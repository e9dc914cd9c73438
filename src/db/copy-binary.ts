/**
 * PostgreSQL's binary COPY format, for the import engine's bulk loads. Against the text format it
 * sends geometries as their WKB bytes instead of hex (half the bytes, no hex encoding in Node, no hex
 * decoding in PostgreSQL) and never escapes strings. Both backends read it (`COPY … FROM STDIN` and
 * PGlite's `FROM '/dev/blob'`, `WITH (FORMAT binary)`).
 * Layout: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */

/** The column types a binary COPY row may hold, as the values the engine has checked them to be. */
export type CopyType = 'text' | 'integer' | 'bigint' | 'double precision' | 'boolean' | 'date' | 'jsonb' | 'geometry';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Days from 1970-01-01 to PostgreSQL's date epoch 2000-01-01. */
const PG_EPOCH_DAYS = 10_957;
const DAY_MS = 86_400_000;
const CHUNK_BYTES = 1 << 20;

/**
 * Encodes rows into binary COPY chunks of about 1 MB. `header()` and `trailer()` frame one COPY
 * stream; each `row()` appends a tuple, and `take()` hands over what is buffered.
 */
export class BinaryCopyEncoder {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private o = 0;

  constructor(private readonly types: readonly CopyType[]) {}

  /** Bytes buffered so far. */
  get size(): number {
    return this.o;
  }

  header(): void {
    this.room(SIGNATURE.length + 8);
    SIGNATURE.copy(this.buf, this.o);
    this.o += SIGNATURE.length;
    this.buf.writeInt32BE(0, this.o); // flags: no OIDs
    this.buf.writeInt32BE(0, this.o + 4); // header extension length
    this.o += 8;
  }

  trailer(): void {
    this.room(2);
    this.buf.writeInt16BE(-1, this.o);
    this.o += 2;
  }

  /** One tuple; values already checked against their column's type (null/undefined = NULL). */
  row(values: readonly unknown[]): void {
    const types = this.types;
    this.room(2);
    this.buf.writeInt16BE(types.length, this.o);
    this.o += 2;
    for (let i = 0; i < types.length; i++) this.field(types[i], values[i]);
  }

  /** The buffered bytes (a copy-free view handed over; the encoder continues in a fresh buffer). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.o);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.o = 0;
    return out;
  }

  private room(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(bigger, 0, 0, this.o);
    this.buf = bigger;
  }

  private fixed(len: number): number {
    this.room(4 + len);
    this.buf.writeInt32BE(len, this.o);
    this.o += 4;
    const at = this.o;
    this.o += len;
    return at;
  }

  // Every write below takes its offset from fixed() first: fixed() may move this.buf to a bigger one.
  private bytes(b: Buffer): void {
    const at = this.fixed(b.length);
    b.copy(this.buf, at);
  }

  private string(s: string, prefix?: number): void {
    const len = Buffer.byteLength(s, 'utf8') + (prefix === undefined ? 0 : 1);
    let at = this.fixed(len);
    if (prefix !== undefined) this.buf[at++] = prefix;
    this.buf.write(s, at, 'utf8');
  }

  private field(type: CopyType, v: unknown): void {
    if (v === null || v === undefined) {
      this.room(4);
      this.buf.writeInt32BE(-1, this.o);
      this.o += 4;
      return;
    }
    switch (type) {
      case 'text':
        return this.string(String(v));
      case 'integer': {
        const at = this.fixed(4);
        this.buf.writeInt32BE(v as number, at);
        return;
      }
      case 'bigint': {
        const at = this.fixed(8);
        this.buf.writeBigInt64BE(BigInt(v as number | bigint | string), at);
        return;
      }
      case 'double precision': {
        const at = this.fixed(8);
        this.buf.writeDoubleBE(v as number, at);
        return;
      }
      case 'boolean': {
        const at = this.fixed(1);
        this.buf[at] = v ? 1 : 0;
        return;
      }
      case 'date': {
        const ms = v instanceof Date ? v.getTime() : Date.parse(`${v as string}T00:00:00Z`);
        const at = this.fixed(4);
        this.buf.writeInt32BE(Math.round(ms / DAY_MS) - PG_EPOCH_DAYS, at);
        return;
      }
      case 'jsonb':
        // jsonb's binary form: a version byte (1), then the JSON text.
        return this.string(typeof v === 'string' ? v : JSON.stringify(v), 1);
      case 'geometry':
        // PostGIS's binary input is (E)WKB.
        return this.bytes(Buffer.isBuffer(v) ? v : Buffer.from(v as string, 'hex'));
    }
  }
}
