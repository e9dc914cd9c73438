/**
 * Prepared embedded databases: what every first start would otherwise build the same way on every
 * machine (initdb, `CREATE EXTENSION postgis`, the migrations, and the default demo territory),
 * built once by `terroir prepare` (run by `npm install`) and kept as closed PGlite data directories.
 * A first `terroir serve` on an empty data directory copies one and opens it as any later start
 * does. A copy, not PGlite's `dumpDataDir`/`loadDataDir`: unpacking the demo's tarball through
 * PGlite's virtual file system took longer than generating it (docs/startup.md).
 *
 * A prepared directory is named by a key of everything its content depends on, so that a stale one is never
 * used: the PGlite and PostGIS versions and the migrations (`base`), plus, for `demo`, the sources of
 * the generator and of everything it loads through (demo, import, catalogue, modules). A changed
 * migration or generator simply finds nothing under its key, and the start builds as before.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationFiles } from './migrate.ts';

export type PreparedKind = 'base' | 'demo';

/** The installation's root (where package.json and node_modules are), whatever the working directory. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Source folders whose code decides what the demo writes: any change there is a new demo key. */
const DEMO_SOURCES = ['src/demo', 'src/import', 'src/catalog', 'src/modules', 'src/features'];

export interface PreparedManifest {
  kind: PreparedKind;
  key: string;
  pglite: string;
  postgis: string;
  migrations: string[];
  /** `terroir demo --checksum` of the demo inside (demo kind): what `terroir prepare --verify` regenerates and compares. */
  demoChecksum?: string;
  builtAt: string;
  seconds: number;
  bytes: number;
}

export function preparedCacheDir(cacheDir?: string): string {
  return resolve(cacheDir ?? join(PACKAGE_ROOT, 'node_modules', '.cache', 'terroir'));
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|sql|json)$/.test(e.name)) yield p;
  }
}

/** What a tarball of `kind` depends on, hashed (12 hex digits). */
export function preparedKey(kind: PreparedKind): string {
  const h = createHash('sha256');
  h.update(`pglite ${packageVersion('@electric-sql/pglite')} postgis ${packageVersion('@electric-sql/pglite-postgis')}\n`);
  for (const m of migrationFiles()) h.update(`${m.name} ${m.checksum}\n`);
  if (kind === 'demo') {
    for (const dir of DEMO_SOURCES) {
      for (const f of sourceFiles(join(PACKAGE_ROOT, dir))) h.update(`${f.slice(PACKAGE_ROOT.length)}\n`).update(readFileSync(f));
    }
  }
  return h.digest('hex').slice(0, 12);
}

export function preparedPath(cacheDir: string, kind: PreparedKind, key = preparedKey(kind)): string {
  return join(cacheDir, `${kind}-${key}`);
}

/** The prepared directory of `kind` for the code as it is now, if `terroir prepare` built it. */
export function findPrepared(cacheDir: string, kind: PreparedKind): { path: string; manifest: PreparedManifest } | undefined {
  const path = preparedPath(cacheDir, kind);
  try {
    const manifest = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as PreparedManifest;
    return existsSync(join(path, 'pg', 'PG_VERSION')) ? { path, manifest } : undefined;
  } catch {
    return undefined;
  }
}

function bytesOf(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? bytesOf(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

/**
 * Keeps the closed data directory `dataDir` (its `pg`) as the prepared one of `kind`: copied aside,
 * then renamed, so that a reader never sees half of it; the directories of older keys are removed.
 */
export function savePrepared(cacheDir: string, kind: PreparedKind, key: string, dataDir: string, meta: Pick<PreparedManifest, 'demoChecksum' | 'seconds'>): PreparedManifest {
  mkdirSync(cacheDir, { recursive: true });
  const path = preparedPath(cacheDir, kind, key);
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(join(dataDir, 'pg'), join(tmp, 'pg'), { recursive: true });
  rmSync(join(tmp, 'pg', 'postmaster.pid'), { force: true });
  const manifest: PreparedManifest = {
    kind,
    key,
    pglite: packageVersion('@electric-sql/pglite'),
    postgis: packageVersion('@electric-sql/pglite-postgis'),
    migrations: migrationFiles().map((m) => m.name),
    ...meta,
    builtAt: new Date().toISOString(),
    bytes: bytesOf(join(tmp, 'pg')),
  };
  writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(path, { recursive: true, force: true });
  renameSync(tmp, path);
  for (const f of readdirSync(cacheDir)) {
    if (f.startsWith(`${kind}-`) && f !== `${kind}-${key}` && !f.endsWith('.tmp')) rmSync(join(cacheDir, f), { recursive: true, force: true });
  }
  return manifest;
}

/**
 * Puts a copy of the prepared database in the empty `dataDir` (as `pg`, renamed into place: two
 * processes starting on the same empty directory cannot interleave their copies; the second one's
 * is dropped and it then meets the first one's lock as usual).
 */
export function copyPrepared(preparedDir: string, dataDir: string): void {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `pg.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  cpSync(join(preparedDir, 'pg'), tmp, { recursive: true });
  try {
    if (existsSync(join(dir, 'pg'))) rmSync(join(dir, 'pg'), { recursive: true }); // an empty or half-created one: isEmptyDataDir said so
    renameSync(tmp, join(dir, 'pg'));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'pg', 'PG_VERSION'))) throw e;
  }
}

/** True when the embedded data directory holds no database yet (a first start). */
export function isEmptyDataDir(dataDir: string): boolean {
  const v = join(resolve(dataDir), 'pg', 'PG_VERSION');
  return !existsSync(v) || statSync(v).size === 0;
}
