#!/usr/bin/env node
// Builds the web map (web/) into dist/web/ with esbuild: one minified ES module (the app with
// MapLibre GL JS), one stylesheet (MapLibre's and ours), MapLibre's worker, and the page. Run by
// `npm install` (scripts/postinstall.mjs, also under CI=1) and by `npm run build:web`; served by
// Fastify at `/` and `/carte/*` (src/http/web.ts, docs/carte.md). Nothing is fetched at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);
const maplibreDist = dirname(require.resolve('maplibre-gl/package.json')) + '/dist';

export async function buildWeb({ quiet = false } = {}) {
  const t0 = performance.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'web/src/main.ts'), 'app-style': join(root, 'web/src/style.css') },
    outdir: out,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    sourcemap: false,
    legalComments: 'none',
    logLevel: quiet ? 'error' : 'warning',
  });
  copyFileSync(join(maplibreDist, 'maplibre-gl-worker.mjs'), join(out, 'maplibre-gl-worker.mjs'));
  writeFileSync(join(out, 'index.html'), readFileSync(join(root, 'web/index.html'), 'utf8'));
  if (!quiet) console.log(`terroir: web map built into dist/web in ${Math.round(performance.now() - t0)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildWeb().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
