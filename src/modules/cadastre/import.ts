/**
 * How the cadastre's distribution formats are read: one row function per layer (the `row` of its
 * source in layers.ts), which reads, feature by feature, whichever of these layouts the file has:
 *
 * - Etalab cadastre GeoJSON (cadastre.data.gouv.fr, `cadastre-<insee|dep>-<layer>.json[.gz]`):
 *   parcelles (`id` = IDU, commune, prefixe, section, numero, contenance, arpente, created, updated),
 *   feuilles (id, commune, prefixe, section, numero = sheet, qualite, modeConfection, echelle…),
 *   communes (id, nom, created, updated);
 * - DGFiP "PCI vecteur" GeoJSON communes (TEX2, IDU = 3-digit commune, DATE_OBS, DATE_MAJ), with the
 *   INSEE code from `--option code_insee=` or the file name;
 * - API Carto answers (`/api/cadastre/<layer>` FeatureCollections: the final property names, GeoServer
 *   feature ids such as `parcelle.3351542` kept as ids), so that recorded answers can be replayed.
 *
 * Loading parcels alone gives a working module: afterLoad (derive.ts) derives communes, feuilles, divisions and
 * localisants from them (derive.ts). Options: `nom_com=` (commune name when the COG does not know
 * the code), `edition=` (feuille `edition`, e.g. the Etalab vintage 2025-09-01), `derive=false`,
 * `dataset=` (the dataset key; default: the code in the file name, else the file name).
 */
import { basename } from 'node:path';
import { bool, day, int, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext } from '../../import/target.ts';
import { communeCodes, communeName, splitInsee, INSEE_RE } from './codes.ts';
import { communeGid, feuilleGid, parcelGid } from './gid.ts';

export const PRODUCER = 'DGFiP (plan cadastral informatisé), redistributed by Etalab / IGN';
export const LICENCE = 'Licence Ouverte 2.0 (Etalab)';

/** The number of a GeoServer feature id (`parcelle.3351542` → 3351542), when the reader kept the id. */
function featureIdNumber(f: SourceFeature): number | null {
  const raw = f.id;
  if (raw === undefined || raw === null) return null;
  const m = /^[a-z_]+\.(\d{1,15})$/i.exec(String(raw).trim());
  return m ? Number(m[1]) : null;
}

/** API Carto answers carry their final names; Etalab and DGFiP files never have `code_insee`/`code_dep`. */
function isApicarto(f: SourceFeature): boolean {
  return 'code_dep' in f.properties || 'code_insee' in f.properties;
}

function required<T>(v: T | null, field: string): T {
  if (v === null) throw new Error(`${field} is missing`);
  return v;
}

function code(f: SourceFeature, field: string, re: RegExp, what: string, pad = 0): string {
  const raw = prop(f, field);
  const v = required(text(typeof raw === 'number' ? String(raw) : raw), field).toUpperCase().padStart(pad, '0');
  if (!re.test(v)) throw new Error(`${field} is not ${what}: ${JSON.stringify(raw)}`);
  return v;
}

const insee = (f: SourceFeature, field: string) => code(f, field, INSEE_RE, 'an INSEE commune code', 5);
const section = (f: SourceFeature, field = 'section') => code(f, field, /^[0-9A-Z]{2}$/, 'a section code of 1 or 2 characters', 2);
const prefixe = (f: SourceFeature, field: string) => (prop(f, field) == null ? '000' : code(f, field, /^\d{3}$/, 'a 3-digit prefix', 3));
const arr = (f: SourceFeature) => (prop(f, 'code_arr') == null ? '000' : code(f, 'code_arr', /^\d{3}$/, 'a 3-digit arrondissement code', 3));

function positiveInt(f: SourceFeature, field: string): number | null {
  const v = int(prop(f, field));
  if (v !== null && v < 0) throw new Error(`${field} is negative: ${v}`);
  return v;
}

/** `--option nom_com=…` wins; then the name the file carries; then the INSEE COG. */
function nomCom(f: SourceFeature, ctx: ImportContext, codeInsee: string, own?: unknown): string | null {
  return text(ctx.options.nom_com) ?? text(own) ?? communeName(codeInsee);
}

/** The cadastral commune of a row: what Etalab calls `commune` (75112 for Paris 12e). */
interface Place {
  code_insee: string;
  code_dep: string;
  code_com: string;
  code_arr: string;
  com_abs: string;
  nom_com: string | null;
}

function apicartoPlace(f: SourceFeature, ctx: ImportContext): Place {
  const codeInsee = prop(f, 'code_insee') != null ? insee(f, 'code_insee') : code(f, 'code_dep', /^(\d{2}|2[AB]|97\d)$/, 'a département code') + code(f, 'code_com', /^\d{2,3}$/, 'a commune code');
  if (!INSEE_RE.test(codeInsee)) throw new Error(`code_dep + code_com is not an INSEE code: ${codeInsee}`);
  const split = splitInsee(codeInsee);
  return {
    code_insee: codeInsee,
    code_dep: text(prop(f, 'code_dep'))?.toUpperCase() ?? split.code_dep,
    code_com: text(prop(f, 'code_com')) ?? split.code_com,
    code_arr: arr(f),
    com_abs: prefixe(f, 'com_abs'),
    nom_com: nomCom(f, ctx, codeInsee, prop(f, 'nom_com')),
  };
}

function etalabPlace(f: SourceFeature, ctx: ImportContext, commune: string, prefix: string): Place {
  const c = communeCodes(commune);
  return { ...c, com_abs: prefix, nom_com: nomCom(f, ctx, c.code_insee) };
}

// ---------------------------------------------------------------------------------------- parcels

/** A parcel row (the Etalab or API Carto layout); its members are the columns of cadastre.parcelle. */
export function parcel(f: SourceFeature, ctx: ImportContext) {
  const numero = code(f, 'numero', /^\d{4}$/, 'a parcel number of 1 to 4 digits', 4);
  const sec = section(f);
  if (isApicarto(f)) {
    const place = apicartoPlace(f, ctx);
    const idu = text(prop(f, 'idu'))?.toUpperCase() ?? `${place.code_insee}${place.com_abs}${sec}${numero}`;
    const gid = int(prop(f, 'gid')) ?? parcelGid(idu);
    return {
      ...place,
      fid: featureIdNumber(f) ?? gid,
      gid,
      idu,
      section: sec,
      numero,
      feuille: positiveInt(f, 'feuille') ?? 1,
      contenance: positiveInt(f, 'contenance'),
      arpente: null,
      created: null,
      updated: null,
    };
  }
  const commune = insee(f, 'commune');
  const prefix = prefixe(f, 'prefixe');
  const idu = `${commune}${prefix}${sec}${numero}`;
  const id = text(prop(f, 'id'));
  if (id !== null && id.toUpperCase() !== idu) throw new Error(`id ${id} does not match commune + prefixe + section + numero (${idu})`);
  const gid = parcelGid(idu);
  return {
    ...etalabPlace(f, ctx, commune, prefix),
    fid: gid,
    gid,
    idu,
    section: sec,
    numero,
    // Etalab parcels carry no sheet: 1 (the sheet of almost every section) until a feuilles file says otherwise.
    feuille: 1,
    contenance: positiveInt(f, 'contenance'),
    arpente: bool(prop(f, 'arpente'), 'arpente'),
    created: day(prop(f, 'created'), 'created'),
    updated: day(prop(f, 'updated'), 'updated'),
  };
}

/** `cadastre.<layer>:<key>`: the code of an Etalab file name (commune or département), else the file name. */
export function datasetIdFor(layer: string, ctx: ImportContext): string {
  const explicit = text(ctx.options.dataset);
  if (explicit) return `cadastre.${layer}:${explicit}`;
  const name = basename(ctx.file).replace(/(\.json|\.geojson)?(\.gz)?$/i, '');
  const m = /^(?:cadastre|pci)-((?:\d{2}|2[AB])\d{0,3}|97\d{0,3})-/i.exec(name);
  return `cadastre.${layer}:${m ? m[1].toUpperCase() : name}`;
}



// ------------------------------------------------------------------------------------- localisants

export function localisant(f: SourceFeature, ctx: ImportContext) {
  if (!isApicarto(f)) throw new Error('a localisant needs the API Carto layout (code_insee or code_dep + code_com, section, numero)');
  const p = parcel(f, ctx);
  return { ...p };
}


// ---------------------------------------------------------------------------------------- feuilles

function echelle(f: SourceFeature): string | null {
  const v = prop(f, 'echelle');
  if (v === null || v === undefined || v === '') return null;
  const s = String(v).trim();
  if (!/^\d{1,6}$/.test(s)) throw new Error(`echelle is not a scale denominator: ${JSON.stringify(v)}`);
  return s;
}

export function feuille(f: SourceFeature, ctx: ImportContext) {
  const sec = section(f);
  if (isApicarto(f)) {
    const place = apicartoPlace(f, ctx);
    const n = required(positiveInt(f, 'feuille'), 'feuille');
    const gid = int(prop(f, 'gid')) ?? feuilleGid(place.code_insee, place.com_abs, sec, n);
    const ed = prop(f, 'edition');
    return { ...place, fid: featureIdNumber(f) ?? gid, gid, feuille: n, section: sec, echelle: echelle(f), edition: ed == null ? text(ctx.options.edition) : String(ed) };
  }
  // Etalab feuilles: `numero` is the sheet number ('01'), `id` = commune + prefixe + section + sheet.
  const commune = insee(f, 'commune');
  const prefix = prefixe(f, 'prefixe');
  const n = required(positiveInt(f, 'numero'), 'numero');
  const gid = feuilleGid(commune, prefix, sec, n);
  return { ...etalabPlace(f, ctx, commune, prefix), fid: gid, gid, feuille: n, section: sec, echelle: echelle(f), edition: text(ctx.options.edition) };
}


// --------------------------------------------------------------------------------------- divisions

export function division(f: SourceFeature, ctx: ImportContext) {
  if (!isApicarto(f)) throw new Error('a division needs the API Carto layout (load Etalab feuilles with cadastre.feuille: it gives the divisions too)');
  const place = apicartoPlace(f, ctx);
  const sec = section(f);
  const n = required(positiveInt(f, 'feuille'), 'feuille');
  return {
    ...place,
    fid: featureIdNumber(f) ?? feuilleGid(place.code_insee, place.com_abs, sec, n),
    feuille: n,
    section: sec,
    echelle: echelle(f),
    edition: int(prop(f, 'edition')),
  };
}


// ---------------------------------------------------------------------------------------- communes

/** The INSEE code of a DGFiP PCI commune file: `--option code_insee=`, else the file name (pci-72187-commune). */
function inseeFromContext(ctx: ImportContext): string {
  const o = text(ctx.options.code_insee)?.toUpperCase();
  const m = /(?:^|[-_])((?:\d{2}|2[AB])\d{3})(?=[-_.])/i.exec(basename(ctx.file));
  const c = o ?? m?.[1]?.toUpperCase();
  if (!c || !INSEE_RE.test(c)) throw new Error('a DGFiP commune (IDU of 3 digits) needs --option code_insee=<INSEE code> or the code in the file name');
  return c;
}

export function commune(f: SourceFeature, ctx: ImportContext) {
  if (isApicarto(f)) {
    const place = apicartoPlace(f, ctx);
    const gid = int(prop(f, 'gid')) ?? communeGid(place.code_insee);
    return { fid: featureIdNumber(f) ?? gid, gid, nom_com: place.nom_com, code_dep: place.code_dep, code_com: place.code_com, code_insee: place.code_insee };
  }
  let codeInsee: string;
  let own: unknown;
  if (prop(f, 'TEX2') !== undefined || /^\d{3}$/.test(text(prop(f, 'IDU')) ?? '')) {
    codeInsee = inseeFromContext(ctx);
    const idu = text(prop(f, 'IDU'));
    if (idu && idu !== codeInsee.slice(2)) throw new Error(`IDU ${idu} is not the commune part of ${codeInsee}`);
    own = undefined; // TEX2 is the upper-case label of the plan ("MARIGNE LAILLE"): the COG name is better
  } else {
    codeInsee = insee(f, 'id');
    own = prop(f, 'nom');
  }
  const c = communeCodes(codeInsee);
  const gid = communeGid(c.code_insee);
  return { fid: gid, gid, nom_com: nomCom(f, ctx, c.code_insee, own), code_dep: c.code_dep, code_com: c.code_com, code_insee: c.code_insee };
}


