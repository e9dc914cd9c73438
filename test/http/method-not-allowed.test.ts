/**
 * An existing path under another method is a 405 with `Allow` (the README's promise; before, a 404);
 * an unknown path stays a 404; the API Carto modules Terroir does not serve are 501 problems.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, testApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/db.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(async () => t?.close());

test(`${BACKEND}: DELETE /api/rpg/v2 is a 405 naming the methods of the path`, async () => {
  const res = await t.app.inject({ method: 'DELETE', url: '/api/rpg/v2?annee=2021' });
  const body = assertProblem(res, 405);
  assert.equal(res.headers.allow, 'GET, HEAD, POST');
  assert.match(body.detail, /DELETE is not a method of \/api\/rpg\/v2/);
  assert.equal(body.type, '/api/doc/problems#method-not-allowed');
});

test(`${BACKEND}: a parametric path, a trailing slash and PUT/PATCH are told apart from unknown paths`, async () => {
  const put = await t.app.inject({ method: 'PUT', url: '/api/codes-postaux/communes/29760' });
  assertProblem(put, 405);
  assert.equal(put.headers.allow, 'GET, HEAD');
  const patch = await t.app.inject({ method: 'PATCH', url: '/api/nature/znieff1/' });
  assertProblem(patch, 405);
  assert.equal(patch.headers.allow, 'GET, HEAD, POST');
  const unknown = await t.app.inject({ method: 'DELETE', url: '/api/rpg/v3' });
  assertProblem(unknown, 404);
  assert.equal(unknown.headers.allow, undefined);
  // The existing method still answers (here its own 400).
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/rpg/v2' }), 400, 'geom');
});

test(`${BACKEND}: wfs-geoportail, bduni and er are 501 problems saying they are out of scope`, async () => {
  for (const [method, url] of [
    ['GET', '/api/wfs-geoportail/search?source=BDTOPO_V3:batiment'],
    ['POST', '/api/bduni/troncon'],
    ['GET', '/api/er/product?code_ean=1'],
    ['GET', '/api/er'],
  ] as const) {
    const res = await t.app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
    const body = assertProblem(res, 501);
    assert.match(body.detail, /out of Terroir's scope/);
  }
  const doc = (await t.app.inject('/api/doc')).json();
  assert.ok(!Object.keys(doc.paths).some((p) => /bduni|wfs-geoportail|\/api\/er/.test(p)), 'not in the OpenAPI document');
});
