/**
 * How the INAO parcel delimitation of wine AOCs is read (shapefile from data.gouv.fr or the
 * per-commune GeoJSON split of opendatawine; same INAO fields, any case): the readers and the
 * afterLoad of the `aoc.appellation-viticole` layer (layers.ts).
 *
 * De-duplication (afterLoad, inside the import transaction): opendatawine's files hold every feature
 * twice. Rows of the dataset with the same key (id_denom, insee) and the same geometry vertex for
 * vertex (ST_OrderingEquals) are exact copies: all but one are deleted. Rows that still share a key
 * after that (one zone published in several pieces) are merged into one MultiPolygon (ST_Union), so
 * that the answer has one zone per denomination and commune, with a unique feature id.
 */
import type { Queryable } from '../../db/database.ts';
import { int, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { AfterLoadReport, ImportContext } from '../../import/target.ts';

export function insee(f: SourceFeature): string {
  const v = prop(f, 'insee');
  const s = typeof v === 'number' ? String(v).padStart(5, '0') : text(v)?.toUpperCase() ?? null;
  if (s === null) throw new Error('insee is missing');
  if (!/^(\d{5}|2[AB]\d{3})$/.test(s)) throw new Error(`insee is not an INSEE commune code: ${JSON.stringify(v)}`);
  return s;
}

export function idDenom(f: SourceFeature): number {
  const n = int(prop(f, 'id_denom'));
  if (n === null) throw new Error('id_denom is missing');
  return n;
}

/** `--option zone=21295` (a commune, département or any label of what the files cover). */
export function zoneOption(ctx: ImportContext): string | null {
  const z = ctx.options.zone?.trim();
  if (!z) return null;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(z)) throw new Error(`--option zone=${z}: letters, digits, - and _ only`);
  return z;
}

export const TABLE = 'aoc_appellation_viticole';

/** Each zone (id_uni) whose rows became one, and how: the import summary says it (read = loaded + merged + rejected). */
export async function dedupe(tx: Queryable, datasetId: string): Promise<AfterLoadReport> {
  // Exact copies: same key, same vertices in the same order. ctid: the physical row, both backends.
  const copies = await tx.query<{ id_uni: string; n: number }>(
    `WITH gone AS (
       DELETE FROM ${TABLE} a USING ${TABLE} b
       WHERE a.dataset_id = $1 AND b.dataset_id = $1 AND a.id_uni = b.id_uni AND a.ctid > b.ctid
         AND ST_OrderingEquals(a.geom, b.geom)
       RETURNING a.id_uni
     )
     SELECT id_uni, count(*)::int AS n FROM gone GROUP BY id_uni ORDER BY id_uni`,
    [datasetId],
  );
  // Pieces of one zone: merged into the first row, the others deleted (one statement, one snapshot).
  const pieces = await tx.query<{ id_uni: string; n: number }>(
    `WITH grp AS (
       SELECT id_uni, min(ctid) AS keep, count(*)::int AS n, ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom
       FROM ${TABLE} WHERE dataset_id = $1 GROUP BY id_uni HAVING count(*) > 1
     ), gone AS (
       DELETE FROM ${TABLE} x USING grp WHERE x.dataset_id = $1 AND x.id_uni = grp.id_uni AND x.ctid <> grp.keep RETURNING 1
     ), kept AS (
       UPDATE ${TABLE} x SET geom = grp.geom FROM grp WHERE x.dataset_id = $1 AND x.ctid = grp.keep RETURNING grp.id_uni, grp.n
     )
     SELECT id_uni, n FROM kept ORDER BY id_uni`,
    [datasetId],
  );
  return {
    merges: [
      ...copies.map((c) => ({ into: `zone ${c.id_uni}`, rows: c.n + 1, how: 'identical copies' })),
      ...pieces.map((p) => ({ into: `zone ${p.id_uni}`, rows: p.n, how: 'pieces of one zone, their union' })),
    ],
  };
}

/** 1 (exact parcel delimitation) unless the feature says otherwise (commune-level rows: communes.ts). */
export function segmentOf(f: SourceFeature): number {
  return int(prop(f, 'segment')) ?? 1;
}

/** `<segment>-<id_denom>-<insee>`: the reference's unique id of a zone (`1-76-49222`). */
export const idUni = (f: SourceFeature) => `${segmentOf(f)}-${idDenom(f)}-${insee(f)}`;

/** The département of the zone's commune: partition key if the table ever needs one. */
export function departementOf(f: SourceFeature): string {
  const c = insee(f);
  return c.startsWith('97') ? c.slice(0, 3) : c.slice(0, 2);
}
