/** `/`: a page for a browser, links for a program, each link answering (OGC API once it is mounted). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { testApp, type TestApp } from '../helpers/app.ts';
import { registerLanding } from '../../src/http/landing.ts';
import { readWebBuild } from '../../src/http/web.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

test('a browser gets the web map (docs/carte.md), its assets under /carte/ with an ETag, and the links in its "À propos" panel', { skip: readWebBuild() ? false : 'the web map is not built (npm run build:web)' }, async () => {
  const res = await t.app.inject({ url: '/', headers: { accept: 'text/html' } });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<html lang="fr">/);
  assert.match(res.body, /<script type="module" src="\/carte\/app\.js"><\/script>/);
  assert.doesNotMatch(res.body, /terroir:liens/, 'the links replace their slot');
  assert.match(String(res.headers['content-security-policy']), /default-src 'self'; script-src 'self';.*connect-src 'self'/, 'nothing from another origin');
  for (const [file, type] of [['app.js', /^text\/javascript/], ['app-style.css', /^text\/css/], ['maplibre-gl-worker.mjs', /^text\/javascript/]] as const) {
    const a = await t.app.inject({ url: `/carte/${file}`, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(a.statusCode, 200, file);
    assert.match(String(a.headers['content-type']), type);
    assert.equal(a.headers['content-encoding'], 'gzip', `${file} compressed`);
    const etag = String(a.headers.etag);
    assert.match(etag, /^"[\w-]{27}"$/);
    assert.equal((await t.app.inject({ url: `/carte/${file}`, headers: { 'if-none-match': etag } })).statusCode, 304);
  }
  for (const url of ['/carte/index.html', '/carte/..%2Fpackage.json', '/carte/nope.js']) assert.equal((await t.app.inject(url)).statusCode, 404, url);
});

test('without a built map a browser gets the plain page of links, saying how to build the map', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'terroir-noweb-'));
  const app = Fastify();
  try {
    registerLanding(app, [{ name: 'rpg', description: 'RPG' }], empty);
    const res = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<a href="\/api\/doc\/ui">/);
    assert.match(res.body, /npm run build:web/);
    assert.equal((await app.inject('/carte/app.js')).statusCode, 404);
  } finally {
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  }
});

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
