/**
 * The "adding a layer" example of CONTRIBUTING.md, end to end: its table, its definition (checked
 * against the table), an import through the target derived from it, and its route answering the
 * reference's envelope with the renamed properties and the filters.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { checkLayerTable } from '../../src/catalog/check.ts';
import { loadConfig } from '../../src/config/load.ts';
import { featureRoute } from '../../src/features/route.ts';
import { importFiles } from '../../src/import/engine.ts';
import { ZNIEFF1 } from '../fixtures/example-layer.ts';
import { assertProblem } from '../helpers/app.ts';
import { BACKEND, freshDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../import/helpers.ts';

/** The migration of the example (CONTRIBUTING.md), in place of the real module's table of the same name (0110_nature.sql). */
const MIGRATION = `
DROP TABLE IF EXISTS nature_znieff1;
CREATE TABLE nature_znieff1 (
  dataset_id text NOT NULL,
  id_mnhn    text NOT NULL,
  nom_site   text,
  url_fiche  text,
  geom       geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX nature_znieff1_dataset ON nature_znieff1 (dataset_id);
CREATE INDEX nature_znieff1_geom ON nature_znieff1 USING gist (geom);`;

let t: TestDb;
let app: FastifyInstance;
let tmp: ReturnType<typeof tempDir>;
before(async () => {
  t = await freshDb();
  tmp = tempDir();
  await t.db.exec(MIGRATION);
  const nature = { name: 'nature', description: 'example', layers: [ZNIEFF1], plugin: async (a: FastifyInstance) => featureRoute(a, { url: '/znieff1', layer: ZNIEFF1, summary: 'ZNIEFF 1', tags: ['nature'] }) };
  app = await buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [nature] });
});
after(async () => {
  await app?.close();
  await t?.close();
  tmp?.cleanup();
});

test('the worked example of CONTRIBUTING.md is the fixture, and is under 40 lines', () => {
  const doc = readFileSync(new URL('../../CONTRIBUTING.md', import.meta.url), 'utf8');
  const fixture = readFileSync(new URL('../fixtures/example-layer.ts', import.meta.url), 'utf8');
  const definition = fixture.slice(fixture.indexOf('import { defineLayer }')).replaceAll('../../src/', '../../');
  assert.ok(doc.includes(definition.trim()), 'CONTRIBUTING.md shows test/fixtures/example-layer.ts as it is');
  assert.ok(definition.trim().split('\n').length < 40, `${definition.trim().split('\n').length} lines`);
});

test(`${BACKEND}: the example matches its migration, imports through its derived target, and is served`, async () => {
  assert.deepEqual(await checkLayerTable(t.db, ZNIEFF1), []);
  const square = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]] });
  const file = join(tmp.dir, 'znieff1.geojson');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { ID_MNHN: '530002533', NOM_SITE: 'Étang de Kerloc’h', URL_FICHE: 'https://inpn.mnhn.fr/zone/znieff/530002533' }, geometry: square(-4.5, 48.2) },
        { type: 'Feature', properties: { ID_MNHN: '530030015', NOM_SITE: 'Landes de Lanvaux', URL_FICHE: null }, geometry: square(-2.8, 47.7) },
      ],
    }),
  );
  const s = await importFiles(t.db, ZNIEFF1.targets[0], [file]);
  assert.deepEqual([s.layer, s.loaded, s.datasets[0].id], ['nature.znieff1', 2, 'nature.znieff1:inpn']);

  const res = await app.inject({ method: 'GET', url: `/api/nature/znieff1?geom=${encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [-4.495, 48.205] }))}` });
  assert.equal(res.statusCode, 200, res.body);
  const [f, ...rest] = res.json().features;
  assert.equal(rest.length, 0);
  assert.equal(f.id, 'znieff1.530002533');
  assert.deepEqual(f.properties, { id_mnhn: '530002533', nom: 'Étang de Kerloc’h', url: 'https://inpn.mnhn.fr/zone/znieff/530002533' });
  const byName = await app.inject({ method: 'POST', url: '/api/nature/znieff1', payload: { nom: 'Landes de Lanvaux' } });
  assert.deepEqual(byName.json().features.map((x: { id: string }) => x.id), ['znieff1.530030015']);
  assertProblem(await app.inject({ method: 'GET', url: '/api/nature/znieff1?id_mnhn=53%2000' }), 400, 'id_mnhn');
  assertProblem(await app.inject({ method: 'GET', url: '/api/nature/znieff1?nom_site=x' }), 400, 'nom_site');
});
