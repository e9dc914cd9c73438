// The byte reader under the binary readers (.shp, .dbf): exact-length reads across chunk boundaries,
// the end of the stream, the offset, skips, early close; the counted and whole-file sources. Every
// expected value is built here from the bytes the test feeds in, not from the reader's constants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteReader, counted, fileSource, readAll, type ByteSource } from '../../../src/import/readers/bytes.ts';
import { tempDir } from '../helpers.ts';

/** A source yielding the given chunks, recording how many were pulled and whether it was closed. */
function chunks(parts: (number[] | Buffer)[]) {
  const log = { pulled: 0, calls: 0, closed: false };
  const it: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]() {
      let k = 0;
      return {
        async next() {
          log.calls++;
          if (k >= parts.length) return { done: true, value: undefined };
          log.pulled++;
          return { done: false, value: Buffer.from(parts[k++]) };
        },
        async return() {
          log.closed = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { it, log };
}

const bytes = (b: Buffer) => [...b];

test('take: only what is buffered, exactly n bytes, the offset advancing by n', async () => {
  const { it } = chunks([[1, 2, 3, 4, 5]]);
  const r = new ByteReader(it);
  assert.equal(r.take(1), undefined, 'nothing buffered before the first read');
  assert.equal(r.offset, 0);
  assert.deepEqual(bytes(await r.read(2)), [1, 2]);
  assert.equal(r.offset, 2);
  // Three bytes left: take(3) is served, take(4) is not (and consumes nothing).
  assert.equal(r.take(4), undefined);
  assert.equal(r.offset, 2);
  assert.deepEqual(bytes(r.take(2)!), [3, 4]);
  assert.equal(r.offset, 4);
  assert.deepEqual(bytes(r.take(1)!), [5]);
  assert.equal(r.offset, 5);
  assert.equal(r.take(1), undefined);
  assert.deepEqual(bytes(r.take(0)!), [], 'zero bytes are always available');
});

test('read: across chunk boundaries, keeping the unread rest, short only at the end', async () => {
  const { it, log } = chunks([[1, 2, 3], [4], [5, 6, 7, 8], [9]]);
  const r = new ByteReader(it);
  assert.deepEqual(bytes(await r.read(2)), [1, 2]);
  assert.equal(log.pulled, 1, 'one chunk is enough for two bytes');
  assert.deepEqual(bytes(await r.read(4)), [3, 4, 5, 6], 'the rest of the first chunk, then the next two');
  assert.equal(log.pulled, 3);
  assert.equal(r.offset, 6);
  // Exactly what is buffered: served without pulling the last chunk.
  assert.deepEqual(bytes(await r.read(2)), [7, 8]);
  assert.equal(log.pulled, 3);
  assert.deepEqual(bytes(await r.read(5)), [9], 'fewer bytes at the end of the stream');
  assert.equal(r.offset, 9);
  assert.deepEqual(bytes(await r.read(3)), [], 'then none');
  assert.equal(r.offset, 9);
});

test('read: a chunk arriving while nothing is left unread is used as it is', async () => {
  const { it } = chunks([[1, 2], [3, 4, 5], [6]]);
  const r = new ByteReader(it);
  assert.deepEqual(bytes(await r.read(2)), [1, 2]);
  assert.deepEqual(bytes(await r.read(3)), [3, 4, 5]);
  assert.deepEqual(bytes(await r.read(1)), [6]);
  assert.equal(r.offset, 6);
});

test('read: pulls only the chunks it needs (no read-ahead once n bytes are there); an ended stream is not asked again', async () => {
  const { it, log } = chunks([[1, 2], [3, 4], [5]]);
  const r = new ByteReader(it);
  // Four bytes arrive exactly with the second chunk: the third is not pulled.
  assert.deepEqual(bytes(await r.read(4)), [1, 2, 3, 4]);
  assert.equal(log.pulled, 2);
  assert.deepEqual(bytes(await r.read(4)), [5]);
  assert.equal(log.calls, 4, 'two chunks, the third, then the end');
  assert.deepEqual(bytes(await r.read(4)), []);
  assert.deepEqual(bytes(await r.read(1)), []);
  assert.equal(log.calls, 4, 'the end is remembered');
});

test('skip: counts what it skipped, stops at the end, skips more than a MiB in two reads', async () => {
  const { it } = chunks([[1, 2, 3], [4, 5, 6, 7]]);
  const r = new ByteReader(it);
  assert.equal(await r.skip(0), 0);
  assert.equal(await r.skip(4), 4);
  assert.equal(r.offset, 4);
  assert.deepEqual(bytes(await r.read(1)), [5]);
  assert.equal(await r.skip(10), 2, 'only two bytes were left');
  assert.equal(r.offset, 7);
  assert.equal(await r.skip(1), 0);

  // 1 MiB + 5 bytes, the last byte marked: skipping all but it takes two reads (at most 1 MiB each).
  const total = 1048576 + 5;
  const all = Buffer.alloc(total);
  all[total - 1] = 7;
  const big = [all.subarray(0, 1048576 - 3), all.subarray(1048576 - 3)];
  const rb = new ByteReader(chunks(big).it);
  assert.equal(await rb.skip(total - 1), total - 1);
  assert.equal(rb.offset, total - 1);
  assert.deepEqual(bytes(await rb.read(2)), [7]);
});

test('close: ends the underlying iterator; later reads give what was buffered, then nothing', async () => {
  const { it, log } = chunks([[1, 2, 3], [4, 5]]);
  const r = new ByteReader(it);
  assert.deepEqual(bytes(await r.read(1)), [1]);
  await r.close();
  assert.equal(log.closed, true);
  assert.deepEqual(bytes(await r.read(5)), [2, 3], 'the buffered rest, no further pull');
  assert.equal(log.pulled, 1);
  // An iterator without return() closes too.
  const bare = new ByteReader({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true as const, value: undefined }) }) });
  await bare.close();
  assert.deepEqual(bytes(await bare.read(1)), []);
});

test('counted: adds each chunk length to bytesRead, passing the chunks through', async () => {
  const src: ByteSource = { name: 'x', size: 0, bytesRead: 10, open: async () => chunks([]).it };
  const out: number[][] = [];
  for await (const c of counted(src, chunks([[1, 2, 3], [4, 5]]).it)) {
    out.push(bytes(c));
    if (out.length === 1) assert.equal(src.bytesRead, 13, 'counted as each chunk goes through');
  }
  assert.deepEqual(out, [[1, 2, 3], [4, 5]]);
  assert.equal(src.bytesRead, 15);
});

test('readAll: the whole source; up to its limit exactly, one byte more is an error naming the source', async () => {
  const src = (parts: (number[] | Buffer)[]): ByteSource => ({ name: 'zones.prj', size: 0, bytesRead: 0, open: async () => chunks(parts).it });
  assert.deepEqual(bytes(await readAll(src([[1, 2], [3], [4, 5]]))), [1, 2, 3, 4, 5]);
  assert.deepEqual(bytes(await readAll(src([[1, 2], [3, 4]]), 4)), [1, 2, 3, 4]);
  await assert.rejects(readAll(src([[1, 2], [3, 4, 5]]), 4), { message: 'zones.prj is larger than 4 bytes' });
  // The default limit is 1 MiB: 1,048,576 bytes pass, 1,048,577 do not.
  const mib = 1048576;
  assert.equal((await readAll(src([Buffer.alloc(mib - 1), [1]]))).length, mib);
  await assert.rejects(readAll(src([Buffer.alloc(mib), [1]])), { message: `zones.prj is larger than ${mib} bytes` });
});

test('fileSource: name, size, nothing read yet; opens the file in 1 MiB chunks, and again on each open', async () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'a.bin');
    const data = Buffer.alloc(1048576 + 3, 0x2a);
    data[data.length - 1] = 9;
    writeFileSync(path, data);
    const src = fileSource(path);
    assert.equal(src.name, path);
    assert.equal(src.size, 1048576 + 3);
    assert.equal(src.bytesRead, 0);
    for (let round = 0; round < 2; round++) {
      const sizes: number[] = [];
      const parts: Buffer[] = [];
      for await (const c of await src.open()) {
        sizes.push(c.length);
        parts.push(c as Buffer);
      }
      assert.deepEqual(sizes, [1048576, 3], '1 MiB reads (the stream default is 64 KiB)');
      assert.ok(Buffer.concat(parts).equals(data));
    }
  } finally {
    t.cleanup();
  }
});
