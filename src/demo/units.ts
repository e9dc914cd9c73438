/**
 * The demo territory's communes and EPCI registered as administrative units (limites_commune,
 * limites_epci and the membership), their contours loaded through loadContours() as a contour import
 * does, flagged synthetic. So an organisation can be given a demo territory (`terroir org add
 * --territory epci:<siren>`) and territory checks work on a fresh `npm start`. The fictional codes
 * (communes 47501+, SIRENs absent from BANATIC) collide with no real unit; each dataset records its
 * codes so `removeDemo` takes exactly them away again.
 */
import type { Database, Queryable } from '../db/database.ts';
import { loadContours, type AdminLevel } from '../modules/limites-administratives/contours.ts';
import { upperNoAccent } from '../modules/limites-administratives/names.ts';
import { DEMO_LICENCE, DEMO_PRODUCER } from './params.ts';
import { refreshMunicipalitiesOf } from '../modules/gpu/municipality.ts';

export interface UnitsMeta {
  source: string;
  details: Record<string, unknown>;
}

/** Contours leave in Lambert-93 centimetres, like every other demo layer (src/demo/load.ts). */
const contour = (col: string) => `ST_AsGeoJSON(ST_ReducePrecision(${col}, 0.01), 2)`;

/**
 * Registers (or registers again) the generated communes and EPCI with their contours; returns the
 * terroir_dataset ids of the two contour loads. A code already used by a unit that is not the demo's
 * own is an error (the insert fails), never an overwrite.
 */
export async function registerDemoUnits(db: Database, codeDep: string, meta: UnitsMeta): Promise<string[]> {
  const communes = await db.query<{ insee: string; nom: string; population: number; epci: string | null; geom: string }>(
    `SELECT insee, nom, population, epci, ${contour('geom')} AS geom FROM demo_w_commune ORDER BY insee`,
  );
  const epci = await db.query<{ siren: string; nom: string; type: string; population: number; geom: string }>(
    `SELECT e.siren, e.nom, e.type, (SELECT sum(population)::int FROM demo_w_commune c WHERE c.epci = e.siren) AS population, ${contour('e.geom')} AS geom
     FROM demo_w_epci e ORDER BY e.siren`,
  );
  await db.transaction(async (tx) => {
    const [dep] = await tx.query<{ region: string }>('SELECT region FROM limites_departement WHERE code = $1', [codeDep]);
    await tx.query(
      `INSERT INTO limites_commune (code, nom, nom_m, statut, population, departement, region, zone)
       SELECT code, nom, nom_m, 'Commune simple', population, $5, $6, 'metro' FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS x(code, nom, nom_m, population)`,
      [communes.map((c) => c.insee), communes.map((c) => c.nom), communes.map((c) => upperNoAccent(c.nom)), communes.map((c) => c.population), codeDep, dep?.region ?? '75'],
    );
    await tx.query(
      `INSERT INTO limites_epci (code, nom, nom_m, type, mode_financement, population_totale, population_municipale)
       SELECT code, nom, nom_m, type, 'FPU', population, population FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS x(code, nom, nom_m, type, population)`,
      [epci.map((e) => e.siren), epci.map((e) => e.nom), epci.map((e) => upperNoAccent(e.nom)), epci.map((e) => e.type), epci.map((e) => e.population)],
    );
    const members = communes.filter((c) => c.epci);
    await tx.query('INSERT INTO limites_epci_commune (commune, epci) SELECT * FROM unnest($1::text[], $2::text[])', [members.map((c) => c.insee), members.map((c) => c.epci)]);
  });
  const load = async (level: AdminLevel, rows: { code: string; geom: string }[]) => {
    const r = await loadContours(
      db,
      level,
      rows.map((u) => ({ code: u.code, geometry: u.geom })),
      {
        source: `${meta.source}: ${level} contours`,
        producer: DEMO_PRODUCER,
        licence: DEMO_LICENCE,
        geometrySrid: 2154,
        sourceSrid: 2154,
        synthetic: true,
        details: { ...meta.details, units: rows.map((u) => u.code) },
      },
    );
    if (r.updated !== rows.length) throw new Error(`demo ${level} contours: ${r.updated} of ${rows.length} set (${JSON.stringify(r.rejected.slice(0, 3))})`);
    return r.datasetId;
  };
  return [await load('commune', communes.map((c) => ({ code: c.insee, geom: c.geom }))), await load('epci', epci.map((e) => ({ code: e.siren, geom: e.geom })))];
}

/** Removes the demo's units by code (their membership with them). */
export async function removeDemoUnits(db: Queryable, communes: readonly string[], epci: readonly string[]): Promise<void> {
  await db.query('DELETE FROM limites_epci_commune WHERE commune = ANY($1::text[]) OR epci = ANY($2::text[])', [communes, epci]);
  await db.query('DELETE FROM limites_commune WHERE code = ANY($1::text[])', [communes]);
  await db.query('DELETE FROM limites_epci WHERE code = ANY($1::text[])', [epci]);
  // The GPU municipality rows derived from these contours go with them (in the same transaction).
  await refreshMunicipalitiesOf(db, [...communes]);
}

/** The unit codes recorded by the demo's contour datasets `ids` (for removeDemo). */
export async function demoUnitCodes(db: Queryable, ids: readonly string[]): Promise<{ communes: string[]; epci: string[] }> {
  const rows = await db.query<{ layer: string; units: string[] | null }>(
    `SELECT layer, ARRAY(SELECT jsonb_array_elements_text(details->'units')) AS units FROM terroir_dataset
     WHERE id = ANY($1::text[]) AND layer IN ('limites-administratives.commune', 'limites-administratives.epci')`,
    [ids],
  );
  const of = (layer: string) => rows.filter((r) => r.layer === layer).flatMap((r) => r.units ?? []);
  return { communes: of('limites-administratives.commune'), epci: of('limites-administratives.epci') };
}

/** True when the demo's communes are not all registered with a contour (e.g. a reference reload removed them). */
export async function demoUnitsMissing(db: Queryable): Promise<boolean> {
  const [r] = await db.query<{ missing: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM demo_w_commune w WHERE NOT EXISTS (SELECT 1 FROM limites_commune c WHERE c.code = w.insee AND c.geom IS NOT NULL)) AS missing`,
  );
  return r.missing;
}
