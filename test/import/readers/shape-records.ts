/**
 * Shapefile records built byte by byte, for the reader's tests: independent of the writer under test.
 */

/** A poly-line (3, 13, 23) or polygon (5, 15, 25) record: header, part starts, points (then `extra` zero bytes for Z/M). */
export function polyRecord(type: number, parts: number[][][], extra = 0): Buffer {
  const pts = parts.flat();
  const b = Buffer.alloc(44 + parts.length * 4 + pts.length * 16 + extra);
  b.writeInt32LE(type, 0);
  b.writeInt32LE(parts.length, 36);
  b.writeInt32LE(pts.length, 40);
  let k = 0;
  parts.forEach((p, i) => {
    b.writeInt32LE(k, 44 + i * 4);
    k += p.length;
  });
  pts.forEach(([x, y], i) => {
    b.writeDoubleLE(x, 44 + parts.length * 4 + i * 16);
    b.writeDoubleLE(y, 52 + parts.length * 4 + i * 16);
  });
  return b;
}
