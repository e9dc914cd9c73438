/**
 * Direct read of a campaign's level-2 graphic tables, commune by commune, for the services allowed to
 * read them without a request (habilitation.ts `directReadRefusal`): the instructing services before
 * completion, State services after. Every attribute of the table (descriptions with their geometry);
 * the State-only farm table has no geometry and is never served here.
 */
import type { Queryable } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { tableById, type N2Table } from './tables.ts';

/** The tables read directly: those with a graphic class. */
export const DIRECT_TABLES = ['ilots', 'parcelles'] as const;
export type DirectTable = (typeof DIRECT_TABLES)[number];

export interface DirectPage {
  type: 'FeatureCollection';
  features: { type: 'Feature'; id: string; geometry: unknown; properties: Record<string, unknown> }[];
  numberReturned: number;
}

export async function readDirect(db: Queryable, table: DirectTable, annee: number, commune: string, limit: number, offset: number): Promise<DirectPage> {
  const t = tableById(table) as N2Table & { geometry: NonNullable<N2Table['geometry']> };
  const g = t.geometry;
  const cols = ['campagne', ...t.attributes.map((a) => a.name)];
  const rows = await db.query<Record<string, unknown> & { _geojson: string }>(
    `SELECT ${cols.map((c) => `t.${ident(c)}`).join(', ')}, ST_AsGeoJSON(g.geom, 7) AS _geojson
     FROM ${ident(t.table)} t JOIN ${ident(g.table)} g ON g.campagne = t.campagne AND g.departement = t.departement AND g.${ident(g.key)} = t.${ident(g.key)}
     WHERE t.campagne = $1 AND t.commune_ilot = $2
     ORDER BY t.${ident(g.key)} LIMIT $3 OFFSET $4`,
    [annee, commune, limit, offset],
  );
  const features = rows.map(({ _geojson, ...p }) => ({ type: 'Feature' as const, id: `${annee}.${String(p[g.key])}`, geometry: JSON.parse(_geojson), properties: p }));
  return { type: 'FeatureCollection', features, numberReturned: features.length };
}
