/**
 * Test helpers for the import engine: a minimal shapefile writer (polygon squares + a .dbf of
 * C/N fields in any encoding), so that tests build exactly the file they need, large or corrupt,
 * without GDAL.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';

export const LAMBERT93_PRJ =
  'PROJCS["RGF_1993_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",700000.0],PARAMETER["False_Northing",6600000.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",49.0],PARAMETER["Standard_Parallel_2",44.0],PARAMETER["Latitude_Of_Origin",46.5],UNIT["Meter",1.0]]';

export interface DbfFieldSpec {
  name: string;
  type: 'C' | 'N';
  length: number;
  decimals?: number;
}

export interface ShapefileSpec {
  /** Base path without extension. */
  base: string;
  count: number;
  fields: DbfFieldSpec[];
  /** Values of feature i (0-based), by field name. */
  values: (i: number) => Record<string, string | number | null>;
  /** Ring of feature i (closed, clockwise); default: a 10 m square on a Lambert-93 grid. */
  ring?: (i: number) => [number, number][];
  encoding?: string;
  cpg?: string;
  prj?: string | null;
  /** Extension case: `.shp` or `.SHP`… (per file). */
  ext?: { shp?: string; shx?: string; dbf?: string; prj?: string; cpg?: string };
}

export function square(i: number): [number, number][] {
  const x = 650000 + (i % 200) * 20;
  const y = 6860000 + Math.floor(i / 200) * 20;
  return [[x, y], [x, y + 10], [x + 10, y + 10], [x + 10, y], [x, y]]; // clockwise: an outer ring
}

export function writeShapefile(spec: ShapefileSpec): string {
  const ext = { shp: '.shp', shx: '.shx', dbf: '.dbf', prj: '.prj', cpg: '.cpg', ...spec.ext };
  const ringOf = spec.ring ?? square;
  const records: Buffer[] = [];
  let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity;
  for (let i = 0; i < spec.count; i++) {
    const ring = ringOf(i);
    const content = Buffer.alloc(44 + 4 + ring.length * 16);
    content.writeInt32LE(5, 0);
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    const bb = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    bb.forEach((v, k) => content.writeDoubleLE(v, 4 + k * 8));
    [xmin, ymin, xmax, ymax] = [Math.min(xmin, bb[0]), Math.min(ymin, bb[1]), Math.max(xmax, bb[2]), Math.max(ymax, bb[3])];
    content.writeInt32LE(1, 36);
    content.writeInt32LE(ring.length, 40);
    content.writeInt32LE(0, 44);
    ring.forEach(([x, y], k) => {
      content.writeDoubleLE(x, 48 + k * 16);
      content.writeDoubleLE(y, 56 + k * 16);
    });
    const head = Buffer.alloc(8);
    head.writeInt32BE(i + 1, 0);
    head.writeInt32BE(content.length / 2, 4);
    records.push(head, content);
  }
  const header = (len: number) => {
    const h = Buffer.alloc(100);
    h.writeInt32BE(9994, 0);
    h.writeInt32BE(len / 2, 24);
    h.writeInt32LE(1000, 28);
    h.writeInt32LE(5, 32);
    [xmin, ymin, xmax, ymax].forEach((v, k) => h.writeDoubleLE(Number.isFinite(v) ? v : 0, 36 + k * 8));
    return h;
  };
  const body = Buffer.concat(records);
  writeFileSync(spec.base + ext.shp, Buffer.concat([header(100 + body.length), body]));
  const shx: Buffer[] = [];
  let off = 100;
  for (let k = 0; k < records.length; k += 2) {
    const e = Buffer.alloc(8);
    e.writeInt32BE(off / 2, 0);
    e.writeInt32BE(records[k + 1].length / 2, 4);
    shx.push(e);
    off += 8 + records[k + 1].length;
  }
  writeFileSync(spec.base + ext.shx, Buffer.concat([header(100 + spec.count * 8), ...shx]));
  writeFileSync(spec.base + ext.dbf, dbf(spec));
  if (spec.prj !== null) writeFileSync(spec.base + ext.prj, spec.prj ?? LAMBERT93_PRJ);
  if (spec.cpg) writeFileSync(spec.base + ext.cpg, spec.cpg);
  return spec.base + ext.shp;
}

function dbf(spec: ShapefileSpec): Buffer {
  const enc = spec.encoding ?? 'windows-1252';
  const recLen = 1 + spec.fields.reduce((n, f) => n + f.length, 0);
  const headLen = 32 + 32 * spec.fields.length + 1;
  const head = Buffer.alloc(headLen);
  head[0] = 0x03;
  head[1] = 124;
  head[2] = 1;
  head[3] = 1;
  head.writeUInt32LE(spec.count, 4);
  head.writeUInt16LE(headLen, 8);
  head.writeUInt16LE(recLen, 10);
  spec.fields.forEach((f, k) => {
    const d = 32 + k * 32;
    head.write(f.name, d, 'latin1');
    head[d + 11] = f.type.charCodeAt(0);
    head[d + 16] = f.length;
    head[d + 17] = f.decimals ?? 0;
  });
  head[headLen - 1] = 0x0d;
  const recs = Buffer.alloc(spec.count * recLen + 1, 0x20);
  for (let i = 0; i < spec.count; i++) {
    const v = spec.values(i);
    let o = i * recLen + 1;
    for (const f of spec.fields) {
      const raw = v[f.name];
      let b: Buffer;
      if (raw === null || raw === undefined) b = Buffer.alloc(0);
      else if (f.type === 'N') b = Buffer.from(String(raw).padStart(f.length), 'latin1');
      else b = iconv.encode(String(raw), enc);
      b.copy(recs, o, 0, Math.min(b.length, f.length));
      o += f.length;
    }
  }
  recs[recs.length - 1] = 0x1a;
  return Buffer.concat([head, recs]);
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'terroir-import-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The zone fields of the test target (test/fixtures/import/target.ts). */
export const ZONE_FIELDS: DbfFieldSpec[] = [
  { name: 'CODE', type: 'C', length: 10 },
  { name: 'NOM', type: 'C', length: 40 },
  { name: 'SURF', type: 'N', length: 12, decimals: 2 },
  { name: 'RANG', type: 'N', length: 9 },
];
