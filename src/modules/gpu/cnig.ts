/**
 * A CNIG document folder (the export of a PLU, PLUi, POS, CC or PSMV as the Géoportail de
 * l'Urbanisme receives it) to the GPU layers. The ImportTarget contract is one layer per target, so
 * this loop maps the folder to its layers and calls the engine once per layer, all in the document's
 * partition (DU_<INSEE>, DU_<SIREN>, PSMV_<INSEE>), derived from DOC_URBA. The targets are the
 * layers' own: layers.ts hands them in (its importCnigFolder, and the `gpu.document` source), so
 * that this file needs no layer definition. Re-importing a document replaces that partition's rows
 * in every layer, and empties the layers the new version lacks.
 *
 * Files are found anywhere under the folder (`Donnees_geographiques/`, or flat), named with or without
 * the `<INSEE|SIREN>_` prefix and the `_<AAAAMMJJ>` suffix, in any case (`.DBF`), standards 2013 to
 * 2017+ (the fields a standard lacks are NULL).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Database } from '../../db/database.ts';
import { importFeatures, importFiles, type ImportOptions, type ImportSummary } from '../../import/engine.ts';
import { ImportError } from '../../import/readers/errors.ts';
import { DbfText, decodeRecord, encodingFromCpg, parseDbfHeader } from '../../import/readers/shapefile-dbf.ts';
import { prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportTarget } from '../../import/target.ts';
import { cnigFileRe, docUrbaOf, documentPartition } from './import.ts';
import { refreshMunicipalities } from './municipality.ts';

/** The geographic layers of a document, in load order (zones first: the perimeter comes from them). */
const LAYER_NAMES = ['ZONE_URBA', 'SECTEUR_CC', 'PRESCRIPTION_SURF', 'PRESCRIPTION_LIN', 'PRESCRIPTION_PCT', 'INFO_SURF', 'INFO_LIN', 'INFO_PCT'];

/** The import targets of a folder's layers (by CNIG name, in load order) and of its DOC_URBA. */
export interface CnigTargets {
  layers: [string, ImportTarget][];
  document: ImportTarget;
}

export interface CnigFolder {
  dir: string;
  /** CNIG layer name → its .shp. */
  layers: Map<string, string>;
  docUrba?: string;
  docUrbaCom?: string;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

/** Finds the CNIG files of a folder; two files for one layer is an error (two documents mixed). */
export function scanCnigFolder(dir: string): CnigFolder {
  if (!existsSync(dir)) throw new ImportError('no such folder', dir);
  const files = walk(dir);
  const one = (what: string, re: RegExp): string | undefined => {
    const found = files.filter((f) => re.test(basename(f)));
    if (found.length > 1) throw new ImportError(`several ${what} files (${found.map((f) => basename(f)).join(', ')}): one document per folder`, dir);
    return found[0];
  };
  const layers = new Map<string, string>();
  for (const name of LAYER_NAMES) {
    const shp = one(name, cnigFileRe(name, 'shp'));
    if (shp) layers.set(name, shp);
  }
  return { dir, layers, docUrba: one('DOC_URBA', cnigFileRe('DOC_URBA', 'dbf')), docUrbaCom: one('DOC_URBA_COM', cnigFileRe('DOC_URBA_COM', 'dbf')) };
}

/** The records of a small attribute-only .dbf (DOC_URBA, DOC_URBA_COM), decoded like the engine's reader. */
export function readDbfTable(path: string, encoding?: string): SourceFeature[] {
  const buf = readFileSync(path);
  if (buf.length < 32) throw new ImportError('truncated dBase file', path);
  const headerLength = buf.readUInt16LE(8);
  const h = parseDbfHeader(buf.subarray(0, 32), buf.subarray(32, headerLength), (b) => b.toString('latin1'));
  const cpg = [path.replace(/\.dbf$/i, '.cpg'), path.replace(/\.dbf$/i, '.CPG')].find((p) => existsSync(p));
  const text = new DbfText(encoding ?? (cpg ? encodingFromCpg(readFileSync(cpg, 'latin1')) : undefined));
  const out: SourceFeature[] = [];
  for (let i = 1; i <= h.records; i++) {
    const start = headerLength + (i - 1) * h.recordLength;
    const rec = buf.subarray(start, start + h.recordLength);
    if (rec.length < h.recordLength) throw new ImportError(`truncated: record ${i} of ${h.records} is missing`, path, i);
    const properties = decodeRecord(h, rec, text, i);
    if (properties) out.push({ index: i, properties, geometry: null });
  }
  return out;
}

export interface CnigImportOptions {
  /** Force the partition instead of deriving it from DOC_URBA (a folder without DOC_URBA). */
  partition?: string;
  /** .dbf text encoding, wins over .cpg and the header. */
  encoding?: string;
  strict?: boolean;
  onLayer?: (layer: string, summary: ImportSummary | null) => void;
  onProgress?: ImportOptions['onProgress'];
}

export interface CnigImportSummary {
  partition: string;
  idurba: string | null;
  duType: string | null;
  communes: string[];
  layers: { layer: string; file: string | null; loaded: number; replaced: number; repaired: number; rejected: number }[];
  /** The engine's summary of each layer loaded or emptied. */
  summaries: ImportSummary[];
}

async function hasRows(db: Database, table: string, datasetId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM ${table} WHERE dataset_id = $1 LIMIT 1`, [datasetId]);
  return rows.length > 0;
}

/**
 * The document's perimeter in WGS84: union of its zones, else its sectors, else its communes' contours.
 * The union snaps to a 1e-7° grid (≈ 1 cm): with the plain ST_Union, the embedded PostGIS (PGlite,
 * GEOS 3.14 in WebAssembly) returns no row at all for the PLUi sample's zones instead of a result or
 * an error; the fixed-precision overlay gives the same perimeter on both backends.
 */
async function perimeter(db: Database, partition: string, communes: string[]): Promise<unknown | null> {
  const union = (table: string, col: string, where: string) =>
    `SELECT ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(ST_Union(ST_MakeValid(${col}), 1e-7), 3)), 9) AS g FROM ${table} WHERE ${where}`;
  for (const table of ['gpu_zone_urba', 'gpu_secteur_cc']) {
    const [r] = await db.query<{ g: string | null }>(union(table, 'the_geom', 'partition = $1'), [partition]);
    if (r.g) return JSON.parse(r.g);
  }
  const [reg] = await db.query<{ t: string | null }>(`SELECT to_regclass('limites_commune')::text AS t`);
  if (reg.t && communes.length) {
    const [r] = await db.query<{ g: string | null }>(union('limites_commune', 'geom', 'code = ANY($1::text[])'), [communes]);
    if (r.g) return JSON.parse(r.g);
  }
  return null;
}

/**
 * Imports a CNIG document folder: each geographic layer through the engine (one transaction per
 * layer, each replacing the partition's previous rows of that layer), then the document (DOC_URBA +
 * DOC_URBA_COM) with the union of its zones as perimeter. A failing layer stops the import with the
 * file and feature at fault; the layers loaded before it hold the new version, the others the old
 * one (re-run after fixing the file).
 */
export async function importCnigFolderWith(targets: CnigTargets, db: Database, dir: string, opts: CnigImportOptions = {}): Promise<CnigImportSummary> {
  const folder = scanCnigFolder(dir);
  if (!folder.layers.size && !folder.docUrba) throw new ImportError('no CNIG file (ZONE_URBA, SECTEUR_CC, PRESCRIPTION_*, INFO_*, DOC_URBA) in this folder', dir);
  const docRows = folder.docUrba ? readDbfTable(folder.docUrba, opts.encoding) : [];
  const communes = folder.docUrbaCom
    ? [...new Set(readDbfTable(folder.docUrbaCom, opts.encoding).map((f) => text(prop(f, 'INSEE'))?.toUpperCase()).filter((c): c is string => !!c))]
    : [];
  let partition = opts.partition ?? null;
  let idurba: string | null = null;
  let duType: string | null = null;
  if (docRows.length) {
    const docs = docRows.map(docUrbaOf);
    const ids = [...new Set(docs.map((d) => d.idurba))];
    if (ids.length > 1) throw new ImportError(`DOC_URBA holds several documents (${ids.join(', ')}): one document per folder`, folder.docUrba);
    idurba = ids[0];
    const derived = documentPartition(docs[0], communes);
    partition ??= derived.partition;
    duType = derived.duType;
  }
  if (!partition) throw new ImportError('no DOC_URBA table: the partition is unknown (pass the partition, e.g. DU_30014)', dir);
  const options: Record<string, string> = { partition };
  if (idurba) options.idurba = idurba;
  if (communes.length) options.communes = communes.join(',');

  const summary: CnigImportSummary = { partition, idurba, duType, communes, layers: [], summaries: [] };
  for (const [name, target] of targets.layers) {
    const file = folder.layers.get(name) ?? null;
    let s: ImportSummary | null = null;
    if (file) {
      s = await importFiles(db, target, [file], { options, strict: opts.strict, encoding: opts.encoding, onProgress: opts.onProgress });
    } else if (await hasRows(db, target.table, target.datasetId({ file: dir, srid: 4326, options }))) {
      // The new version of the document has no such layer: its old rows go.
      s = await importFeatures(db, target, [], { file: `${basename(dir)} (no ${name})`, srid: 4326, options }, { source: `${basename(dir)} (no ${name})` });
    }
    opts.onLayer?.(target.layer, s);
    if (s) summary.summaries.push(s);
    summary.layers.push({ layer: target.layer, file, loaded: s?.loaded ?? 0, replaced: s?.replaced ?? 0, repaired: s?.repaired ?? 0, rejected: s?.rejected ?? 0 });
  }

  if (docRows.length) {
    const geometry = await perimeter(db, partition, communes);
    if (!geometry) throw new ImportError(`the perimeter of ${idurba} is unknown: no ZONE_URBA or SECTEUR_CC, and no contour of its communes`, dir);
    // One document per IDURBA: DOC_URBA may repeat it (30014 has one row per TYPEREF); the first row.
    const features = [{ ...docRows[0], geometry: geometry as SourceFeature['geometry'] }];
    const s = await importFeatures(db, targets.document, features, { file: folder.docUrba!, srid: 4326, options }, { source: `${basename(dir)}/${basename(folder.docUrba!)}`, strict: opts.strict });
    opts.onLayer?.(targets.document.layer, s);
    summary.summaries.push(s);
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM gpu_document WHERE dataset_id = $1', [s.datasets[0].id]);
    summary.layers.push({ layer: targets.document.layer, file: folder.docUrba!, loaded: n, replaced: s.replaced, repaired: s.repaired, rejected: s.rejected });
  }
  await refreshMunicipalities(db, { onlyIfMissing: true });
  return summary;
}

/**
 * `terroir import gpu.document <folder…>`: each argument is one CNIG document folder.
 * `--option partition=…` forces the partition of a folder without DOC_URBA.
 */
export async function importCnigSourcesWith(targets: CnigTargets, db: Database, files: string[], opts: ImportOptions): Promise<ImportSummary[]> {
  const out: ImportSummary[] = [];
  for (const dir of files) {
    const s = await importCnigFolderWith(targets, db, dir, { partition: opts.options?.partition, encoding: opts.encoding, strict: opts.strict, onProgress: opts.onProgress });
    out.push(...s.summaries);
  }
  return out;
}
