import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { importWith } from '../../../src/import/engine.ts';
import { tempDir, writeShapefile } from '../../import/helpers.ts';

/**
 * An ASP level-2 delivery as files (graphic classes as GeoJSON, ILOT_DESCRIPTION as dBase, the other
 * tables as CSV with semicolons or commas, the instruction's field names in upper case), loaded by
 * `terroir import rpg-n2.parcelle-graphique-livraison` through the catalogue's target.
 */
let t: TestApp;
let dir: string;

/** A dBase III file: C fields of `width`, N fields of 10. */
function dbf(fields: { name: string; type: 'C' | 'N'; width: number }[], rows: (string | number)[][]): Buffer {
  const headerLength = 32 + 32 * fields.length + 1;
  const recordLength = 1 + fields.reduce((s, f) => s + f.width, 0);
  const b = Buffer.alloc(headerLength + recordLength * rows.length + 1, 0x20);
  b.fill(0, 0, headerLength);
  b[0] = 0x03;
  b.writeUInt32LE(rows.length, 4);
  b.writeUInt16LE(headerLength, 8);
  b.writeUInt16LE(recordLength, 10);
  fields.forEach((f, i) => {
    const o = 32 + 32 * i;
    b.write(f.name, o, 'latin1');
    b.write(f.type, o + 11, 'latin1');
    b[o + 16] = f.width;
  });
  b[headerLength - 1] = 0x0d;
  rows.forEach((r, j) => {
    let o = headerLength + j * recordLength + 1;
    fields.forEach((f, i) => {
      const v = String(r[i]);
      b.write(f.type === 'N' ? v.padStart(f.width) : v.padEnd(f.width), o, 'latin1');
      o += f.width;
    });
  });
  b[b.length - 1] = 0x1a;
  return b;
}

const square = (x: number, y: number) => ({ type: 'MultiPolygon', coordinates: [[[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]]] });
const fc = (features: { props: Record<string, unknown>; geom: unknown }[]) =>
  JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', properties: f.props, geometry: f.geom })) });

before(async () => {
  t = await testApp();
  dir = mkdtempSync(join(tmpdir(), 'terroir-n2-delivery-'));
  writeFileSync(join(dir, 'ILOT_2023_047.geojson'), fc([{ props: { ID_ILOT: 501 }, geom: square(0.5, 44.3) }, { props: { ID_ILOT: 502 }, geom: square(0.51, 44.3) }]));
  writeFileSync(join(dir, 'PARCELLE_GRAPHIQUE_2023_047.geojson'), fc([1, 2, 3].map((i) => ({ props: { ID_PARCELLE: 9000 + i }, geom: square(0.5 + i * 0.002, 44.31) }))));
  writeFileSync(
    join(dir, 'ILOT_DESCRIPTION_2023_047.dbf'),
    dbf([{ name: 'NUM_PACAGE', type: 'C', width: 9 }, { name: 'ID_ILOT', type: 'N', width: 10 }, { name: 'COMMUNE', type: 'C', width: 5 }], [
      ['047000001', 501, '47001'],
      ['047000002', 502, '47002'],
    ]),
  );
  writeFileSync(
    join(dir, 'PARCELLE_2023_047.csv'),
    'ID_PARCELLE;NUMERO_PACAGE;COMMUNE_ILOT;NUMERO_ILOT;NUMERO_PARCELLE;CODE_CULTURE;CATEGORIE_CULTURE;PRECISION_CULTURE;SEMENCES_CERTIFIEES;COMMERCIALISATION;BIO;ENGAGEMENT_BIO;SURFACE_ADMISSIBLE;CULTURE_DEROBEE_1;CULTURE_DEROBEE_2\n' +
      '9001;047000001;47001;1;1;BTH;1;;N;O;N;;2,5;;\n'.replace('2,5', '2.5') +
      '9002;047000001;47001;1;2;PPH;18;;N;O;O;C;3.25;DMD;\n' +
      '9003;047000002;47002;1;1;MIS;2;;O;O;N;;4;;\n',
  );
  writeFileSync(join(dir, 'EXPLOITANTS_2023_047.csv'), 'NUMERO_PACAGE,FORME_JURIDIQUE\n047000001,EARL\n047000002,GAEC\n');
  writeFileSync(
    join(dir, 'EXPLOITANTS_ETAT_2023_047.csv'),
    'NUMERO_PACAGE;SIRET;FORME_JURIDIQUE;CIVILITE;NOM_RAISON_SOCIALE;PRENOMS;ADRESSE_MAIL\n047000001;99999999900017;EARL;;EARL DU TEST;;earl@example.org\n047000002;99999999800019;GAEC;;GAEC DU TEST;;gaec@example.org\n',
  );
  writeFileSync(join(dir, 'PILIER1_2023_047.csv'), 'NUMERO_PACAGE;DPB_NOMBRE_DROITS;MONTANT_NET_TOTAL\n047000001;5.75;1234.56\n047000002;4;999.1\n');
  writeFileSync(join(dir, 'PILIER2_2023_047.csv'), 'NUMERO_PACAGE;FINANCIER;ICHN_BASE;MONTANT_NET_TOTAL\n047000001;ASP;0;0\n047000002;ASP;700;700\n');
  writeFileSync(join(dir, 'MAEC_ELEMENTS_2023_047.csv'), 'NUMERO_PACAGE;NUMERO_ILOT;TYPE_ELEMENT;NUMERO_ELEMENT;MAEC_1;LONGUEUR\n047000001;1;HAIE;1;NA_HAIE_01;120.5\n');
  writeFileSync(join(dir, 'MAEC_REFERENTIEL_2023.csv'), 'CODE_MESURE;LIBELLE_MESURE;DISPOSITIF;CAMPAGNE_DEBUT;CAMPAGNE_FIN;MONTANT_NET_MESURE\nNA_HAIE_01;Entretien des haies;MAEC localisée;2015;2022;0.86\n');
});
after(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const target = () => t.app.catalog.target('rpg-n2.parcelle-graphique-livraison')!;

test(`${BACKEND}: a whole ASP delivery loads every level-2 table, restricted, and re-importing replaces it`, async () => {
  assert.ok(target(), 'the delivery is a catalogue import target');
  const summaries = await importWith(t.db, target(), [dir], { campagne: 2023, options: { dep: '047' } });
  const by = Object.fromEntries(summaries.map((s) => [s.layer, s.loaded]));
  assert.deepEqual(by, {
    'rpg-n2.ilot': 2, 'rpg-n2.parcelle-graphique': 3, 'rpg-n2.ilots': 2, 'rpg-n2.parcelles': 3, 'rpg-n2.exploitants': 2,
    'rpg-n2.exploitants_etat': 2, 'rpg-n2.pilier1': 2, 'rpg-n2.pilier2': 2, 'rpg-n2.maec_elements': 1, 'rpg-n2.maec_mesures': 1,
  });
  const [p] = await t.db.query<Record<string, unknown>>(`SELECT * FROM rpg_n2_parcelle WHERE id_parcelle = 9002`);
  assert.deepEqual(
    { ...p },
    { campagne: 2023, dataset_id: 'rpg-n2.parcelles:2023:D47', departement: '47', id_parcelle: 9002, numero_pacage: '047000001', commune_ilot: '47001', numero_ilot: 1, numero_parcelle: 2,
      code_culture: 'PPH', categorie_culture: '18', precision_culture: null, semences_certifiees: false, commercialisation: true, bio: true, engagement_bio: 'C',
      surface_admissible: 3.25, culture_derobee_1: 'DMD', culture_derobee_2: null },
  );
  const [i] = await t.db.query<{ numero_pacage: string; commune_ilot: string }>(`SELECT numero_pacage, commune_ilot FROM rpg_n2_ilot_description WHERE id_ilot = 502`);
  assert.deepEqual({ ...i }, { numero_pacage: '047000002', commune_ilot: '47002' });
  const [g] = await t.db.query<{ n: number; dep: string }>(`SELECT count(*)::int AS n, min(departement) AS dep FROM rpg_n2_parcelle_graphique WHERE dataset_id = 'rpg-n2.parcelle-graphique:2023:D47'`);
  assert.deepEqual({ ...g }, { n: 3, dep: '47' });
  const [m] = await t.db.query<{ v: number }>(`SELECT montant_net_total AS v FROM rpg_n2_pilier1 WHERE numero_pacage = '047000001'`);
  assert.equal(m.v, 1234.56);
  // Recorded restricted: hidden from /api/datasets for anonymous callers.
  const ds = await t.db.query<{ id: string; details: { restricted?: boolean; scope?: string } }>(`SELECT id, details FROM terroir_dataset WHERE layer = 'rpg-n2.pilier1'`);
  assert.equal(ds[0].details.scope, 'rpg:niveau2:lire');
  const listed = (await t.app.inject({ method: 'GET', url: '/api/datasets' })).json() as { layer: string }[];
  assert.ok(!listed.some((d) => d.layer.startsWith('rpg-n2.')), JSON.stringify(listed.map((d) => d.layer)));
  // Idempotent.
  const again = await importWith(t.db, target(), [dir], { campagne: 2023, options: { dep: '47' } });
  assert.equal(again.find((s) => s.layer === 'rpg-n2.parcelles')?.datasets[0].replaced, 3);
  const [n] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_n2_parcelle`);
  assert.equal(n.n, 3);
});

test(`${BACKEND}: a delivery with a wrong value, an unknown file or no département is refused, naming it`, async () => {
  await assert.rejects(importWith(t.db, target(), [dir], { campagne: 2023 }), /--option dep/);
  const bad = mkdtempSync(join(tmpdir(), 'terroir-n2-bad-'));
  try {
    writeFileSync(join(bad, 'PILIER1_2023_047.csv'), 'NUMERO_PACAGE;MONTANT_NET_TOTAL\n047000001;beaucoup\n');
    await assert.rejects(importWith(t.db, target(), [bad], { campagne: 2023, options: { dep: '47' } }), /PILIER1_2023_047\.csv, record 1, .*MONTANT_NET_TOTAL/);
    rmSync(join(bad, 'PILIER1_2023_047.csv'));
    writeFileSync(join(bad, 'CHEPTEL_2023_047.csv'), 'A\n1\n');
    await assert.rejects(importWith(t.db, target(), [bad], { campagne: 2023, options: { dep: '47' } }), /CHEPTEL_2023_047\.csv: no level-2 table/);
    rmSync(join(bad, 'CHEPTEL_2023_047.csv'));
    writeFileSync(join(bad, 'EXPLOITANTS_2023_047.csv'), 'FORME\nEARL\n');
    await assert.rejects(importWith(t.db, target(), [bad], { campagne: 2023, options: { dep: '47' } }), /no field NUMERO_PACAGE/);
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
  // The rows loaded before are untouched.
  const [n] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rpg_n2_pilier1`);
  assert.equal(n.n, 2);
});

test(`${BACKEND}: the delivery as the ASP sends it, one zip of shapefiles and DBF/CSV tables, loads the same way`, async () => {
  const src = tempDir('terroir-n2-zip-src-');
  try {
    // Graphic classes as real shapefiles (Lambert-93 squares, reprojected at import), tables as dBase and CSV.
    writeShapefile({ base: join(src.dir, 'ILOT_2024_047'), count: 2, fields: [{ name: 'ID_ILOT', type: 'N', length: 9 }], values: (i) => ({ ID_ILOT: 601 + i }) });
    writeShapefile({ base: join(src.dir, 'PARCELLE_GRAPHIQUE_2024_047'), count: 3, fields: [{ name: 'ID_PARCELLE', type: 'N', length: 9 }], values: (i) => ({ ID_PARCELLE: 9101 + i }) });
    writeFileSync(
      join(src.dir, 'ILOT_DESCRIPTION_2024_047.dbf'),
      dbf([{ name: 'NUM_PACAGE', type: 'C', width: 9 }, { name: 'ID_ILOT', type: 'N', width: 10 }, { name: 'COMMUNE', type: 'C', width: 5 }], [
        ['047000011', 601, '47001'],
        ['047000012', 602, '47002'],
      ]),
    );
    writeFileSync(
      join(src.dir, 'PARCELLE_2024_047.csv'),
      'ID_PARCELLE;NUMERO_PACAGE;COMMUNE_ILOT;NUMERO_ILOT;NUMERO_PARCELLE;CODE_CULTURE;BIO;SURFACE_ADMISSIBLE\n9101;047000011;47001;1;1;BTH;N;2.5\n9102;047000011;47001;1;2;PPH;O;3\n9103;047000012;47002;1;1;MIS;N;4\n',
    );
    writeFileSync(join(src.dir, 'EXPLOITANTS_2024_047.csv'), 'NUMERO_PACAGE,FORME_JURIDIQUE\n047000011,EARL\n047000012,SCEA\n');
    writeFileSync(join(src.dir, 'MAEC_ELEMENTS_2024_047.csv'), 'NUMERO_PACAGE;NUMERO_ILOT;TYPE_ELEMENT;NUMERO_ELEMENT;MAEC_1;LONGUEUR\n047000011;1;HAIE;1;NA_HAIE_01;80\n047000011;1;MARE;2;NA_MARE_01;\n');
    writeFileSync(join(src.dir, 'PILIER1_2024_047.csv'), 'NUMERO_PACAGE;MONTANT_NET_TOTAL\n047000011;2000\n047000012;3000.5\n');
    const entries: Record<string, Uint8Array> = {};
    for (const f of readdirSync(src.dir)) entries[`LIVRAISON_2024_047/${f}`] = new Uint8Array(readFileSync(join(src.dir, f)));
    const zipPath = join(dir, '..', `LIVRAISON_2024_047_${process.pid}.zip`);
    writeFileSync(zipPath, zipSync(entries));
    try {
      const summaries = await importWith(t.db, target(), [zipPath], { campagne: 2024, options: { dep: '47' } });
      assert.deepEqual(Object.fromEntries(summaries.map((s) => [s.layer, s.loaded])), {
        'rpg-n2.ilot': 2, 'rpg-n2.parcelle-graphique': 3, 'rpg-n2.ilots': 2, 'rpg-n2.parcelles': 3, 'rpg-n2.exploitants': 2, 'rpg-n2.maec_elements': 2, 'rpg-n2.pilier1': 2,
      });
      const [g] = await t.db.query<{ n: number; srid: number; x: number; y: number }>(
        `SELECT count(*)::int AS n, min(ST_SRID(geom)) AS srid, avg(ST_X(ST_Centroid(geom))) AS x, avg(ST_Y(ST_Centroid(geom))) AS y
         FROM rpg_n2_parcelle_graphique WHERE dataset_id = 'rpg-n2.parcelle-graphique:2024:D47'`,
      );
      assert.equal(g.n, 3);
      assert.equal(g.srid, 4326);
      assert.ok(g.x > 2 && g.x < 3 && g.y > 48.5 && g.y < 49, `reprojected from Lambert-93 (${g.x}, ${g.y})`);
      const [p] = await t.db.query<{ bio: boolean; surface_admissible: number; numero_pacage: string }>(`SELECT bio, surface_admissible, numero_pacage FROM rpg_n2_parcelle WHERE campagne = 2024 AND id_parcelle = 9102`);
      assert.deepEqual({ ...p }, { bio: true, surface_admissible: 3, numero_pacage: '047000011' });
      const [i] = await t.db.query<{ commune_ilot: string }>(`SELECT commune_ilot FROM rpg_n2_ilot_description WHERE campagne = 2024 AND id_ilot = 602`);
      assert.equal(i.commune_ilot, '47002');
      const [e] = await t.db.query<{ n: number; sum: number }>(`SELECT count(*)::int AS n, sum(longueur) AS sum FROM rpg_n2_maec_element WHERE campagne = 2024`);
      assert.deepEqual({ ...e }, { n: 2, sum: 80 });
      const [ds] = await t.db.query<{ source: string }>(`SELECT source FROM terroir_dataset WHERE id = 'rpg-n2.pilier1:2024:D47'`);
      assert.equal(ds.source, 'PILIER1_2024_047.csv');

      // A damaged archive, or one holding a file of no level-2 table, is refused naming it; nothing more is loaded.
      writeFileSync(zipPath, Buffer.from('PK\u0003\u0004 not a zip'));
      await assert.rejects(importWith(t.db, target(), [zipPath], { campagne: 2024, options: { dep: '47' } }), /LIVRAISON_2024_047_\d+\.zip: not a readable zip archive/);
      writeFileSync(zipPath, zipSync({ 'CHEPTEL_2024_047.csv': new Uint8Array(Buffer.from('A\n1\n')) }));
      await assert.rejects(importWith(t.db, target(), [zipPath], { campagne: 2024, options: { dep: '47' } }), /CHEPTEL_2024_047\.csv: no level-2 table/);
    } finally {
      rmSync(zipPath, { force: true });
    }
  } finally {
    src.cleanup();
  }
});
