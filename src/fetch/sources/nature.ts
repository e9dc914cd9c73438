/**
 * The MNHN/INPN nature layers (Natura 2000, ZNIEFF, parcs, réserves), published as zipped shapefiles
 * of the whole territory at fixed addresses of the INPN
 * (https://inpn.mnhn.fr/telechargement/cartes-et-information-geographique):
 *   {base}/docs/Shape/<name>.zip   (sic, zps, znieff1, znieff2, pn, pnr, rnn, rnc, rncfs)
 * Each file is updated in place and the INPN publishes no checksum: the sha256 of the manifest is the
 * reference, and a later fetch revalidates with ETag / Last-Modified as for the other sources.
 */
import { SelectorError } from '../errors.ts';
import { joinUrl } from '../http.ts';
import type { FetchSource, ImportStep } from './types.ts';

export const INPN_BASE = 'https://inpn.mnhn.fr';

/** Selector → INPN file name and the Terroir layer it loads. */
export const INPN_FILES: Record<string, { file: string; layer: string }> = {
  sic: { file: 'sic', layer: 'nature.natura-habitat' },
  zps: { file: 'zps', layer: 'nature.natura-oiseaux' },
  znieff1: { file: 'znieff1', layer: 'nature.znieff1' },
  znieff2: { file: 'znieff2', layer: 'nature.znieff2' },
  pn: { file: 'pn', layer: 'nature.pn' },
  pnr: { file: 'pnr', layer: 'nature.pnr' },
  rnn: { file: 'rnn', layer: 'nature.rnn' },
  rnc: { file: 'rnc', layer: 'nature.rnc' },
  rncf: { file: 'rncfs', layer: 'nature.rncf' },
};

export const natureSource: FetchSource = {
  name: 'nature',
  aliases: ['inpn'],
  summary: 'MNHN/INPN protected and inventoried areas: Natura 2000, ZNIEFF, parcs, réserves (zipped shapefiles)',
  usage: `nature [${Object.keys(INPN_FILES).join('|')}]… (default: all)`,
  defaultBaseUrl: INPN_BASE,
  async plan(selectors, ctx) {
    const kinds = selectors.length ? selectors.map((s) => s.toLowerCase()) : Object.keys(INPN_FILES);
    for (const k of kinds) if (!INPN_FILES[k]) throw new SelectorError(`nature: unknown layer "${k}"; one of ${Object.keys(INPN_FILES).join(', ')}`);
    ctx.note('nature: the INPN publishes no checksum; the sha256 in the manifest is the only reference');
    const downloads = kinds.map((k) => ({ url: joinUrl(ctx.baseUrl, `docs/Shape/${INPN_FILES[k].file}.zip`), fileName: `${INPN_FILES[k].file}.zip` }));
    return {
      title: `INPN nature layers: ${kinds.join(', ')}`,
      subdir: 'inpn',
      downloads,
      importSteps(f): ImportStep[] {
        return kinds.map((k) => ({ layer: INPN_FILES[k].layer, files: [f.paths.get(`${INPN_FILES[k].file}.zip`)!] }));
      },
    };
  },
};
