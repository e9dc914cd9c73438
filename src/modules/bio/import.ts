/**
 * How organic parcels are read, whatever the layout (detected per feature):
 *
 * - **RPG bio** of data.gouv.fr (`.shp.zip` or `.geojson.gz`, national or per région): MILLESIME,
 *   BIO (until 2020), CODE_CULTU, LBL_CULTU, GRP_CULTU, PRECISION (2023+), SURFACE_HA, and from 2021
 *   CODE_COMMUNE_INSEE, LBL_COMMUNE, CODE_EPCI, CODE_DEPARTEMENT, CODE_REGION (shapefiles truncate
 *   the names to 10 characters: CODE_COMMU, LBL_COMMUN, CODE_DEPAR, CODE_REGIO). Anonymised: no farm
 *   or parcel number, so the pseudonym is keyed on the millésime and the geometry.
 * - **CartoBio** GeoJSON (an operator's parcellaire as CartoBio exports it): feature `id`
 *   (`<îlot>.<parcelle>`), `com`, `culture_type` (PAC codes), `niveau_conversion`, `engagement_date`;
 *   the farm number from a `numero_pacage`/`numerobio` member or `--option exploitation=…`.
 *
 * After each load (inside the swap transaction) afterLoad completes what the source lacks: crop label
 * and group from the RPG nomenclature, CPF code, commune/EPCI/département/région from the loaded
 * contours (RPG bio before 2021 has none), and the area in the parcel's legal projection.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Queryable } from '../../db/database.ts';
import { day, int, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext } from '../../import/target.ts';

export const PRODUCER = 'ASP / Agence BIO (RPG bio, parcelles en agriculture biologique déclarées à la PAC)';
export const LICENCE = 'Licence Ouverte 2.0 (Etalab)';
export const CONVERSION_STAGES = ['CONV', 'C1', 'C2', 'C3', 'AB', 'AB?'] as const;
export type ConversionStage = (typeof CONVERSION_STAGES)[number];

/** What one source feature gives, whatever its layout (the layer's columns take their member). */
export interface BioRow {
  millesime: number;
  cle_source: string;
  code_culture: string | null;
  label_culture: string | null;
  groupe_culture: string | null;
  precision: string | null;
  bio: number;
  conversion: ConversionStage;
  date_engagement: string | null;
  code_commune: string | null;
  nom_commune: string | null;
  code_epci: string | null;
  code_departement: string | null;
  code_region: string | null;
}

/** Codes stored as text even when a DBF declares them numeric, left-padded to their published width. */
function code(f: SourceFeature, width: number, ...fields: string[]): string | null {
  const v = prop(f, ...fields);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`${fields[0]} is not a code: ${v}`);
    return String(v).padStart(width, '0');
  }
  const s = text(v);
  return s !== null && /^\d+$/.test(s) ? s.padStart(width, '0') : s;
}

function millesimeOf(f: SourceFeature, ctx: ImportContext): number {
  const own = int(prop(f, 'MILLESIME', 'millesime'));
  const given = ctx.campagne;
  if (own !== null && given !== undefined && own !== given) throw new Error(`MILLESIME ${own} differs from --annee ${given}`);
  const y = own ?? given;
  if (y === undefined || y === null) throw new Error('MILLESIME is missing: give --annee (the campaign year)');
  if (y < 2010 || y > 2100) throw new Error(`MILLESIME ${y} is outside 2010–2100`);
  return y;
}

/** CartoBio's stored levels and the aliases it accepts (reference/cartobio.md §6.4); empty = not yet known = `AB?`. */
export function conversionStage(raw: unknown): ConversionStage {
  const s = text(raw)?.toUpperCase() ?? null;
  if (s === null || s === 'BIO' || s === 'AB?') return 'AB?';
  if (s === 'CONV' || s === 'C0' || s === 'NB') return 'CONV';
  if (s === 'C1' || s === 'C2' || s === 'C3' || s === 'AB') return s;
  throw new Error(`niveau_conversion ${JSON.stringify(raw)} is not one of CONV, C1, C2, C3, AB, BIO`);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

function isCartobio(f: SourceFeature): boolean {
  return prop(f, 'culture_type', 'niveau_conversion') !== undefined && prop(f, 'CODE_CULTU') === undefined;
}

function rpgBioRow(f: SourceFeature, ctx: ImportContext): BioRow {
  const millesime = millesimeOf(f, ctx);
  const bio = int(prop(f, 'BIO')) ?? 1;
  if (bio !== 0 && bio !== 1) throw new Error(`BIO is ${bio}, expected 0 or 1`);
  const culture = text(prop(f, 'CODE_CULTU'))?.toUpperCase() ?? null;
  if (culture === null) throw new Error('CODE_CULTU is missing');
  // No farm or parcel number in the open data: the parcel is its geometry in its campaign.
  const cle = `rpgbio:${millesime}:${sha(JSON.stringify(f.geometry))}`;
  return {
    millesime,
    cle_source: cle,
    code_culture: culture,
    label_culture: text(prop(f, 'LBL_CULTU')),
    groupe_culture: text(prop(f, 'GRP_CULTU')),
    precision: code(f, 3, 'PRECISION'),
    bio,
    conversion: bio === 1 ? 'AB?' : 'CONV',
    date_engagement: null,
    code_commune: code(f, 5, 'CODE_COMMUNE_INSEE', 'CODE_COMMU', 'INSEE_COM'),
    nom_commune: text(prop(f, 'LBL_COMMUNE', 'LBL_COMMUN')),
    code_epci: code(f, 9, 'CODE_EPCI'),
    code_departement: code(f, 2, 'CODE_DEPARTEMENT', 'CODE_DEPAR'),
    code_region: code(f, 2, 'CODE_REGION', 'CODE_REGIO'),
  };
}

function cartobioRow(f: SourceFeature, ctx: ImportContext): BioRow {
  const millesime = millesimeOf(f, ctx);
  const id = text(f.id ?? prop(f, 'id', 'numero'));
  if (id === null) throw new Error('id is missing (the parcel number, <îlot>.<parcelle>)');
  const farm = text(prop(f, 'numero_pacage', 'pacage', 'numerobio')) ?? text(ctx.options.exploitation);
  if (farm === null) throw new Error('the farm number is missing: a numero_pacage member, or --option exploitation=<PACAGE or numéro bio>');
  const cultures = prop(f, 'culture_type', 'cultures');
  const first = Array.isArray(cultures) ? cultures[0] : cultures;
  const culture = text(typeof first === 'object' && first !== null ? (first as Record<string, unknown>).TYPE ?? (first as Record<string, unknown>).CPF : first)?.toUpperCase() ?? null;
  const conversion = conversionStage(prop(f, 'niveau_conversion', 'conversion_niveau'));
  return {
    millesime,
    cle_source: `cartobio:${farm}:${id}`,
    code_culture: culture,
    label_culture: null,
    groupe_culture: null,
    precision: code(f, 3, 'precision', 'code_precision_pac'),
    bio: conversion === 'CONV' ? 0 : 1,
    conversion,
    date_engagement: day(prop(f, 'engagement_date', 'date_engagement'), 'engagement_date'),
    code_commune: code(f, 5, 'com', 'commune'),
    nom_commune: null,
    code_epci: null,
    code_departement: null,
    code_region: null,
  };
}

/** One parse per feature (the catalogue memoizes it): the layout is recognised by its members. */
export function bioRow(f: SourceFeature, ctx: ImportContext): BioRow {
  return isCartobio(f) ? cartobioRow(f, ctx) : rpgBioRow(f, ctx);
}

/** One dataset per published file (a national file, or one per région), per campaign when given. */
export function datasetIdFor(ctx: ImportContext): string {
  const name = basename(ctx.file).replace(/(\.(shp|geojson|json|gz|zip))+$/i, '');
  const extent = text(ctx.options.extent) ?? name;
  return ['bio.parcelle', ...(ctx.campagne ? [String(ctx.campagne)] : []), extent].join(':');
}

/**
 * The legal projection of a parcel (reference/cartobio.md §6.1), from where it lies: Antilles 5490,
 * Guyane 2972, Réunion 2975, Mayotte 4471, else Lambert-93. By position, so a parcel with no
 * commune yet gets the right one too.
 */
export function legalSridSql(g: string): string {
  const x = `ST_X(ST_PointOnSurface(${g}))`;
  const y = `ST_Y(ST_PointOnSurface(${g}))`;
  return `CASE WHEN ${x} BETWEEN -63.5 AND -60.5 AND ${y} BETWEEN 14 AND 18.5 THEN 5490
    WHEN ${x} BETWEEN -55 AND -51 AND ${y} BETWEEN 1.5 AND 6.5 THEN 2972
    WHEN ${x} BETWEEN 55 AND 56 AND ${y} BETWEEN -21.5 AND -20.7 THEN 2975
    WHEN ${x} BETWEEN 44.8 AND 45.5 AND ${y} BETWEEN -13.2 AND -12.4 THEN 4471
    ELSE 2154 END`;
}

/** Completes the rows of `datasetId` (inside the swap transaction): labels, CPF, units, area. */
export async function completeParcels(tx: Queryable, datasetId: string): Promise<void> {
  await tx.query(
    `UPDATE bio_parcelle t SET label_culture = coalesce(t.label_culture, n.libelle), code_groupe = n.code_groupe
     FROM nomenclature_culture n WHERE t.dataset_id = $1 AND n.code = t.code_culture`,
    [datasetId],
  );
  await tx.query(
    `UPDATE bio_parcelle t SET groupe_culture = g.libelle FROM nomenclature_groupe g
     WHERE t.dataset_id = $1 AND t.groupe_culture IS NULL AND g.code = t.code_groupe`,
    [datasetId],
  );
  await tx.query(`UPDATE bio_parcelle t SET code_cpf = c.code_cpf FROM bio_correspondance_cpf c WHERE t.dataset_id = $1 AND c.code_pac = t.code_culture`, [datasetId]);
  // The commune holding a point of the parcel (a parcel on a boundary gets one of them, deterministically).
  await tx.query(
    `UPDATE bio_parcelle t SET code_commune = (
       SELECT c.code FROM limites_commune c WHERE c.geom && t.geom AND ST_Intersects(c.geom, ST_PointOnSurface(t.geom)) ORDER BY c.code LIMIT 1)
     WHERE t.dataset_id = $1 AND t.code_commune IS NULL`,
    [datasetId],
  );
  await tx.query(
    `UPDATE bio_parcelle t SET nom_commune = coalesce(t.nom_commune, c.nom), code_departement = coalesce(t.code_departement, c.departement),
       code_region = coalesce(t.code_region, c.region), code_epci = coalesce(t.code_epci, m.epci)
     FROM limites_commune c LEFT JOIN limites_epci_commune m ON m.commune = c.code
     WHERE t.dataset_id = $1 AND c.code = t.code_commune`,
    [datasetId],
  );
  await tx.query(`UPDATE bio_parcelle t SET surface_ha = round((ST_Area(ST_Transform(t.geom, ${legalSridSql('t.geom')})) / 1e4)::numeric, 4)::float8 WHERE t.dataset_id = $1`, [
    datasetId,
  ]);
}
