/**
 * Organisations: who holds API keys, of which kind (public bodies of the API Carto tariff decision and
 * of the CartoBio / RPG level-2 rules, companies, private persons), on which territory.
 */
import type { Database, Queryable } from '../db/database.ts';
import { formatTerritory, parseTerritory, saveTerritory, TerritoryError, type TerritorySpec } from './territory.ts';

/**
 * The kinds, with their label and whether they are public bodies (free of quota: seed 001, "gratuite
 * pour l'État et ses EPA, les collectivités, les EPCI à fiscalité propre et les SDIS").
 */
export const ORG_KINDS = {
  etat: { label: 'État / administration centrale', public: true },
  draaf: { label: 'DRAAF / DAAF', public: true },
  ddt: { label: 'DDT(M)', public: true },
  ssp: { label: 'SSP (service statistique du ministère)', public: true },
  collectivite: { label: 'Collectivité territoriale', public: true },
  epci: { label: 'EPCI', public: true },
  'agence-eau': { label: "Agence de l'eau", public: true },
  pnr: { label: 'Parc naturel régional', public: true },
  'etablissement-public': { label: 'Établissement public', public: true },
  sdis: { label: 'SDIS', public: true },
  entreprise: { label: 'Entreprise', public: false },
  particulier: { label: 'Particulier', public: false },
} as const;

export type OrgKind = keyof typeof ORG_KINDS;
export const ORG_KIND_NAMES = Object.keys(ORG_KINDS) as OrgKind[];

export class OrganisationError extends Error {}

export interface OrganisationInput {
  name: string;
  kind: string;
  siren?: string;
  contact?: string;
  /** `epci:200067106,commune:47001,dep:47,region:75` or `france`. */
  territory?: string;
  /** A drawn territory: GeoJSON Polygon / MultiPolygon in WGS84. */
  geometry?: unknown;
}

export interface Organisation {
  id: number;
  name: string;
  kind: OrgKind;
  siren: string | null;
  contact: string | null;
  territory: string;
  national: boolean;
  territory_km2: number | null;
  communes: number;
  keys: number;
  created_at: string;
}

/** SIREN: 9 digits with a valid Luhn key (a typo is refused, not stored). */
export function validSiren(s: string): boolean {
  if (!/^\d{9}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(s[8 - i]);
    if (i % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Everything that can be checked without the database; an OrganisationError names the field. */
export function checkOrganisation(input: OrganisationInput): TerritorySpec {
  const name = input.name?.trim();
  if (!name || name.length > 200) throw new OrganisationError('name: 1 to 200 characters');
  if (!(ORG_KIND_NAMES as string[]).includes(input.kind)) throw new OrganisationError(`kind: ${JSON.stringify(input.kind)} is not one of ${ORG_KIND_NAMES.join(', ')}`);
  if (input.siren !== undefined && !validSiren(input.siren)) throw new OrganisationError(`siren: ${JSON.stringify(input.siren)} is not a SIREN (9 digits, Luhn key)`);
  if (input.contact !== undefined && input.contact.length > 200) throw new OrganisationError('contact: at most 200 characters');
  try {
    return parseTerritory(input.territory, input.geometry);
  } catch (e) {
    if (e instanceof TerritoryError) throw new OrganisationError(e.message);
    throw e;
  }
}

/**
 * Creates an organisation with its resolved territory, in one transaction: a unit that is unknown or
 * has no contour loaded refuses the whole organisation.
 */
export async function createOrganisation(db: Database, input: OrganisationInput): Promise<Organisation> {
  const spec = checkOrganisation(input);
  const id = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO auth_organisation (name, kind, siren, contact, territory, national, territory_geom)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, CASE WHEN $6 THEN NULL ELSE 'SRID=4326;MULTIPOLYGON EMPTY'::geometry END) RETURNING id`,
      [input.name.trim(), input.kind, input.siren ?? null, input.contact ?? null, JSON.stringify(spec), spec.national],
    );
    try {
      await saveTerritory(tx, row.id, spec);
    } catch (e) {
      if (e instanceof TerritoryError) throw new OrganisationError(e.message);
      throw e;
    }
    return row.id;
  });
  return (await getOrganisation(db, id))!;
}

const COLUMNS = `o.id, o.name, o.kind, o.siren, o.contact, o.territory, o.national,
  round((ST_Area(o.territory_geom::geography) / 1e6)::numeric, 2)::float8 AS territory_km2,
  (SELECT count(*)::int FROM auth_territory_commune t WHERE t.organisation = o.id) AS communes,
  (SELECT count(*)::int FROM auth_api_key k WHERE k.organisation = o.id AND k.revoked_at IS NULL) AS keys,
  to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at`;

type Row = Omit<Organisation, 'territory'> & { territory: TerritorySpec };
const toOrganisation = (r: Row): Organisation => ({ ...r, territory: formatTerritory(r.territory) });

export async function listOrganisations(db: Queryable): Promise<Organisation[]> {
  return (await db.query<Row>(`SELECT ${COLUMNS} FROM auth_organisation o ORDER BY o.id`)).map(toOrganisation);
}

export async function getOrganisation(db: Queryable, id: number): Promise<Organisation | undefined> {
  const [r] = await db.query<Row>(`SELECT ${COLUMNS} FROM auth_organisation o WHERE o.id = $1`, [id]);
  return r && toOrganisation(r);
}
