// The GeoPackage reader at its edges: WKB of every type, byte order and dimension flag decoded from
// bytes built here; the GeoPackage blob header; CREATE TABLE column lists; and small GeoPackages
// written by the sqlite3 command (skipped without it) for what only a file shows: page sizes, interior
// and overflow pages, every SQLite value type, the CRS rows, columns added later, refused files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTableColumns, gpkgFeatureWkb, gpkgWkb, openGpkg, wkbToGeojson } from '../../../src/import/readers/gpkg.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';
import { tempDir } from '../helpers.ts';

const HAS_SQLITE = spawnSync('sqlite3', ['-version']).status === 0;
if (!HAS_SQLITE && process.env.CI === 'true') throw new Error('CI=true and the sqlite3 command is not installed (.ci/run installs it): the GeoPackage edge cases must run in CI');
const needsSqlite = { skip: HAS_SQLITE ? false : 'needs the sqlite3 command to write the GeoPackages' };

/** WKB writer for the tests: little or big endian, any type code, doubles. */
class W {
  parts: Buffer[] = [];
  constructor(readonly le: boolean) {}
  head(type: number) {
    const b = Buffer.alloc(5);
    b[0] = this.le ? 1 : 0;
    if (this.le) b.writeUInt32LE(type >>> 0, 1);
    else b.writeUInt32BE(type >>> 0, 1);
    this.parts.push(b);
    return this;
  }
  u32(n: number) {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(n, 0);
    else b.writeUInt32BE(n, 0);
    this.parts.push(b);
    return this;
  }
  d(...v: number[]) {
    for (const x of v) {
      const b = Buffer.alloc(8);
      if (this.le) b.writeDoubleLE(x, 0);
      else b.writeDoubleBE(x, 0);
      this.parts.push(b);
    }
    return this;
  }
  get buf() {
    return Buffer.concat(this.parts);
  }
}

function fails(fn: () => unknown, message: string, feature?: number) {
  assert.throws(fn, (e: unknown) => e instanceof SourceError && e.reason === message && e.feature === feature);
}

test('WKB: every type, both byte orders', () => {
  for (const le of [true, false]) {
    assert.deepEqual(wkbToGeojson(new W(le).head(1).d(1.5, -2).buf, 1), { type: 'Point', coordinates: [1.5, -2] });
    assert.deepEqual(wkbToGeojson(new W(le).head(2).u32(2).d(0, 1, 2, 3).buf, 1), { type: 'LineString', coordinates: [[0, 1], [2, 3]] });
    assert.deepEqual(wkbToGeojson(new W(le).head(3).u32(2).u32(1).d(9, 8).u32(2).d(7, 6, 5, 4).buf, 1), {
      type: 'Polygon',
      coordinates: [[[9, 8]], [[7, 6], [5, 4]]],
    });
    const mp = new W(le).head(4).u32(2).head(1).d(1, 2).head(1).d(3, 4).buf;
    assert.deepEqual(wkbToGeojson(mp, 1), { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
    const ml = new W(le).head(5).u32(1).head(2).u32(2).d(1, 2, 3, 4).buf;
    assert.deepEqual(wkbToGeojson(ml, 1), { type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]]] });
    const mpoly = new W(le).head(6).u32(1).head(3).u32(1).u32(1).d(5, 6).buf;
    assert.deepEqual(wkbToGeojson(mpoly, 1), { type: 'MultiPolygon', coordinates: [[[[5, 6]]]] });
    const gc = new W(le).head(7).u32(2).head(1).d(1, 2).head(2).u32(1).d(3, 4).buf;
    assert.deepEqual(wkbToGeojson(gc, 1), {
      type: 'GeometryCollection',
      geometries: [
        { type: 'Point', coordinates: [1, 2] },
        { type: 'LineString', coordinates: [[3, 4]] },
      ],
    });
  }
  // A mixed collection: members in the other byte order.
  const be = new W(false).head(1).d(7, 8).buf;
  const mixed = Buffer.concat([new W(true).head(4).u32(1).buf, be]);
  assert.deepEqual(wkbToGeojson(mixed, 1), { type: 'MultiPoint', coordinates: [[7, 8]] });
  // An empty point is NaN, NaN: no coordinates.
  assert.deepEqual(wkbToGeojson(new W(true).head(1).d(NaN, NaN).buf, 1), { type: 'Point', coordinates: [] });
  assert.deepEqual(wkbToGeojson(new W(true).head(1).d(5, NaN).buf, 1), { type: 'Point', coordinates: [5, NaN] });
});

test('WKB: Z and M dropped, as ISO codes (1000s) or EWKB flags; the EWKB SRID skipped', () => {
  // ISO: 1001 XYZ, 2001 XYM, 3001 XYZM: the following point must be read at the right offset.
  for (const [code, dims] of [[1001, 3], [2001, 3], [3001, 4], [1002, 3], [2002, 3], [3002, 4]] as const) {
    const isLine = code % 1000 === 2;
    const w = new W(true).head(code);
    if (isLine) w.u32(2);
    w.d(...Array.from({ length: dims }, (_, k) => 10 + k));
    if (isLine) w.d(...Array.from({ length: dims }, (_, k) => 20 + k));
    const g = wkbToGeojson(w.buf, 1);
    assert.deepEqual(g, isLine ? { type: 'LineString', coordinates: [[10, 11], [20, 21]] } : { type: 'Point', coordinates: [10, 11] }, String(code));
  }
  // EWKB: Z 0x80000000, M 0x40000000, SRID 0x20000000.
  const z = new W(true).head(0x80000002).u32(2).d(1, 2, 3, 4, 5, 6).buf;
  assert.deepEqual(wkbToGeojson(z, 1), { type: 'LineString', coordinates: [[1, 2], [4, 5]] });
  const m = new W(false).head(0x40000002).u32(2).d(1, 2, 3, 4, 5, 6).buf;
  assert.deepEqual(wkbToGeojson(m, 1), { type: 'LineString', coordinates: [[1, 2], [4, 5]] });
  const zm = new W(true).head(0xc0000002).u32(2).d(1, 2, 3, 4, 5, 6, 7, 8).buf;
  assert.deepEqual(wkbToGeojson(zm, 1), { type: 'LineString', coordinates: [[1, 2], [5, 6]] });
  const srid = new W(true).head(0x20000001).u32(2154).d(700000, 6600000).buf;
  assert.deepEqual(wkbToGeojson(srid, 1), { type: 'Point', coordinates: [700000, 6600000] });
  const sridZ = new W(false).head(0xa0000001).u32(2154).d(1, 2, 3).buf;
  assert.deepEqual(wkbToGeojson(sridZ, 1), { type: 'Point', coordinates: [1, 2] });
});

test('WKB: cut anywhere or of an unknown type, a corrupt geometry with the feature number', () => {
  const line = new W(true).head(2).u32(2).d(0, 1, 2, 3).buf;
  assert.equal(line.length, 41);
  for (const n of [0, 4, 5, 8, 9, 24, 40]) fails(() => wkbToGeojson(line.subarray(0, n), 8), 'corrupt WKB geometry', 8);
  assert.deepEqual(wkbToGeojson(line, 8), { type: 'LineString', coordinates: [[0, 1], [2, 3]] });
  fails(() => wkbToGeojson(new W(true).head(8).u32(0).buf, 3), 'corrupt WKB geometry', 3);
  fails(() => wkbToGeojson(new W(true).head(0).buf, 3), 'corrupt WKB geometry', 3);
  // A count as the last four bytes: an empty collection.
  assert.deepEqual(wkbToGeojson(new W(true).head(4).u32(0).buf, 1), { type: 'MultiPoint', coordinates: [] });
  assert.deepEqual(wkbToGeojson(new W(false).head(2).u32(0).buf, 1), { type: 'LineString', coordinates: [] });
  // A point needs exactly its dimensions' bytes.
  const p3 = new W(true).head(1001).d(1, 2, 3).buf;
  assert.deepEqual(wkbToGeojson(p3, 1), { type: 'Point', coordinates: [1, 2] });
  fails(() => wkbToGeojson(p3.subarray(0, p3.length - 1), 1), 'corrupt WKB geometry', 1);
});

/** A GeoPackage geometry blob: GP, version 0, flags, srs_id, envelope of `env` doubles, then the WKB. */
function blob(wkb: Buffer, flags: number, envDoubles: number, head = 'GP'): Buffer {
  const h = Buffer.alloc(8 + envDoubles * 8);
  h.write(head, 0, 'latin1');
  h[3] = flags;
  h.writeInt32LE(2154, 4);
  for (let i = 0; i < envDoubles; i++) h.writeDoubleLE(i + 0.5, 8 + i * 8);
  return Buffer.concat([h, wkb]);
}

test('GeoPackage blobs: header, envelope codes 0–4, empty and extended flags', () => {
  const wkb = new W(true).head(1).d(3, 4).buf;
  for (const [code, doubles] of [[0, 0], [1, 4], [2, 6], [3, 6], [4, 8]]) {
    for (const order of [0, 1]) assert.ok(gpkgWkb(blob(wkb, (code << 1) | order, doubles), 1)!.equals(wkb), `envelope ${code}`);
  }
  for (const code of [5, 6, 7]) fails(() => gpkgWkb(blob(wkb, code << 1, 0), 4), `bad GeoPackage envelope code ${code}`, 4);
  assert.equal(gpkgWkb(blob(wkb, 0x10, 0), 1), null);
  assert.equal(gpkgWkb(blob(Buffer.alloc(0), 0x11 | (1 << 1), 4), 1), null, 'empty, whatever the envelope');
  fails(() => gpkgWkb(blob(wkb, 0x20, 0), 5), 'extended GeoPackage geometry types are not supported', 5);
  fails(() => gpkgWkb(blob(wkb, 0x30, 0), 5), 'extended GeoPackage geometry types are not supported', 5);
  fails(() => gpkgWkb(blob(wkb, 0, 0, 'GQ'), 6), 'geometry is not a GeoPackage blob (no GP header)', 6);
  fails(() => gpkgWkb(blob(wkb, 0, 0, 'HP'), 6), 'geometry is not a GeoPackage blob (no GP header)', 6);
  // Eight bytes is the smallest blob (header without envelope); seven is not a blob.
  assert.equal(gpkgWkb(blob(Buffer.alloc(0), 0, 0), 1)!.length, 0);
  fails(() => gpkgWkb(blob(Buffer.alloc(0), 0, 0).subarray(0, 7), 6), 'geometry is not a GeoPackage blob (no GP header)', 6);
});

test('CREATE TABLE columns: every quoting, the rowid key in every form, table constraints skipped', () => {
  const cols = (sql: string) => createTableColumns(sql).map((c) => (c.integerKey ? `${c.name}*` : c.name));
  assert.deepEqual(cols('CREATE TABLE t ("a ""q""" TEXT, `b` INT, [c d] REAL, \'e\' BLOB, f, g INTEGER)'), ['a "q"', 'b', 'c d', 'e', 'f', 'g']);
  assert.deepEqual(cols('CREATE TABLE t (fid integer primary key, x TEXT)'), ['fid*', 'x']);
  assert.deepEqual(cols('CREATE TABLE t (fid INTEGER NOT NULL PRIMARY  KEY, x TEXT)'), ['fid*', 'x']);
  // Not the rowid: INT, BIGINT, INTEGER(8), a key of several columns, no key.
  assert.deepEqual(cols('CREATE TABLE t (fid INT PRIMARY KEY, x TEXT)'), ['fid', 'x']);
  assert.deepEqual(cols('CREATE TABLE t (fid BIGINT PRIMARY KEY, x TEXT)'), ['fid', 'x']);
  assert.deepEqual(cols('CREATE TABLE t (fid INTEGER(8) PRIMARY KEY, x TEXT)'), ['fid', 'x']);
  assert.deepEqual(cols('CREATE TABLE t (fid INTEGERS PRIMARY KEY, x TEXT)'), ['fid', 'x']);
  assert.deepEqual(cols('CREATE TABLE t (fid INTEGER, x TEXT, PRIMARY KEY (fid, x))'), ['fid', 'x']);
  assert.deepEqual(cols('CREATE TABLE t (fid INTEGER, x TEXT)'), ['fid', 'x']);
  // The table's one-column key names an INTEGER column, in any quoting and case.
  assert.deepEqual(cols('CREATE TABLE t (x TEXT, "Fid" INTEGER, PRIMARY KEY ("fid"))'), ['x', 'Fid*']);
  assert.deepEqual(cols('CREATE TABLE t (x TEXT, fid INTEGER, CONSTRAINT pk PRIMARY KEY ( [fid] ))'), ['x', 'fid*']);
  assert.deepEqual(cols('CREATE TABLE t (x TEXT, fid INTEGER, primary key(`fid`))'), ['x', 'fid*']);
  assert.deepEqual(cols('CREATE TABLE t (x INT, fid INTEGER, PRIMARY KEY (x))'), ['x', 'fid'], 'the key names an INT column: no rowid alias');
  // A column already the key wins over a table constraint naming another.
  assert.deepEqual(cols('CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER, PRIMARY KEY (b))'), ['a*', 'b']);
  // Constraints of every kind, parentheses and commas inside them, CHECK with a string.
  assert.deepEqual(cols("CREATE TABLE t (a TEXT CHECK (a IN ('x,y', 'z')), b REAL DEFAULT (1.5), UNIQUE (a, b), CHECK (b > 0), FOREIGN KEY (a) REFERENCES u(v), constraint c unique (b))"), ['a', 'b']);
  // Newlines and tabs between the parts.
  assert.deepEqual(cols('CREATE TABLE t (\n\tfid INTEGER PRIMARY KEY AUTOINCREMENT,\n\tgeom POINT\n)'), ['fid*', 'geom']);
  assert.deepEqual(cols('CREATE TABLE t ()'), []);
});

// ---- GeoPackages written by sqlite3 ----

function sqlite(path: string, sql: string) {
  execFileSync('sqlite3', [path], { input: sql });
}

const hex = (b: Buffer) => `X'${b.toString('hex')}'`;

/** The GeoPackage tables the reader needs, with the CRS rows asked. */
function gpkgSchema(srs: string[], extra = ''): string {
  return `
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
${srs.map((s) => `INSERT INTO gpkg_spatial_ref_sys VALUES (${s});`).join('\n')}
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, srs_id INTEGER);
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
${extra}`;
}

test('a GeoPackage of every SQLite value type, columns added later, a non-EPSG CRS, an attributes table', needsSqlite, () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'types.gpkg');
    const pt = blob(new W(true).head(1).d(2.5, 48.5).buf, 1, 0);
    sqlite(
      path,
      gpkgSchema(["'RGF93', 2154, 'EPSG', 2154, 'PROJCS[...]', NULL", "'local', 100000, 'NONE', 100000, 'LOCAL_CS[\"x\"]', NULL", "'epsg 0', 4, 'epsg', 0, 'undefined', NULL"]) +
        `
CREATE TABLE "vals" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, i, r REAL, s TEXT, b BLOB);
INSERT INTO vals VALUES (1, ${hex(pt)}, NULL, NULL, NULL, NULL);
INSERT INTO vals (i) VALUES (0), (1), (-1), (127), (-128), (128), (-129), (32767), (-32768), (32768), (-32769), (8388607), (-8388608), (8388608), (-8388609),
  (2147483647), (-2147483648), (2147483648), (-2147483649), (140737488355327), (-140737488355328), (140737488355328), (-140737488355329),
  (9007199254740991), (-9007199254740991), (9007199254740992), (-9007199254740992), (9223372036854775807);
INSERT INTO vals (r, s, b) VALUES (-0.125, 'Noué « x »', X'00ff10');
INSERT INTO vals (s) VALUES ('');
ALTER TABLE vals ADD COLUMN late TEXT;
INSERT INTO vals (s, late) VALUES ('new', 'added');
CREATE TABLE other (fid INTEGER PRIMARY KEY, geom POINT);
INSERT INTO other VALUES (7, NULL);
CREATE TABLE attrs (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO gpkg_contents VALUES ('vals', 'features', 'vals', 2154), ('OTHER', 'features', 'o', 100000), ('attrs', 'attributes', 'a', 0), ('gone', 'features', 'g', 4);
INSERT INTO gpkg_geometry_columns VALUES ('vals', 'geom', 'POINT', 2154, 0, 0), ('other', 'GEOM', 'POINT', 100000, 0, 0), ('gone', 'geom', 'POINT', 4, 0, 0), ('attrs', 'x', 'POINT', 0, 0, 0);
`,
    );
    const g = openGpkg(path);
    try {
      assert.equal(g.path, path);
      // Layers: features of gpkg_contents (any case) with a geometry column; the attributes table is not one.
      assert.deepEqual(
        g.layers.map((l) => [l.table, l.geometryColumn, l.srid, l.definition, l.count]),
        [
          ['vals', 'geom', 2154, 'PROJCS[...]', undefined],
          ['other', 'GEOM', undefined, 'LOCAL_CS["x"]', undefined],
          ['gone', 'geom', undefined, undefined, undefined],
        ],
      );
      const feats = [...g.features('vals')];
      assert.deepEqual(feats[0].geometry, { type: 'Point', coordinates: [2.5, 48.5] });
      assert.equal(feats[0].id, 1);
      assert.ok(gpkgFeatureWkb(feats[0])!.equals(new W(true).head(1).d(2.5, 48.5).buf));
      assert.deepEqual(Object.keys(feats[0].properties), ['i', 'r', 's', 'b', 'late'], 'neither the key nor the geometry; the column added later too');
      const ints = feats.slice(1, 29).map((f) => f.properties.i);
      assert.deepEqual(ints, [
        0, 1, -1, 127, -128, 128, -129, 32767, -32768, 32768, -32769, 8388607, -8388608, 8388608, -8388609, 2147483647, -2147483648, 2147483648, -2147483649,
        140737488355327, -140737488355328, 140737488355328, -140737488355329, 9007199254740991, -9007199254740991, '9007199254740992', '-9007199254740992', '9223372036854775807',
      ]);
      const mixed = feats[29];
      assert.equal(mixed.properties.r, -0.125);
      assert.equal(mixed.properties.s, 'Noué « x »');
      assert.deepEqual([...(mixed.properties.b as Buffer)], [0x00, 0xff, 0x10]);
      assert.equal(mixed.geometry, null);
      assert.equal(gpkgFeatureWkb(mixed), null);
      assert.equal(feats[30].properties.s, '');
      const last = feats.at(-1)!;
      assert.deepEqual(last.properties, { i: null, r: null, s: 'new', b: null, late: 'added' });
      assert.equal(feats[2].properties.late, null, 'a row written before the column was added');
      assert.deepEqual(feats.map((f) => f.index), feats.map((_, i) => i + 1));
      assert.deepEqual(feats.map((f) => f.id), feats.map((_, i) => i + 1));
      // The geometry column found whatever its case; a feature table without rows.
      const other = [...g.features('other')];
      assert.deepEqual(other.map((f) => [f.index, f.id, f.geometry, f.properties]), [[1, 7, null, {}]]);
      assert.throws(() => [...g.features('gone')], { message: 'no feature table gone' });
      assert.throws(() => [...g.features('attrs')], { message: 'no feature table attrs' });
      assert.throws(() => [...g.features('VALS')], { message: 'no feature table VALS' });
    } finally {
      g.close();
    }
  } finally {
    t.cleanup();
  }
});

test('GeoPackages: 64 KiB pages, interior pages and overflow chains; feature counts of GDAL', needsSqlite, () => {
  const t = tempDir();
  try {
    for (const pageSize of [512, 65536]) {
      const path = join(t.dir, `p${pageSize}.gpkg`);
      const rows = pageSize === 512 ? 400 : 60;
      // Texts from a few bytes to several pages long: overflow chains of every length.
      const text = (i: number) => `${i}:${'x'.repeat((i * 97) % (pageSize * 3))}`;
      const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, ${hex(blob(new W(true).head(1).d(i, -i).buf, 1, 0))}, '${text(i)}')`);
      sqlite(
        path,
        `PRAGMA page_size=${pageSize};\n` +
          gpkgSchema(["'RGF93', 2154, 'EPSG', 2154, 'x', NULL"]) +
          `
CREATE TABLE gpkg_ogr_contents (table_name TEXT NOT NULL PRIMARY KEY, feature_count INTEGER DEFAULT NULL);
CREATE TABLE big (fid INTEGER PRIMARY KEY, geom POINT, t TEXT);
INSERT INTO big VALUES ${values.join(',\n')};
INSERT INTO gpkg_contents VALUES ('big', 'features', 'big', 2154);
INSERT INTO gpkg_geometry_columns VALUES ('big', 'geom', 'POINT', 2154, 0, 0);
INSERT INTO gpkg_ogr_contents VALUES ('BIG', ${rows});
`,
      );
      const g = openGpkg(path);
      try {
        assert.deepEqual(g.layers.map((l) => [l.table, l.count]), [['big', rows]]);
        const out = [...g.features('big')];
        assert.equal(out.length, rows);
        out.forEach((f, i) => {
          assert.equal(f.properties.t, text(i), `row ${i + 1}, page size ${pageSize}`);
          assert.deepEqual(f.geometry, { type: 'Point', coordinates: [i, -i] });
        });
      } finally {
        g.close();
      }
    }
  } finally {
    t.cleanup();
  }
});

test('GeoPackages refused: UTF-16, WITHOUT ROWID, no GeoPackage tables, a corrupt value', needsSqlite, () => {
  const t = tempDir();
  try {
    const u16 = join(t.dir, 'u16.gpkg');
    sqlite(u16, `PRAGMA encoding='UTF-16le';\n${gpkgSchema([])}`);
    fails(() => openGpkg(u16), 'SQLite text encoding other than UTF-8 (GeoPackage requires UTF-8)');
    const plain = join(t.dir, 'plain.gpkg');
    sqlite(plain, 'CREATE TABLE gpkg_contents (table_name TEXT);');
    fails(() => openGpkg(plain), 'not a GeoPackage: no gpkg_contents / gpkg_geometry_columns table');
    const geomOnly = join(t.dir, 'g.gpkg');
    sqlite(geomOnly, 'CREATE TABLE gpkg_geometry_columns (table_name TEXT);');
    fails(() => openGpkg(geomOnly), 'not a GeoPackage: no gpkg_contents / gpkg_geometry_columns table');
    // Names of the GeoPackage tables in another case still count; a view of that name does not.
    const upper = join(t.dir, 'upper.gpkg');
    sqlite(upper, 'CREATE TABLE GPKG_CONTENTS (table_name TEXT, data_type TEXT); CREATE TABLE Gpkg_Geometry_Columns (table_name TEXT, column_name TEXT, srs_id INTEGER);');
    assert.deepEqual(openGpkg(upper).layers, []);
    const view = join(t.dir, 'view.gpkg');
    sqlite(view, 'CREATE TABLE c (table_name TEXT); CREATE VIEW gpkg_contents AS SELECT * FROM c; CREATE TABLE gpkg_geometry_columns (table_name TEXT);');
    fails(() => openGpkg(view), 'not a GeoPackage: no gpkg_contents / gpkg_geometry_columns table');
    const wr = join(t.dir, 'wr.gpkg');
    sqlite(
      wr,
      gpkgSchema([]) +
        `CREATE TABLE w (fid INTEGER PRIMARY KEY, geom POINT) WITHOUT ROWID;
INSERT INTO gpkg_contents VALUES ('w', 'features', 'w', 0); INSERT INTO gpkg_geometry_columns VALUES ('w', 'geom', 'POINT', 0, 0, 0);`,
    );
    const g = openGpkg(wr);
    try {
      fails(() => [...g.features('w')], 'w is a WITHOUT ROWID table (not supported)');
    } finally {
      g.close();
    }
  } finally {
    t.cleanup();
  }
});

test('GeoPackages: the geometry column first, a NULL feature count, WITHOUT ROWID only as the table option; the lazy geometry', needsSqlite, () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'first.gpkg');
    const pt = blob(new W(true).head(1).d(4, 5).buf, 1, 0);
    sqlite(
      path,
      gpkgSchema([]) +
        `CREATE TABLE gpkg_ogr_contents (table_name TEXT NOT NULL PRIMARY KEY, feature_count INTEGER DEFAULT NULL);
CREATE TABLE f (geom POINT, note TEXT DEFAULT 'WITHOUT ROWID', fid INTEGER PRIMARY KEY);
INSERT INTO f (geom, fid) VALUES (${hex(pt)}, 3);
INSERT INTO gpkg_contents VALUES ('f', 'features', 'f', 0); INSERT INTO gpkg_geometry_columns VALUES ('f', 'geom', 'POINT', 0, 0, 0);
INSERT INTO gpkg_ogr_contents VALUES ('f', NULL);`,
    );
    const g = openGpkg(path);
    try {
      assert.deepEqual(g.layers.map((l) => [l.table, l.count]), [['f', undefined]], 'a NULL feature_count is no count (not the rowid)');
      const [f] = [...g.features('f')];
      assert.deepEqual([f.index, f.id, f.properties], [1, 3, { note: 'WITHOUT ROWID' }]);
      assert.deepEqual(f.geometry, { type: 'Point', coordinates: [4, 5] });
      assert.equal(f.geometry, f.geometry, 'decoded once');
      assert.deepEqual(Object.keys(f), ['index', 'properties', 'id', 'geometry']);
      f.geometry = { type: 'Point', coordinates: [0, 0] };
      assert.deepEqual(f.geometry, { type: 'Point', coordinates: [0, 0] });
      assert.equal(gpkgFeatureWkb(f), undefined, 'replaced: no stored WKB');
      delete (f as { geometry?: unknown }).geometry;
      assert.equal('geometry' in f, false);
    } finally {
      g.close();
    }
  } finally {
    t.cleanup();
  }
});
