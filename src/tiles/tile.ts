/**
 * Tile addressing (WebMercatorQuad, OGC 17-083r4 Annex D; the XYZ scheme MapLibre uses) and what
 * each layer's tiles hold: a minimum zoom (no tile of parcels over a whole département), a cap on
 * features per tile, and the encoding constants both backends share.
 */
import { invalidParam } from '../http/problems.ts';

export const EXTENT = 4096;
export const BUFFER = 64;
export const MAX_ZOOM = 22;
/** Features per tile at most: a tile is for drawing, the items route for reading everything. */
export const FEATURE_CAP = 20_000;

export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

/** z/x/y from path segments (names as the route calls them), each a 400 naming it when out of range. */
export function tileAddress(raw: { z: string; x: string; y: string }, names: { z: string; x: string; y: string }): TileAddress {
  const int = (name: string, s: string, max: number) => {
    if (!/^\d{1,8}$/.test(s)) throw invalidParam(name, 'a non-negative integer', 'params', s);
    const n = Number(s);
    if (n > max) throw invalidParam(name, `at most ${max} at this zoom`, 'params', s);
    return n;
  };
  const z = int(names.z, raw.z, MAX_ZOOM);
  const last = 2 ** z - 1;
  return { z, x: int(names.x, raw.x, last), y: int(names.y, raw.y, last) };
}

/** The tile's bounds in WGS84 lon/lat, widened by the buffer (what the query selects). */
export function tileBounds({ z, x, y }: TileAddress, buffer = BUFFER / EXTENT): [number, number, number, number] {
  const n = 2 ** z;
  const lon = (xx: number) => (xx / n) * 360 - 180;
  const lat = (yy: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * yy) / n))) * 180) / Math.PI;
  const clampLat = (v: number) => Math.max(-85.0511287798066, Math.min(85.0511287798066, v));
  return [Math.max(-180, lon(x - buffer)), clampLat(lat(y + 1 + buffer)), Math.min(180, lon(x + 1 + buffer)), clampLat(lat(y - buffer))];
}
