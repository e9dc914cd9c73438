/**
 * Cadastre imports through the real engine: the Etalab samples of ../shared (counts, attributes,
 * contenance against the file, areas against PostGIS, derived layers), and built features for what
 * the samples do not hold (sheets, loaded communes, Paris, overseas, bad features).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { skipWithoutShared, sharedPath } from '../../helpers/shared.ts';
import { importFiles } from '../../../src/import/engine.ts';
import { ImportError } from '../../../src/import/readers/errors.ts';
import { cadastreCommune, cadastreFeuille, cadastreParcelle } from '../../../src/modules/cadastre/layers.ts';
import { feuilleGid, inseeNumber, parcelGid, sectionNumber } from '../../../src/modules/cadastre/gid.ts';
import { GeometryFailure, run } from '../../../src/modules/cadastre/derive.ts';
import { importBuilt, importSamples, readCollection, samplePath, SAMPLES, square, type SampleCode } from './fixtures.ts';

const skip = skipWithoutShared('data', 'cadastre', SAMPLES['91216'].file);
const NAMES: Record<SampleCode, string> = {
  '91216': 'Épinay-sur-Orge',
  '91326': 'Juvisy-sur-Orge',
  '91479': 'Paray-Vieille-Poste',
  '72187': 'Marigné-Laillé',
};

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(async () => t?.close());

const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params))[0].n;

describe('real Etalab samples', { skip }, () => {
  before(async () => {
    const summary = await importSamples(t.db, ['91216', '91326', '91479', '72187']);
    assert.equal(summary.rejected, 0);
    assert.deepEqual(
      summary.datasets.map((d) => [d.id, d.features]).sort(),
      (Object.keys(SAMPLES) as SampleCode[]).map((c) => [`cadastre.parcelle:${c}`, SAMPLES[c].count]).sort(),
    );
  });

  for (const code of Object.keys(SAMPLES) as SampleCode[]) {
    test(`${code}: every parcel of the file, attributes and contenance as published`, async () => {
      const file = readCollection(samplePath(code));
      assert.equal(file.features.length, SAMPLES[code].count);
      const rows = await t.db.query<Record<string, unknown>>(
        `SELECT idu, gid, fid, numero, feuille, section, code_dep, nom_com, code_com, com_abs, code_arr, contenance, code_insee, arpente, created::text, updated::text
         FROM cadastre_parcelle WHERE dataset_id = $1`,
        [`cadastre.parcelle:${code}`],
      );
      assert.equal(rows.length, SAMPLES[code].count);
      const byIdu = new Map(rows.map((r) => [r.idu as string, r]));
      for (const f of file.features) {
        const p = f.properties as Record<string, string | number | boolean | undefined>;
        const r = byIdu.get(String(f.id));
        assert.ok(r, `parcel ${f.id} loaded`);
        assert.equal(r.numero, String(p.numero).padStart(4, '0'));
        assert.equal(r.section, String(p.section).padStart(2, '0'));
        assert.equal(r.com_abs, p.prefixe);
        assert.equal(r.contenance, p.contenance ?? null, `${f.id}: contenance`);
        assert.equal(r.arpente, p.arpente);
        assert.equal(r.created, p.created);
        assert.equal(r.updated, p.updated);
        assert.equal(r.gid, parcelGid(String(f.id)));
      }
      const first = byIdu.get(String(file.features[0].id))!;
      assert.deepEqual(
        { code_dep: first.code_dep, code_com: first.code_com, code_insee: first.code_insee, code_arr: first.code_arr, nom_com: first.nom_com, feuille: first.feuille },
        { code_dep: code.slice(0, 2), code_com: code.slice(2), code_insee: code, code_arr: '000', nom_com: NAMES[code], feuille: 1 },
      );
      assert.equal(new Set(rows.map((r) => r.gid)).size, rows.length, 'gid unique');
    });
  }

  test('areas computed by PostGIS agree with the DGFiP contenance', async () => {
    // Contenance is the legal area, not the plan's: most parcels agree within a few %, small and
    // oddly drawn ones less. The median and the 90th percentile of the relative gap say it.
    const [s] = await t.db.query<{ median: number; p90: number; n: number; total_ratio: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY gap) AS p90,
              count(*)::int AS n, sum(area) / sum(contenance) AS total_ratio
       FROM (SELECT abs(ST_Area(geom::geography) - contenance) / contenance AS gap, ST_Area(geom::geography) AS area, contenance
             FROM cadastre_parcelle WHERE contenance > 0) x`,
    );
    assert.ok(s.n > 14000, `${s.n} parcels with a contenance`);
    assert.ok(s.median < 0.02, `median relative gap ${s.median}`);
    assert.ok(s.p90 < 0.1, `90th percentile relative gap ${s.p90}`);
    assert.ok(Math.abs(s.total_ratio - 1) < 0.02, `total area / total contenance ${s.total_ratio}`);
    // One parcel checked by hand against the file: 91216000AB0037, contenance 254 881 m².
    const [one] = await t.db.query<{ area: number; contenance: number }>(
      `SELECT ST_Area(geom::geography) AS area, contenance FROM cadastre_parcelle WHERE idu = '91216000AB0037'`,
    );
    assert.equal(one.contenance, 254881);
    assert.ok(Math.abs(one.area - 254881) / 254881 < 0.02, `area ${one.area}`);
  });

  test('derived layers: one feuille and division per section, one localisant per parcel, one commune', async () => {
    for (const code of Object.keys(SAMPLES) as SampleCode[]) {
      const { count: n, sections } = SAMPLES[code];
      assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_feuille WHERE code_insee = $1 AND derived AND feuille = 1`, [code]), sections, `${code} feuilles`);
      assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_division WHERE code_insee = $1 AND derived`, [code]), sections, `${code} divisions`);
      assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_localisant WHERE code_insee = $1 AND derived`, [code]), n, `${code} localisants`);
      assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_commune WHERE code_insee = $1 AND derived AND nom_com = $2`, [code, NAMES[code]]), 1, `${code} commune`);
    }
    // Each localisant lies in its parcel; each parcel lies in its feuille and its commune.
    assert.equal(
      await count(`SELECT count(*)::int AS n FROM cadastre_localisant l JOIN cadastre_parcelle p USING (idu) WHERE NOT ST_Intersects(l.geom, p.geom)`),
      0,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM cadastre_parcelle p WHERE NOT EXISTS (
           SELECT 1 FROM cadastre_feuille f WHERE f.code_insee = p.code_insee AND f.section = p.section AND ST_Covers(f.geom, ST_PointOnSurface(p.geom)))`,
      ),
      0,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM cadastre_parcelle p WHERE NOT EXISTS (
           SELECT 1 FROM cadastre_commune c WHERE c.code_insee = p.code_insee AND ST_Covers(c.geom, ST_PointOnSurface(p.geom)))`,
      ),
      0,
    );
    // The closing fills the streets: the commune is far less fragmented than its parcels' union.
    const [frag] = await t.db.query<{ parts: number }>(`SELECT ST_NumGeometries(geom) AS parts FROM cadastre_commune WHERE code_insee = '91216'`);
    assert.ok(frag.parts < 20, `91216 derived commune in ${frag.parts} parts`);
  });

  test('gid: the SQL encoding of derived rows equals the TypeScript one', async () => {
    const rows = await t.db.query<{ gid: number; fid: number; code_insee: string; com_abs: string; section: string; feuille: number }>(
      `SELECT gid, fid, code_insee, com_abs, section, feuille FROM cadastre_feuille WHERE derived`,
    );
    assert.ok(rows.length >= 44);
    for (const r of rows) {
      assert.equal(r.gid, feuilleGid(r.code_insee, r.com_abs, r.section, r.feuille));
      assert.equal(r.fid, r.gid);
    }
    for (const r of await t.db.query<{ gid: number; code_insee: string }>(`SELECT gid, code_insee FROM cadastre_commune`)) {
      assert.equal(r.gid, inseeNumber(r.code_insee));
    }
  });

  test('re-importing a file replaces its rows: same counts, same derived rows', async () => {
    const before = await t.db.query(`SELECT (SELECT count(*)::int FROM cadastre_parcelle) p, (SELECT count(*)::int FROM cadastre_feuille) f,
      (SELECT count(*)::int FROM cadastre_localisant) l, (SELECT count(*)::int FROM cadastre_commune) c, (SELECT count(*)::int FROM cadastre_division) d`);
    const summary = await importSamples(t.db, ['72187']);
    assert.equal(summary.replaced, SAMPLES['72187'].count);
    const after = await t.db.query(`SELECT (SELECT count(*)::int FROM cadastre_parcelle) p, (SELECT count(*)::int FROM cadastre_feuille) f,
      (SELECT count(*)::int FROM cadastre_localisant) l, (SELECT count(*)::int FROM cadastre_commune) c, (SELECT count(*)::int FROM cadastre_division) d`);
    assert.deepEqual(after, before);
  });

  test('a DGFiP PCI commune file replaces the derived commune, named from the COG', { skip: skipWithoutShared('data', 'cadastre', 'pci-72187-commune.json.gz') }, async () => {
    const s = await importFiles(t.db, cadastreCommune, [sharedPath('data', 'cadastre', 'pci-72187-commune.json.gz')]);
    assert.equal(s.loaded, 1);
    const rows = await t.db.query(`SELECT dataset_id, derived, nom_com, code_dep, code_insee, gid FROM cadastre_commune WHERE code_insee = '72187'`);
    assert.deepEqual(rows, [{ dataset_id: 'cadastre.commune:72187', derived: false, nom_com: 'Marigné-Laillé', code_dep: '72', code_insee: '72187', gid: 72187 }]);
    // A parcel re-import derives no commune where a loaded one exists.
    await importSamples(t.db, ['72187']);
    assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_commune WHERE code_insee = '72187'`), 1);
    // The real contour covers the parcels.
    assert.equal(
      await count(`SELECT count(*)::int AS n FROM cadastre_parcelle p, cadastre_commune c WHERE c.code_insee = '72187' AND p.code_insee = '72187' AND NOT ST_Covers(c.geom, ST_PointOnSurface(p.geom))`),
      0,
    );
  });
});

describe('built features', () => {
  const parcel = (commune: string, section: string, numero: string, x: number, y: number, extra: Record<string, unknown> = {}) => ({
    id: `${commune}000${section.padStart(2, '0')}${numero.padStart(4, '0')}`,
    properties: { id: `${commune}000${section.padStart(2, '0')}${numero.padStart(4, '0')}`, commune, prefixe: '000', section, numero, contenance: 100, arpente: false, created: '2020-01-01', updated: '2024-05-06', ...extra },
    geometry: square(x, y, 0.001),
  });

  test('Etalab feuilles give sheet numbers and replace the derived sheets, in either order', async () => {
    // Section AB of 29158: four parcels; sheet 1 holds the western two, sheet 2 the eastern two.
    const parcels = [parcel('29158', 'AB', '1', -4.35, 47.8), parcel('29158', 'AB', '2', -4.349, 47.8), parcel('29158', 'AB', '3', -4.347, 47.8), parcel('29158', 'AB', '4', -4.346, 47.8)];
    const feuille = (n: string, x: number) => ({
      id: `29158000AB${n}`,
      properties: { id: `29158000AB${n}`, commune: '29158', prefixe: '000', section: 'AB', numero: n, qualite: '2', modeConfection: 'E', echelle: 2000, created: '2000-01-01', updated: '2020-01-01' },
      geometry: square(x, 47.7995, 0.0025),
    });
    await importBuilt(t.db, cadastreParcelle, 'cadastre-29158-parcelles.json', parcels);
    assert.deepEqual(await t.db.query(`SELECT feuille, derived FROM cadastre_feuille WHERE code_insee = '29158'`), [{ feuille: 1, derived: true }]);

    await importBuilt(t.db, cadastreFeuille, 'cadastre-29158-feuilles.json', [feuille('01', -4.3505), feuille('02', -4.3475)], { edition: '2025-04-01' });
    assert.deepEqual(
      await t.db.query(`SELECT feuille, derived, echelle, edition, gid FROM cadastre_feuille WHERE code_insee = '29158' ORDER BY feuille`),
      [
        { feuille: 1, derived: false, echelle: '2000', edition: '2025-04-01', gid: feuilleGid('29158', '000', 'AB', 1) },
        { feuille: 2, derived: false, echelle: '2000', edition: '2025-04-01', gid: feuilleGid('29158', '000', 'AB', 2) },
      ],
    );
    const sheets = async (table: string) =>
      (await t.db.query<{ numero: string; feuille: number }>(`SELECT numero, feuille FROM ${table} WHERE code_insee = '29158' ORDER BY numero`)).map((r) => `${r.numero}:${r.feuille}`);
    assert.deepEqual(await sheets('cadastre_parcelle'), ['0001:1', '0002:1', '0003:2', '0004:2']);
    assert.deepEqual(await sheets('cadastre_localisant'), ['0001:1', '0002:1', '0003:2', '0004:2']);
    assert.deepEqual(
      await t.db.query(`SELECT feuille, echelle, edition, derived FROM cadastre_division WHERE code_insee = '29158' ORDER BY feuille`),
      [
        { feuille: 1, echelle: '2000', edition: null, derived: true },
        { feuille: 2, echelle: '2000', edition: null, derived: true },
      ],
    );

    // Parcels loaded again after the sheets: numbered at once, and no derived sheet comes back.
    await importBuilt(t.db, cadastreParcelle, 'cadastre-29158-parcelles.json', parcels);
    assert.deepEqual(await sheets('cadastre_parcelle'), ['0001:1', '0002:1', '0003:2', '0004:2']);
    assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_feuille WHERE code_insee = '29158' AND derived`), 0);
    assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_commune WHERE code_insee = '29158' AND derived`), 1);
  });

  test('an Etalab communes file replaces the derived commune; the parcels derive none afterwards', async () => {
    await importBuilt(t.db, cadastreParcelle, 'cadastre-29072-parcelles.json', [parcel('29072', 'AK', '3', -4.28, 47.79)]);
    assert.deepEqual(await t.db.query(`SELECT derived, nom_com FROM cadastre_commune WHERE code_insee = '29072'`), [{ derived: true, nom_com: 'Guilvinec' }]);
    await importBuilt(t.db, cadastreCommune, 'cadastre-29072-communes.json', [
      { id: '29072', properties: { id: '29072', nom: 'Le Guilvinec', created: '2004-01-01', updated: '2020-01-01' }, geometry: square(-4.29, 47.78, 0.03) },
    ]);
    assert.deepEqual(await t.db.query(`SELECT dataset_id, derived, nom_com, gid, fid FROM cadastre_commune WHERE code_insee = '29072'`), [
      { dataset_id: 'cadastre.commune:29072', derived: false, nom_com: 'Le Guilvinec', gid: 29072, fid: 29072 },
    ]);
    await importBuilt(t.db, cadastreParcelle, 'cadastre-29072-parcelles.json', [parcel('29072', 'AK', '3', -4.28, 47.79)]);
    assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_commune WHERE code_insee = '29072'`), 1);
  });

  test('Paris: an arrondissement file is filed under the commune with code_arr, as API Carto answers', async () => {
    await importBuilt(t.db, cadastreParcelle, 'cadastre-75112-parcelles.json', [parcel('75112', 'AA', '12', 2.39, 48.84)]);
    const [r] = await t.db.query(`SELECT idu, code_insee, code_dep, code_com, code_arr, nom_com, gid FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:75112'`);
    assert.deepEqual(r, { idu: '75112000AA0012', code_insee: '75056', code_dep: '75', code_com: '056', code_arr: '112', nom_com: 'Paris', gid: parcelGid('75112000AA0012') });
    const res = await t.app.inject({ url: '/api/cadastre/parcelle?code_insee=75112' });
    assert.deepEqual(res.json().features.map((f: { properties: { idu: string } }) => f.properties.idu), ['75112000AA0012']);
    const res2 = await t.app.inject({ url: '/api/cadastre/division?code_insee=75056&code_arr=112&section=AA' });
    assert.deepEqual(res2.json().features.map((f: { properties: Record<string, unknown> }) => [f.properties.code_insee, f.properties.code_arr, f.properties.nom_com]), [['75056', '112', 'Paris']]);
    const res3 = await t.app.inject({ url: '/api/cadastre/commune?code_insee=75112' });
    assert.deepEqual(res3.json().features.map((f: { properties: Record<string, unknown> }) => f.properties), [{ gid: inseeNumber('75056'), nom_com: 'Paris', code_dep: '75', code_insee: '75056' }]);
  });

  test('overseas: 3-character code_dep and 2-character code_com; every spelling of the commune finds it', async () => {
    await importBuilt(t.db, cadastreParcelle, 'cadastre-97101-parcelles.json', [parcel('97101', 'AB', '7', -61.5, 16.27)]);
    const [r] = await t.db.query(`SELECT code_insee, code_dep, code_com, nom_com FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:97101'`);
    assert.deepEqual(r, { code_insee: '97101', code_dep: '971', code_com: '01', nom_com: 'Les Abymes' });
    for (const q of ['code_insee=97101', 'code_dep=971&code_com=01', 'code_dep=97&code_com=101', 'code_dep=971']) {
      const res = await t.app.inject({ url: `/api/cadastre/parcelle?${q}` });
      assert.equal(res.statusCode, 200, q);
      assert.deepEqual(res.json().features.map((f: { properties: { idu: string } }) => f.properties.idu), ['97101000AB0007'], q);
    }
  });

  test('options: nom_com= names the commune, derive=false derives nothing', async () => {
    await importBuilt(t.db, cadastreParcelle, 'cadastre-2A004-parcelles.json', [parcel('2A004', 'B', '1', 8.73, 41.92)], { nom_com: 'Aiacciu', derive: 'false' });
    const [r] = await t.db.query(`SELECT nom_com, code_dep, code_com, section, gid FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:2A004'`);
    assert.deepEqual(r, { nom_com: 'Aiacciu', code_dep: '2A', code_com: '004', section: '0B', gid: parcelGid('2A004000' + '0B0001') });
    assert.equal(r.gid, ((100004 * 1000 + 0) * 1296 + sectionNumber('0B')) * 10000 + 1);
    for (const table of ['cadastre_feuille', 'cadastre_localisant', 'cadastre_commune', 'cadastre_division']) {
      assert.equal(await count(`SELECT count(*)::int AS n FROM ${table} WHERE code_insee = '2A004'`), 0, table);
    }
  });

  test('administrative units: the name of a code the COG lacks, the ADMIN EXPRESS contour of a derived commune', async () => {
    await t.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO limites_region (code, nom, nom_m) VALUES ('53', 'Bretagne', 'BRETAGNE') ON CONFLICT DO NOTHING`);
      await tx.query(`INSERT INTO limites_departement (code, nom, nom_m, region) VALUES ('22', 'Côtes-d''Armor', 'COTES D ARMOR', '53') ON CONFLICT DO NOTHING`);
      await tx.query(
        `INSERT INTO limites_commune (code, nom, nom_m, statut, departement, region, geom)
         VALUES ('22999', 'Terroirville', 'TERROIRVILLE', 'Commune simple', '22', '53', ST_Multi(ST_GeomFromText('POLYGON((-3 48.5, -2.9 48.5, -2.9 48.6, -3 48.6, -3 48.5))', 4326)))`,
      );
    });
    await importBuilt(t.db, cadastreParcelle, 'cadastre-22999-parcelles.json', [parcel('22999', 'A', '1', -2.95, 48.55)]);
    for (const table of ['cadastre_parcelle', 'cadastre_localisant', 'cadastre_feuille', 'cadastre_division', 'cadastre_commune']) {
      assert.deepEqual(await t.db.query(`SELECT DISTINCT nom_com FROM ${table} WHERE code_insee = '22999'`), [{ nom_com: 'Terroirville' }], table);
    }
    const [c] = await t.db.query<{ same: boolean; derived: boolean }>(
      `SELECT ST_Equals(c.geom, a.geom) AS same, c.derived FROM cadastre_commune c JOIN limites_commune a ON a.code = c.code_insee WHERE c.code_insee = '22999'`,
    );
    assert.deepEqual(c, { same: true, derived: true });
  });

  test('a malformed feature fails the import naming the file, the feature and the field', async () => {
    const bad = [parcel('29158', 'AC', '1', -4.36, 47.8), parcel('29158', 'AC', '12345', -4.361, 47.8)];
    await assert.rejects(importBuilt(t.db, cadastreParcelle, 'bad.json', bad), (e: Error) => {
      assert.ok(e instanceof ImportError);
      assert.match(e.message, /numero/);
      assert.match(e.message, /feature 2|#2|: 2\b/);
      return true;
    });
    const mismatch = [{ ...parcel('29158', 'AC', '1', -4.36, 47.8), properties: { ...parcel('29158', 'AC', '1', -4.36, 47.8).properties, id: '29158000AC0002' } }];
    await assert.rejects(importBuilt(t.db, cadastreParcelle, 'bad.json', mismatch), /does not match/);
    assert.equal(await count(`SELECT count(*)::int AS n FROM cadastre_parcelle WHERE dataset_id = 'cadastre.parcelle:bad'`), 0);
  });

  test('run(): the count of changed rows, and a statement that yields no row at all is a failure', async () => {
    await t.db.query('CREATE TABLE IF NOT EXISTS run_probe (i int)');
    assert.equal(await run(t.db, 'INSERT INTO run_probe SELECT generate_series(1, 3)', []), 3);
    assert.equal(await run(t.db, 'DELETE FROM run_probe WHERE i > $1', [5]), 0);
    // What the embedded backend does when WebAssembly GEOS aborts a statement: no row, no error.
    const swallowed = { ...t.db, query: async () => [] } as unknown as typeof t.db;
    await assert.rejects(run(swallowed, 'INSERT INTO run_probe VALUES (1)', []), GeometryFailure);
  });

  test('gid encodings stay exact JSON numbers at the top of their range', () => {
    const top = parcelGid('2B999999ZZ9999');
    assert.ok(Number.isSafeInteger(top), String(top));
    assert.equal(parcelGid('29158000AW0001'), ((29158 * 1000 + 0) * 1296 + 392) * 10000 + 1);
    assert.throws(() => parcelGid('29158000AW001'), /IDU/);
  });
});
