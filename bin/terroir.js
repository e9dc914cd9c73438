#!/usr/bin/env node
// The `terroir` command. It runs the start-up bundle in dist/server (built by `npm install`,
// scripts/build-server.mjs) when that bundle was built from the sources as they are now, and the
// TypeScript sources directly through tsx otherwise: a fresh clone needs no build step, and an
// edited source is never shadowed by a stale bundle.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from '../scripts/source-fingerprint.mjs';

function bundleIsCurrent() {
  try {
    const built = JSON.parse(readFileSync(new URL('../dist/server/fingerprint.json', import.meta.url), 'utf8'));
    return built.fingerprint === sourceFingerprint(fileURLToPath(new URL('../src', import.meta.url)));
  } catch {
    return false;
  }
}

let cli;
if (bundleIsCurrent()) {
  // Stack traces then name the TypeScript sources.
  process.setSourceMapsEnabled(true);
  cli = await import('../dist/server/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
await cli.main(process.argv.slice(2));
