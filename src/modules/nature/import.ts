/**
 * How the producers publish the nature layers, and how Terroir reads them:
 *
 * - the INPN/MNHN shapefiles (https://inpn.mnhn.fr/telechargement/cartes-et-information-geographique):
 *   `ID_MNHN`, `NOM_SITE` (espaces protégés) or `NOM` (ZNIEFF), `URL_FICHE` or `URL`, and
 *   `SITECODE`, `SITENAME` for Natura 2000; Lambert-93 in metropolitan France, the local CRS overseas
 *   (from the .prj). The Géoplateforme WFS answers API Carto passes through carry the same fields in
 *   lower case (GeoJSON): the same readers take them (field names match in any case);
 * - other layouts met in the wild, read for what they hold: Geotrek's reserves (`id_local`,
 *   `nom_site`), a park's own shapefile (`nom`, `Surf_ha`), and the OpenDataSoft records export of
 *   regional portals (a JSON array of `{fields, geometry}`), read by odsSource().
 */
import { readFile } from 'node:fs/promises';
import type { Database } from '../../db/database.ts';
import { fileDatasetMeta, importFeatures } from '../../import/engine.ts';
import { ImportError } from '../../import/readers/errors.ts';
import { prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import { checksumFiles } from '../../import/sources.ts';
import type { ImportOptions, ImportSummary, ImportTarget } from '../../import/target.ts';

export type NatureKind = 'sic' | 'zps' | 'znieff1' | 'znieff2' | 'pn' | 'pnr' | 'rnn' | 'rnc' | 'rncf';

/** A creation date as published (`2006-11-03`, `20061103`, `03/11/2006`, a Date): the day, ISO. */
export function creationDate(f: SourceFeature): string | null {
  const v = prop(f, 'DATE_CREA', 'date_creat');
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  const s = text(v);
  if (s === null) return null;
  let m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (m) return `${m[3]}-${m[2]}-${m[1]}`;
  throw new Error(`DATE_CREA is not a date: ${JSON.stringify(v)}`);
}

/** Where each column is in the layouts above (first field present wins, any case). */
export const NATURE_SOURCES = {
  id_mnhn: ['ID_MNHN', 'SITECODE'],
  nom_site: ['NOM_SITE', 'SITENAME', 'NOM'],
  url_fiche: ['URL_FICHE', 'URL', 'url_pnr'],
  id_local: ['ID_LOCAL', 'id_pnr'],
  date_crea: creationDate,
  surf_off: ['SURF_OFF', 'Surf_ha'],
} as const;

interface OdsRecord {
  recordid?: string;
  fields?: Record<string, unknown>;
  geometry?: SourceFeature['geometry'];
}

/**
 * The records of an OpenDataSoft JSON export as features: `fields` as properties, `fields.geo_shape`
 * as the geometry (the record's `geometry` is the label point, `geo_point_2d`, used only without a shape).
 */
export function odsFeatures(json: unknown, file: string): SourceFeature[] {
  if (!Array.isArray(json)) throw new ImportError('not an OpenDataSoft records export (a JSON array of records with `fields`)', file);
  return json.map((r: OdsRecord, i) => {
    if (!r || typeof r !== 'object' || typeof r.fields !== 'object' || r.fields === null) throw new ImportError('a record has no `fields` object', file, i + 1);
    const { geo_shape, geo_point_2d, ...fields } = r.fields as Record<string, unknown>;
    void geo_point_2d;
    const geometry = (geo_shape ?? r.geometry ?? null) as SourceFeature['geometry'];
    return { index: i + 1, properties: fields, geometry, id: r.recordid };
  });
}

/**
 * `terroir import nature.pnr-ods export.json`: each file's records loaded through the layer's INPN
 * target (same columns, checks, transaction and dataset sheet as any other file), WGS84 as
 * OpenDataSoft publishes.
 */
export function odsSource(inpnTarget: () => ImportTarget) {
  return async (db: Database, files: string[], opts: ImportOptions): Promise<ImportSummary[]> => {
    const out: ImportSummary[] = [];
    for (const file of files) {
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new ImportError(`cannot read JSON: ${(e as Error).message}`, file);
      }
      const features = odsFeatures(json, file);
      const { checksum } = await checksumFiles([file]);
      out.push(
        await importFeatures(db, inpnTarget(), features, { file, srid: opts.srid ?? 4326, options: opts.options ?? {} }, fileDatasetMeta(file, opts, checksum, { format: 'OpenDataSoft records export' })),
      );
    }
    return out;
  };
}
