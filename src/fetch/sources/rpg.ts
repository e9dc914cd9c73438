/**
 * RPG (Registre parcellaire graphique, level 1 anonymous, ASP via IGN, Licence Ouverte 2.0), one
 * 7z archive per région and campaign on the Géoplateforme download service:
 *   {base}/download/RPG/RPG_{v}__{FORMAT}_{CRS}_{zone}_{year}-01-01/RPG_{v}__{FORMAT}_{CRS}_{zone}_{year}-01-01.7z
 * e.g. RPG_2-0__SHP_LAMB93_R84_2021-01-01 (2015-2022 are version 2-0) and
 * RPG_2-2__SHP_LAMB93_R75_2023-01-01 (2023 on: 2-2). Large archives come in volumes (.7z.001…).
 * The conventional name is tried first; when the Géoplateforme does not know it (another version or
 * date in the name), the RPG resource listing is searched for the région and campaign.
 */
import { SelectorError, UnexpectedAnswerError } from '../errors.ts';
import { archiveFiles, downloadUrl, GEOPLATEFORME_BASE, listFiles, listSubResources, publishedChecksums, type GeoplateformeFile } from '../geoplateforme.ts';
import { findFiles } from '../files.ts';
import type { FetchSource, ImportStep } from './types.ts';

export const RPG_RESOURCE = 'RPG';

/** Régions (2016 codes) with the CRS token of their IGN file names. */
export const RPG_ZONES: Record<string, { name: string; crs: string }> = {
  R11: { name: 'Île-de-France', crs: 'LAMB93' },
  R24: { name: 'Centre-Val de Loire', crs: 'LAMB93' },
  R27: { name: 'Bourgogne-Franche-Comté', crs: 'LAMB93' },
  R28: { name: 'Normandie', crs: 'LAMB93' },
  R32: { name: 'Hauts-de-France', crs: 'LAMB93' },
  R44: { name: 'Grand Est', crs: 'LAMB93' },
  R52: { name: 'Pays de la Loire', crs: 'LAMB93' },
  R53: { name: 'Bretagne', crs: 'LAMB93' },
  R75: { name: 'Nouvelle-Aquitaine', crs: 'LAMB93' },
  R76: { name: 'Occitanie', crs: 'LAMB93' },
  R84: { name: 'Auvergne-Rhône-Alpes', crs: 'LAMB93' },
  R93: { name: "Provence-Alpes-Côte d'Azur", crs: 'LAMB93' },
  R94: { name: 'Corse', crs: 'LAMB93' },
  R01: { name: 'Guadeloupe', crs: 'UTM20W84GUAD' },
  R02: { name: 'Martinique', crs: 'UTM20W84MART' },
  R03: { name: 'Guyane', crs: 'UTM22RGFG95' },
  R04: { name: 'La Réunion', crs: 'RGR92UTM40S' },
  R06: { name: 'Mayotte', crs: 'RGM04UTM38S' },
  FXX: { name: 'France métropolitaine', crs: 'LAMB93' },
};

/** First campaign of the anonymous parcel layer (PARCELLES_GRAPHIQUES). */
export const RPG_FIRST_YEAR = 2015;

export interface RpgSelection {
  zone: string;
  year: number;
  format: 'SHP' | 'GPKG';
}

export function parseRpgSelectors(selectors: string[], format = 'SHP', now = new Date()): RpgSelection {
  if (selectors.length !== 2) throw new SelectorError('rpg needs a région and a campaign year, e.g. `rpg R52 2023` (or `rpg 52 2023`)');
  let [a, b] = selectors;
  if (/^\d{4}$/.test(a) && !/^\d{4}$/.test(b)) [a, b] = [b, a];
  const zone = /^\d{2}$/.test(a) ? `R${a}` : a.toUpperCase();
  if (!RPG_ZONES[zone]) throw new SelectorError(`rpg: unknown région "${a}"; régions: ${Object.keys(RPG_ZONES).join(', ')}`);
  const year = Number(b);
  const last = now.getUTCFullYear();
  if (!/^\d{4}$/.test(b) || year < RPG_FIRST_YEAR || year > last) {
    throw new SelectorError(`rpg: campaign year must be between ${RPG_FIRST_YEAR} and ${last}, got "${b}"`);
  }
  const f = format.toUpperCase();
  if (f !== 'SHP' && f !== 'GPKG') throw new SelectorError(`rpg: --format must be SHP or GPKG, got "${format}"`);
  return { zone, year, format: f };
}

/** The IGN edition version of a campaign's files: 2-0 up to 2022, 2-2 from 2023. */
export function rpgVersion(year: number): string {
  return year >= 2023 ? '2-2' : '2-0';
}

/** The conventional sub-resource name, e.g. RPG_2-2__SHP_LAMB93_R75_2023-01-01. */
export function rpgSubResource(sel: RpgSelection): string {
  return `RPG_${rpgVersion(sel.year)}__${sel.format}_${RPG_ZONES[sel.zone].crs}_${sel.zone}_${sel.year}-01-01`;
}

/** The download URL of the single-archive edition (what the producer's pages link to). */
export function rpgArchiveUrl(base: string, sel: RpgSelection): string {
  const sub = rpgSubResource(sel);
  return downloadUrl(base, RPG_RESOURCE, sub, `${sub}.7z`);
}

/** Matches any sub-resource name of that région, campaign and format, whatever its version, CRS or day. */
export function rpgTitlePattern(sel: RpgSelection): RegExp {
  return new RegExp(`^RPG_\\d+-\\d+__${sel.format}_[A-Z0-9]+_${sel.zone}_${sel.year}-\\d{2}-\\d{2}$`);
}

export const rpgSource: FetchSource = {
  name: 'rpg',
  summary: 'RPG anonymous parcels per région and campaign (IGN Géoplateforme, 7z)',
  usage: 'rpg <région R11…R94|R01…R06|FXX> <year> [--format SHP|GPKG]',
  defaultBaseUrl: GEOPLATEFORME_BASE,
  async plan(selectors, ctx) {
    const sel = parseRpgSelectors(selectors, ctx.flags.format ?? 'SHP');
    let sub = rpgSubResource(sel);
    let files = await listFiles(ctx.baseUrl, RPG_RESOURCE, sub, ctx.http);
    if (!files) {
      const re = rpgTitlePattern(sel);
      const found = (await listSubResources(ctx.baseUrl, RPG_RESOURCE, ctx.http, (page) => page.some((e) => re.test(e.title))))
        .filter((e) => re.test(e.title))
        .sort((x, y) => y.title.localeCompare(x.title));
      if (!found.length) {
        throw new UnexpectedAnswerError(
          `the Géoplateforme publishes no RPG ${sel.format} edition for ${sel.zone} (${RPG_ZONES[sel.zone].name}) ${sel.year}: ` +
            `neither ${sub} nor a name matching ${re.source} is listed in ${ctx.baseUrl}/resource/${RPG_RESOURCE}`,
        );
      }
      ctx.note(`rpg: ${sub} is not published; using ${found[0].title}`);
      sub = found[0].title;
      files = await listFiles(ctx.baseUrl, RPG_RESOURCE, sub, ctx.http);
      if (!files) throw new UnexpectedAnswerError(`the RPG listing names ${sub} but ${ctx.baseUrl}/resource/${RPG_RESOURCE}/${sub} is not found`);
    }
    const archives = archiveFiles(files);
    if (!archives.length) throw new UnexpectedAnswerError(`no .7z archive in ${ctx.baseUrl}/resource/${RPG_RESOURCE}/${sub} (files: ${files.map((f) => f.name).join(', ') || 'none'})`);
    const sums = await publishedChecksums(files, archives, ctx.http);
    if (!sums.size) ctx.note(`rpg: no .md5/.sha256 published beside ${sub}; the sha256 in the manifest is the only reference`);
    return {
      title: `RPG ${sel.year} ${sel.zone} (${RPG_ZONES[sel.zone].name}), ${sub}`,
      subdir: `rpg/${sel.year}/${sel.zone}`,
      downloads: archives.map((a: GeoplateformeFile) => ({ url: a.url, fileName: a.name, ...(sums.has(a.name) ? { published: sums.get(a.name)! } : {}) })),
      archive: { fileName: archives[0].name, into: sub },
      importSteps(f) {
        const step: ImportStep = {
          layer: 'rpg.parcelle',
          files: f.extractedDir
            ? findFiles(f.extractedDir, /^PARCELLES_GRAPHIQUES\.(shp|gpkg)$/i)
            : [`<${sub}>/…/PARCELLES_GRAPHIQUES.${sel.format === 'GPKG' ? 'gpkg' : 'shp'} (extract ${archives[0].name} first)`],
          annee: sel.year,
          options: sel.zone === 'FXX' ? {} : { region: sel.zone },
        };
        return [step];
      },
    };
  },
};
