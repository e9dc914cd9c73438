/**
 * Géoportail de l'urbanisme (GPU): the source archive (CNIG standard, zip) of the document in force
 * on a partition, anonymous:
 *   {base}/api/document/download-by-partition/{partition}   (redirects to the zip)
 * Partitions: DU_<INSEE commune> or DU_<SIREN EPCI> for PLU/PLUi/POS/CC, <SIREN>_PSMV_…,
 * <IDGEST>_SUP_<maillage>_<catégorie> for servitudes, <SIREN>_SCOT. A bare INSEE code or SIREN
 * means its DU_ partition.
 */
import { SelectorError } from '../errors.ts';
import { joinUrl } from '../http.ts';
import type { FetchSource, ImportStep } from './types.ts';

export const GPU_BASE = 'https://www.geoportail-urbanisme.gouv.fr';

export function normalizePartition(raw: string): string {
  const s = raw.trim();
  if (/^(?:\d{5}|2[AB]\d{3}|\d{9})$/i.test(s)) return `DU_${s.toUpperCase()}`;
  if (/^DU_(?:\d{5}|2[AB]\d{3}|\d{9})$/i.test(s)) return s.toUpperCase();
  if (/^[A-Za-z0-9]+(?:_[A-Za-z0-9-]+)+$/.test(s) && s.length <= 80) return s;
  throw new SelectorError(`gpu: "${raw}" is not a GPU partition (DU_17345, DU_200011781, 17345, 172014607_SUP_69_AC1)`);
}

export function gpuDownloadUrl(base: string, partition: string): string {
  return joinUrl(base, `api/document/download-by-partition/${encodeURIComponent(partition)}`);
}

export const gpuSource: FetchSource = {
  name: 'gpu',
  aliases: ['urbanisme'],
  summary: "urbanism documents by partition (Géoportail de l'urbanisme, CNIG zip)",
  usage: 'gpu <partition…>   e.g. DU_17345, DU_200011781, 17345, 172014607_SUP_69_AC1',
  defaultBaseUrl: GPU_BASE,
  async plan(selectors, ctx) {
    if (!selectors.length) throw new SelectorError('gpu needs at least one partition, e.g. `gpu DU_17345`');
    const partitions = [...new Set(selectors.map(normalizePartition))];
    const other = partitions.filter((p) => !p.startsWith('DU_'));
    if (other.length) ctx.note(`gpu: ${other.join(', ')} downloaded only (servitudes and SCoT have no CNIG import here)`);
    return {
      title: `GPU documents ${partitions.join(', ')}`,
      subdir: 'gpu',
      downloads: partitions.map((p) => ({ url: gpuDownloadUrl(ctx.baseUrl, p), fileName: `${p}.zip` })),
      importSteps(f) {
        const steps: ImportStep[] = [];
        for (const p of partitions) {
          const path = f.paths.get(`${p}.zip`);
          // Documents d'urbanisme: every CNIG layer of the archive, in its partition (importCnigFolder).
          if (path && p.startsWith('DU_')) steps.push({ layer: 'gpu.zone-urba', files: [path], options: { partition: p }, via: 'cnig' });
        }
        return steps;
      },
    };
  },
};
