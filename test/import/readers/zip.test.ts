import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';
import { isZipPath, openZip, readZipUpload, unsafeEntryName, ZipRefused } from '../../../src/import/readers/zip.ts';
import { readAll } from '../../../src/import/readers/bytes.ts';
import { tempDir } from '../helpers.ts';
import { zipStored } from '../../fetch/zip.ts';

const FIX = new URL('../../fixtures/import/', import.meta.url).pathname;

test('zip members are listed and streamed (several open at once)', async () => {
  const z = await openZip(join(FIX, 'zones-latin1.zip'));
  try {
    assert.deepEqual(z.members.map((m) => m.path).sort(), [
      'Donnees_geographiques/LISEZMOI.txt',
      'Donnees_geographiques/ZONES.DBF',
      'Donnees_geographiques/ZONES.PRJ',
      'Donnees_geographiques/ZONES.SHP',
      'Donnees_geographiques/ZONES.SHX',
    ]);
    const shp = z.members.find((m) => m.path.endsWith('.SHP'))!;
    const prj = z.members.find((m) => m.path.endsWith('.PRJ'))!;
    const src = z.source(shp);
    assert.equal(src.name, join(FIX, 'zones-latin1.zip') + '/Donnees_geographiques/ZONES.SHP');
    assert.equal(src.size, shp.size);
    assert.equal(src.bytesRead, 0);
    const [a, b] = await Promise.all([readAll(src), readAll(z.source(prj))]);
    assert.equal(a.length, shp.size);
    assert.equal(a.readInt32BE(0), 9994);
    assert.match(b.toString(), /^PROJCS\["RGF_1993_Lambert_93"/);
  } finally {
    z.close();
  }
});

test('a file that is not a zip is refused with its name', async () => {
  const t = tempDir();
  try {
    writeFileSync(join(t.dir, 'fake.zip'), 'not a zip at all');
    await assert.rejects(openZip(join(t.dir, 'fake.zip')), /fake\.zip: not a readable zip archive/);
  } finally {
    t.cleanup();
  }
});

/** A zip of one deflated member (as yazl writes it) and the sizes its central directory declares. */
async function deflatedZip(name: string, data: Buffer): Promise<{ zip: Buffer; size: number; compressed: number }> {
  const z = new yazl.ZipFile();
  z.addBuffer(data, name, { compress: true });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  const zip = Buffer.concat(chunks);
  const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  return { zip, size: zip.readUInt32LE(cd + 24), compressed: zip.readUInt32LE(cd + 20) };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('accepted'),
    (e: Error) => {
      assert.ok(e instanceof ZipRefused, String(e));
      return e.message;
    },
  );

test('unsafeEntryName: absolute, drive letter, backslash, a `..` segment, NUL; names that merely look like them pass', () => {
  for (const name of ['/etc/x.shp', 'C:/x.shp', 'c:x.shp', 'a\\x.shp', '../x.shp', 'a/../x.shp', 'a/..', '..', 'a\0.shp']) assert.equal(unsafeEntryName(name), true, name);
  for (const name of ['x.shp', 'a/b/x.shp', 'a..b/x.shp', '..a/x.shp', 'a/x..', 'a/.../x', 'dir/C:/x.shp', '1:/x.shp', 'a/./x.shp']) assert.equal(unsafeEntryName(name), false, name);
});

test('readZipUpload: each limit reached is accepted, one past it is refused', async () => {
  const files = (n: number, size = 1) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.alloc(size, 120) }));
  const limits = { maxEntries: 3, maxTotalBytes: 1000, maxRatio: 10, ratioFrom: 100 };
  // Entry count.
  assert.equal((await readZipUpload(zipStored(files(3)), limits, () => true)).length, 3);
  assert.equal(await refusal(readZipUpload(zipStored(files(4)), limits, () => true)), '4 members: at most 3 are accepted');
  // Sum of the declared sizes.
  assert.equal((await readZipUpload(zipStored([...files(1, 600), { name: 'g', data: Buffer.alloc(400) }]), limits, () => true)).length, 2);
  assert.equal(await refusal(readZipUpload(zipStored([...files(1, 600), { name: 'g', data: Buffer.alloc(401) }]), limits, () => true)), 'members inflate to more than 1000 bytes');
  // Ratio: exactly at the limit passes, just above is refused; members up to `ratioFrom` bytes are not judged.
  const zeros = await deflatedZip('zeros.bin', Buffer.alloc(900));
  const ratio = zeros.size / zeros.compressed;
  assert.ok(ratio > 10, `900 zeros deflate to ${zeros.compressed} bytes`);
  const at = { ...limits, maxRatio: ratio };
  assert.deepEqual((await readZipUpload(zeros.zip, at, () => true)).map((m) => [m.path, m.data.length]), [['zeros.bin', 900]]);
  assert.equal(await refusal(readZipUpload(zeros.zip, { ...at, maxRatio: ratio - 0.01 }, () => true)), 'member "zeros.bin": compression ratio above ' + (ratio - 0.01) + ' (a zip bomb?)');
  assert.equal((await readZipUpload(zeros.zip, { ...limits, ratioFrom: 900 }, () => true)).length, 1);
  assert.match(await refusal(readZipUpload(zeros.zip, { ...limits, ratioFrom: 899 }, () => true)), /compression ratio above 10 /);
});

test('readZipUpload: folders are not members, `wanted` chooses, names are kept whole', async () => {
  const zip = zipStored([
    { name: 'Donnees/', data: Buffer.alloc(0) },
    { name: 'Donnees/contour.shp', data: Buffer.from('shp') },
    { name: 'Donnees/contour.dbf', data: Buffer.from('dbf') },
    { name: 'Donnees/LISEZMOI.txt', data: Buffer.from('txt') },
  ]);
  const limits = { maxEntries: 4, maxTotalBytes: 9, maxRatio: 1, ratioFrom: 0 };
  const all = await readZipUpload(zip, limits, () => true);
  assert.deepEqual(all.map((m) => [m.path, m.data.toString()]), [['Donnees/contour.shp', 'shp'], ['Donnees/contour.dbf', 'dbf'], ['Donnees/LISEZMOI.txt', 'txt']]);
  const seen: string[] = [];
  const some = await readZipUpload(zip, limits, (p) => (seen.push(p), /\.(shp|dbf)$/.test(p)));
  assert.deepEqual(some.map((m) => m.path), ['Donnees/contour.shp', 'Donnees/contour.dbf']);
  assert.deepEqual(seen, ['Donnees/contour.shp', 'Donnees/contour.dbf', 'Donnees/LISEZMOI.txt']);
});

test('readZipUpload: unreadable archives, traversal caught by the zip reader, a member larger than declared', async () => {
  const limits = { maxEntries: 5, maxTotalBytes: 10_000, maxRatio: 1000, ratioFrom: 0 };
  assert.match(await refusal(readZipUpload(Buffer.from('not a zip at all'), limits, () => true)), /^not a readable zip archive \(/);
  assert.match(await refusal(readZipUpload(zipStored([{ name: '../x.shp', data: Buffer.from('x') }]), limits, () => true)), /^path traversal refused \(/);
  assert.match(await refusal(readZipUpload(zipStored([{ name: '/x.shp', data: Buffer.from('x') }]), limits, () => true)), /^path traversal refused \(/);
  // A member that inflates to more than its declared size: refused while it is read, with its name.
  const z = await deflatedZip('contour.dbf', Buffer.alloc(500, 7));
  const lying = Buffer.from(z.zip);
  const cd = lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  lying.writeUInt32LE(z.size - 1, cd + 24);
  assert.match(await refusal(readZipUpload(lying, limits, () => true)), /^contour\.dbf: /);
  // Backslashes, as Windows zippers write folders: read as `/`, not refused.
  assert.deepEqual((await readZipUpload(zipStored([{ name: 'Donnees\\contour.shp', data: Buffer.from('x') }]), limits, () => true)).map((m) => m.path), ['Donnees/contour.shp']);
  // Not even read when not wanted.
  assert.deepEqual(await readZipUpload(lying, limits, () => false), []);
});

test('isZipPath: a .zip name in any case, and only at the end', () => {
  for (const p of ['a.zip', 'dir/PLU.ZIP', 'x.Zip']) assert.equal(isZipPath(p), true, p);
  for (const p of ['a.zip.prj', 'a.zipx', 'a.shp', 'zip', 'a_zip']) assert.equal(isZipPath(p), false, p);
});

/** A stored zip with one byte changed at `signature`'s first occurrence after `from`. */
function corrupted(zip: Buffer, signature: number[]): Buffer {
  const b = Buffer.from(zip);
  b[b.indexOf(Buffer.from(signature))] = 0;
  return b;
}
const LOCAL = [0x50, 0x4b, 0x03, 0x04];
const CENTRAL = [0x50, 0x4b, 0x01, 0x02];

test('openZip: folders are not members, backslashes read as /, a closed archive reads no more, corrupt parts named', async () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'plu.zip');
    const entries = [
      { name: 'Donnees/', data: Buffer.alloc(0) },
      { name: 'Donnees\\ZONE.shp', data: Buffer.from('shp') },
    ];
    writeFileSync(path, zipStored(entries));
    const z = await openZip(path);
    assert.deepEqual(z.members, [{ path: 'Donnees/ZONE.shp', size: 3, compressedSize: 3 }]);
    assert.equal((await readAll(z.source(z.members[0]))).toString(), 'shp');
    z.close();
    await assert.rejects(readAll(z.source(z.members[0])));

    writeFileSync(path, corrupted(zipStored(entries), CENTRAL));
    await assert.rejects(openZip(path), (e: Error) => e.message.startsWith(`${path}: corrupt zip archive (`));

    writeFileSync(path, corrupted(zipStored(entries.slice(1)), LOCAL));
    const bad = await openZip(path);
    try {
      await assert.rejects(readAll(bad.source(bad.members[0])), (e: Error) => e.message.startsWith(`${path}/Donnees/ZONE.shp: cannot read (`));
    } finally {
      bad.close();
    }
  } finally {
    t.cleanup();
  }
});

test('readZipUpload: a NUL in a name, a corrupt directory, an unreadable member: refused, saying which', async () => {
  const limits = { maxEntries: 5, maxTotalBytes: 10_000, maxRatio: 1000, ratioFrom: 0 };
  assert.equal(await refusal(readZipUpload(zipStored([{ name: 'a\0.shp', data: Buffer.from('x') }]), limits, () => true)), 'member "a\\u0000.shp": path traversal refused');
  const one = zipStored([{ name: 'contour.shp', data: Buffer.from('x') }]);
  assert.match(await refusal(readZipUpload(corrupted(one, CENTRAL), limits, () => true)), /^corrupt zip archive \(.+\)$/);
  assert.match(await refusal(readZipUpload(corrupted(one, LOCAL), limits, () => true)), /^contour\.shp: .+/);
});
