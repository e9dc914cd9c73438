/**
 * Etalab cadastre (DGFiP PCI vecteur, redistributed by Etalab as GeoJSON, Licence Ouverte 2.0):
 *   {base}/data/etalab-cadastre/{millésime}/geojson/communes/{dep}/{insee}/cadastre-{insee}-{layer}.json.gz
 *   {base}/data/etalab-cadastre/{millésime}/geojson/departements/{dep}/cadastre-{dep}-{layer}.json.gz
 * millésime: `latest` or a publication date (YYYY-MM-DD, e.g. 2025-04-01). Static files (ETag,
 * Last-Modified, Range); no published checksum, so the manifest's sha256 is the reference.
 */
import { SelectorError } from '../errors.ts';
import { joinUrl } from '../http.ts';
import type { FetchSource, ImportStep, PlannedDownload } from './types.ts';

export const CADASTRE_BASE = 'https://cadastre.data.gouv.fr';

/** Every layer Etalab publishes per commune and département. */
export const CADASTRE_LAYERS = [
  'parcelles',
  'sections',
  'feuilles',
  'communes',
  'lieux_dits',
  'batiments',
  'prefixes_sections',
  'subdivisions_fiscales',
] as const;
export type CadastreLayer = (typeof CADASTRE_LAYERS)[number];

/** What `terroir fetch cadastre <code>` downloads without layer names. */
export const DEFAULT_CADASTRE_LAYERS: CadastreLayer[] = ['parcelles', 'sections', 'feuilles', 'communes', 'lieux_dits'];

/**
 * Import target of each Etalab layer (src/modules/cadastre/import.ts), in load order: communes and
 * feuilles before parcelles, so that loading the parcels finds them instead of deriving them.
 * Sections, lieux-dits, bâtiments… have no import target: they are downloaded only.
 */
const IMPORT_LAYER: [CadastreLayer, string][] = [
  ['communes', 'cadastre.commune'],
  ['feuilles', 'cadastre.feuille'],
  ['parcelles', 'cadastre.parcelle'],
];

export interface CadastreSelection {
  kind: 'commune' | 'departement';
  code: string;
  dep: string;
  layers: CadastreLayer[];
  millesime: string;
}

const COMMUNE_RE = /^(?:\d{5}|2[AB]\d{3})$/;
const DEP_RE = /^(?:0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-6])$/;

export function parseCadastreSelectors(selectors: string[], millesime = 'latest'): CadastreSelection {
  const [rawCode, ...rawLayers] = selectors;
  if (!rawCode) throw new SelectorError('cadastre needs a commune INSEE code (72187) or a département (72, 2A, 974)');
  const code = rawCode.toUpperCase();
  let kind: CadastreSelection['kind'];
  let dep: string;
  if (COMMUNE_RE.test(code) && !/^20/.test(code)) {
    kind = 'commune';
    dep = code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
    if (!DEP_RE.test(dep)) throw new SelectorError(`cadastre: "${rawCode}" is not a commune INSEE code (its département ${dep} does not exist)`);
  } else if (DEP_RE.test(code)) {
    kind = 'departement';
    dep = code;
  } else {
    throw new SelectorError(`cadastre: "${rawCode}" is neither a commune INSEE code (5 characters, 2A/2B for Corsica) nor a département code`);
  }
  if (millesime !== 'latest' && !/^\d{4}-\d{2}-\d{2}$/.test(millesime)) {
    throw new SelectorError(`--millesime must be "latest" or a date YYYY-MM-DD (e.g. 2025-04-01), got "${millesime}"`);
  }
  const layers: CadastreLayer[] = [];
  for (const l of rawLayers) {
    const name = l.toLowerCase().replace(/-/g, '_') as CadastreLayer;
    if (!CADASTRE_LAYERS.includes(name)) throw new SelectorError(`cadastre: unknown layer "${l}"; layers: ${CADASTRE_LAYERS.join(', ')}`);
    if (!layers.includes(name)) layers.push(name);
  }
  return { kind, code, dep, layers: layers.length ? layers : [...DEFAULT_CADASTRE_LAYERS], millesime };
}

export function cadastreFileName(code: string, layer: CadastreLayer): string {
  return `cadastre-${code}-${layer}.json.gz`;
}

/** The URL of one Etalab file. */
export function cadastreUrl(base: string, sel: Pick<CadastreSelection, 'kind' | 'code' | 'dep' | 'millesime'>, layer: CadastreLayer): string {
  const dir =
    sel.kind === 'commune'
      ? `communes/${sel.dep}/${sel.code}`
      : `departements/${sel.dep}`;
  return joinUrl(base, `data/etalab-cadastre/${sel.millesime}/geojson/${dir}/${cadastreFileName(sel.code, layer)}`);
}

export const cadastreSource: FetchSource = {
  name: 'cadastre',
  summary: 'Etalab cadastre GeoJSON per commune or département (cadastre.data.gouv.fr)',
  usage: 'cadastre <insee|département> [layer…] [--millesime latest|YYYY-MM-DD]   layers: ' + DEFAULT_CADASTRE_LAYERS.join(' ') + ' (default), batiments, prefixes_sections, subdivisions_fiscales',
  defaultBaseUrl: CADASTRE_BASE,
  async plan(selectors, ctx) {
    const sel = parseCadastreSelectors(selectors, ctx.flags.millesime ?? 'latest');
    const downloads: PlannedDownload[] = sel.layers.map((layer) => ({
      url: cadastreUrl(ctx.baseUrl, sel, layer),
      fileName: cadastreFileName(sel.code, layer),
    }));
    const notImported = sel.layers.filter((l) => !IMPORT_LAYER.some(([e]) => e === l));
    if (notImported.length) ctx.note(`cadastre: ${notImported.join(', ')} have no import target; they are downloaded only`);
    return {
      title: `cadastre Etalab ${sel.millesime}, ${sel.kind} ${sel.code}: ${sel.layers.join(', ')}`,
      subdir: `cadastre/${sel.millesime}/${sel.code}`,
      downloads,
      importSteps(files) {
        const steps: ImportStep[] = [];
        for (const [layer, target] of IMPORT_LAYER) {
          const path = sel.layers.includes(layer) ? files.paths.get(cadastreFileName(sel.code, layer)) : undefined;
          if (!path) continue;
          // The feuilles' `edition` is the Etalab vintage when a dated one was fetched.
          const options = layer === 'feuilles' && sel.millesime !== 'latest' ? { edition: sel.millesime } : undefined;
          steps.push({ layer: target, files: [path], ...(options ? { options } : {}) });
        }
        return steps;
      },
    };
  },
};
