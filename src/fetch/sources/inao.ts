/**
 * INAO "Délimitation parcellaire des AOC viticoles" (producer INAO, Licence Ouverte 2.0), a
 * data.gouv.fr dataset whose resources are dated zipped shapefiles
 * (e.g. 2026-09-21-delim-parcellaire-aoc-shp.zip on static.data.gouv.fr). The dataset is read through
 * the data.gouv.fr API (anonymous):
 *   {base}/api/1/datasets/delimitation-parcellaire-des-aoc-viticoles-de-linao/
 * which lists each resource with its URL, size, last modification and checksum (data.gouv.fr computes
 * one per uploaded file, usually sha1): that checksum verifies the download.
 */
import type { HashAlgorithm, PublishedChecksum } from '../checksum.ts';
import { SelectorError, UnexpectedAnswerError } from '../errors.ts';
import { getJson, joinUrl } from '../http.ts';
import type { FetchSource } from './types.ts';

export const DATA_GOUV_BASE = 'https://www.data.gouv.fr';
export const INAO_DATASET = 'delimitation-parcellaire-des-aoc-viticoles-de-linao';

export function inaoDatasetUrl(base: string): string {
  return joinUrl(base, `api/1/datasets/${INAO_DATASET}/`);
}

/** The part of a data.gouv.fr resource this source reads. */
export interface DataGouvResource {
  id: string;
  title?: string;
  url: string;
  format?: string;
  filesize?: number;
  last_modified?: string;
  created_at?: string;
  checksum?: { type?: string; value?: string } | null;
}

const isZip = (r: DataGouvResource) => /zip/i.test(r.format ?? '') || /\.zip(\?|$)/i.test(r.url);
const isShp = (r: DataGouvResource) => /shp|shape/i.test(`${r.title ?? ''} ${r.url} ${r.format ?? ''}`);

/**
 * The resource to download: the one named by --resource (id, or a substring of its title or file
 * name), else the most recent zipped shapefile of the parcel delimitation.
 */
export function pickInaoResource(resources: DataGouvResource[], wanted?: string): DataGouvResource {
  if (wanted) {
    const w = wanted.toLowerCase();
    const hit = resources.find((r) => r.id === wanted) ?? resources.find((r) => `${r.title ?? ''} ${r.url}`.toLowerCase().includes(w));
    if (!hit) throw new SelectorError(`inao: no resource "${wanted}" in the dataset; resources: ${resources.map((r) => r.title ?? r.id).join(', ')}`);
    return hit;
  }
  const date = (r: DataGouvResource) => r.last_modified ?? r.created_at ?? '';
  const zips = resources.filter(isZip).sort((a, b) => Number(isShp(b)) - Number(isShp(a)) || date(b).localeCompare(date(a)));
  if (!zips.length) throw new UnexpectedAnswerError(`inao: the dataset lists no zip resource (${resources.map((r) => r.title ?? r.url).join(', ') || 'none'})`);
  return zips[0];
}

/** data.gouv.fr's checksum of a resource, when it is of an algorithm we can compute. */
export function resourceChecksum(r: DataGouvResource, from: string): PublishedChecksum | undefined {
  const type = r.checksum?.type?.toLowerCase();
  const value = r.checksum?.value?.toLowerCase();
  if (!type || !value || !['md5', 'sha1', 'sha256'].includes(type)) return undefined;
  return { algorithm: type as HashAlgorithm, value, from };
}

export function resourceFileName(r: DataGouvResource): string {
  const last = decodeURIComponent(new URL(r.url).pathname.split('/').pop() ?? '');
  return /^[\w.@+-]+$/.test(last) && last !== '' ? last : `inao-${r.id}.zip`;
}

export const inaoSource: FetchSource = {
  name: 'inao',
  aliases: ['aoc'],
  summary: "INAO parcel delimitation of the wine AOCs (data.gouv.fr, zipped shapefile)",
  usage: 'inao [--resource <id|title>]',
  defaultBaseUrl: DATA_GOUV_BASE,
  async plan(selectors, ctx) {
    if (selectors.length) throw new SelectorError('inao takes no selector (choose a resource with --resource)');
    const api = inaoDatasetUrl(ctx.baseUrl);
    const dataset = await getJson<{ resources?: DataGouvResource[]; title?: string }>(api, ctx.http);
    if (!Array.isArray(dataset.resources)) throw new UnexpectedAnswerError(`${api} answered without a resources list`);
    const r = pickInaoResource(dataset.resources, ctx.flags.resource);
    const published = resourceChecksum(r, api);
    if (!published) ctx.note(`inao: data.gouv.fr gives no usable checksum for ${r.title ?? r.id}; the sha256 in the manifest is the only reference`);
    const fileName = resourceFileName(r);
    return {
      title: `INAO AOC viticoles: ${r.title ?? fileName}${r.last_modified ? ` (updated ${r.last_modified.slice(0, 10)})` : ''}`,
      subdir: 'inao',
      downloads: [{ url: r.url, fileName, ...(published ? { published } : {}) }],
      importSteps(f) {
        return [{ layer: 'aoc.appellation-viticole', files: [f.paths.get(fileName)!] }];
      },
    };
  },
};
