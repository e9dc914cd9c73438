/**
 * How the GPU's distribution formats are read (the sources and columns of layers.ts use these):
 *
 * - CNIG standard layers of a document d'urbanisme (PLU/PLUi/POS/CC/PSMV, standards 2013, 2014, 2017
 *   and later): `gpu.zone-urba` (ZONE_URBA), `gpu.secteur-cc` (SECTEUR_CC), `gpu.prescription-surf|lin|pct`
 *   (PRESCRIPTION_*), `gpu.info-surf|lin|pct` (INFO_*), `gpu.document` (DOC_URBA, one row per IDURBA,
 *   with the communes of DOC_URBA_COM and a perimeter computed from the zones). A whole CNIG folder is
 *   loaded by cnig.ts, which imports it layer by layer within one partition.
 * - `gpu.<route>-apicarto` for each of the 17 layers: answers of API Carto itself (GeoJSON with the
 *   reference's property names and ids), kept with their gid so that Terroir answers the same ids.
 *
 * The dataset unit is the GPU partition: `gpu.<layer>:<partition>` (DU_<INSEE>, DU_<SIREN>,
 * PSMV_<INSEE>, SUP partitions); re-importing a document replaces that partition only.
 */
import { basename } from 'node:path';
import { int, num, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext } from '../../import/target.ts';
import type { Queryable } from '../../db/database.ts';
import { PARTITION_RE } from './params.ts';

export const PRODUCER = 'Communes, EPCI and State services (documents d\u2019urbanisme and SUP), published on the Géoportail de l\u2019Urbanisme';
export const LICENCE = 'Licence Ouverte 2.0 (Etalab), as published by the Géoportail de l\u2019Urbanisme';
export const CNIG_FORMATS = ['ESRI Shapefile of the CNIG standard (Lambert-93 or the overseas CRS), DBF in Windows-1252/Latin-1 or UTF-8 (.cpg)'];

const INSEE = /^(?:[0-9]{5}|2[AB][0-9]{3})$/;
export const SIREN = /^[0-9]{9}$/;

/** `<INSEE|SIREN>_…` at the start of a CNIG file name (`30014_ZONE_URBA_20171013.shp`). */
function territoryOfFileName(file: string): string | null {
  const m = /^((?:[0-9]{5}|2[AB][0-9]{3}|[0-9]{9}))_/i.exec(basename(file));
  return m ? m[1].toUpperCase() : null;
}

/**
 * The GPU partition of an import: `--option partition=…` (what importCnigFolder passes, derived from
 * DOC_URBA), else DU_<territory> from a CNIG file name prefix.
 */
export function partitionOf(ctx: ImportContext): string {
  const given = ctx.options.partition?.trim();
  if (given) {
    if (!PARTITION_RE.test(given)) throw new Error(`--option partition=${given}: expected DU_<INSEE or SIREN>, PSMV_<INSEE> or a SUP partition`);
    return given;
  }
  const t = territoryOfFileName(ctx.file);
  if (t) return `DU_${t}`;
  throw new Error('the GPU partition is unknown: import the whole CNIG folder (gpu.document <folder>) or pass --option partition=DU_<INSEE or SIREN>');
}

/** A CNIG code (TYPEPSC, STYPEINF…) as its 2-digit text, whether the DBF declares it numeric or not. */
export function cnigCode(v: unknown, field: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 99) throw new Error(`${field} is not a CNIG code: ${v}`);
    return String(v).padStart(2, '0');
  }
  const s = text(v);
  if (s === null) return null;
  return /^[0-9]$/.test(s) ? `0${s}` : s;
}

/** CNIG dates are AAAAMMJJ text; a DBF date field reads as YYYY-MM-DD: both answer AAAAMMJJ. */
export function cnigDate(v: unknown): string | null {
  if (v instanceof Date) return v.toISOString().slice(0, 10).replaceAll('-', '');
  const s = text(v);
  if (s === null) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? s.replaceAll('-', '') : s;
}

/** A CNIG code field (TYPEPSC, DESTDOMI…) of the column's name, read by cnigCode. */
export const cnigCodeOf = (name: string) => (f: SourceFeature) => cnigCode(prop(f, name.toUpperCase()), name.toUpperCase());
/** A CNIG date field (AAAAMMJJ) of the column's name, read by cnigDate. */
export const cnigDateOf = (name: string) => (f: SourceFeature) => cnigDate(prop(f, name.toUpperCase()));
/** The feature's own IDURBA (as published, even when it disagrees with DOC_URBA), else the document's. */
export const idurbaOf = (f: SourceFeature, ctx: ImportContext) => text(prop(f, 'IDURBA')) ?? ctx.options.idurba ?? null;
/** The territory of a document's partition (DU_30014 → 30014). */
export const territoryOf = (ctx: ImportContext) => partitionOf(ctx).replace(/^(DU|PSMV)_/, '');

/** A CNIG file name: `[<INSEE|SIREN>_]<LAYER>[_<AAAAMMJJ>].<ext>`, any case. */
export function cnigFileRe(layer: string, ext: string): RegExp {
  return new RegExp(`^(?:(?:[0-9]{5}|2[AB][0-9]{3}|[0-9]{9})_)?${layer}(?:_[0-9]{8})?\\.${ext}$`, 'i');
}

/** DOC_URBA TYPEDOC (+ INTERCO / SIREN) → the GPU's du_type. */
export function duType(typedoc: string | null, intercommunal: boolean): string | null {
  const td = typedoc?.toUpperCase() ?? null;
  if (td === null) return null;
  if (td === 'PLUI' || (td === 'PLU' && intercommunal)) return 'PLUi';
  return td; // PLU, POS, CC, PSMV
}

export interface DocUrba {
  idurba: string;
  typedoc: string | null;
  siren: string | null;
  interco: boolean;
}

/** Reads the DOC_URBA fields the partition depends on (2013 and 2017 field sets). */
export function docUrbaOf(f: SourceFeature): DocUrba {
  const idurba = text(prop(f, 'IDURBA'));
  if (!idurba) throw new Error('DOC_URBA: IDURBA is missing');
  const siren = text(prop(f, 'SIREN'));
  const interco = text(prop(f, 'INTERCO'));
  return { idurba, typedoc: text(prop(f, 'TYPEDOC')), siren: siren && SIREN.test(siren) ? siren : null, interco: interco !== null && /^(T|O|1|TRUE|OUI)$/i.test(interco) };
}

/**
 * The GPU partition of a document from its DOC_URBA row: PSMV_<INSEE> for a PSMV, DU_<SIREN> for an
 * intercommunal document (INTERCO true with a SIREN, or an IDURBA starting with a SIREN), else
 * DU_<INSEE> from the IDURBA (`30014_PLU_20171013`, 2013 form `3001420171013`) or the single commune.
 */
export function documentPartition(doc: DocUrba, communes: string[]): { partition: string; territory: string; duType: string | null } {
  const head = /^([0-9]{9}|[0-9]{5}|2[AB][0-9]{3})(?:_|[0-9]{8}$|$)/i.exec(doc.idurba)?.[1]?.toUpperCase() ?? null;
  let territory: string | null = null;
  if (doc.interco && doc.siren) territory = doc.siren;
  else if (head) territory = head;
  else if (doc.siren && communes.length > 1) territory = doc.siren;
  else if (communes.length === 1) territory = communes[0];
  if (!territory) throw new Error(`DOC_URBA: cannot tell the territory of IDURBA ${doc.idurba} (no INSEE/SIREN prefix, no SIREN, no single commune)`);
  const intercommunal = SIREN.test(territory);
  const type = duType(doc.typedoc, intercommunal);
  if (type === 'PSMV') {
    if (!INSEE.test(territory)) throw new Error(`DOC_URBA: a PSMV belongs to one commune, not ${territory}`);
    return { partition: `PSMV_${territory}`, territory, duType: type };
  }
  return { partition: `DU_${territory}`, territory, duType: type };
}

async function hasTable(tx: Queryable, name: string): Promise<boolean> {
  const [r] = await tx.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
  return r.t !== null;
}

/**
 * After the DOC_URBA rows of a partition are in: one document per IDURBA, its communes
 * (`--option communes=18007,18048…` from DOC_URBA_COM, else the INSEE of a communal partition) and
 * its territory's name from the administrative units when they are loaded. Its perimeter is the
 * geometry importCnigFolder gives each DOC_URBA row (the union of the document's zones).
 */
export async function documentAfterLoad(tx: Queryable, datasetId: string, ctx: ImportContext): Promise<void> {
  const partition = partitionOf(ctx);
  await tx.query(
    `DELETE FROM gpu_document a USING gpu_document b
      WHERE a.dataset_id = $1 AND b.dataset_id = $1 AND a.name = b.name AND a.gid > b.gid`,
    [datasetId],
  );
  const given = (ctx.options.communes ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const c of given) if (!INSEE.test(c)) throw new Error(`--option communes: ${c} is not an INSEE code`);
  const territory = partition.replace(/^(DU|PSMV)_/, '');
  const communes = given.length ? [...new Set(given)] : INSEE.test(territory) ? [territory] : [];
  await tx.query('DELETE FROM gpu_document_commune WHERE dataset_id = $1', [datasetId]);
  if (communes.length) {
    await tx.query(
      `INSERT INTO gpu_document_commune (dataset_id, partition, idurba, insee)
       SELECT $1, d.partition, d.name, c FROM gpu_document d, unnest($2::text[]) AS c WHERE d.dataset_id = $1`,
      [datasetId, communes],
    );
  }
  if (INSEE.test(territory) && (await hasTable(tx, 'limites_commune'))) {
    await tx.query(`UPDATE gpu_document d SET grid_title = c.nom_m FROM limites_commune c WHERE d.dataset_id = $1 AND c.code = d.grid_name AND d.grid_title IS NULL`, [datasetId]);
  } else if (SIREN.test(territory) && (await hasTable(tx, 'limites_epci'))) {
    await tx.query(`UPDATE gpu_document d SET grid_title = e.nom_m FROM limites_epci e WHERE d.dataset_id = $1 AND e.code = d.grid_name AND d.grid_title IS NULL`, [datasetId]);
  }
}

/* ---------------------------------------------------------------------------------------------
 * API Carto answers
 * ------------------------------------------------------------------------------------------- */

/** gid: the answer's `gid` property, else the number of its GeoServer feature id (`zone_urba.1935465`). */
export function answerGid(f: SourceFeature): number | null {
  const g = prop(f, 'gid');
  if (g !== undefined && g !== null) return int(g);
  const raw = (f as SourceFeature & { id?: unknown }).id;
  const m = raw === undefined ? null : /\.(\d{1,15})$/.exec(String(raw));
  return m ? Number(m[1]) : null; // GeoServer session fids (`document.fid-…`) carry no stable number
}

/** An API Carto answer's document covers its grid_name when that is a commune: the communes that are not RNU. */
export async function answerDocumentAfterLoad(tx: Queryable, datasetId: string): Promise<void> {
  // One document per name in a dataset (its key, migration 0160): copies of one document merged.
  await tx.query(
    `DELETE FROM gpu_document a USING gpu_document b
      WHERE a.dataset_id = $1 AND b.dataset_id = $1 AND a.name = b.name AND a.gid > b.gid`,
    [datasetId],
  );
  await tx.query('DELETE FROM gpu_document_commune WHERE dataset_id = $1', [datasetId]);
  await tx.query(
    `INSERT INTO gpu_document_commune (dataset_id, partition, idurba, insee)
     SELECT DISTINCT $1, partition, name, grid_name FROM gpu_document WHERE dataset_id = $1 AND grid_name ~ '^([0-9]{5}|2[AB][0-9]{3})$'`,
    [datasetId],
  );
}
