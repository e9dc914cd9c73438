import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Queryable } from '../../db/database.ts';
import { upperNoAccent } from './names.ts';

/**
 * The administrative reference (codes, names, links, population, postal codes, EPCI membership) of
 * the npm package @etalab/decoupage-administratif: INSEE's COG, DGCL's BANATIC and La Poste's postal
 * codes, assembled by Etalab. Loaded once into PostgreSQL on first start; contours come separately.
 */
export const PACKAGE = '@etalab/decoupage-administratif';
export const DATASET_LAYER = 'limites-administratives';
const DATASET_PREFIX = `${DATASET_LAYER}:decoupage-administratif@`;
/** Arbitrary constant: two nodes starting together against one server load the data once. */
const BOOTSTRAP_LOCK = 7_265_103;
/** COG vintage of each major version, from the package README ("Millésimes et versions de package"). */
const COG_YEAR: Record<string, number> = { '6': 2026, '5': 2025, '4': 2024, '3': 2023, '2': 2022, '1': 2021 };

export interface RawCommune {
  code: string;
  nom: string;
  type: 'commune-actuelle' | 'commune-deleguee' | 'commune-associee' | 'arrondissement-municipal';
  zone?: string;
  arrondissement?: string;
  departement: string;
  region: string;
  siren?: string;
  codesPostaux?: string[];
  population?: number;
  anciensCodes?: string[];
}
export interface RawEpci {
  code: string;
  nom: string;
  type: string;
  modeFinancement?: string;
  populationTotale?: number;
  populationMunicipale?: number;
  membres: { code: string }[];
}
export interface RawDepartement {
  code: string;
  nom: string;
  region: string;
  chefLieu?: string;
  zone?: string;
}
export interface RawRegion {
  code: string;
  nom: string;
  chefLieu?: string;
  zone?: string;
}
export interface RawArrondissement {
  code: string;
  chefLieu?: string;
}
export interface PackageData {
  communes: RawCommune[];
  epci: RawEpci[];
  departements: RawDepartement[];
  regions: RawRegion[];
  arrondissements: RawArrondissement[];
}

/** Where the data comes from: the version is known without reading the 12 MB of JSON. */
export interface ReferenceSource {
  version: string;
  read(): PackageData;
}

export function packageSource(): ReferenceSource {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve(`${PACKAGE}/package.json`));
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const json = <T>(name: string) => JSON.parse(readFileSync(join(dir, 'data', `${name}.json`), 'utf8')) as T;
  return {
    version,
    read: () => ({
      communes: json<RawCommune[]>('communes'),
      epci: json<RawEpci[]>('epci'),
      departements: json<RawDepartement[]>('departements'),
      regions: json<RawRegion[]>('regions'),
      arrondissements: json<RawArrondissement[]>('arrondissements'),
    }),
  };
}

/** Numeric x.y.z comparison (pre-release suffixes ignored): <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}

/** PostgreSQL array literal of strings (each element quoted), for COPY. */
export function pgTextArray(values: readonly string[] | undefined): string {
  return `{${(values ?? []).map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

export const REGION_COLUMNS = ['code', 'nom', 'nom_m', 'chef_lieu', 'zone'] as const;
export const DEPARTEMENT_COLUMNS = ['code', 'nom', 'nom_m', 'region', 'chef_lieu', 'zone'] as const;
export const COMMUNE_COLUMNS = [
  'code', 'nom', 'nom_m', 'statut', 'population', 'arrondissement', 'departement', 'region', 'siren', 'zone', 'codes_postaux', 'anciens_codes',
] as const;
export const EPCI_COLUMNS = ['code', 'nom', 'nom_m', 'type', 'mode_financement', 'population_totale', 'population_municipale'] as const;

export interface ReferenceRows {
  regions: unknown[][];
  departements: unknown[][];
  communes: unknown[][];
  epci: unknown[][];
  membership: [string, string][];
  /** Package entries left out, by commune type (arrondissements municipaux, communes déléguées…). */
  excluded: Record<string, number>;
}

/**
 * The rows to load, in the tables' column order. Communes: current communes only (type COM):
 * arrondissements municipaux of Paris/Lyon/Marseille and communes déléguées/associées are parts of
 * a commune, not communes, and would overlap it (ADMIN EXPRESS's commune layer has the same scope).
 * `statut` is ADMIN EXPRESS's, derived from the chefs-lieux of the package.
 */
export function referenceRows(data: PackageData): ReferenceRows {
  const capitals = new Set<string>(['75056']);
  const prefReg = new Set(data.regions.map((r) => r.chefLieu).filter(Boolean) as string[]);
  const pref = new Set(data.departements.map((d) => d.chefLieu).filter(Boolean) as string[]);
  const sousPref = new Set(data.arrondissements.map((a) => a.chefLieu).filter(Boolean) as string[]);
  const statut = (code: string) =>
    capitals.has(code)
      ? "Capitale d'état"
      : prefReg.has(code)
        ? 'Préfecture de région'
        : pref.has(code)
          ? 'Préfecture'
          : sousPref.has(code)
            ? 'Sous-préfecture'
            : 'Commune simple';

  const excluded: Record<string, number> = {};
  const communes: unknown[][] = [];
  const current = new Set<string>();
  for (const c of data.communes) {
    if (c.type !== 'commune-actuelle') {
      excluded[c.type] = (excluded[c.type] ?? 0) + 1;
      continue;
    }
    current.add(c.code);
    communes.push([
      c.code, c.nom, upperNoAccent(c.nom), statut(c.code), c.population ?? null, c.arrondissement ?? null, c.departement, c.region,
      c.siren ?? null, c.zone ?? null, pgTextArray(c.codesPostaux), pgTextArray(c.anciensCodes),
    ]);
  }
  const membership: [string, string][] = [];
  for (const e of data.epci) for (const m of e.membres) if (current.has(m.code)) membership.push([m.code, e.code]);
  return {
    regions: data.regions.map((r) => [r.code, r.nom, upperNoAccent(r.nom), r.chefLieu ?? null, r.zone ?? null]),
    departements: data.departements.map((d) => [d.code, d.nom, upperNoAccent(d.nom), d.region, d.chefLieu ?? null, d.zone ?? null]),
    communes,
    epci: data.epci.map((e) => [
      e.code, e.nom, upperNoAccent(e.nom), e.type, e.modeFinancement ?? null, e.populationTotale ?? null, e.populationMunicipale ?? null,
    ]),
    membership,
    excluded,
  };
}

export interface LoadedReference {
  id: string;
  version: string;
}

async function loadedReference(db: Queryable): Promise<LoadedReference | undefined> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE id LIKE $1 ORDER BY imported_at DESC`, [`${DATASET_PREFIX}%`]);
  if (!rows.length) return undefined;
  return { id: rows[0].id, version: rows[0].id.slice(DATASET_PREFIX.length) };
}

export interface BootstrapResult {
  action: 'loaded' | 'upgraded' | 'kept';
  version: string;
  /** The version found in the database before (upgrade, or a newer one kept). */
  previous?: string;
  counts?: { region: number; departement: number; commune: number; epci: number; epci_commune: number };
  ms: number;
}

/** Upsert of attribute columns only: `geom` (loaded contours) survives a reload. */
async function upsert(tx: Queryable, table: string, columns: readonly string[]): Promise<void> {
  const list = columns.map((c) => `"${c}"`).join(', ');
  const set = columns.filter((c) => c !== 'code').map((c) => `"${c}" = EXCLUDED."${c}"`).join(', ');
  await tx.query(`INSERT INTO ${table} (${list}) SELECT ${list} FROM ${table}_stage ON CONFLICT (code) DO UPDATE SET ${set}`);
}

async function deleteVanished(tx: Queryable, table: string): Promise<void> {
  await tx.query(`DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM ${table}_stage s WHERE s.code = t.code)`);
}

/** The links the tables rely on (no foreign keys, see the migration): a broken one aborts the load. */
const LINKS: [string, string][] = [
  ['département → région', 'SELECT d.code FROM limites_departement d WHERE NOT EXISTS (SELECT 1 FROM limites_region r WHERE r.code = d.region)'],
  ['commune → département', 'SELECT c.code FROM limites_commune c WHERE NOT EXISTS (SELECT 1 FROM limites_departement d WHERE d.code = c.departement)'],
  ['commune → région', 'SELECT c.code FROM limites_commune c WHERE NOT EXISTS (SELECT 1 FROM limites_region r WHERE r.code = c.region)'],
  ['membership → commune', 'SELECT m.commune AS code FROM limites_epci_commune m WHERE NOT EXISTS (SELECT 1 FROM limites_commune c WHERE c.code = m.commune)'],
  ['membership → EPCI', 'SELECT m.epci AS code FROM limites_epci_commune m WHERE NOT EXISTS (SELECT 1 FROM limites_epci e WHERE e.code = m.epci)'],
];

async function checkLinks(tx: Queryable): Promise<void> {
  for (const [link, sql] of LINKS) {
    const broken = await tx.query<{ code: string }>(`${sql} LIMIT 5`);
    if (broken.length) throw new Error(`administrative reference: broken link ${link} for ${broken.map((b) => b.code).join(', ')}`);
  }
}

/**
 * A reload over existing data: staging tables filled by COPY, upserts of the attributes (contours
 * stay), contours of merged communes handed to the commune nouvelle, then deletion of what the new
 * version no longer has.
 */
async function reload(tx: Queryable, rows: ReferenceRows): Promise<void> {
  for (const table of ['limites_region', 'limites_departement', 'limites_commune', 'limites_epci']) {
    await tx.exec(`CREATE TEMP TABLE ${table}_stage (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
  }
  await tx.exec('CREATE TEMP TABLE limites_epci_commune_stage (commune text, epci text) ON COMMIT DROP');
  await tx.copyRows('limites_region_stage', REGION_COLUMNS, rows.regions);
  await tx.copyRows('limites_departement_stage', DEPARTEMENT_COLUMNS, rows.departements);
  await tx.copyRows('limites_commune_stage', COMMUNE_COLUMNS, rows.communes);
  await tx.copyRows('limites_epci_stage', EPCI_COLUMNS, rows.epci);
  await tx.copyRows('limites_epci_commune_stage', ['commune', 'epci'], rows.membership);

  await upsert(tx, 'limites_region', REGION_COLUMNS);
  await upsert(tx, 'limites_departement', DEPARTEMENT_COLUMNS);
  await upsert(tx, 'limites_commune', COMMUNE_COLUMNS);
  await upsert(tx, 'limites_epci', EPCI_COLUMNS);
  // Contours of communes that vanished (merged into a commune nouvelle, whose anciens_codes list
  // them) go to the commune that absorbed them. The vanished set is small: computed first.
  await tx.query(`WITH vanished AS MATERIALIZED (
      SELECT o.code, o.geom FROM limites_commune o
      WHERE o.geom IS NOT NULL AND NOT EXISTS (SELECT 1 FROM limites_commune_stage s WHERE s.code = o.code)
    ), absorbed AS (
      SELECT n.code, ST_Collect(v.geom) AS g FROM vanished v JOIN limites_commune n ON n.anciens_codes @> ARRAY[v.code] GROUP BY n.code
    )
    UPDATE limites_commune t
    SET geom = ST_Multi(ST_CollectionExtract(ST_UnaryUnion(CASE WHEN t.geom IS NULL THEN a.g ELSE ST_Collect(t.geom, a.g) END), 3))
    FROM absorbed a WHERE t.code = a.code`);
  await tx.query('DELETE FROM limites_epci_commune');
  await tx.query('INSERT INTO limites_epci_commune (commune, epci) SELECT commune, epci FROM limites_epci_commune_stage');
  for (const table of ['limites_epci', 'limites_commune', 'limites_departement', 'limites_region']) await deleteVanished(tx, table);
}

/**
 * Loads the package's reference data when the database has none or an older version (recorded in
 * terroir_dataset as `limites-administratives:decoupage-administratif@<version>`); otherwise returns
 * at once. One transaction under an advisory lock: COPY straight into the empty tables the first
 * time, otherwise a reload that keeps the contours already loaded (see reload()).
 */
export async function loadReference(db: Database, log: FastifyBaseLogger, source: ReferenceSource = packageSource()): Promise<BootstrapResult> {
  const t0 = performance.now();
  const id = `${DATASET_PREFIX}${source.version}`;
  const ms = () => Math.round(performance.now() - t0);
  const keep = (loaded: LoadedReference): BootstrapResult | undefined => {
    const cmp = compareVersions(loaded.version, source.version);
    if (cmp < 0) return undefined;
    if (cmp > 0) log.warn({ loaded: loaded.version, packaged: source.version }, 'administrative reference in the database is newer than the packaged one: kept');
    else log.debug({ dataset: loaded.id }, 'administrative reference already loaded');
    return { action: 'kept', version: loaded.version, previous: loaded.version, ms: ms() };
  };
  const before = await loadedReference(db);
  const early = before && keep(before);
  if (early) return early;

  const rows = referenceRows(source.read());
  const result = await db.transaction(async (tx): Promise<BootstrapResult> => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    const loaded = await loadedReference(tx);
    const kept = loaded && keep(loaded);
    if (kept) return kept; // another node loaded it while we waited for the lock

    const [{ empty }] = await tx.query<{ empty: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM limites_region) AND NOT EXISTS (SELECT 1 FROM limites_departement)
          AND NOT EXISTS (SELECT 1 FROM limites_commune) AND NOT EXISTS (SELECT 1 FROM limites_epci) AS empty`,
    );
    if (empty) {
      // First load: straight into the tables, nothing to preserve.
      await tx.copyRows('limites_region', REGION_COLUMNS, rows.regions);
      await tx.copyRows('limites_departement', DEPARTEMENT_COLUMNS, rows.departements);
      await tx.copyRows('limites_commune', COMMUNE_COLUMNS, rows.communes);
      await tx.copyRows('limites_epci', EPCI_COLUMNS, rows.epci);
      await tx.copyRows('limites_epci_commune', ['commune', 'epci'], rows.membership);
    } else {
      await reload(tx, rows);
    }
    await checkLinks(tx);
    // Fresh statistics now: the embedded backend has no autovacuum to gather them later.
    await tx.exec('ANALYZE limites_region, limites_departement, limites_commune, limites_epci, limites_epci_commune');

    const counts = {
      region: rows.regions.length,
      departement: rows.departements.length,
      commune: rows.communes.length,
      epci: rows.epci.length,
      epci_commune: rows.membership.length,
    };
    await tx.query('DELETE FROM terroir_dataset WHERE id LIKE $1', [`${DATASET_PREFIX}%`]);
    const year = COG_YEAR[source.version.split('.')[0]];
    await tx.query(
      `INSERT INTO terroir_dataset (id, layer, source, producer, licence, vintage, feature_count, synthetic, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8)`,
      [
        id,
        DATASET_LAYER,
        `${PACKAGE}@${source.version}`,
        'INSEE (COG), DGCL (BANATIC), La Poste; packaged by Etalab',
        'Licence Ouverte 2.0',
        year ? `COG ${year}` : null,
        counts.region + counts.departement + counts.commune + counts.epci,
        JSON.stringify({ package: PACKAGE, version: source.version, counts, excluded: rows.excluded, previous: loaded?.version ?? null }),
      ],
    );
    return { action: loaded ? 'upgraded' : 'loaded', version: source.version, previous: loaded?.version, counts, ms: 0 };
  });
  result.ms = ms(); // after the commit, whose deferred foreign-key checks are part of the cost
  if (result.action !== 'kept') log.info({ dataset: id, ...result }, 'administrative reference loaded');
  return result;
}
