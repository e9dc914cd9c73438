/**
 * Appellations delimited at the commune level (INAO "aires géographiques": the whole commune is in
 * the appellation's area), served beside the parcel-level zones as the reference serves them:
 * `segment` 2, `granularite` `commune`, the commune's contour as geometry (§8: the reference replaces
 * the placeholder geometry by ADMIN EXPRESS's commune). The INAO publishes them as a table of
 * (commune, appellation) rows; each row becomes a feature with its commune's contour from the
 * administrative units (limites_commune, contours imported beforehand), and loads through the
 * layer's INAO target (same columns, checks, transaction and dataset sheet). A row whose commune has
 * no contour, or no such commune, is rejected with that reason: nothing is dropped silently.
 */
import { readFile } from 'node:fs/promises';
import type { Database } from '../../db/database.ts';
import { fileDatasetMeta, importFeatures } from '../../import/engine.ts';
import { ImportError } from '../../import/readers/errors.ts';
import type { SourceFeature } from '../../import/readers/feature.ts';
import { checksumFiles } from '../../import/sources.ts';
import type { FeatureIssue, ImportOptions, ImportSummary, ImportTarget } from '../../import/target.ts';

/** Column names of the INAO tables (any case, accents ignored): first present wins. */
const COLUMNS: Record<string, string[]> = {
  insee: ['insee', 'ci', 'code_insee', 'code commune'],
  id_app: ['id_app', 'ida', 'idapp'],
  app: ['app', 'aire geographique', 'appellation', 'produit'],
  signe: ['signe', 'sign'],
  categorie: ['categorie'],
  nomcom: ['nomcom', 'commune'],
};

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();

/** One CSV line split on `sep`, double quotes honoured. */
function splitLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out.map((v) => v.trim());
}

/** The rows of an INAO table as records keyed by the columns above. */
export function parseCommuneTable(text: string, file: string): Record<string, string | null>[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!lines.length) throw new ImportError('empty table', file);
  const sep = (lines[0].match(/;/g)?.length ?? 0) >= (lines[0].match(/,/g)?.length ?? 0) ? ';' : ',';
  const header = splitLine(lines[0], sep).map(fold);
  const index: Record<string, number> = {};
  for (const [col, names] of Object.entries(COLUMNS)) {
    const i = header.findIndex((h) => names.includes(h));
    if (i >= 0) index[col] = i;
  }
  for (const needed of ['insee', 'id_app', 'app']) if (index[needed] === undefined) throw new ImportError(`no ${needed} column (one of: ${COLUMNS[needed].join(', ')})`, file);
  return lines.slice(1).map((l) => {
    const v = splitLine(l, sep);
    return Object.fromEntries(Object.entries(index).map(([col, i]) => [col, v[i] ? v[i] : null]));
  });
}

export function communeSource(inaoTarget: () => ImportTarget) {
  return async (db: Database, files: string[], opts: ImportOptions): Promise<ImportSummary[]> => {
    const out: ImportSummary[] = [];
    for (const file of files) {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new ImportError((e as Error).message, file);
      }
      // UTF-8 when it decodes as such, else Windows-1252 (what spreadsheet exports of the INAO tables are in).
      const utf8 = new TextDecoder('utf-8').decode(bytes);
      const table = parseCommuneTable(utf8.includes('\uFFFD') ? new TextDecoder('windows-1252').decode(bytes) : utf8, file);
      const codes = [...new Set(table.map((r) => (r.insee ?? '').padStart(5, '0')))];
      const contours = new Map(
        (await db.query<{ code: string; g: string | null }>('SELECT code, ST_AsGeoJSON(geom) AS g FROM limites_commune WHERE code = ANY($1::text[])', [codes])).map((r) => [r.code, r.g]),
      );
      const rejected: FeatureIssue[] = [];
      const features: SourceFeature[] = [];
      table.forEach((r, i) => {
        const code = (r.insee ?? '').padStart(5, '0');
        if (!contours.has(code)) return void rejected.push({ file, feature: i + 1, reason: `${code}: no such commune in the administrative units` });
        const g = contours.get(code);
        if (!g) return void rejected.push({ file, feature: i + 1, reason: `${code}: the commune has no contour (import limites-administratives.commune first)` });
        features.push({
          index: i + 1,
          properties: { ...r, insee: code, id_denom: r.id_app, denom: r.app, type_denom: 'appellation', segment: 2 },
          geometry: JSON.parse(g),
        });
      });
      if (opts.strict && rejected.length) throw new ImportError(`${rejected[0].reason} (--strict: ${rejected.length} row(s) to reject)`, file, rejected[0].feature);
      const { checksum } = await checksumFiles([file]);
      const meta = fileDatasetMeta(file, opts, checksum, { granularite: 'commune', rows: table.length, rejected_rows: rejected.length });
      const s = await importFeatures(db, inaoTarget(), features, { file, srid: 4326, options: opts.options ?? {} }, meta);
      out.push({ ...s, read: table.length, rejected: s.rejected + rejected.length, rejections: [...rejected.slice(0, 20), ...s.rejections] });
    }
    return out;
  };
}
