/**
 * SUP shapefiles of the CNIG standard (`<CATEGORIE>_ASSIETTE_SUP_S.shp`…) through the import
 * engine, then served by the API Carto SUP routes. No real SUP file is among the shared samples: the
 * fixture is generated with the standard's field names, in Latin-1 as the producers' DBFs often are.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { importFiles } from '../../../src/import/engine.ts';
import { ImportError } from '../../../src/import/readers/errors.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';
import { tempDir, writeShapefile } from '../../import/helpers.ts';

let t: TestApp;
const tmp = tempDir('terroir-sup-');
let assiettes: string;
let generateurs: string;

before(async () => {
  t = await testApp();
  const dir = join(tmp.dir, '130007123_SUP_64_A7');
  mkdirSync(dir);
  // Three 10 m squares near (650,000, 6,860,000) in Lambert-93, i.e. around 2.29 E 48.79 N.
  assiettes = writeShapefile({
    base: join(dir, 'A7_ASSIETTE_SUP_S'),
    count: 3,
    encoding: 'latin1',
    fields: [
      { name: 'IDASS', type: 'C', length: 40 },
      { name: 'IDGEN', type: 'C', length: 40 },
      { name: 'NOMASS', type: 'C', length: 80 },
      { name: 'TYPEASS', type: 'C', length: 40 },
      { name: 'MODEGEOASS', type: 'C', length: 40 },
      { name: 'PARAMCALC', type: 'C', length: 10 },
      { name: 'SRCGEOASS', type: 'C', length: 40 },
      { name: 'DATESRCASS', type: 'C', length: 8 },
      { name: 'RAYON', type: 'N', length: 10, decimals: 1 },
    ],
    values: (i) => ({
      IDASS: `A7_ASS_${i}`,
      IDGEN: `A7_GEN_${i}`,
      NOMASS: i === 0 ? 'Forêt de protection des Landes de Gascogne' : `Forêt ${i}`,
      TYPEASS: 'Forêt de protection',
      MODEGEOASS: 'Egal au générateur',
      PARAMCALC: null,
      SRCGEOASS: 'BD Parcellaire',
      DATESRCASS: '20160315',
      RAYON: i === 1 ? 12.5 : null,
    }),
  });
  generateurs = writeShapefile({
    base: join(dir, 'A7_GENERATEUR_SUP_S'),
    count: 1,
    encoding: 'latin1',
    fields: [
      { name: 'IDGEN', type: 'C', length: 40 },
      { name: 'IDSUP', type: 'C', length: 40 },
      { name: 'NOMGEN', type: 'C', length: 80 },
      { name: 'TYPEGEN', type: 'C', length: 40 },
    ],
    values: () => ({ IDGEN: 'A7_GEN_0', IDSUP: 'A7_SUP_1', NOMGEN: 'Forêt domaniale', TYPEGEN: 'Forêt' }),
  });
});
after(async () => {
  await t?.close();
  tmp.cleanup();
});

const partition = '130007123_SUP_64_A7';
const at = (lon: number, lat: number) => encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [lon, lat] }));

test(`${BACKEND}: CNIG SUP assiettes and générateurs load in their partition, category from the file name, and are served`, async () => {
  const s = await importFiles(t.db, IMPORT_TARGETS.get('gpu.assiette-sup-s')!, [assiettes], { options: { partition } });
  assert.equal(s.loaded, 3);
  assert.equal(s.datasets[0].id, `gpu.assiette-sup-s:${partition}`);
  // The folder holds both kinds: the target's match picks its own file.
  const g = await importFiles(t.db, IMPORT_TARGETS.get('gpu.generateur-sup-s')!, [join(assiettes, '..')], { options: { partition } });
  assert.equal(g.loaded, 1);

  const [centre] = await t.db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(650005, 6860005), 2154), 4326) AS c) p`,
  );
  const res = await t.app.inject({ method: 'GET', url: `/api/gpu/assiette-sup-s?categorie=A7&geom=${at(centre.lon, centre.lat)}` });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.totalFeatures, 1);
  const p = body.features[0].properties;
  assert.equal(p.suptype, 'a7');
  assert.equal(p.partition, partition);
  assert.equal(p.idass, 'A7_ASS_0');
  assert.equal(p.nomass, 'Forêt de protection des Landes de Gascogne', 'Latin-1 accents decoded');
  assert.equal(p.modegeoass, 'Egal au générateur');
  assert.equal(p.datesrcass, '20160315');
  assert.equal(p.paramcalc, null);

  const [{ rayon }] = await t.db.query<{ rayon: number }>(`SELECT rayon FROM gpu_assiette_sup_s WHERE idass = 'A7_ASS_1'`);
  assert.equal(rayon, 12.5, 'numeric attPart fields kept as numbers');
  const gen = await t.app.inject({ method: 'GET', url: `/api/gpu/generateur-sup-s?partition=${partition}&geom=${at(centre.lon, centre.lat)}` });
  assert.equal(gen.json().features[0].properties.nomgen, 'Forêt domaniale');
  // Another category asks for nothing here.
  const other = await t.app.inject({ method: 'GET', url: `/api/gpu/assiette-sup-s?categorie=AC1&geom=${at(centre.lon, centre.lat)}` });
  assert.equal(other.json().totalFeatures, 0);

  // Re-importing replaces the partition's rows, nothing more.
  const again = await importFiles(t.db, IMPORT_TARGETS.get('gpu.assiette-sup-s')!, [assiettes], { options: { partition } });
  assert.equal(again.replaced, 3);
  const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gpu_assiette_sup_s WHERE partition = $1', [partition]);
  assert.equal(n, 3);
});

test(`${BACKEND}: a SUP import without a partition, or with a category outside the nomenclature, fails and loads nothing`, async () => {
  const target = IMPORT_TARGETS.get('gpu.assiette-sup-s')!;
  await assert.rejects(importFiles(t.db, target, [assiettes]), (e: unknown) => {
    assert.ok(e instanceof ImportError);
    assert.match(e.message, /partition of a SUP is required/);
    return true;
  });
  await assert.rejects(importFiles(t.db, target, [assiettes], { options: { partition: 'DU_17345' } }), /expected \[<SIREN>_\]SUP_<territory>_<category>/);
  await assert.rejects(importFiles(t.db, target, [assiettes], { options: { partition: '130007123_SUP_64_XX', categorie: 'not a category' } }), /not one of the nomenclature/);
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM gpu_assiette_sup_s WHERE partition = '130007123_SUP_64_XX'`);
  assert.equal(n, 0);
});
