#!/usr/bin/env node
// Builds the command line and the service (src/, TypeScript) into plain ES modules in dist/server/
// with esbuild, one chunk per lazily loaded command, dependencies left in node_modules. Run by
// `npm install` (scripts/postinstall.mjs) and `npm run build:server`. bin/terroir.js uses it only
// while it matches the sources (scripts/source-fingerprint.mjs), else runs them through tsx: the
// bundle saves the start-up the cost of transpiling and resolving ~230 modules through tsx's loader
// hooks, measured in docs/startup.md. Tests run the sources themselves.
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from './source-fingerprint.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'server');

export async function buildServer({ quiet = false } = {}) {
  const t0 = performance.now();
  const fingerprint = sourceFingerprint(join(root, 'src'));
  // Built aside and renamed into place: a start never sees half a bundle.
  const building = `${out}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  await build({
    entryPoints: { cli: join(root, 'src/cli.ts') },
    outdir: building,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    packages: 'external',
    sourcemap: true,
    logLevel: quiet ? 'error' : 'warning',
  });
  writeFileSync(join(building, 'fingerprint.json'), JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }));
  rmSync(out, { recursive: true, force: true });
  renameSync(building, out);
  if (!quiet) console.log(`terroir: service built into dist/server in ${Math.round(performance.now() - t0)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildServer().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
