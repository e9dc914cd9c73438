/**
 * A fresh clone as a new user meets it: `npm install` without EBADENGINE warnings on the oldest Node
 * the project supports, and `npm test` before `npm install` saying what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

test('bin/terroir.js runs the start-up bundle only while it was built from the sources as they are', async () => {
  const { sourceFingerprint } = await import('../scripts/source-fingerprint.mjs');
  const clone = mkdtempSync(join(tmpdir(), 'terroir-bin-'));
  try {
    for (const f of ['bin/terroir.js', 'scripts/source-fingerprint.mjs']) {
      mkdirSync(join(clone, f, '..'), { recursive: true });
      cpSync(join(ROOT, f), join(clone, f));
    }
    cpSync(join(ROOT, 'package.json'), join(clone, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    mkdirSync(join(clone, 'src/commands'), { recursive: true });
    writeFileSync(join(clone, 'src/cli.ts'), "export async function main(argv: string[]): Promise<void> { console.log(`sources ${argv.join(' ')}`); }\n");
    writeFileSync(join(clone, 'src/commands/x.ts'), 'export const x = 1;\n');
    mkdirSync(join(clone, 'dist/server'), { recursive: true });
    writeFileSync(join(clone, 'dist/server/cli.js'), "export async function main(argv) { console.log(`bundle ${argv.join(' ')}`); }\n");
    const run = () => spawnSync(process.execPath, [join(clone, 'bin/terroir.js'), 'help'], { encoding: 'utf8' }).stdout.trim();
    const stamp = () => writeFileSync(join(clone, 'dist/server/fingerprint.json'), JSON.stringify({ fingerprint: sourceFingerprint(join(clone, 'src')) }));

    assert.equal(run(), 'sources help', 'no fingerprint: the sources');
    stamp();
    assert.equal(run(), 'bundle help', 'built from these sources: the bundle');
    writeFileSync(join(clone, 'src/commands/x.ts'), 'export const x = 2;\n'); // same size, new mtime
    assert.equal(run(), 'sources help', 'an edited source wins over the bundle');
    stamp();
    assert.equal(run(), 'bundle help');
    writeFileSync(join(clone, 'src/commands/y.ts'), '');
    assert.equal(run(), 'sources help', 'a new source file too');
    stamp();
    rmSync(join(clone, 'src/commands/y.ts'));
    assert.equal(run(), 'sources help', 'and a removed one');
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
});
