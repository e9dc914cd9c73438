/**
 * ADMIN EXPRESS (IGN, Licence Ouverte 2.0): communes, départements, régions, EPCI contours, as one
 * 7z per edition on the Géoplateforme download service. Three products:
 *   cog        ADMIN-EXPRESS-COG        aligned on INSEE's Code officiel géographique of the year (default)
 *   cog-carto  ADMIN-EXPRESS-COG-CARTO  the same, generalised for small-scale maps
 *   express    ADMIN-EXPRESS            updated monthly
 * Sub-resource names: {PRODUCT}_{v}__{FORMAT}_{CRS}_{zone}_{date}, e.g.
 * ADMIN-EXPRESS-COG_3-2__SHP_WGS84G_FRA_2024-02-22 or ADMIN-EXPRESS-COG_4-0__GPKG_WGS84G_FRA_2025-01-01.
 * The version and the day are not predictable, so the edition is always chosen from the listing.
 */
import { SelectorError, UnexpectedAnswerError } from '../errors.ts';
import { findFiles } from '../files.ts';
import { archiveFiles, GEOPLATEFORME_BASE, listFiles, listSubResources, publishedChecksums } from '../geoplateforme.ts';
import type { FetchSource, ImportStep } from './types.ts';

export const ADMIN_EXPRESS_PRODUCTS = {
  cog: 'ADMIN-EXPRESS-COG',
  'cog-carto': 'ADMIN-EXPRESS-COG-CARTO',
  express: 'ADMIN-EXPRESS',
} as const;
export type AdminExpressVariant = keyof typeof ADMIN_EXPRESS_PRODUCTS;

export interface AdminExpressSelection {
  variant: AdminExpressVariant;
  resource: string;
  edition: 'latest' | string;
  format: string;
  zone: string;
}

export function parseAdminExpressSelectors(selectors: string[], flags: { edition?: string; format?: string; zone?: string }): AdminExpressSelection {
  if (selectors.length > 1) throw new SelectorError('admin-express takes one selector, the product: cog (default), cog-carto or express');
  const variant = (selectors[0]?.toLowerCase() ?? 'cog') as AdminExpressVariant;
  if (!(variant in ADMIN_EXPRESS_PRODUCTS)) throw new SelectorError(`admin-express: unknown product "${selectors[0]}"; products: ${Object.keys(ADMIN_EXPRESS_PRODUCTS).join(', ')}`);
  const edition = flags.edition ?? 'latest';
  if (edition !== 'latest' && !/^\d{4}-\d{2}-\d{2}$/.test(edition)) throw new SelectorError(`--edition must be "latest" or a date YYYY-MM-DD, got "${edition}"`);
  const format = (flags.format ?? 'SHP').toUpperCase();
  if (!/^[A-Z0-9]+$/.test(format)) throw new SelectorError(`--format must be a Géoplateforme format code (SHP, GPKG), got "${flags.format}"`);
  const zone = (flags.zone ?? 'FRA').toUpperCase();
  if (!/^[A-Z0-9]+$/.test(zone)) throw new SelectorError(`--zone must be a Géoplateforme zone code (FRA, FXX, GLP, MTQ, GUF, REU, MYT), got "${flags.zone}"`);
  return { variant, resource: ADMIN_EXPRESS_PRODUCTS[variant], edition, format, zone };
}

export interface AdminExpressEdition {
  sub: string;
  version: string;
  format: string;
  crs: string;
  zone: string;
  date: string;
}

export function parseAdminExpressTitle(resource: string, title: string): AdminExpressEdition | undefined {
  const m = new RegExp(`^${resource}_(\\d+-\\d+)__([A-Z0-9]+)_([A-Z0-9]+)_([A-Z0-9]+)_(\\d{4}-\\d{2}-\\d{2})$`).exec(title);
  return m ? { sub: title, version: m[1], format: m[2], crs: m[3], zone: m[4], date: m[5] } : undefined;
}

/** Geographic coordinates first (the service stores WGS84), then Lambert-93, then the others. */
const CRS_PREFERENCE = ['WGS84G', 'LAMB93'];

/** The edition to download among the listed sub-resource names, and newer editions only published in other formats. */
export function pickAdminExpressEdition(sel: AdminExpressSelection, titles: string[]): { chosen?: AdminExpressEdition; newerElsewhere: AdminExpressEdition[] } {
  const all = titles.map((t) => parseAdminExpressTitle(sel.resource, t)).filter((e): e is AdminExpressEdition => Boolean(e) && e!.zone === sel.zone);
  const rank = (e: AdminExpressEdition) => {
    const i = CRS_PREFERENCE.indexOf(e.crs);
    return i < 0 ? CRS_PREFERENCE.length : i;
  };
  const candidates = all
    .filter((e) => e.format === sel.format && (sel.edition === 'latest' || e.date === sel.edition))
    .sort((a, b) => b.date.localeCompare(a.date) || rank(a) - rank(b) || b.version.localeCompare(a.version));
  const chosen = candidates[0];
  const newerElsewhere = chosen ? all.filter((e) => e.format !== sel.format && e.date > chosen.date) : [];
  return { chosen, newerElsewhere };
}

/** Shapefiles of an edition and the administrative level whose contours they give. */
const SHAPEFILE_LAYERS: [RegExp, 'commune' | 'epci' | 'departement' | 'region'][] = [
  [/^COMMUNE\.shp$/i, 'commune'],
  [/^EPCI\.shp$/i, 'epci'],
  [/^DEPARTEMENT\.shp$/i, 'departement'],
  [/^REGION\.shp$/i, 'region'],
];

export const adminExpressSource: FetchSource = {
  name: 'admin-express',
  aliases: ['adminexpress', 'admin-express-cog'],
  summary: 'ADMIN EXPRESS administrative contours (IGN Géoplateforme, 7z)',
  usage: 'admin-express [cog|cog-carto|express] [--edition latest|YYYY-MM-DD] [--format SHP|GPKG] [--zone FRA|FXX|…]',
  defaultBaseUrl: GEOPLATEFORME_BASE,
  async plan(selectors, ctx) {
    const sel = parseAdminExpressSelectors(selectors, ctx.flags);
    const titles = (await listSubResources(ctx.baseUrl, sel.resource, ctx.http)).map((e) => e.title);
    const { chosen, newerElsewhere } = pickAdminExpressEdition(sel, titles);
    if (!chosen) {
      throw new UnexpectedAnswerError(
        `no ${sel.resource} edition ${sel.edition} in format ${sel.format} for zone ${sel.zone} is listed at ${ctx.baseUrl}/resource/${sel.resource}` +
          (titles.length ? ` (${titles.length} editions listed, e.g. ${titles.slice(0, 3).join(', ')})` : ''),
      );
    }
    if (newerElsewhere.length) {
      const fmts = [...new Set(newerElsewhere.map((e) => `${e.date} in ${e.format}`))].join(', ');
      ctx.note(`admin-express: ${chosen.sub} is the latest ${sel.format} edition; newer editions exist: ${fmts} (--format)`);
    }
    const files = await listFiles(ctx.baseUrl, sel.resource, chosen.sub, ctx.http);
    if (!files) throw new UnexpectedAnswerError(`${ctx.baseUrl}/resource/${sel.resource}/${chosen.sub} is listed but not found`);
    const archives = archiveFiles(files);
    if (!archives.length) throw new UnexpectedAnswerError(`no archive in ${ctx.baseUrl}/resource/${sel.resource}/${chosen.sub}`);
    const sums = await publishedChecksums(files, archives, ctx.http);
    if (!sums.size) ctx.note(`admin-express: no .md5/.sha256 published beside ${chosen.sub}; the sha256 in the manifest is the only reference`);
    return {
      title: `${sel.resource} ${chosen.date} (${chosen.format}, ${chosen.crs}, ${chosen.zone})`,
      subdir: `admin-express/${sel.resource}`,
      downloads: archives.map((a) => ({ url: a.url, fileName: a.name, ...(sums.has(a.name) ? { published: sums.get(a.name)! } : {}) })),
      archive: { fileName: archives[0].name, into: chosen.sub },
      importSteps(f) {
        const steps: ImportStep[] = [];
        const options = { edition: chosen.sub, date: chosen.date };
        for (const [re, level] of SHAPEFILE_LAYERS) {
          const layer = `limites-administratives.${level}`;
          if (f.extractedDir) {
            const found = findFiles(f.extractedDir, re);
            if (found.length) steps.push({ layer, files: [found[0]], via: 'contours', level, options });
          } else if (chosen.format === 'SHP') {
            const name = re.source.replace(/^\^|\\|\$$/g, '');
            steps.push({ layer, files: [`<${chosen.sub}>/…/${name} (extract ${archives[0].name} first)`], via: 'contours', level, options });
          }
        }
        return steps;
      },
    };
  },
};
