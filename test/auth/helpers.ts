import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Database } from '../../src/db/database.ts';
import { MODULES } from '../../src/modules/index.ts';
import { createOrganisation } from '../../src/auth/organisations.ts';
import { issueKey } from '../../src/auth/keys.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { terroir } from '../demo/helpers.ts';
import { createFixtureTable, fixtureModule } from '../fixtures/fixture-module.ts';
import { restrictedModule } from '../fixtures/restricted-module.ts';

/**
 * A small administrative world with contours, drawn in WGS84 squares:
 *   commune 29158 [-4.5,-4.3]×[47.7,47.9], commune 29001 [-4.3,-4.1]×[47.7,47.9] (adjacent, east),
 *   commune 72187 [0.1,0.3]×[47.7,47.9]; EPCI 200000001 = {29158, 29001}, EPCI 200000002 = {72187};
 *   départements 29 and 72, région 53 (29) and 52 (72). Commune 29002 exists without a contour.
 */
export const square = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon',
  coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
});
const wkt = (x0: number, y0: number, x1: number, y1: number) => `ST_GeomFromText('MULTIPOLYGON(((${x0} ${y0}, ${x1} ${y0}, ${x1} ${y1}, ${x0} ${y1}, ${x0} ${y0})))', 4326)`;

export async function seedUnits(db: Database) {
  await db.exec(`
    INSERT INTO limites_region (code, nom, nom_m, geom) VALUES
      ('53', 'Bretagne', 'BRETAGNE', ${wkt(-4.5, 47.7, -4.1, 47.9)}), ('52', 'Pays de la Loire', 'PAYS DE LA LOIRE', ${wkt(0.1, 47.7, 0.3, 47.9)});
    INSERT INTO limites_departement (code, nom, nom_m, region, geom) VALUES
      ('29', 'Finistère', 'FINISTERE', '53', ${wkt(-4.5, 47.7, -4.1, 47.9)}), ('72', 'Sarthe', 'SARTHE', '52', NULL);
    INSERT INTO limites_commune (code, nom, nom_m, statut, departement, region, geom) VALUES
      ('29158', 'Penmarch', 'PENMARCH', 'Commune simple', '29', '53', ${wkt(-4.5, 47.7, -4.3, 47.9)}),
      ('29001', 'Argol', 'ARGOL', 'Commune simple', '29', '53', ${wkt(-4.3, 47.7, -4.1, 47.9)}),
      ('29002', 'Arzano', 'ARZANO', 'Commune simple', '29', '53', NULL),
      ('72187', 'Lavernat', 'LAVERNAT', 'Commune simple', '72', '52', ${wkt(0.1, 47.7, 0.3, 47.9)});
    INSERT INTO limites_epci (code, nom, nom_m, type, geom) VALUES
      ('200000001', 'CC du Bout du Monde', 'CC DU BOUT DU MONDE', 'CC', ${wkt(-4.5, 47.7, -4.1, 47.9)}),
      ('200000002', 'CC de la Sarthe', 'CC DE LA SARTHE', 'CC', ${wkt(0.1, 47.7, 0.3, 47.9)});
    INSERT INTO limites_epci_commune (commune, epci) VALUES ('29158', '200000001'), ('29001', '200000001'), ('72187', '200000002');
  `);
}

export interface World {
  /** EPCI-kind public body whose territory is commune 29158 only. */
  penmarch: { id: number; key: string };
  /** A company whose territory is EPCI 200000001 (two communes); professional quota. */
  bureau: { id: number; key: string };
  /** SSP: the whole country. */
  ssp: { id: number; key: string };
}

export async function seedWorld(db: Database): Promise<World> {
  await seedUnits(db);
  const penmarch = await createOrganisation(db, { name: 'Commune de Penmarch', kind: 'collectivite', siren: '212901581', territory: 'commune:29158' });
  const bureau = await createOrganisation(db, { name: "Bureau d'études Ouest", kind: 'entreprise', territory: 'epci:200000001' });
  const ssp = await createOrganisation(db, { name: 'SSP', kind: 'ssp', territory: 'france' });
  const key = async (org: number, scopes: string[]) => (await issueKey(db, { organisation: org, scopes })).key;
  return {
    penmarch: { id: penmarch.id, key: await key(penmarch.id, ['cartobio:territoires']) },
    bureau: { id: bureau.id, key: await key(bureau.id, ['cartobio:territoires']) },
    ssp: { id: ssp.id, key: await key(ssp.id, ['cartobio:territoires', 'rpg:niveau2:lire', 'admin']) },
  };
}

export interface AuthApp extends TestDb {
  app: FastifyInstance;
  world: World;
}

/**
 * The real service (every module, plus the restricted fixture routes at /api/acces) on a fresh
 * database of this run's backend, with the fixture table, the small administrative world and three
 * organisations with keys.
 */
export async function authApp(opts: { env?: Record<string, string>; now?: () => number } = {}): Promise<AuthApp> {
  const t = await freshDb();
  await createFixtureTable(t.db);
  const world = await seedWorld(t.db);
  const config = loadConfig({ LOG_LEVEL: 'silent', ...opts.env });
  const app = await buildApp({ config, db: t.db, logger: false, modules: [...MODULES, fixtureModule, restrictedModule], access: { now: opts.now } });
  return {
    ...t,
    app,
    world,
    async close() {
      await app.close();
      await t.close();
    },
  };
}

/**
 * A migrated database (empty, or prepared by `setup`) handed over to `terroir` child processes: the data directory (PGlite)
 * or the database URL (PostgreSQL) of a fresh test database, closed here.
 */
export interface MigratedPlace {
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Opens it in this process (between two child processes: PGlite has one owner at a time). */
  open(): Promise<Database>;
  drop(): Promise<void>;
}

export async function migratedPlace(extraEnv: Record<string, string> = {}, setup?: (db: Database) => Promise<void>): Promise<MigratedPlace> {
  const t = await freshDb();
  if (setup) await setup(t.db);
  await t.db.close();
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', TERROIR_DEMO: 'off', ...extraEnv };
  delete env.DATABASE_URL;
  if (t.url) {
    const url = t.url;
    return {
      args: ['--database-url', url],
      env,
      open: () => openPostgres(url, { poolSize: 4, statementTimeoutMs: 60_000 }),
      async drop() {
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = t.dataDir!;
  return { args: ['--data-dir', dir], env, open: () => openPglite(dir), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A migrated place for `terroir` commands, with a scratch folder holding the audit key file (`keys/audit.pem`). */
export interface CliPlace extends MigratedPlace {
  dir: string;
  keyFile: string;
  /** `terroir <args…>` on this place. */
  run(...args: string[]): ReturnType<typeof terroir>;
}

export async function cliPlace(prefix: string): Promise<CliPlace> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keyFile = join(dir, 'keys', 'audit.pem');
  const place = await migratedPlace({ TERROIR_AUDIT_KEY_FILE: keyFile });
  return {
    ...place,
    dir,
    keyFile,
    run: (...args) => terroir([...args, ...place.args], place.env),
    async drop() {
      await place.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An organisation of the whole country with an unlimited admin key and a key limited to 10 requests a day. */
export async function provisionKeys(db: Database): Promise<{ admin: string; limited: string }> {
  const org = await createOrganisation(db, { name: 'Bureau national', kind: 'entreprise', territory: 'france' });
  const issue = async (quota: string) => (await issueKey(db, { organisation: org.id, scopes: ['admin'], quota })).key;
  return { admin: await issue('unlimited'), limited: await issue('10/day') };
}
