/**
 * OGC API – Features Part 2 (Coordinate Reference Systems by Reference): the CRSs Terroir answers
 * and accepts for `bbox`. Storage is WGS84 (EPSG:4326, lon/lat); PostGIS reprojects. EPSG:4326 as a
 * URI means latitude first (its authority's axis order), CRS84 longitude first: Part 2 requires the
 * authority's order, so answers and bboxes in EPSG:4326 are flipped (`ST_FlipCoordinates`).
 */
import { invalidParam } from '../http/problems.ts';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const epsg = (code: number) => `http://www.opengis.net/def/crs/EPSG/0/${code}`;

export interface Crs {
  uri: string;
  srid: number;
  /** Latitude (or northing) first in the authority's axis order. */
  latFirst: boolean;
  /** Output decimals: 1e-8° ≈ 1 mm; 3 decimals of a metre in projected CRSs. */
  digits: number;
  title: string;
}

/** CRS84, WGS84, Lambert-93, Web Mercator and the overseas CRSs the RPG and cadastre use. */
export const CRSS: readonly Crs[] = [
  { uri: CRS84, srid: 4326, latFirst: false, digits: 8, title: 'WGS 84 longitude/latitude (CRS84)' },
  { uri: epsg(4326), srid: 4326, latFirst: true, digits: 8, title: 'WGS 84 latitude/longitude (EPSG:4326)' },
  { uri: epsg(2154), srid: 2154, latFirst: false, digits: 3, title: 'RGF93 v1 / Lambert-93 (metropolitan France)' },
  { uri: epsg(3857), srid: 3857, latFirst: false, digits: 3, title: 'WGS 84 / Pseudo-Mercator' },
  { uri: epsg(5490), srid: 5490, latFirst: false, digits: 3, title: 'RGAF09 / UTM zone 20N (Guadeloupe, Martinique)' },
  { uri: epsg(2972), srid: 2972, latFirst: false, digits: 3, title: 'RGFG95 / UTM zone 22N (Guyane)' },
  { uri: epsg(2975), srid: 2975, latFirst: false, digits: 3, title: 'RGR92 / UTM zone 40S (La Réunion)' },
  { uri: epsg(4471), srid: 4471, latFirst: false, digits: 3, title: 'RGM04 / UTM zone 38S (Mayotte)' },
];

export const CRS_URIS = CRSS.map((c) => c.uri);

/** The CRS a `crs` or `bbox-crs` parameter names (its URI, or the `EPSG:n` / `[EPSG:n]` short forms GDAL may send). */
export function crsParam(name: string, raw: string | undefined): Crs {
  if (raw === undefined) return CRSS[0];
  const s = raw.replace(/^\[(.*)\]$/, '$1');
  const short = /^EPSG:(\d+)$/i.exec(s);
  const uri = short ? epsg(Number(short[1])) : s === 'OGC:CRS84' ? CRS84 : s;
  const crs = CRSS.find((c) => c.uri === uri);
  if (!crs) throw invalidParam(name, `unsupported CRS ${JSON.stringify(raw)}; one of ${CRS_URIS.join(', ')}`);
  return crs;
}
