/**
 * Cadastre test data: the real Etalab samples and recorded API Carto answers of ../shared, loaded
 * through the real import engine and this module's import targets.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Database } from '../../../src/db/database.ts';
import { importFeatures, importFiles, type ImportSummary } from '../../../src/import/engine.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import type { ImportTarget } from '../../../src/import/target.ts';
import { cadastreCommune, cadastreDivision, cadastreFeuille, cadastreLocalisant, cadastreParcelle } from '../../../src/modules/cadastre/layers.ts';
import { sharedPath } from '../../helpers/shared.ts';

export const SAMPLES = {
  '91216': { file: 'cadastre-91216-parcelles.json', count: 4241, sections: 15 },
  '91326': { file: 'cadastre-91326-parcelles.json', count: 2859, sections: 8 },
  '91479': { file: 'cadastre-91479-parcelles.json', count: 2857, sections: 5 },
  '72187': { file: 'cadastre-72187-parcelles.json.gz', count: 4143, sections: 16 },
} as const;
export type SampleCode = keyof typeof SAMPLES;

export const samplePath = (code: SampleCode) => sharedPath('data', 'cadastre', SAMPLES[code].file);
export const apicartoPath = (name: string) => sharedPath('data', 'apicarto', 'cadastre', name);

export async function importSamples(db: Database, codes: SampleCode[], options: Record<string, string> = {}): Promise<ImportSummary> {
  return importFiles(db, cadastreParcelle, codes.map(samplePath), { options });
}

/** A GeoJSON file (gzipped or not) parsed whole: what the tests compare the database with. */
export function readCollection(path: string): { features: { id?: string | number; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[] } & Record<string, unknown> {
  const raw = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
}

/** The recorded API Carto answers and the layer each one loads into. */
export const RECORDED: { file: string; target: ImportTarget }[] = [
  { file: 'commune-9aed1e-POST.json', target: cadastreCommune },
  { file: 'division-5d28a9-POST.json', target: cadastreDivision },
  { file: 'feuille-4af859-POST.json', target: cadastreFeuille },
  { file: 'feuille-888b40-POST.json', target: cadastreFeuille },
  { file: 'localisant-ec5c6a-POST.json', target: cadastreLocalisant },
  { file: 'parcelle-025b38-POST.json', target: cadastreParcelle },
  { file: 'parcelle-a8be8e-POST.json', target: cadastreParcelle },
  { file: 'parcelle-ec5c6a-POST.json', target: cadastreParcelle },
  { file: 'parcelle-fa4cf3-POST.json', target: cadastreParcelle },
];

/** Loads every recorded answer (but the empty one) as data, each file its own dataset. */
export async function importRecorded(db: Database): Promise<void> {
  for (const r of RECORDED) await importFiles(db, r.target, [apicartoPath(r.file)]);
}

/** Features built in the test (Etalab layout), loaded through the engine like a file. */
export async function importBuilt(db: Database, target: ImportTarget, file: string, features: Omit<SourceFeature, 'index'>[], options: Record<string, string> = {}): Promise<ImportSummary> {
  return importFeatures(db, target, features.map((f, i) => ({ ...f, index: i + 1 })), { file, srid: 4326, options });
}

/** A square polygon of `d` degrees at (x, y). */
export function square(x: number, y: number, d: number): SourceFeature['geometry'] {
  return { type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] };
}
