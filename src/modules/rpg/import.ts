/**
 * How the RPG's distribution formats are read (the columns and sources of layers.ts use these):
 *
 * - 2015+ PARCELLES_GRAPHIQUES (shapefile or GeoJSON; ID_PARCEL, SURF_PARC in ha, CODE_CULTU,
 *   CODE_GROUP, CULTURE_D1, CULTURE_D2), served by /api/rpg/v2;
 * - 2007–2014 ILOTS_ANONYMES (NUM_ILOT, COMMUNE, FORME_JURI, SURF_DECLA, DEP_RATTAC, SURF_GRAPH,
 *   SURF_CULTU, CODE_CULTU = 2-digit group, NOM_CULTU), served by /api/rpg/v1;
 * - answers of API Carto itself (GeoJSON with lower-case property names and GeoServer feature ids
 *   `parcelles_graphiques.<n>` / `rpg_<annee>.<n>`), kept with their feature ids so that Terroir
 *   answers the same ids as the reference for the same data.
 *
 * Only level-1 (anonymous, public) attributes exist here. `--annee` is required for every RPG layer.
 */
import { num, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext } from '../../import/target.ts';
import { fileKey } from '../../import/dataset-id.ts';

export const PRODUCER = 'ASP / IGN (Registre parcellaire graphique)';
export const LICENCE = 'Licence Ouverte 2.0 (Etalab)';
/** First campaign of each layer: the 2015 CAP reform replaced îlots by parcels. */
export const FIRST_ILOT_YEAR = 2007;
export const LAST_ILOT_YEAR = 2014;
export const FIRST_PARCEL_YEAR = 2015;

function campagneOf(ctx: ImportContext, min: number, max: number, layer: string): number {
  const y = ctx.campagne;
  if (y === undefined || !Number.isInteger(y)) throw new Error(`${layer} needs --annee (the campaign year)`);
  if (y < min || y > max) throw new Error(`${layer}: campaign ${y} outside ${min}–${max === 9999 ? '…' : max}`);
  return y;
}

/** `--option region=53` (or R53) → `R53`; the RPG is published per région since 2015. */
function regionOption(ctx: ImportContext): string | null {
  const v = ctx.options.region?.trim();
  if (!v) return null;
  const m = /^R?(\d{2})$/i.exec(v);
  if (!m) throw new Error(`--option region=${v}: expected a 2-digit région code such as 53 or R53`);
  return `R${m[1]}`;
}

/** `--option dep=29` (or 029, 2A, 971) → `29`, `2A`, `971`; the RPG was published per département until 2014. */
function depOption(ctx: ImportContext): string | null {
  const v = ctx.options.dep?.trim();
  if (!v) return null;
  return normaliseDep(v) ?? (() => { throw new Error(`--option dep=${v}: expected a département code such as 29, 2A or 971`); })();
}

function normaliseDep(v: string): string | null {
  const s = v.trim().toUpperCase();
  if (/^0?(\d{2}|2[AB])$/.test(s)) return s.length === 3 ? s.slice(1) : s;
  if (/^9[78]\d$/.test(s)) return s;
  return null;
}

/** `<layer>:<annee>[:R<région>][:D<dép>]`: one dataset per campaign and published file extent. */
export function datasetIdFor(base: string, ctx: ImportContext, min: number, max: number, suffix?: string): string {
  const parts = [base, String(campagneOf(ctx, min, max, base))];
  const r = regionOption(ctx);
  if (r) parts.push(r);
  const d = depOption(ctx);
  if (d) parts.push(`D${d}`);
  // Without a région or département, the file names its dataset: two files of one campaign are two
  // datasets, both served (the IGN deliveries are all PARCELLES_GRAPHIQUES: fileKey keeps their folder).
  if (!r && !d) parts.push(fileKey(ctx.file));
  if (suffix) parts.push(suffix);
  return parts.join(':');
}

/** The number of a GeoServer feature id (`parcelles_graphiques.4291895` → 4291895), if the reader kept it. */
export function featureIdNumber(f: SourceFeature): number | null {
  const raw = (f as SourceFeature & { id?: unknown }).id ?? prop(f, 'id', 'fid', 'gid');
  if (raw === undefined || raw === null || raw === '') return null;
  const m = /(?:^|\.)(\d{1,15})$/.exec(String(raw).trim());
  return m ? Number(m[1]) : null;
}

export function required(v: string | null, field: string): string {
  if (v === null) throw new Error(`${field} is missing`);
  return v;
}

/** ID_PARCEL is a decimal number in every edition; it doubles as the stable feature id number. */
export function idParcel(f: SourceFeature): string {
  const v = required(text(prop(f, 'ID_PARCEL')), 'ID_PARCEL');
  // DBF numeric fields may arrive as numbers ("2835674.0" never happens for N(…,0), but be tolerant).
  const s = /^\d+\.0*$/.test(v) ? v.replace(/\.0*$/, '') : v;
  if (!/^\d{1,15}$/.test(s)) throw new Error(`ID_PARCEL is not a number: ${JSON.stringify(v)}`);
  return s;
}

/** Codes stored as text even when a DBF declares them numeric (CODE_GROUP 18 → '18'). */
export function code(f: SourceFeature, field: string): string | null {
  const v = prop(f, field);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : (() => { throw new Error(`${field} is not a code: ${v}`); })();
  return text(v);
}

/** A code read upper-cased (crop codes: `pph` → `PPH`). */
export const upperCode = (field: string) => (f: SourceFeature) => code(f, field)?.toUpperCase() ?? null;

/** A surface in ha, never negative (published with 2 decimals; the reference answers îlot ones as strings such as "1.90"). */
export const hectares = (field: string) => (f: SourceFeature) => {
  const v = num(prop(f, field));
  if (v !== null && v < 0) throw new Error(`${field} is negative: ${v}`);
  return v;
};

/** --option region / dep: the published extent of the file, when given. */
export const regionOf = (_f: SourceFeature, ctx: ImportContext) => regionOption(ctx);
export const depOf = (_f: SourceFeature, ctx: ImportContext) => depOption(ctx);

/** NUM_ILOT `029-19860` → stable id 29_000019860 (département number × 1e9 + îlot number). */
export function ilotGid(f: SourceFeature): number {
  const n = required(text(prop(f, 'NUM_ILOT')), 'NUM_ILOT');
  const m = /^0?(\d{2,3}|2[AB])-(\d{1,9})$/i.exec(n);
  if (!m) throw new Error(`NUM_ILOT is not <département>-<number>: ${JSON.stringify(n)}`);
  const dep = m[1].toUpperCase();
  const depNum = dep === '2A' ? 201 : dep === '2B' ? 202 : Number(dep);
  return depNum * 1e9 + Number(m[2]);
}

export const numIlot = (f: SourceFeature) => required(text(prop(f, 'NUM_ILOT')), 'NUM_ILOT');

/** COMMUNE as an INSEE code (DBF numbers lose the leading zero: 9158 → 09158). */
export function ilotCommune(f: SourceFeature): string | null {
  const c = code(f, 'COMMUNE');
  if (c === null) return null;
  const s = /^\d{4}$/.test(c) ? `0${c}` : c.toUpperCase();
  if (!/^(\d{5}|2[AB]\d{3})$/.test(s)) throw new Error(`COMMUNE is not an INSEE code: ${JSON.stringify(c)}`);
  return s;
}

/** DEP_RATTAC as published: '029'. */
export function depRattac(f: SourceFeature): string | null {
  const d = code(f, 'DEP_RATTAC');
  return d !== null && /^\d{1,2}$/.test(d) ? d.padStart(3, '0') : d;
}

/** CODE_CULTU of an îlot: the 2-digit crop group, '01'…'28'. */
export function ilotGroup(f: SourceFeature): string | null {
  const c = code(f, 'CODE_CULTU');
  if (c === null) return null;
  if (!/^\d{1,2}$/.test(c)) throw new Error(`CODE_CULTU is not a 2-digit crop group: ${JSON.stringify(c)}`);
  return c.padStart(2, '0');
}

/** The département of an îlot: from COMMUNE, else --option dep. */
export function ilotDepartement(f: SourceFeature, ctx: ImportContext): string | null {
  const c = text(prop(f, 'COMMUNE'));
  if (c && /^\d{4,5}$|^2[AB]\d{3}$/i.test(c)) {
    const s = c.length === 4 ? `0${c}` : c.toUpperCase();
    return s.startsWith('97') ? s.slice(0, 3) : s.slice(0, 2);
  }
  return depOption(ctx);
}
