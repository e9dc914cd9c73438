import type { FeaturePage } from '../features/query.ts';

export interface Link {
  href: string;
  rel: 'next' | 'prev' | 'self';
  type: string;
  title?: string;
}

const CRS_4326 = '{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4326"}}';

/** `url` with `_start` set to `start`: the paging links clients follow. */
export function withStart(url: URL, start: number): string {
  const u = new URL(url);
  u.searchParams.set('_start', String(start));
  return u.toString();
}

export function pagingLinks(url: URL, start: number, returned: number, matched: number, limit: number): Link[] {
  const links: Link[] = [];
  if (start + returned < matched) links.push({ href: withStart(url, start + limit), rel: 'next', type: 'application/json', title: 'next page' });
  if (start > 0) links.push({ href: withStart(url, Math.max(0, start - limit)), rel: 'prev', type: 'application/json', title: 'previous page' });
  return links;
}

/**
 * The GeoServer-shaped envelope API Carto clients read (reference §4.4): keys in the reference's
 * order, `crs` null and no `bbox` when empty, plus paging links. Features are spliced in as the text
 * PostGIS produced.
 */
export function featureCollection(page: FeaturePage, links: Link[], extra: Record<string, unknown> = {}): string {
  const n = page.features.length;
  let out = `{"type":"FeatureCollection","features":[${page.features.join(',')}]`;
  out += `,"totalFeatures":${page.matched},"numberMatched":${page.matched},"numberReturned":${n}`;
  out += `,"timeStamp":${JSON.stringify(new Date().toISOString())}`;
  out += `,"crs":${n ? CRS_4326 : 'null'}`;
  if (page.bbox) out += `,"bbox":${JSON.stringify(page.bbox)}`;
  if (links.length) out += `,"links":${JSON.stringify(links)}`;
  for (const [k, v] of Object.entries(extra)) out += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  return out + '}';
}
