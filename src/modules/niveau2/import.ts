/**
 * Loading an ASP level-2 delivery (`terroir import rpg-n2.livraison <folder, files or zip> --annee 2023
 * --option dep=47`): the two shapefiles of graphic classes (ILOT_aaaa_ddd, PARCELLE_GRAPHIQUE_aaaa_ddd)
 * through the import engine and their catalogue targets, and the tables without geometry (DBF or CSV,
 * comma or semicolon separated, the instruction's field names in any case) here: the engine loads
 * geometries, these have none. Each table replaces its dataset `rpg-n2.<table>:<annee>:D<dép>` in one
 * transaction, recorded in terroir_dataset as restricted (read with rpg:niveau2:lire).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Database } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { parseCsv } from '../../formats/csv.ts';
import { DbfText, decodeRecord, encodingFromLdid, parseDbfHeader } from '../../import/readers/shapefile-dbf.ts';
import { bool, int, num, text } from '../../import/readers/feature.ts';
import type { ImportOptions, ImportSummary, ImportTarget } from '../../import/target.ts';
import { LICENCE, n2DatasetLayer, N2_TABLES, PRODUCER, type N2Table } from './tables.ts';

export class DeliveryError extends Error {}

/** Records of a .dbf, as objects keyed by field name. */
function readDbf(file: string, encoding?: string): Record<string, unknown>[] {
  const b = readFileSync(file);
  const headerLength = b.readUInt16LE(8);
  const h = parseDbfHeader(b.subarray(0, 32), b.subarray(32, headerLength), (x) => x.toString('latin1'));
  const t = new DbfText(encoding ?? encodingFromLdid(h.ldid));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < h.records; i++) {
    const start = headerLength + i * h.recordLength;
    const r = decodeRecord(h, b.subarray(start, start + h.recordLength), t, i + 1);
    if (r) out.push(r);
  }
  return out;
}

/** Rows of a CSV file (UTF-8, comma or semicolon, the first line naming the fields). */
function readCsv(file: string): Record<string, unknown>[] {
  let content = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const first = content.slice(0, content.indexOf('\n') >>> 0);
  if (first.includes(';') && !first.includes(',')) content = content.replace(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/gm, ',');
  const [head, ...rows] = parseCsv(content).filter((r) => r.length > 1 || r[0] !== '');
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h.trim(), r[i] === '' ? null : r[i]])));
}

/** Booleans of ASP files: O/N, OUI/NON, 1/0, T/F, true/false. */
function aspBool(v: unknown, field: string): boolean | null {
  if (typeof v === 'string' && /^(o|oui)$/i.test(v.trim())) return true;
  if (typeof v === 'string' && /^(n|non)$/i.test(v.trim())) return false;
  return bool(v, field);
}

const convert = { text, integer: int, bigint: int, 'double precision': num, date: text, jsonb: (v: unknown) => v } as const;

/** Maps one file's rows onto the table's columns (first of the attribute's ASP names present, any case). */
function mapRows(t: N2Table, file: string, rows: Record<string, unknown>[]): unknown[][] {
  if (!rows.length) return [];
  const keys = Object.keys(rows[0]);
  const fieldOf = t.attributes.map((a) => keys.find((k) => [a.name, ...a.asp].some((n) => n.toUpperCase() === k.toUpperCase())));
  const missing = t.attributes.filter((a, i) => !fieldOf[i] && ['numero_pacage', 'id_ilot', 'id_parcelle', 'code_mesure'].includes(a.name));
  if (missing.length) throw new DeliveryError(`${basename(file)}: no field ${missing.map((m) => m.asp[0]).join(', ')} (table ${t.instruction})`);
  return rows.map((r, n) =>
    t.attributes.map((a, i) => {
      const raw = fieldOf[i] ? r[fieldOf[i]!] : null;
      try {
        return a.type === 'boolean' ? (aspBool(raw, a.asp[0]) ?? false) : convert[a.type](raw as never);
      } catch (e) {
        throw new DeliveryError(`${basename(file)}, record ${n + 1}, ${a.asp[0]}: ${(e as Error).message}`);
      }
    }),
  );
}

/** Loads one table-without-geometry file; replaces its dataset. */
export async function importTable(db: Database, t: N2Table, file: string, o: { campagne: number; departement: string; encoding?: string; synthetic?: boolean }): Promise<ImportSummary> {
  const t0 = performance.now();
  const rows = mapRows(t, file, extname(file).toLowerCase() === '.dbf' ? readDbf(file, o.encoding) : readCsv(file));
  const datasetId = `${n2DatasetLayer(t)}:${o.campagne}:D${o.departement}`;
  const cols = ['campagne', 'dataset_id', 'departement', ...t.attributes.map((a) => a.name)];
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  const replaced = await db.transaction(async (tx) => {
    const [{ n }] = await tx.query<{ n: number }>(`WITH d AS (DELETE FROM ${ident(t.table)} WHERE dataset_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`, [datasetId]);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const params: unknown[] = [];
      const values = chunk.map((r) => `(${[o.campagne, datasetId, o.departement, ...r].map((v) => `$${params.push(v)}`).join(', ')})`);
      await tx.query(`INSERT INTO ${ident(t.table)} (${cols.map(ident).join(', ')}) VALUES ${values.join(', ')}`, params);
    }
    await tx.query(
      `INSERT INTO terroir_dataset (id, layer, campagne, source, producer, licence, vintage, source_srid, feature_count, checksum, synthetic, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11::jsonb)
       ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, producer = EXCLUDED.producer, licence = EXCLUDED.licence, vintage = EXCLUDED.vintage,
         feature_count = EXCLUDED.feature_count, checksum = EXCLUDED.checksum, synthetic = EXCLUDED.synthetic, imported_at = now(), details = EXCLUDED.details`,
      [datasetId, n2DatasetLayer(t), o.campagne, basename(file), PRODUCER, LICENCE, String(o.campagne), rows.length, sha, o.synthetic ?? false,
        JSON.stringify({ restricted: true, scope: 'rpg:niveau2:lire', table: t.table, files: [{ file: basename(file), sha256: sha }] })],
    );
    return n;
  });
  return {
    layer: n2DatasetLayer(t), table: t.table, datasets: [{ id: datasetId, features: rows.length, replaced, checksum: sha }],
    files: [{ file, format: extname(file).slice(1).toLowerCase(), srid: 0, crs: 'none', features: rows.length }],
    read: rows.length, loaded: rows.length, repaired: 0, rejected: 0, repairs: [], rejections: [], replaced, seconds: (performance.now() - t0) / 1000, timings: {},
  };
}

const SHAPE_TARGETS = [/^ILOT_(?!DESCRIPTION)/i, /^PARCELLE_GRAPHIQUE/i];

/** Every file of the delivery (directories walked), sorted. */
function filesOf(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? filesOf(readdirSync(p).map((f) => join(p, f))) : [p])).sort();
}

/** An entry larger than this (uncompressed) is refused rather than inflated in memory. */
const MAX_ENTRY_BYTES = 2 ** 31 - 1;

/**
 * The zip archives of the delivery (as the ASP sends it: `LIVRAISON_2023_047.zip` with the shapefiles
 * and tables, at its root or in folders) unpacked into `into`, one folder per archive: the files of
 * each entry under its own base name (a path in the archive never writes outside `into`).
 */
function unzipDelivery(zip: string, into: string): string {
  const dir = mkdtempSync(join(into, 'zip-'));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(readFileSync(zip)), {
      filter: (f) => {
        if (f.originalSize > MAX_ENTRY_BYTES) throw new DeliveryError(`${basename(zip)}: entry ${f.name} is larger than 2 GB`);
        return !f.name.endsWith('/') && !/(^|\/)(__MACOSX|\.)/.test(f.name);
      },
    });
  } catch (e) {
    if (e instanceof DeliveryError) throw e;
    throw new DeliveryError(`${basename(zip)}: not a readable zip archive (${(e as Error).message})`);
  }
  const seen = new Set<string>();
  for (const [name, bytes] of Object.entries(entries)) {
    const base = basename(name.replace(/\\/g, '/'));
    if (seen.has(base.toLowerCase())) throw new DeliveryError(`${basename(zip)}: two entries named ${base}: one delivery (campaign, département) per archive`);
    seen.add(base.toLowerCase());
    writeFileSync(join(dir, base), bytes);
  }
  if (!seen.size) throw new DeliveryError(`${basename(zip)}: empty archive`);
  return dir;
}

/**
 * The whole delivery (folders, files, or the zip archives the ASP sends, unpacked in a temporary
 * folder): graphic classes through their engine targets (`targets`: the catalogue's), then each table
 * file matched by name (N2Table.files). A file that matches nothing is an error: a delivery half
 * loaded without saying so would be worse.
 */
export async function importDelivery(db: Database, paths: string[], opts: ImportOptions, targets: { ilot: ImportTarget; parcelle: ImportTarget }, importFiles: (db: Database, t: ImportTarget, f: string[], o: ImportOptions) => Promise<ImportSummary>): Promise<ImportSummary[]> {
  const campagne = opts.campagne;
  const dep = opts.options?.dep;
  if (campagne === undefined || !dep) throw new DeliveryError('a level-2 delivery needs --annee and --option dep=<département>');
  const departement = dep.trim().toUpperCase().replace(/^0(?=\d{2}$)/, '');
  const listed = filesOf(paths);
  const zips = listed.filter((f) => extname(f).toLowerCase() === '.zip');
  if (!zips.length) return loadDelivery(db, listed, opts, campagne, departement, targets, importFiles);
  const tmp = mkdtempSync(join(tmpdir(), 'terroir-n2-zip-'));
  try {
    mkdirSync(tmp, { recursive: true });
    const unpacked = zips.map((z) => unzipDelivery(z, tmp));
    return await loadDelivery(db, filesOf([...listed.filter((f) => !zips.includes(f)), ...unpacked]), opts, campagne, departement, targets, importFiles);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

type EngineImport = (db: Database, t: ImportTarget, f: string[], o: ImportOptions) => Promise<ImportSummary>;

async function loadDelivery(db: Database, files: string[], opts: ImportOptions, campagne: number, departement: string, targets: { ilot: ImportTarget; parcelle: ImportTarget }, importFiles: EngineImport): Promise<ImportSummary[]> {
  const out: ImportSummary[] = [];
  // Graphic classes as the ASP ships them (shapefiles), or as GeoJSON (a conversion, a test).
  const shp = files.filter((f) => ['.shp', '.geojson'].includes(extname(f).toLowerCase()));
  for (const f of shp) {
    const name = basename(f, extname(f));
    const target = SHAPE_TARGETS[0].test(name) ? targets.ilot : SHAPE_TARGETS[1].test(name) ? targets.parcelle : undefined;
    if (!target) throw new DeliveryError(`${basename(f)}: not a graphic class of level 2 (ILOT_…, PARCELLE_GRAPHIQUE_…)`);
    out.push(await importFiles(db, target, [f], opts));
  }
  const shapeBases = new Set(shp.map((f) => f.slice(0, -extname(f).length).toLowerCase()));
  for (const f of files) {
    const ext = extname(f).toLowerCase();
    if (!['.dbf', '.csv'].includes(ext) || shapeBases.has(f.slice(0, -ext.length).toLowerCase())) continue;
    const t = N2_TABLES.find((x) => x.files.test(basename(f, extname(f))));
    if (!t) throw new DeliveryError(`${basename(f)}: no level-2 table has this name (${N2_TABLES.map((x) => x.files.source).join(' ')})`);
    out.push(await importTable(db, t, f, { campagne, departement, encoding: opts.encoding, synthetic: opts.synthetic }));
  }
  if (!out.length) throw new DeliveryError('no level-2 file found');
  return out;
}
