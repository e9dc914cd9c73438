import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, copyFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTableColumns, gpkgFeatureWkb, openGpkg } from '../../../src/import/readers/gpkg.ts';
import { geojsonToWkb } from '../../../src/import/wkb.ts';
import { resolveSources } from '../../../src/import/sources.ts';
import { SourceError } from '../../../src/import/readers/errors.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { tempDir } from '../helpers.ts';

const FIX = new URL('../../fixtures/import/', import.meta.url).pathname;
const HAS_OGR = spawnSync('ogr2ogr', ['--version']).status === 0;

test('GeoPackage layers, CRS, columns and features (GDAL-written, two layers)', () => {
  const g = openGpkg(join(FIX, 'zones.gpkg'));
  try {
    assert.deepEqual(g.layers.map((l) => [l.table, l.geometryColumn, l.srid, l.count]), [
      ['ZONES', 'geom', 2154, 3],
      ['parcelles_reunion', 'geom', 2975, 2],
    ]);
    const zones = [...g.features('ZONES')];
    assert.deepEqual(zones.map((f) => f.properties.NOM), ["Étang de l'Œuvre", 'Prés du Château', 'Noué-sur-Aÿ']);
    assert.deepEqual(zones.map((f) => [f.index, f.id]), [[1, 1], [2, 2], [3, 3]]);
    assert.deepEqual(zones[0].properties, { CODE: 'Z1', NOM: "Étang de l'Œuvre", SURF: 12.5, RANG: 1 });
    assert.equal(zones[2].properties.SURF, null);
    assert.equal(zones[0].geometry!.type, 'MultiPolygon');
    assert.equal((zones[0].geometry!.coordinates as number[][][][])[0].length, 2, 'outer ring + hole');
    assert.deepEqual((zones[0].geometry!.coordinates as number[][][][])[0][0][0], [700000, 6600000]);
    // The WKB the engine stages is the stored one, equal to the decoded geometry's.
    for (const f of zones) assert.equal(gpkgFeatureWkb(f)!.toString('hex'), geojsonToWkb(f.geometry!).toString('hex'));
    assert.throws(() => [...g.features('nope')], /no feature table nope/);
  } finally {
    g.close();
  }
});

test('a GeoPackage through the source resolver: one layer chosen by --entry, several refused without', async () => {
  await assert.rejects(resolveSources([join(FIX, 'zones.gpkg')]), /holds several layers \(ZONES, parcelles_reunion\): choose with --entry/);
  const { sources, close } = await resolveSources([join(FIX, 'zones.gpkg')], { entry: 'parcelles_*' });
  close();
  assert.deepEqual(sources.map((s) => [s.label.replace(FIX, ''), s.format]), [['zones.gpkg/parcelles_reunion', 'gpkg']]);
  const opened = await sources[0].open(undefined as never, {});
  const feats: SourceFeature[] = [];
  for await (const f of opened.features) feats.push(f);
  assert.equal(opened.srid(), 2975);
  assert.deepEqual(feats.map((f) => f.properties.NOM), ['Saint-Denis', 'Cilaos']);
});

test('CREATE TABLE column lists: quoting, constraints, INTEGER PRIMARY KEY', () => {
  assert.deepEqual(
    createTableColumns('CREATE TABLE "a b" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" GEOMETRY, [x,y] TEXT, `z` REAL DEFAULT (1,2), w, CONSTRAINT pk PRIMARY KEY (fid), UNIQUE (w))'),
    [
      { name: 'fid', integerKey: true },
      { name: 'geom', integerKey: false },
      { name: 'x,y', integerKey: false },
      { name: 'z', integerKey: false },
      { name: 'w', integerKey: false },
    ],
  );
});

test('not a GeoPackage, truncated file: clear errors', () => {
  const t = tempDir();
  try {
    writeFileSync(join(t.dir, 'x.gpkg'), 'plain text, not SQLite');
    assert.throws(() => openGpkg(join(t.dir, 'x.gpkg')), /not an SQLite\/GeoPackage file/);
    copyFileSync(join(FIX, 'zones.gpkg'), join(t.dir, 'cut.gpkg'));
    truncateSync(join(t.dir, 'cut.gpkg'), Math.floor(statSync(join(t.dir, 'cut.gpkg')).size / 2));
    assert.throws(() => {
      const g = openGpkg(join(t.dir, 'cut.gpkg'));
      for (const l of g.layers) [...g.features(l.table)];
    }, (e: unknown) => e instanceof SourceError && /corrupt GeoPackage|outside the file|truncated/.test(e.message));
  } finally {
    t.cleanup();
  }
});

test('a multi-level table with overflowing rows (5,000 features, 6 kB texts) reads whole and in order', { skip: HAS_OGR ? false : 'needs ogr2ogr (gdal-bin) to write the GeoPackage' }, () => {
  const t = tempDir();
  try {
    const long = (i: number) => `${'é'.repeat(3000)}#${i}`;
    const feats = Array.from({ length: 5000 }, (_, i) => ({
      type: 'Feature',
      properties: { n: i, big: i % 10 === 0 ? long(i) : `court ${i}`, x: i / 3 },
      geometry: { type: 'Point', coordinates: [2 + i / 1e4, 48 + i / 1e4] },
    }));
    writeFileSync(join(t.dir, 'in.geojson'), JSON.stringify({ type: 'FeatureCollection', features: feats }));
    execFileSync('ogr2ogr', ['-f', 'GPKG', join(t.dir, 'big.gpkg'), join(t.dir, 'in.geojson'), '-nln', 'big']);
    const g = openGpkg(join(t.dir, 'big.gpkg'));
    try {
      const out = [...g.features('big')];
      assert.equal(out.length, 5000);
      out.forEach((f, i) => {
        assert.equal(f.properties.n, i);
        assert.equal(f.properties.big, i % 10 === 0 ? long(i) : `court ${i}`);
      });
      assert.deepEqual(out[4999].geometry, { type: 'Point', coordinates: [2 + 4999 / 1e4, 48 + 4999 / 1e4] });
    } finally {
      g.close();
    }
  } finally {
    t.cleanup();
  }
});
