/**
 * Import speed: `terroir import rpg.parcelle` against `ogr2ogr -f PostgreSQL` on the same reference
 * file, into the same PostgreSQL database, in the same run; then the embedded backend.
 *
 *   npm run bench:import [-- --postgres postgres://postgres@127.0.0.1:5432/postgres] [--file SHP] [--runs 3] [--scale 9]
 *
 * The reference file (112,800 RPG-shaped parcels, Lambert-93, 70 MB) is built by
 * ../shared/bench/make-rpg-shapefile.sh when absent (needs gdal-bin and the PostgreSQL server).
 * Every import runs as a real child process under /usr/bin/time -v: wall-clock seconds and peak
 * resident memory of the importing process (the PostgreSQL server's own memory is not counted, for
 * either tool). For Terroir the engine's own time (from its --json summary, i.e. without the ~2 s of
 * Node/tsx start-up) is printed too, with its per-step timings. With --runs N each figure is the
 * median of N runs. Results also go to bench/out/import-<date>.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SHARED_DIR } from '../test/helpers/shared.ts';

const { values } = parseArgs({
  options: {
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    file: { type: 'string', default: '/tmp/terroir-bench/rpg100k/PARCELLES_GRAPHIQUES.shp' },
    runs: { type: 'string', default: '1' },
    'skip-embedded': { type: 'boolean' },
    scale: { type: 'string', default: '1' },
  },
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/terroir.js');
const runs = Math.max(1, Number(values.runs));
const scale = Math.max(1, Number(values.scale));
const reference = values.file!;

if (!existsSync(reference)) {
  const script = join(SHARED_DIR, 'bench/make-rpg-shapefile.sh');
  const out = reference.replace(/\/rpg100k\/PARCELLES_GRAPHIQUES\.shp$/, '');
  if (!existsSync(script)) throw new Error(`${reference} is absent and ${script} cannot build it`);
  console.log(`building the reference file with ${script} ${out} …`);
  execFileSync('bash', [script, out], { stdio: 'inherit' });
}

/**
 * --scale N: the reference file N times over in one shapefile (ID_PARCEL offset by a million per
 * copy, geometries repeated), written by ogr2ogr: --scale 9 gives the 1,015,200-parcel file the
 * bounded-memory check of docs/import.md uses.
 */
function scaled(n: number): string {
  if (n === 1) return reference;
  const dir = join(reference, '..', '..', `rpg-x${n}`);
  const out = join(dir, 'PARCELLES_GRAPHIQUES.shp');
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  console.log(`building ${out} (${n} × the reference file) with ogr2ogr …`);
  for (let k = 0; k < n; k++) {
    const sql = `SELECT CAST(ID_PARCEL AS INTEGER) + ${k} * 1000000 AS ID_PARCEL, SURF_PARC, CODE_CULTU, CODE_GROUP, CULTURE_D1, CULTURE_D2, geometry FROM PARCELLES_GRAPHIQUES`;
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', ...(k ? ['-append'] : []), out, reference, '-dialect', 'SQLITE', '-sql', sql, '-nln', 'PARCELLES_GRAPHIQUES', '-lco', 'ENCODING=UTF-8'], { stdio: ['ignore', 'ignore', 'ignore'] });
  }
  return out;
}
const file = scaled(scale);

/** Feature count from the .dbf header. */
function dbfCount(shp: string): number {
  const fd = openSync(shp.replace(/\.shp$/i, '.dbf'), 'r');
  const b = Buffer.alloc(8);
  readSync(fd, b, 0, 8, 0);
  closeSync(fd);
  return b.readUInt32LE(4);
}
const N = dbfCount(file);
const bytes = ['.shp', '.dbf', '.shx'].reduce((n, e) => n + statSync(file.replace(/\.shp$/, e)).size, 0);

interface Measure {
  wall: number;
  rssMb: number;
  engine?: number;
  timings?: Record<string, number>;
}

/** Runs a command under /usr/bin/time -v: wall seconds, peak RSS, stdout. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Measure & { stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const wallM = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr)!;
  const wall = Number(wallM[1] ?? 0) * 3600 + Number(wallM[2]) * 60 + Number(wallM[3]);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]);
  return { wall, rssMb: Math.round(rss / 1024), stdout: r.stdout };
}

function terroirImport(env: NodeJS.ProcessEnv, extra: string[] = []): Measure {
  const m = timed(process.execPath, [BIN, 'import', 'rpg.parcelle', file, '--annee', '2023', '--json', ...extra], env);
  const s = JSON.parse(m.stdout) as { loaded: number; seconds: number; timings: Record<string, number> };
  if (s.loaded !== N) throw new Error(`terroir loaded ${s.loaded} of ${N}`);
  return { wall: m.wall, rssMb: m.rssMb, engine: s.seconds, timings: s.timings };
}

function median(ms: Measure[]): Measure {
  const sorted = [...ms].sort((a, b) => a.wall - b.wall);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const env = { ...process.env };
for (const k of Object.keys(env)) if (k.startsWith('TERROIR_')) delete env[k];
delete env.DATABASE_URL;

const admin = new URL(values.postgres!);
const dbName = 'terroir_bench_import';
async function resetDb() {
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${dbName}`);
  await c.end();
}
const dbUrl = new URL(admin.toString());
dbUrl.pathname = `/${dbName}`;
const pgEnv = { ...env, DATABASE_URL: dbUrl.toString() };
const ogrConn = `PG:host=${dbUrl.hostname} port=${dbUrl.port || 5432} user=${decodeURIComponent(dbUrl.username) || 'postgres'} dbname=${dbName}${dbUrl.password ? ` password=${decodeURIComponent(dbUrl.password)}` : ''}`;
const ogrArgs = ['-f', 'PostgreSQL', ogrConn, file, '-nln', 'ogr_rpg_parcelle', '-t_srs', 'EPSG:4326', '-nlt', 'PROMOTE_TO_MULTI', '-lco', 'GEOMETRY_NAME=geom', '-overwrite'];

const first: Measure[] = [];
const again: Measure[] = [];
const ogr: Measure[] = [];
const embedded: Measure[] = [];
const startup: Measure[] = [];
for (let r = 0; r < runs; r++) {
  await resetDb();
  execFileSync(process.execPath, [BIN, 'migrate'], { env: pgEnv }); // PostGIS and the tables (not timed)
  startup.push(timed(process.execPath, [BIN, 'import'], pgEnv)); // start-up alone: load the CLI, list the layers
  first.push(terroirImport(pgEnv)); // first load: empty table
  again.push(terroirImport(pgEnv)); // the same dataset replaced, indexes live
  ogr.push(timed('ogr2ogr', ogrArgs)); // same file, same database, its own new table
  if (!values['skip-embedded']) {
    const dir = mkdtempSync(join(tmpdir(), 'terroir-bench-import-'));
    try {
      execFileSync(process.execPath, [BIN, 'migrate', '--data-dir', dir], { env }); // initdb + PostGIS (not timed)
      embedded.push(terroirImport(env, ['--data-dir', dir]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

// Both tools loaded the same parcels: same count, same extent (to the metre).
const c = new pg.Client({ connectionString: dbUrl.toString() });
await c.connect();
const [cmp] = (
  await c.query(`SELECT (SELECT count(*)::int FROM rpg_parcelle) AS terroir, (SELECT count(*)::int FROM ogr_rpg_parcelle) AS ogr,
      (SELECT ST_AsText(ST_SnapToGrid(ST_Extent(geom)::geometry, 0.00001)) FROM rpg_parcelle) AS terroir_extent,
      (SELECT ST_AsText(ST_SnapToGrid(ST_Extent(geom)::geometry, 0.00001)) FROM ogr_rpg_parcelle) AS ogr_extent`)
).rows;
await c.end();

const m = { first: median(first), again: median(again), ogr: median(ogr), embedded: embedded.length ? median(embedded) : undefined, startup: median(startup) };
const fps = (s: number) => Math.round(N / s);
const row = (name: string, x: Measure | undefined) =>
  x
    ? `${name.padEnd(34)} ${x.wall.toFixed(2).padStart(7)} ${String(fps(x.wall)).padStart(10)} ${x.engine ? x.engine.toFixed(2).padStart(9) : '        –'} ${x.engine ? String(fps(x.engine)).padStart(10) : '         –'} ${String(x.rssMb).padStart(8)}`
    : '';
console.log(`
reference file: ${file}
  ${N} features, ${(bytes / 1e6).toFixed(1)} MB (.shp+.dbf+.shx), Lambert-93; ${runs} run(s), median shown
  PostgreSQL: ${dbUrl.host}/${dbName}; Node ${process.version}; ${spawnSync('ogr2ogr', ['--version'], { encoding: 'utf8' }).stdout.trim()}

                                      wall s   features/s  engine s   engine f/s  peak MB
${row('terroir import → PostgreSQL', m.first)}
${row('terroir import again (replace)', m.again)}
${row('ogr2ogr -f PostgreSQL', m.ogr)}
${row('terroir import → embedded PGlite', m.embedded)}
${row('(terroir start-up alone)', m.startup)}

ratio terroir / ogr2ogr, features/s: ${(m.ogr.wall / m.first.wall).toFixed(2)} wall-clock, ${(m.ogr.wall / m.first.engine!).toFixed(2)} engine (≥ 1: terroir as fast or faster)
terroir steps, first load (s): ${JSON.stringify(m.first.timings)}
terroir steps, replace (s):    ${JSON.stringify(m.again.timings)}${m.embedded ? `\nembedded steps (s):             ${JSON.stringify(m.embedded.timings)}` : ''}
check: rows terroir ${cmp.terroir} / ogr2ogr ${cmp.ogr}; extents ${cmp.terroir_extent === cmp.ogr_extent ? 'identical' : `differ: ${cmp.terroir_extent} vs ${cmp.ogr_extent}`}
`);
const outDir = join(ROOT, 'bench/out');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ file, features: N, runs: { first, again, ogr, embedded, startup }, median: m, check: cmp }, null, 2));
