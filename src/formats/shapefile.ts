/**
 * ESRI Shapefile writer for answers (CartoBio Territoires): polygons with a .dbf of C/N/D fields in
 * UTF-8 (declared in a .cpg), zipped with its .shp .shx .dbf .prj .cpg.
 *
 * Why our own and not `@mapbox/shp-write`: that library builds every file in memory (arrays of
 * features in, whole ArrayBuffers out), so memory grows with the territory; and it writes a fixed
 * WGS84 .prj. Here records go to temporary files as they come (memory flat whatever the number of
 * parcels), the headers, which need the final counts, lengths and bounding box, are written in
 * place at the end, and the zip (yazl) streams the files out. Field names are ≤ 10 characters, as
 * the dBase format requires. Written next to the answer formats (src/formats), not the readers
 * (src/import/readers): answers and imports do not import each other.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yazl from 'yazl';

export interface DbfField {
  /** At most 10 ASCII characters. */
  name: string;
  type: 'C' | 'N' | 'D';
  /** Bytes (C ≤ 254, N ≤ 20; D is always 8). */
  length: number;
  decimals?: number;
}

type Position = number[];
export type PolygonalGeometry = { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };

const SHP_POLYGON = 5;
const FLUSH_AT = 1 << 16;

/** Signed area ×2 (shoelace): negative for clockwise rings, the outer rings of a shapefile. */
function area2(ring: Position[]): number {
  let a = 0;
  for (let k = 0; k < ring.length - 1; k++) a += ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1];
  return a;
}

/** Outer rings clockwise, holes counter-clockwise (the shapefile rule; GeoJSON says the opposite). */
function orientedRings(g: PolygonalGeometry): Position[][] {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const out: Position[][] = [];
  for (const rings of polys) {
    rings.forEach((ring, i) => {
      const clockwise = area2(ring) < 0;
      out.push(clockwise === (i === 0) ? ring : [...ring].reverse());
    });
  }
  return out;
}

/** Buffers small writes into 64 KiB chunks, and waits when the file stream asks to. */
class Sink {
  private chunks: Buffer[] = [];
  private size = 0;
  bytes = 0;
  constructor(readonly stream: WriteStream) {}
  async write(b: Buffer) {
    this.chunks.push(b);
    this.size += b.length;
    this.bytes += b.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }
  async flush() {
    if (!this.size) return;
    const b = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    if (!this.stream.write(b)) await once(this.stream, 'drain');
  }
  async close() {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
  }
}

function validateFields(fields: readonly DbfField[]) {
  const seen = new Set<string>();
  for (const f of fields) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,9}$/.test(f.name)) throw new Error(`dBase field name ${JSON.stringify(f.name)}: 1–10 ASCII letters, digits or _`);
    if (seen.has(f.name.toUpperCase())) throw new Error(`dBase field name ${f.name} twice`);
    seen.add(f.name.toUpperCase());
    const max = f.type === 'C' ? 254 : f.type === 'N' ? 20 : 8;
    if (f.length < 1 || f.length > max) throw new Error(`dBase field ${f.name}: length ${f.length} outside 1–${max}`);
  }
}

/** UTF-8 bytes of `s`, cut at a character boundary to fit `max` bytes. */
function utf8Fit(s: string, max: number): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

function dbfValue(f: DbfField, v: unknown): Buffer {
  const out = Buffer.alloc(f.length, 0x20);
  if (v === null || v === undefined || v === '') return out;
  if (f.type === 'C') {
    utf8Fit(String(v), f.length).copy(out);
  } else if (f.type === 'N') {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) return out;
    const s = n.toFixed(f.decimals ?? 0);
    if (s.length > f.length) throw new Error(`dBase field ${f.name}: ${s} does not fit in ${f.length} characters`);
    out.write(s.padStart(f.length), 'latin1');
  } else {
    const s = String(v).replace(/-/g, '').slice(0, 8);
    if (!/^\d{8}$/.test(s)) throw new Error(`dBase field ${f.name}: ${JSON.stringify(v)} is not a date`);
    out.write(s, 'latin1');
  }
  return out;
}

/**
 * Writes one polygon layer to `<dir>/<name>.shp|.shx|.dbf` record by record. `add` then `finish`;
 * `zip()` streams the five files; `cleanup()` removes the temporary directory (zip() does it when
 * the archive has been read or abandoned).
 */
export class ShapefileWriter {
  readonly dir: string;
  private shp: Sink;
  private shx: Sink;
  private dbf: Sink;
  private count = 0;
  private box = [Infinity, Infinity, -Infinity, -Infinity];
  private readonly headerLength: number;
  private readonly recordLength: number;
  private finished = false;

  constructor(
    readonly name: string,
    readonly fields: readonly DbfField[],
  ) {
    validateFields(fields);
    this.dir = mkdtempSync(join(tmpdir(), 'terroir-shp-'));
    const file = (ext: string) => createWriteStream(join(this.dir, `${name}.${ext}`));
    this.shp = new Sink(file('shp'));
    this.shx = new Sink(file('shx'));
    this.dbf = new Sink(file('dbf'));
    this.headerLength = 32 + 32 * fields.length + 1;
    this.recordLength = 1 + fields.reduce((n, f) => n + f.length, 0);
  }

  /** Reserves the headers' bytes; they are written in place by finish(). */
  async start() {
    await this.shp.write(Buffer.alloc(100));
    await this.shx.write(Buffer.alloc(100));
    await this.dbf.write(Buffer.alloc(this.headerLength));
  }

  /** One record: the geometry (WGS84 or projected, as given) and its values in `fields` order. */
  async add(geometry: PolygonalGeometry | null, values: readonly unknown[]) {
    const content = geometry ? this.polygon(orientedRings(geometry)) : Buffer.from([0, 0, 0, 0]);
    const head = Buffer.alloc(8);
    head.writeInt32BE(++this.count, 0);
    head.writeInt32BE(content.length / 2, 4);
    const entry = Buffer.alloc(8);
    entry.writeInt32BE(this.shp.bytes / 2, 0);
    entry.writeInt32BE(content.length / 2, 4);
    await this.shx.write(entry);
    await this.shp.write(head);
    await this.shp.write(content);
    const rec = Buffer.alloc(this.recordLength, 0x20);
    let o = 1;
    this.fields.forEach((f, i) => {
      dbfValue(f, values[i]).copy(rec, o);
      o += f.length;
    });
    await this.dbf.write(rec);
  }

  private polygon(rings: Position[][]): Buffer {
    const points = rings.reduce((n, r) => n + r.length, 0);
    const b = Buffer.alloc(44 + 4 * rings.length + 16 * points);
    b.writeInt32LE(SHP_POLYGON, 0);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    b.writeInt32LE(rings.length, 36);
    b.writeInt32LE(points, 40);
    let at = 44 + 4 * rings.length;
    let start = 0;
    rings.forEach((ring, i) => {
      b.writeInt32LE(start, 44 + 4 * i);
      start += ring.length;
      for (const [x, y] of ring) {
        b.writeDoubleLE(x, at);
        b.writeDoubleLE(y, at + 8);
        at += 16;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    });
    [x0, y0, x1, y1].forEach((v, k) => b.writeDoubleLE(v, 4 + 8 * k));
    const box = this.box;
    box[0] = Math.min(box[0], x0);
    box[1] = Math.min(box[1], y0);
    box[2] = Math.max(box[2], x1);
    box[3] = Math.max(box[3], y1);
    return b;
  }

  get records() {
    return this.count;
  }

  private mainHeader(bytes: number): Buffer {
    const h = Buffer.alloc(100);
    h.writeInt32BE(9994, 0);
    h.writeInt32BE(bytes / 2, 24);
    h.writeInt32LE(1000, 28);
    h.writeInt32LE(SHP_POLYGON, 32);
    const box = this.count && Number.isFinite(this.box[0]) ? this.box : [0, 0, 0, 0];
    box.forEach((v, k) => h.writeDoubleLE(v, 36 + 8 * k));
    return h;
  }

  private dbfHeader(): Buffer {
    const h = Buffer.alloc(this.headerLength);
    const now = new Date();
    h[0] = 0x03;
    h[1] = now.getUTCFullYear() - 1900;
    h[2] = now.getUTCMonth() + 1;
    h[3] = now.getUTCDate();
    h.writeUInt32LE(this.count, 4);
    h.writeUInt16LE(this.headerLength, 8);
    h.writeUInt16LE(this.recordLength, 10);
    this.fields.forEach((f, k) => {
      const d = 32 + 32 * k;
      h.write(f.name, d, 'latin1');
      h[d + 11] = f.type.charCodeAt(0);
      h[d + 16] = f.type === 'D' ? 8 : f.length;
      h[d + 17] = f.decimals ?? 0;
    });
    h[this.headerLength - 1] = 0x0d;
    return h;
  }

  /** Closes the files and writes their headers in place. */
  async finish() {
    if (this.finished) return;
    this.finished = true;
    await this.dbf.write(Buffer.from([0x1a]));
    const sizes = { shp: this.shp.bytes, shx: this.shx.bytes };
    await Promise.all([this.shp.close(), this.shx.close(), this.dbf.close()]);
    const patch = async (ext: string, header: Buffer) => {
      const fh = await open(join(this.dir, `${this.name}.${ext}`), 'r+');
      try {
        await fh.write(header, 0, header.length, 0);
      } finally {
        await fh.close();
      }
    };
    await patch('shp', this.mainHeader(sizes.shp));
    await patch('shx', this.mainHeader(sizes.shx));
    await patch('dbf', this.dbfHeader());
  }

  /** The zipped shapefile (.shp .shx .dbf .prj .cpg), streamed from the files; removes them once read. */
  zip(prjWkt: string): Readable {
    const z = new yazl.ZipFile();
    const mtime = new Date();
    for (const ext of ['shp', 'shx', 'dbf']) z.addFile(join(this.dir, `${this.name}.${ext}`), `${this.name}.${ext}`, { mtime });
    z.addBuffer(Buffer.from(prjWkt, 'utf8'), `${this.name}.prj`, { mtime });
    z.addBuffer(Buffer.from('UTF-8', 'latin1'), `${this.name}.cpg`, { mtime });
    z.end();
    const out = z.outputStream as Readable;
    const done = () => this.cleanup();
    out.once('end', done);
    out.once('close', done);
    out.once('error', done);
    return out;
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
