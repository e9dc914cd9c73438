/**
 * The example URLs of the documentation answer on the demo territory, so that they cannot rot: every
 * `http://localhost:3000/…` URL of the files below is requested from the service on a database
 * holding the default demo, and must answer 2xx; a GeoJSON answer must hold features. An example that
 * needs real data says so on its line (`needs: terroir import <layer>`) and is only checked to be a
 * valid request (not a 400). URLs with an ellipsis (`…same point…`) are prose, not examples.
 * Covered so far: the README and the first-five-minutes documents; the module documents join this
 * list as their examples move to demo points.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testApp, type TestApp } from '../helpers/app.ts';
import { generateDemo } from '../../src/demo/index.ts';

const FILES = ['README.md', 'docs/demo.md', 'docs/startup.md'];

interface Example {
  file: string;
  line: number;
  path: string;
  needs?: string;
}

export function examples(file: string, text: string): Example[] {
  const out: Example[] = [];
  text.split('\n').forEach((line, i) => {
    if (/curl\s+-X\s*POST/.test(line)) return; // the GET examples; POST bodies are the module docs' business
    for (const m of line.matchAll(/https?:\/\/localhost:3000(\/[^\s'"`)<>]*)?/g)) {
      const path = m[1] ?? '/';
      if (path.includes('…') || /[<{]/.test(path)) continue;
      const needs = /needs: (terroir [a-z]+ [^\s`]+)/.exec(line)?.[1];
      out.push({ file, line: i + 1, path, needs });
    }
  });
  return out;
}

let t: TestApp;
before(async () => {
  t = await testApp();
  await generateDemo(t.db);
});
after(() => t?.close());

test('the extraction finds the examples, placeholders left out', () => {
  const found = examples('x.md', "curl 'http://localhost:3000/api/cadastre/commune?code_insee=47501'\nsee http://localhost:3000 and `http://localhost:3000/api/gpu/document?geom=…same point…`\nhttp://localhost:3000/api/rpg/v2?annee=2023 needs: terroir import rpg.parcelle");
  assert.deepEqual(found.map((e) => [e.path, e.needs]), [['/api/cadastre/commune?code_insee=47501', undefined], ['/', undefined], ['/api/rpg/v2?annee=2023', 'terroir import rpg.parcelle']]);
});

for (const file of FILES) {
  test(`${file}: every example URL answers on the demo`, async () => {
    const list = examples(file, readFileSync(file, 'utf8'));
    assert.ok(list.length > 0, `${file} has examples`);
    for (const e of list) {
      const res = await t.app.inject({ url: e.path, headers: { accept: 'application/json' } });
      const where = `${e.file}:${e.line} ${e.path}`;
      if (e.needs) {
        assert.notEqual(res.statusCode, 400, `${where}: a valid request (${res.body.slice(0, 200)})`);
        continue;
      }
      assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${where}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      assert.ok(res.body.length > 0, `${where}: a body`);
      if (/json/.test(String(res.headers['content-type']))) {
        const body = res.json();
        if (body?.type === 'FeatureCollection') assert.ok(body.features.length > 0, `${where}: features (numberMatched ${body.numberMatched}); if it needs real data, say so: needs: terroir import <layer>`);
      }
    }
  });
}
