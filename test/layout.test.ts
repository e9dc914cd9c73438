/**
 * The folders of src/ import downward only (CONTRIBUTING.md, "Layout"): each folder has a rank, and
 * an import goes from a folder to one of a lower rank, never up nor sideways. Read by madge (the
 * same tool `npm run check:cycles` runs in CI for file-level cycles). A new folder must be given
 * its rank here: where it sits is a decision, not an accident.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import madge from 'madge';

/** Higher imports lower. Top-level files are their own "folder". */
const RANK: Record<string, number> = {
  'cli.ts': 10,
  commands: 9,
  'app.ts': 8,
  demo: 7,
  fetch: 7,
  modules: 6,
  // Vector tiles read the OGC collections (one per layer and campaign); OGC API Features reads the catalogue.
  tiles: 6,
  ogc: 5,
  features: 5,
  catalog: 4,
  // Access control: the rule type layers declare, and the plugin enforcing it over keys, territories
  // (PostGIS, the `geom` parser), quotas and the audit trail.
  auth: 3,
  import: 2,
  geo: 2,
  http: 1,
  db: 1,
  formats: 1,
  config: 0,
};

test('src/ folders import downward only, and no file is in an import cycle', async () => {
  const graph = await madge(new URL('../src', import.meta.url).pathname, { fileExtensions: ['ts'] });
  assert.deepEqual(graph.circular(), [], 'file-level import cycles');
  const folder = (file: string) => file.split('/')[0];
  const wrong: string[] = [];
  for (const [file, deps] of Object.entries(graph.obj())) {
    const from = folder(file);
    if (!(from in RANK)) wrong.push(`${from}: a folder without a rank (add it to test/layout.test.ts and CONTRIBUTING.md)`);
    for (const dep of deps) {
      const to = folder(dep);
      if (to !== from && !(RANK[from] > RANK[to])) wrong.push(`${file} → ${dep}: ${from} (${RANK[from]}) does not sit above ${to} (${RANK[to]})`);
    }
  }
  assert.deepEqual([...new Set(wrong)], []);
});
