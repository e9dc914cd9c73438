/** `/`: a page for a browser, links for a program, each link answering (OGC API once it is mounted). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

test('a browser gets an HTML page pointing to the interactive API, the datasets, OGC API and the docs', async () => {
  const res = await t.app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(String(res.headers.vary), /accept/i);
  for (const href of ['/api/doc/ui', '/api/datasets', '/ogc', '/api/doc']) assert.match(res.body, new RegExp(`<a href="${href}">`));
  assert.match(res.body, /docs\//);
  assert.match(res.body, /<a href="\/api\/doc\/cadastre\.json"><code>\/api\/cadastre<\/code><\/a>/);
});

test('anything else gets the same links as JSON, and the API links answer', async () => {
  for (const accept of [undefined, 'application/json', '*/*']) {
    const res = await t.app.inject({ url: '/', headers: accept ? { accept } : {} });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json();
    assert.deepEqual(body.links.map((l: { href: string }) => l.href).slice(0, 4), ['/api/doc/ui', '/api/doc', '/api/datasets', '/ogc']);
    assert.ok(body.modules.some((m: { name: string }) => m.name === 'rpg'));
  }
  const { links, modules } = (await t.app.inject('/')).json();
  for (const href of [...links.map((l: { href: string }) => l.href), ...modules.map((m: { doc: string }) => m.doc)]) {
    const r = await t.app.inject(href);
    assert.ok(r.statusCode >= 200 && r.statusCode < 400, `${href}: ${r.statusCode}`);
  }
});

test('/ is no longer a 404, and is not part of the OpenAPI document', async () => {
  const doc = (await t.app.inject('/api/doc')).json();
  assert.equal(doc.paths['/'], undefined);
});
