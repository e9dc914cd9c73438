/**
 * The trimmed PostGIS bundle (src/db/postgis-bundle.ts): the tar filter on hand-made archives, then
 * the real bundle of the installed package, checked with the system's `tar` where there is one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { filterTar, keepInBundle, shippedBundle, trimmedBundlePath, trimmedPostgisBundle } from '../../src/db/postgis-bundle.ts';

/** One ustar entry: header (name, size in octal, type, checksum) and its data padded to 512 bytes. */
function entry(name: string, data: string, type = '0', prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write(`${Buffer.byteLength(data).toString(8).padStart(11, '0')}\0`, 124);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  if (prefix) h.write(prefix, 345, 155);
  h.write('        ', 148);
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512);
  body.write(data);
  return Buffer.concat([h, body]);
}

/** Names in a tar, read back by walking its headers (independently of filterTar). */
function names(tar: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
    const name = h.subarray(0, 100).toString().replace(/\0.*$/s, '');
    const prefix = h.subarray(345, 500).toString().replace(/\0.*$/s, '');
    out.push(`${String.fromCharCode(h[156])} ${prefix ? `${prefix}/` : ''}${name}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

test('keepInBundle: the library, PROJ data, control file and install script; not raster, topology, upgrades', () => {
  for (const kept of ['lib/postgresql/postgis-3.so', 'share/proj/proj.db', 'share/proj/nad27', 'share/postgresql/extension/postgis.control', 'share/postgresql/extension/postgis--3.6.2.sql'])
    assert.equal(keepInBundle(kept), true, kept);
  for (const dropped of [
    'lib/postgresql/postgis_raster-3.so',
    'lib/postgresql/postgis_topology-3.so',
    'share/postgresql/extension/postgis--3.6.1--3.6.2.sql',
    'share/postgresql/extension/postgis--ANY--3.6.2.sql',
    'share/postgresql/extension/postgis--unpackaged--3.6.2.sql',
    'share/postgresql/extension/postgis_topology.control',
    'share/postgresql/contrib/postgis-3.6/spatial_ref_sys.sql',
    'share/projx/file',
  ])
    assert.equal(keepInBundle(dropped), false, dropped);
});

test('filterTar keeps the accepted files with their data, every directory, and a long name with its entry', () => {
  const tar = Buffer.concat([
    entry('lib/', '', '5'),
    entry('lib/keep.so', 'K'.repeat(700)),
    entry('lib/drop.so', 'D'.repeat(10)),
    entry('././@LongLink', 'deep/long-keep.txt\0', 'L'),
    entry('deep/long-kee', 'L'),
    entry('././@LongLink', 'deep/long-drop.txt\0', 'L'),
    entry('deep/long-dro', 'X'),
    entry('keep.txt', 'P', '0', 'pre'),
    Buffer.alloc(1024),
  ]);
  const out = filterTar(tar, (p) => p.includes('keep'));
  assert.deepEqual(names(out), ['5 lib/', '0 lib/keep.so', 'L ././@LongLink', '0 deep/long-kee', '0 pre/keep.txt']);
  // The kept file's 700 bytes are there whole (two blocks), and the archive ends with two zero blocks.
  assert.equal(out.subarray(1024, 1024 + 700).toString(), 'K'.repeat(700));
  assert.equal(out.length % 512, 0);
  assert.ok(out.subarray(out.length - 1024).every((b) => b === 0));
  assert.equal(names(filterTar(tar, () => false)).join(), '5 lib/');
});

test('filterTar refuses a truncated archive', () => {
  const whole = entry('lib/keep.so', 'K'.repeat(2000));
  assert.throws(() => filterTar(whole.subarray(0, 1024), () => true), /truncated tar entry at byte 0/);
});

const tarBin = spawnSync('tar', ['--version']).status === 0;

test('the installed PostGIS bundle, trimmed: what PostGIS needs, a third of the size, built once, read by tar', { skip: !tarBin && 'the system tar is needed to read the result independently' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'terroir-bundle-'));
  try {
    const path = trimmedPostgisBundle(dir);
    assert.equal(path, trimmedBundlePath(dir));
    const listing = spawnSync('tar', ['tzf', path!], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(listing.status, 0, listing.stderr);
    const files = listing.stdout.split('\n').filter((f) => f && !f.endsWith('/'));
    for (const f of ['lib/postgresql/postgis-3.so', 'share/proj/proj.db', 'share/postgresql/extension/postgis.control']) assert.ok(files.includes(f), f);
    assert.equal(files.filter((f) => /postgis--[\d.]+\.sql$/.test(f)).length, 1);
    assert.ok(!files.some((f) => /raster|topology|tiger|--ANY--|unpackaged/.test(f)), files.join(' '));
    const full = gunzipSync(readFileSync(shippedBundle())).length;
    const trimmed = gunzipSync(readFileSync(path!)).length;
    assert.ok(trimmed < full / 2, `${trimmed} of ${full} bytes`);
    // A second open finds it and does not write it again.
    const mtime = statSync(path!).mtimeMs;
    assert.equal(trimmedPostgisBundle(dir), path);
    assert.equal(statSync(path!).mtimeMs, mtime);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache that cannot be written gives no trimmed bundle (PGlite then loads the shipped one)', () => {
  assert.equal(trimmedPostgisBundle('/dev/null/terroir-cache'), undefined);
});
