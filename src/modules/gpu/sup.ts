/**
 * How servitudes d'utilité publique published under the CNIG SUP standard (v2016b) are read (the
 * `sup` source of the SUP layers in layers.ts):
 * one shapefile per kind and geometry, `<CATEGORIE>_GENERATEUR_SUP_S|L|P.shp` and
 * `<CATEGORIE>_ASSIETTE_SUP_S|L|P.shp` (e.g. `A7_ASSIETTE_SUP_S.shp`), fields IdGen, IdSup, nomGen,
 * typeGen, modeGenere, srcGeoGen, dateSrcGen… and IdAss, IdGen, nomAss, typeAss, modeGeoAss,
 * paramCalc, srcGeoAss, dateSrcAss, plus the category's own attributes (attPart). They fill the same
 * tables the API Carto routes serve (assiette-sup-*, generateur-sup-*).
 *
 * ACTE_SUP and SERVITUDE are plain tables in the standard (no geometry): the GPU's acte-sup layer,
 * which has one, is loaded from its API Carto answers (`gpu.acte-sup-apicarto`).
 */
import { basename } from 'node:path';
import { prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext } from '../../import/target.ts';
import { PARTITION_RE } from './params.ts';

export const SUP_PRODUCER = 'SUP managers (State services, local authorities, network operators), published on the Géoportail de l\u2019Urbanisme';
export const SUP_LICENCE = 'Licence Ouverte 2.0 (Etalab), as published by the Géoportail de l\u2019Urbanisme';
export const SUP_FORMATS = ['ESRI Shapefile of the CNIG SUP standard (<CATEGORIE>_GENERATEUR_SUP_S|L|P, <CATEGORIE>_ASSIETTE_SUP_S|L|P), Lambert-93 or the overseas CRS'];

/** SUP categories as the national nomenclature writes them (A7, AC1, EL11, INT1, PM1bis). */
const CATEGORIE = /^[A-Za-z]{1,4}[0-9]{1,2}(?:[A-Za-z]{1,3})?$/;

/** `<CATEGORIE>_<KIND>_SUP_<S|L|P>[_…].shp`, any case. */
export function supFileRe(kind: 'GENERATEUR' | 'ASSIETTE', geom: 'S' | 'L' | 'P'): RegExp {
  return new RegExp(`^(?:[A-Za-z0-9]{1,12}_)?${kind}_SUP_${geom}(?:_[^.]*)?\\.shp$`, 'i');
}

/**
 * The category of a feature, lower case as the GPU stores `suptype`: a SUPTYPE field when the file
 * has one, else `--option categorie=`, else the file name's prefix (`A7_ASSIETTE_SUP_S.shp` → a7).
 */
export function supCategory(f: SourceFeature, ctx: ImportContext): string {
  const given = text(prop(f, 'SUPTYPE')) ?? ctx.options.categorie?.trim() ?? /^([A-Za-z0-9]{1,12})_(?:GENERATEUR|ASSIETTE)_SUP_/i.exec(basename(ctx.file))?.[1];
  if (!given || !CATEGORIE.test(given)) {
    throw new Error(
      given
        ? `SUP category ${JSON.stringify(given)} is not one of the nomenclature (A7, AC1, EL11, PM1…)`
        : 'the SUP category is unknown: name the file <CATEGORIE>_…_SUP_… as the standard does, or pass --option categorie=AC1',
    );
  }
  return given.toLowerCase();
}

/** The GPU partition of a SUP import: `--option partition=[<SIREN>_]SUP_<territory>_<category>`. */
export function supPartition(ctx: ImportContext): string {
  const given = ctx.options.partition?.trim();
  if (!given) throw new Error('the GPU partition of a SUP is required: --option partition=[<SIREN>_]SUP_<territory>_<category> (e.g. 130007123_SUP_64_A7)');
  if (!PARTITION_RE.test(given) || !/SUP_/.test(given)) throw new Error(`--option partition=${given}: expected [<SIREN>_]SUP_<territory>_<category>`);
  return given;
}
