/**
 * Source CRS recognition: a shapefile's .prj (ESRI WKT1 as written by ArcGIS/QGIS, OGC WKT1 with
 * AUTHORITY as written by GDAL, or WKT2 with ID), a GeoJSON `crs` member, or the user's --srid.
 *
 * French reference data comes in a handful of CRSs: Lambert-93 (EPSG:2154) in metropolitan France,
 * one UTM projection per overseas département (RGAF09 / UTM 20N 5490 for Guadeloupe and Martinique,
 * RGFG95 / UTM 22N 2972 for Guyane, RGR92 / UTM 40S 2975 for La Réunion, RGM04 / UTM 38S 4471 for
 * Mayotte), the CC conic zones 3942–3950, and WGS84. They are matched by authority code first, then by
 * name, then by projection parameters (ESRI WKT names differ from EPSG's, the parameters do not);
 * anything else is looked up by name in PostGIS's spatial_ref_sys before giving up.
 */
import type { Queryable } from '../db/database.ts';

export interface WktNode {
  key: string;
  args: (string | number | WktNode)[];
}

export function parseWkt(text: string): WktNode {
  let i = 0;
  const s = text.trim();
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  function node(): WktNode {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!m) throw new Error(`WKT: keyword expected at ${i}`);
    i += m[0].length;
    ws();
    const open = s[i];
    if (open !== '[' && open !== '(') return { key: m[0].toUpperCase(), args: [] };
    const close = open === '[' ? ']' : ')';
    i++;
    const args: WktNode['args'] = [];
    for (;;) {
      ws();
      const c = s[i];
      if (c === undefined) throw new Error('WKT: unexpected end');
      if (c === close) {
        i++;
        break;
      }
      if (c === ',') {
        i++;
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        let str = '';
        for (;;) {
          if (j >= s.length) throw new Error('WKT: unterminated string');
          if (s[j] === '"') {
            if (s[j + 1] === '"') {
              str += '"';
              j += 2;
              continue;
            }
            break;
          }
          str += s[j++];
        }
        args.push(str);
        i = j + 1;
      } else if (/[-+.\d]/.test(c)) {
        const n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(i));
        if (!n) throw new Error(`WKT: bad number at ${i}`);
        args.push(Number(n[0]));
        i += n[0].length;
      } else args.push(node());
    }
    return { key: m[0].toUpperCase(), args };
  }
  const root = node();
  return root;
}

const norm = (s: string) => s.toLowerCase().normalize('NFD').replace(/[^a-z0-9]/g, '');
const children = (n: WktNode, ...keys: string[]) => n.args.filter((a): a is WktNode => typeof a === 'object' && keys.includes(a.key));
const child = (n: WktNode | undefined, ...keys: string[]) => (n ? children(n, ...keys)[0] : undefined);
const nameOf = (n: WktNode | undefined) => (n && typeof n.args[0] === 'string' ? n.args[0] : '');

function epsgOf(n: WktNode): number | undefined {
  for (const a of children(n, 'AUTHORITY', 'ID')) {
    if (typeof a.args[0] === 'string' && a.args[0].toUpperCase() === 'EPSG') {
      const code = Number(a.args[1]);
      if (Number.isInteger(code) && code > 0) return code;
    }
  }
  return undefined;
}

type Datum = 'rgf93' | 'rgaf09' | 'rgfg95' | 'rgr92' | 'rgm04' | 'rgspm06' | 'rraf91' | 'wgs84' | 'etrs89' | 'other';

function datumOf(geog: WktNode | undefined): Datum {
  const d = norm(nameOf(child(geog, 'DATUM')) + ' ' + nameOf(geog));
  if (/rgf93|rgf1993|reseaugeodesiquefrancais1993/.test(d)) return 'rgf93';
  if (/rgaf09|rgaf2009|reseaugeodesiquedesantillesfrancaises2009/.test(d)) return 'rgaf09';
  if (/rgfg95|rgfg1995|reseaugeodesiquefrancaisguyane1995/.test(d)) return 'rgfg95';
  if (/rgr92|rgr1992|reseaugeodesiquedelareunion1992/.test(d)) return 'rgr92';
  if (/rgm04|rgm2004|reseaugeodesiquedemayotte2004/.test(d)) return 'rgm04';
  if (/rgspm06|rgspm2006/.test(d)) return 'rgspm06';
  if (/rraf1991|rraf91/.test(d)) return 'rraf91';
  if (/wgs1984|wgs84/.test(d)) return 'wgs84';
  if (/etrs1989|etrs89|europeanterrestrialreferencesystem1989/.test(d)) return 'etrs89';
  return 'other';
}

/** Projection parameters by a normalised name, WKT1 (PARAMETER) and WKT2 (CONVERSION/PARAMETER). */
function params(proj: WktNode): Map<string, number> {
  const out = new Map<string, number>();
  const conv = child(proj, 'CONVERSION') ?? proj;
  for (const p of children(conv, 'PARAMETER')) {
    if (typeof p.args[0] === 'string' && typeof p.args[1] === 'number') out.set(norm(p.args[0]), p.args[1]);
  }
  const get = (...names: string[]) => names.map((n) => out.get(n)).find((v) => v !== undefined);
  const alias = new Map<string, number | undefined>([
    ['sp1', get('standardparallel1', 'latitudeof1ststandardparallel')],
    ['sp2', get('standardparallel2', 'latitudeof2ndstandardparallel')],
    ['lat0', get('latitudeoforigin', 'latitudeoffalseorigin', 'latitudeofnaturalorigin')],
    ['lon0', get('centralmeridian', 'longitudeoforigin', 'longitudeoffalseorigin', 'longitudeofnaturalorigin')],
    ['fe', get('falseeasting', 'eastingatfalseorigin')],
    ['fn', get('falsenorthing', 'northingatfalseorigin')],
    ['k', get('scalefactor', 'scalefactoratnaturalorigin')],
  ]);
  const res = new Map<string, number>();
  for (const [k, v] of alias) if (v !== undefined) res.set(k, v);
  return res;
}

const near = (a: number | undefined, b: number, eps = 1e-6) => a !== undefined && Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));

/** Both standard parallels of a conic projection, in either order (ESRI and GDAL .prj files differ). */
const parallels = (p: Map<string, number>, a: number, b: number) =>
  (near(p.get('sp1'), a) && near(p.get('sp2'), b)) || (near(p.get('sp1'), b) && near(p.get('sp2'), a));

/** UTM zone CRSs of the French overseas territories, by datum, zone and hemisphere. */
const OVERSEAS_UTM: Record<string, number> = {
  'rgaf09:20N': 5490,
  'rraf91:20N': 4559,
  'rgfg95:22N': 2972,
  'rgr92:40S': 2975,
  'rgm04:38S': 4471,
  'rgspm06:21N': 4467,
};

/** The EPSG code of a .prj / WKT text when it is one Terroir recognises without the database. */
export function sridFromWkt(wkt: string): number | undefined {
  let root: WktNode;
  try {
    root = parseWkt(wkt);
  } catch {
    return undefined;
  }
  const top = epsgOf(root);
  if (top) return top;
  const isProj = ['PROJCS', 'PROJCRS', 'PROJECTEDCRS'].includes(root.key);
  const geog = isProj ? child(root, 'GEOGCS', 'BASEGEOGCRS', 'BASEGEODCRS', 'GEOGCRS') : root;
  const datum = datumOf(geog);
  if (!isProj) {
    if (!['GEOGCS', 'GEOGCRS', 'GEODCRS', 'GEOGRAPHICCRS'].includes(root.key)) return undefined;
    // Each datum's 2D geographic CRS (RGFG95: 4624, as GDAL writes it; 7041 is its lon-lat variant).
    return ({ wgs84: 4326, rgf93: 4171, etrs89: 4258, rgaf09: 5489, rgfg95: 4624, rgr92: 4627, rgm04: 4470 } as Record<string, number>)[datum];
  }
  const name = norm(nameOf(root));
  const method = norm(nameOf(child(root, 'PROJECTION')) + nameOf(child(child(root, 'CONVERSION') ?? root, 'METHOD')));
  const p = params(root);
  const geoDatum = datum === 'rgf93' || datum === 'etrs89' || datum === 'wgs84';
  // Lambert-93 by name, then by its parameters (RGF93 / GRS80 family).
  if (/lambert93/.test(name) && (datum === 'rgf93' || datum === 'other')) return 2154;
  if (/lambert/.test(method) && geoDatum && near(p.get('lat0'), 46.5) && near(p.get('lon0'), 3) && near(p.get('fe'), 700000) && near(p.get('fn'), 6600000) && parallels(p, 44, 49))
    return 2154;
  // CC42…CC50: conic conformal zones of RGF93.
  const lat0 = p.get('lat0');
  if (/lambert/.test(method) && datum === 'rgf93' && lat0 !== undefined && Number.isInteger(lat0) && lat0 >= 42 && lat0 <= 50 && near(p.get('fe'), 1700000) && near(p.get('fn'), (lat0 - 41) * 1e6 + 200000) && parallels(p, lat0 - 0.75, lat0 + 0.75))
    return 3942 + (lat0 - 42);
  // UTM: by name (`RGAF09_UTM_Zone_20N`, `RGR92 / UTM zone 40S`), then by parameters.
  let zone: string | undefined;
  const byName = /utm(?:zone)?(\d{1,2})([ns])/.exec(name);
  if (byName) zone = `${Number(byName[1])}${byName[2].toUpperCase()}`;
  else if (/transversemercator/.test(method) && near(p.get('k'), 0.9996) && near(p.get('fe'), 500000)) {
    const lon0 = p.get('lon0');
    const fn = p.get('fn');
    if (lon0 !== undefined && (lon0 + 183) % 6 === 0 && (near(fn, 0) || near(fn, 10000000))) zone = `${(lon0 + 183) / 6}${near(fn, 0) ? 'N' : 'S'}`;
  }
  if (zone) {
    const overseas = OVERSEAS_UTM[`${datum}:${zone}`];
    if (overseas) return overseas;
    const z = Number.parseInt(zone, 10);
    // Zones run 1–60: EPSG:32661 and 32761 are the polar UPS projections, 32600 and 32700 do not exist.
    if (datum === 'wgs84' && z >= 1 && z <= 60) return (zone.endsWith('N') ? 32600 : 32700) + z;
    if (datum === 'etrs89' && zone.endsWith('N') && z >= 28 && z <= 38) return 25800 + z;
  }
  return undefined;
}

/**
 * sridFromWkt, then PostGIS: a spatial_ref_sys entry whose name matches the WKT's CRS name once
 * punctuation is ignored (GDAL-written WKT without AUTHORITY carries EPSG's names).
 */
export async function resolveWktSrid(db: Queryable, wkt: string): Promise<number | undefined> {
  const known = sridFromWkt(wkt);
  if (known) return known;
  let name: string;
  try {
    name = norm(nameOf(parseWkt(wkt)));
  } catch {
    return undefined;
  }
  if (!name) return undefined;
  const rows = await db.query<{ srid: number; name: string }>(
    `SELECT srid, substring(srtext from '^[A-Z]+\\["([^"]+)"') AS name FROM spatial_ref_sys WHERE auth_name = 'EPSG'`,
  );
  return rows.find((r) => r.name && norm(r.name) === name)?.srid;
}

/** A GeoJSON `crs` member (2008 spec: named URN / `EPSG:n`, or the older {type: 'EPSG'} form). */
export function sridFromGeojsonCrs(crs: unknown): number | undefined {
  if (crs === undefined || crs === null) return 4326;
  if (typeof crs !== 'object') return undefined;
  const c = crs as { type?: string; properties?: { name?: unknown; code?: unknown } };
  if (c.type?.toUpperCase() === 'EPSG' && Number.isInteger(Number(c.properties?.code))) return Number(c.properties!.code);
  const name = String(c.properties?.name ?? '');
  if (/CRS:?84$|CRS84$/i.test(name)) return 4326;
  const m = /^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:+|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[\d.]+\/)(\d+)$/i.exec(name.trim());
  return m ? Number(m[1]) : undefined;
}
