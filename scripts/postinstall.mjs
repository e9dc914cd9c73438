#!/usr/bin/env node
// `npm install` ends by preparing the embedded databases (`terroir prepare`: the empty migrated one
// and the one with the demo territory, ~25 s of CPU once per version of the migrations and of the
// generator), so that the first `npm start` copies one instead of building it (docs/startup.md).
// Skipped in CI (tests build their own databases); a failure never fails the install: the first
// start then builds the database itself, as before.
// Before that, and in CI too, the web map is built into dist/web (scripts/build-web.mjs, < 1 s): the
// page served at `/` (docs/carte.md). A failed build fails the install, as a missing page would be a bug.
// Then the service's start-up bundle (scripts/build-server.mjs, ~1 s; docs/startup.md).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.mjs';
import { buildServer } from './build-server.mjs';

await buildWeb();
// The start-up bundle (bin/terroir.js falls back to the sources when it is missing or stale).
await buildServer().catch((e) => console.warn(`terroir: the start-up bundle could not be built (${e.message}); the sources run through tsx`));
if (process.env.CI) process.exit(0);
const bin = fileURLToPath(new URL('../bin/terroir.js', import.meta.url));
const r = spawnSync(process.execPath, [bin, 'prepare'], { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: 'warn' } });
if (r.status !== 0) console.warn('terroir: the embedded database could not be prepared; the first start will build it (`terroir prepare` tries again)');
