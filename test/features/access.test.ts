/**
 * A feature route carries the access rule of the layer it serves (the auth plugin enforces
 * `route.config.access` in one place): nothing is written by hand per route, and a route can only
 * serve a layer of the catalogue the app was built with.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { defineLayer, type AccessRule, type LayerDescriptor } from '../../src/catalog/layer.ts';
import { text } from '../../src/catalog/fields.ts';
import { featureRoute, featureSetRoute } from '../../src/features/route.ts';
import type { TerroirModule } from '../../src/modules/index.ts';
import { createFixtureTable, FIXTURE_LAYER } from '../fixtures/fixture-module.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

const RESTRICTED: AccessRule = { scope: 'rpg:niveau2:lire', territory: [{ in: 'query', name: 'code_insee', kind: 'commune' }] };
const restricted = defineLayer({ ...FIXTURE_LAYER.spec, id: 'fixture.restreint', access: RESTRICTED });
const stray = defineLayer({ ...FIXTURE_LAYER.spec, id: 'fixture.ailleurs', fields: { gid: text() } });

function fixture(plugin: (app: FastifyInstance) => Promise<void>, layers: LayerDescriptor[]): TerroirModule {
  return { name: 'fixture', description: 'access fixture', layers: layers as TerroirModule['layers'], plugin };
}

let t: TestDb;
let app: FastifyInstance;
const seen: { url: string; method: string; access: unknown }[] = [];
before(async () => {
  t = await freshDb();
  await createFixtureTable(t.db);
  const module = fixture(async (a) => {
    a.addHook('onRequest', async (req) => void seen.push({ url: req.routeOptions.url!, method: req.method, access: req.routeOptions.config.access }));
    featureRoute(a, { url: '/lieu', layer: FIXTURE_LAYER, summary: 'open', tags: ['fixture'] });
    featureRoute(a, { url: '/restreint', layer: restricted, summary: 'restricted', tags: ['fixture'] });
  }, [FIXTURE_LAYER, restricted]);
  app = await buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [module] });
});
after(async () => {
  await app?.close();
  await t?.close();
});

test('each method of a feature route carries its layer’s access rule', async () => {
  for (const method of ['GET', 'POST'] as const) {
    for (const url of ['/api/fixture/lieu', '/api/fixture/restreint']) await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
  }
  assert.deepEqual(
    seen.map((s) => [s.method, s.url, s.access]),
    [
      ['GET', '/api/fixture/lieu', 'public'],
      ['GET', '/api/fixture/restreint', RESTRICTED],
      ['POST', '/api/fixture/lieu', 'public'],
      ['POST', '/api/fixture/restreint', RESTRICTED],
    ],
  );
});

test('a route for a layer outside the catalogue, or several layers with different rules, is refused at start', async () => {
  const outside = fixture(async (a) => featureRoute(a, { url: '/x', layer: stray, summary: 'x', tags: [] }), [FIXTURE_LAYER]);
  await assert.rejects(buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [outside] }), /fixture\.ailleurs: not in the catalogue/);
  const mixed = fixture(
    async (a) =>
      featureSetRoute(a, {
        url: '/all',
        layers: [
          { layer: FIXTURE_LAYER, featureType: 'lieu', url: '/lieu' },
          { layer: restricted, featureType: 'restreint', url: '/restreint' },
        ],
        limits: { defaultLimit: 3, maxLimit: 10 },
        summary: 'all',
        tags: [],
      }),
    [FIXTURE_LAYER, restricted],
  );
  await assert.rejects(buildApp({ config: loadConfig({}), db: t.db, logger: false, modules: [mixed] }), /different access rules/);
});
