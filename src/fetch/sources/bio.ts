/**
 * RPG bio, "Parcelles en Agriculture Biologique (AB) déclarées à la PAC" (Agence BIO / ASP, Licence
 * Ouverte 2.0): data.gouv.fr dataset 616d6531c2951bbe8bd97771, one resource per campaign and extent
 * (national, or a région: `rpg-bio-2020-r53.shp.zip`, `.geojson.gz`; 2021 national also as
 * `.geojson.zip`), each with data.gouv.fr's sha1. Read through the data.gouv.fr API (anonymous), as
 * the INAO source is; the chosen file is imported as `bio.parcelle` with the campaign and extent.
 */
import { SelectorError, UnexpectedAnswerError } from '../errors.ts';
import { getJson, joinUrl } from '../http.ts';
import { DATA_GOUV_BASE, resourceChecksum, resourceFileName, type DataGouvResource } from './inao.ts';
import type { FetchSource } from './types.ts';

export const BIO_DATASET = '616d6531c2951bbe8bd97771';
const FILE_RE = /rpg-bio-(\d{4})-(national|r\d{2})\.(shp\.zip|geojson\.gz|geojson\.zip)$/i;

export function bioDatasetUrl(base: string): string {
  return joinUrl(base, `api/1/datasets/${BIO_DATASET}/`);
}

export interface BioFile {
  resource: DataGouvResource;
  millesime: number;
  /** `national` or `r53`. */
  extent: string;
  format: 'shp' | 'geojson';
}

export function bioFiles(resources: DataGouvResource[]): BioFile[] {
  const out: BioFile[] = [];
  for (const r of resources) {
    const m = FILE_RE.exec(decodeURIComponent(r.url.split('?')[0]));
    if (m) out.push({ resource: r, millesime: Number(m[1]), extent: m[2].toLowerCase(), format: m[3].toLowerCase().startsWith('shp') ? 'shp' : 'geojson' });
  }
  return out;
}

/** `national` (default), `R53`, `53` or `r53`. */
export function bioExtent(selector: string | undefined): string {
  if (selector === undefined || /^(national|france)$/i.test(selector)) return 'national';
  const m = /^r?(\d{2})$/i.exec(selector.trim());
  if (!m) throw new SelectorError(`bio: ${JSON.stringify(selector)} is not an extent: national, or a région code such as 53 or R53`);
  return `r${m[1]}`;
}

/** The file for an extent, campaign (default: the latest published for that extent) and format (default shapefile). */
export function pickBioFile(files: BioFile[], extent: string, millesime?: number, format: 'shp' | 'geojson' = 'shp'): BioFile {
  const here = files.filter((f) => f.extent === extent);
  if (!here.length) throw new SelectorError(`bio: no file for ${extent}; extents: ${[...new Set(files.map((f) => f.extent))].sort().join(', ')}`);
  const years = [...new Set(here.map((f) => f.millesime))].sort((a, b) => b - a);
  const year = millesime ?? years[0];
  const hit = here.find((f) => f.millesime === year && f.format === format) ?? here.find((f) => f.millesime === year);
  if (!hit) throw new SelectorError(`bio: no ${extent} file for campaign ${year}; campaigns: ${years.join(', ')}`);
  return hit;
}

export const bioSource: FetchSource = {
  name: 'bio',
  aliases: ['rpg-bio', 'cartobio'],
  summary: 'RPG bio: organic parcels declared to the CAP (Agence BIO, data.gouv.fr; shapefile or GeoJSON, national or per région)',
  usage: 'bio [national|<région code>] [--millesime YYYY] [--format shp|geojson]',
  defaultBaseUrl: DATA_GOUV_BASE,
  async plan(selectors, ctx) {
    if (selectors.length > 1) throw new SelectorError('bio takes one selector: national, or a région code');
    const extent = bioExtent(selectors[0]);
    const millesime = ctx.flags.millesime === undefined ? undefined : Number(ctx.flags.millesime);
    if (millesime !== undefined && !Number.isInteger(millesime)) throw new SelectorError(`bio: --millesime ${ctx.flags.millesime} is not a year`);
    const format = ctx.flags.format === undefined ? 'shp' : ctx.flags.format.toLowerCase();
    if (format !== 'shp' && format !== 'geojson') throw new SelectorError(`bio: --format ${ctx.flags.format}: shp or geojson`);
    const api = bioDatasetUrl(ctx.baseUrl);
    const dataset = await getJson<{ resources?: DataGouvResource[] }>(api, ctx.http);
    if (!Array.isArray(dataset.resources)) throw new UnexpectedAnswerError(`${api} answered without a resources list`);
    const f = pickBioFile(bioFiles(dataset.resources), extent, millesime, format);
    if (f.format !== format) ctx.note(`bio: campaign ${f.millesime} ${extent} is published as ${f.format} only`);
    const published = resourceChecksum(f.resource, api);
    const fileName = resourceFileName(f.resource);
    return {
      title: `RPG bio ${f.millesime} ${extent} (${fileName})`,
      subdir: 'bio',
      downloads: [{ url: f.resource.url, fileName, ...(published ? { published } : {}) }],
      importSteps(files) {
        return [{ layer: 'bio.parcelle', files: [files.paths.get(fileName)!], annee: f.millesime, options: { extent: `${extent === 'national' ? 'national' : extent.toUpperCase()}` } }];
      },
    };
  },
};
