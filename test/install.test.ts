/**
 * A fresh clone as a new user meets it: `npm install` without EBADENGINE warnings on the oldest Node
 * the project supports, and `npm test` before `npm install` saying what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import semver from 'semver';

const ROOT = new URL('../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

test('every locked package runs on the oldest supported Node (no EBADENGINE on npm install)', () => {
  const oldest = semver.minVersion(pkg.engines.node)!.version;
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `this Node (${process.version}) is supported`);
  const refusing = Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string } | string[] }>)
    .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(oldest, p.engines.node))
    .map(([name, p]) => `${name.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(refusing, [], `packages refusing Node ${oldest}`);
  assert.equal(pkg.overrides['content-disposition'] && pkg.overrides.cookie && true, true, 'the Node 22-only majors are pinned back');
});

test('npm test without node_modules says `run npm install first` and exits 1', () => {
  const clone = mkdtempSync(join(tmpdir(), 'terroir-clone-'));
  try {
    mkdirSync(join(clone, 'scripts'));
    cpSync(join(ROOT, 'scripts/test.mjs'), join(clone, 'scripts/test.mjs'));
    mkdirSync(join(clone, 'test'));
    writeFileSync(join(clone, 'test/a.test.ts'), "import 'tsx';\n");
    const r = spawnSync(process.execPath, ['scripts/test.mjs'], { cwd: clone, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /run npm install first/);
    assert.ok(r.stderr.split('\n').filter(Boolean).length <= 2, `one hint, not a failure per file: ${r.stderr}`);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
});
