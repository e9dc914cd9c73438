import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testApp, assertProblem, type TestApp } from '../../helpers/app.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

for (const cp of ['29760', '08170']) {
  test(`GET /api/codes-postaux/communes/${cp} equals the recorded API Carto answer`, { skip: skipWithoutShared('data/apicarto/codes-postaux', `${cp}.json`) }, async () => {
    const recorded = JSON.parse(readFileSync(sharedPath('data/apicarto/codes-postaux', `${cp}.json`), 'utf8'));
    const res = await t.app.inject(`/api/codes-postaux/communes/${cp}`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), recorded);
  });
}

test('11000 serves Berriac and Carcassonne, as the user guide shows', async () => {
  const body = (await t.app.inject('/api/codes-postaux/communes/11000')).json() as { codeCommune: string; nomCommune: string; libelleAcheminement: string }[];
  const byCode = new Map(body.map((c) => [c.codeCommune, c]));
  assert.equal(byCode.get('11037')?.nomCommune, 'Berriac');
  assert.equal(byCode.get('11069')?.libelleAcheminement, 'CARCASSONNE');
  for (const c of body) assert.deepEqual(Object.keys(c).slice(0, 4), ['codePostal', 'codeCommune', 'nomCommune', 'libelleAcheminement']);
});

test('an unknown postal code is a 404 problem', async () => {
  const body = assertProblem(await t.app.inject('/api/codes-postaux/communes/00000'), 404);
  assert.match(body.detail, /00000/);
});

for (const bad of ['2976', '297600', 'ABCDE', '29 76', '2976%00']) {
  test(`a malformed postal code (${JSON.stringify(bad)}) is a 400 naming codePostal`, async () => {
    const body = assertProblem(await t.app.inject(`/api/codes-postaux/communes/${encodeURIComponent(bad)}`), 400, 'codePostal');
    assert.equal(body.invalid_params[0].in, 'params');
  });
}

test('the route takes no query parameters', async () => {
  assertProblem(await t.app.inject('/api/codes-postaux/communes/29760?x=1'), 400, 'x');
});
