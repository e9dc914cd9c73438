/**
 * The two answer formats of a territory's parcels, both streamed with flat memory:
 * - GeoJSON: the envelope (counts and links first, they are known before the first parcel), then
 *   each parcel as it is read;
 * - zipped Shapefile: parcels written to temporary files (src/formats/shapefile.ts), then zipped out.
 *   DBF field names are ≤ 10 characters: the RPG bio names where the property is one of them.
 */
import { Readable } from 'node:stream';
import type { Queryable } from '../../db/database.ts';
import { ShapefileWriter, type DbfField, type PolygonalGeometry } from '../../formats/shapefile.ts';
import { pseudonym } from './pseudonym.ts';
import { PROPERTY_NAMES, type ParcelRow } from './territoire.ts';

/** Property → DBF field, in answer order; `id` (the pseudonym) first. */
export const DBF_FIELDS: Record<string, DbfField> = {
  id: { name: 'ID', type: 'C', length: 32 },
  codeculture: { name: 'CODE_CULTU', type: 'C', length: 10 },
  labelculture: { name: 'LBL_CULTU', type: 'C', length: 254 },
  groupeculture: { name: 'GRP_CULTU', type: 'C', length: 100 },
  bio: { name: 'BIO', type: 'N', length: 1 },
  millesime: { name: 'MILLESIME', type: 'N', length: 4 },
  precision: { name: 'PRECISION', type: 'C', length: 10 },
  codecpf: { name: 'CODE_CPF', type: 'C', length: 20 },
  conversion: { name: 'CONVERSION', type: 'C', length: 4 },
  dateengagement: { name: 'DATE_ENGAG', type: 'D', length: 8 },
  surfaceha: { name: 'SURFACE_HA', type: 'N', length: 14, decimals: 4 },
  codecommune: { name: 'INSEE_COM', type: 'C', length: 5 },
  nomcommune: { name: 'NOM_COM', type: 'C', length: 100 },
  codeepci: { name: 'CODE_EPCI', type: 'C', length: 9 },
  codedepartement: { name: 'CODE_DEP', type: 'C', length: 3 },
  coderegion: { name: 'CODE_REG', type: 'C', length: 3 },
};
for (const p of PROPERTY_NAMES) if (!DBF_FIELDS[p]) throw new Error(`bio: property ${p} has no DBF field (output.ts DBF_FIELDS)`);

/** Output CRS: WGS84, Lambert-93, and the legal projections of the overseas départements. */
export const OUTPUT_SRIDS = [4326, 2154, 5490, 2972, 2975, 4471] as const;
export const digitsOf = (srid: number) => (srid === 4326 ? 7 : 2);

export function properties(row: ParcelRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of PROPERTY_NAMES) out[p] = row[p] ?? null;
  return out;
}

export interface Envelope {
  millesime: number;
  numberMatched: number;
  numberReturned: number;
  srid: number;
  links: { href: string; rel: string; type: string; title: string }[];
}

/** The FeatureCollection as a stream of text. */
export function geojsonStream(rows: AsyncIterable<ParcelRow>, secret: Buffer, env: Envelope): Readable {
  async function* text() {
    const crs = env.srid === 4326 ? '' : `,"crs":${JSON.stringify({ type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${env.srid}` } })}`;
    yield `{"type":"FeatureCollection","millesime":${env.millesime},"numberMatched":${env.numberMatched},"numberReturned":${env.numberReturned}${crs},"links":${JSON.stringify(env.links)},"features":[`;
    let first = true;
    let chunk = '';
    for await (const r of rows) {
      chunk += `${first ? '' : ','}{"type":"Feature","id":"${pseudonym(secret, r.cle_source)}","geometry":${r.geometry},"properties":${JSON.stringify(properties(r))}}`;
      first = false;
      if (chunk.length > 65536) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}]}`;
  }
  return Readable.from(text());
}

/** The parcels written as a shapefile named `name`; returns the writer, finished (zip() streams it). */
export async function writeShapefile(rows: AsyncIterable<ParcelRow>, secret: Buffer, name: string): Promise<ShapefileWriter> {
  const names = ['id', ...PROPERTY_NAMES];
  const w = new ShapefileWriter(name, names.map((n) => DBF_FIELDS[n]));
  try {
    await w.start();
    for await (const r of rows) {
      const props = properties(r);
      await w.add(JSON.parse(r.geometry) as PolygonalGeometry, names.map((n) => (n === 'id' ? pseudonym(secret, r.cle_source) : props[n])));
    }
    await w.finish();
    return w;
  } catch (e) {
    w.cleanup();
    throw e;
  }
}

export async function prjOf(db: Queryable, srid: number): Promise<string> {
  const [r] = await db.query<{ srtext: string }>('SELECT srtext FROM spatial_ref_sys WHERE srid = $1', [srid]);
  if (!r) throw new Error(`EPSG:${srid} missing from spatial_ref_sys`);
  return r.srtext;
}
