/** `terroir` as a person types it: a misspelt command or layer gets a suggestion, not a page of usage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/terroir.js', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });

test('a misspelt command: did you mean, exit code 2, no usage page', () => {
  const r = run('srve');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "srve" \(did you mean serve\?\)/);
  assert.equal(r.stdout, '', 'the close command, not the whole usage');
  const far = run('frobnicate');
  assert.equal(far.status, 2);
  assert.match(far.stderr, /unknown command "frobnicate"/);
  assert.match(far.stdout, /Commands:/, 'nothing close: the usage lists every command');
});

test('a misspelt layer: did you mean, in one line, before any database is opened', () => {
  const r = run('import', 'cadastre.parcelles', 'x.json');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'terroir: unknown layer "cadastre.parcelles": did you mean cadastre.parcelle? (`terroir import` lists every layer)');
  const none = run('import', 'zzzz', 'x.json');
  assert.equal(none.status, 2);
  assert.equal(none.stderr.trim().split('\n').length, 1, 'not the list of every layer');
});
