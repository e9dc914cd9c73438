/**
 * RPG import targets (the declarative contract of src/import/target.ts):
 *
 * - `rpg.parcelle`: 2015+ PARCELLES_GRAPHIQUES (shapefile or GeoJSON; ID_PARCEL, SURF_PARC in ha,
 *   CODE_CULTU, CODE_GROUP, CULTURE_D1, CULTURE_D2), served by /api/rpg/v2;
 * - `rpg.ilot`: 2007–2014 ILOTS_ANONYMES (NUM_ILOT, COMMUNE, FORME_JURI, SURF_DECLA, DEP_RATTAC,
 *   SURF_GRAPH, SURF_CULTU, CODE_CULTU = 2-digit group, NOM_CULTU), served by /api/rpg/v1;
 * - `rpg.parcelle-apicarto` / `rpg.ilot-apicarto`: answers of API Carto itself (GeoJSON with lower-case
 *   property names and GeoServer feature ids `parcelles_graphiques.<n>` / `rpg_<annee>.<n>`), kept with
 *   their feature ids so that Terroir answers the same ids as the reference for the same data.
 *
 * Only level-1 (anonymous, public) attributes exist here. `--annee` is required for every RPG layer.
 */
import { num, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext, ImportTarget } from '../../import/target.ts';

const PRODUCER = 'ASP / IGN (Registre parcellaire graphique)';
const LICENCE = 'Licence Ouverte 2.0 (Etalab)';
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
function datasetIdFor(base: string, ctx: ImportContext, min: number, max: number, suffix?: string): string {
  const parts = [base, String(campagneOf(ctx, min, max, base))];
  const r = regionOption(ctx);
  if (r) parts.push(r);
  const d = depOption(ctx);
  if (d) parts.push(`D${d}`);
  if (suffix) parts.push(suffix);
  return parts.join(':');
}

/** The number of a GeoServer feature id (`parcelles_graphiques.4291895` → 4291895), if the reader kept it. */
function featureIdNumber(f: SourceFeature): number | null {
  const raw = (f as SourceFeature & { id?: unknown }).id ?? prop(f, 'id', 'fid', 'gid');
  if (raw === undefined || raw === null || raw === '') return null;
  const m = /(?:^|\.)(\d{1,15})$/.exec(String(raw).trim());
  return m ? Number(m[1]) : null;
}

function required(v: string | null, field: string): string {
  if (v === null) throw new Error(`${field} is missing`);
  return v;
}

/** ID_PARCEL is a decimal number in every edition; it doubles as the stable feature id number. */
function idParcel(f: SourceFeature): string {
  const v = required(text(prop(f, 'ID_PARCEL')), 'ID_PARCEL');
  // DBF numeric fields may arrive as numbers ("2835674.0" never happens for N(…,0), but be tolerant).
  const s = /^\d+\.0*$/.test(v) ? v.replace(/\.0*$/, '') : v;
  if (!/^\d{1,15}$/.test(s)) throw new Error(`ID_PARCEL is not a number: ${JSON.stringify(v)}`);
  return s;
}

/** Codes stored as text even when a DBF declares them numeric (CODE_GROUP 18 → '18'). */
function code(f: SourceFeature, field: string): string | null {
  const v = prop(f, field);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : (() => { throw new Error(`${field} is not a code: ${v}`); })();
  return text(v);
}

function parcelColumns(gid: (f: SourceFeature) => number): ImportTarget['columns'] {
  return [
    { name: 'campagne', type: 'integer', value: (_f, ctx) => ctx.campagne },
    { name: 'gid', type: 'bigint', value: gid },
    { name: 'id_parcel', type: 'text', value: (f) => idParcel(f) },
    {
      name: 'surf_parc',
      type: 'double precision',
      value: (f) => {
        const v = num(prop(f, 'SURF_PARC'));
        if (v !== null && v < 0) throw new Error(`SURF_PARC is negative: ${v}`);
        return v;
      },
    },
    { name: 'code_cultu', type: 'text', value: (f) => code(f, 'CODE_CULTU')?.toUpperCase() ?? null },
    { name: 'code_group', type: 'text', value: (f) => code(f, 'CODE_GROUP') },
    { name: 'culture_d1', type: 'text', value: (f) => code(f, 'CULTURE_D1')?.toUpperCase() ?? null },
    { name: 'culture_d2', type: 'text', value: (f) => code(f, 'CULTURE_D2')?.toUpperCase() ?? null },
    { name: 'region', type: 'text', value: (_f, ctx) => regionOption(ctx) },
    { name: 'departement', type: 'text', value: (_f, ctx) => depOption(ctx) },
  ];
}

export const rpgParcelle: ImportTarget = {
  layer: 'rpg.parcelle',
  title: 'RPG — parcelles graphiques (2015 and later)',
  table: 'rpg_parcelle',
  geometry: { column: 'geom', type: 'MultiPolygon' },
  formats: ['ESRI Shapefile (PARCELLES_GRAPHIQUES.shp, Lambert-93 or overseas CRS)', 'GeoJSON'],
  requiresCampagne: true,
  columns: parcelColumns((f) => Number(idParcel(f))),
  datasetId: (ctx) => datasetIdFor('rpg.parcelle', ctx, FIRST_PARCEL_YEAR, 9999),
  producer: PRODUCER,
  licence: LICENCE,
};

/** Recorded API Carto v2 answers: same fields in lower case, feature id number kept as gid. */
export const rpgParcelleApicarto: ImportTarget = {
  ...rpgParcelle,
  layer: 'rpg.parcelle-apicarto',
  title: 'RPG — parcelles graphiques, from API Carto /api/rpg/v2 answers',
  formats: ['GeoJSON FeatureCollection as answered by API Carto /api/rpg/v2'],
  columns: parcelColumns((f) => featureIdNumber(f) ?? Number(idParcel(f))),
  datasetId: (ctx) => datasetIdFor('rpg.parcelle', ctx, FIRST_PARCEL_YEAR, 9999, 'apicarto'),
};

/** Surfaces in ha, published with 2 decimals (the reference answers them as strings such as "1.90"). */
function hectares(f: SourceFeature, field: string): number | null {
  const v = num(prop(f, field));
  if (v !== null && v < 0) throw new Error(`${field} is negative: ${v}`);
  return v;
}

/** NUM_ILOT `029-19860` → stable id 29_000019860 (département number × 1e9 + îlot number). */
function ilotGid(f: SourceFeature): number {
  const n = required(text(prop(f, 'NUM_ILOT')), 'NUM_ILOT');
  const m = /^0?(\d{2,3}|2[AB])-(\d{1,9})$/i.exec(n);
  if (!m) throw new Error(`NUM_ILOT is not <département>-<number>: ${JSON.stringify(n)}`);
  const dep = m[1].toUpperCase();
  const depNum = dep === '2A' ? 201 : dep === '2B' ? 202 : Number(dep);
  return depNum * 1e9 + Number(m[2]);
}

function ilotColumns(gid: (f: SourceFeature) => number): ImportTarget['columns'] {
  return [
    { name: 'campagne', type: 'integer', value: (_f, ctx) => ctx.campagne },
    { name: 'gid', type: 'bigint', value: gid },
    { name: 'num_ilot', type: 'text', value: (f) => required(text(prop(f, 'NUM_ILOT')), 'NUM_ILOT') },
    {
      name: 'commune',
      type: 'text',
      value: (f) => {
        const c = code(f, 'COMMUNE');
        if (c === null) return null;
        const s = /^\d{4}$/.test(c) ? `0${c}` : c.toUpperCase();
        if (!/^(\d{5}|2[AB]\d{3})$/.test(s)) throw new Error(`COMMUNE is not an INSEE code: ${JSON.stringify(c)}`);
        return s;
      },
    },
    { name: 'forme_juri', type: 'text', value: (f) => text(prop(f, 'FORME_JURI')) },
    { name: 'surf_decla', type: 'double precision', value: (f) => hectares(f, 'SURF_DECLA') },
    {
      name: 'dep_rattac',
      type: 'text',
      value: (f) => {
        const d = code(f, 'DEP_RATTAC');
        return d !== null && /^\d{1,2}$/.test(d) ? d.padStart(3, '0') : d; // published as '029'
      },
    },
    { name: 'surf_graph', type: 'double precision', value: (f) => hectares(f, 'SURF_GRAPH') },
    { name: 'surf_cultu', type: 'double precision', value: (f) => hectares(f, 'SURF_CULTU') },
    {
      name: 'code_cultu',
      type: 'text',
      value: (f) => {
        const c = code(f, 'CODE_CULTU');
        if (c === null) return null;
        if (!/^\d{1,2}$/.test(c)) throw new Error(`CODE_CULTU is not a 2-digit crop group: ${JSON.stringify(c)}`);
        return c.padStart(2, '0'); // groups are published as '01'…'28'
      },
    },
    { name: 'nom_cultu', type: 'text', value: (f) => text(prop(f, 'NOM_CULTU')) },
    {
      name: 'departement',
      type: 'text',
      value: (f, ctx) => {
        const c = text(prop(f, 'COMMUNE'));
        if (c && /^\d{4,5}$|^2[AB]\d{3}$/i.test(c)) {
          const s = c.length === 4 ? `0${c}` : c.toUpperCase();
          return s.startsWith('97') ? s.slice(0, 3) : s.slice(0, 2);
        }
        return depOption(ctx);
      },
    },
  ];
}

export const rpgIlot: ImportTarget = {
  layer: 'rpg.ilot',
  title: 'RPG — îlots anonymes (2007–2014)',
  table: 'rpg_ilot',
  geometry: { column: 'geom', type: 'MultiPolygon' },
  formats: ['ESRI Shapefile (ILOTS_ANONYMES.shp, Lambert-93 or overseas CRS)', 'GeoJSON'],
  requiresCampagne: true,
  columns: ilotColumns(ilotGid),
  datasetId: (ctx) => datasetIdFor('rpg.ilot', ctx, FIRST_ILOT_YEAR, LAST_ILOT_YEAR),
  producer: PRODUCER,
  licence: LICENCE,
};

/** Recorded API Carto v1 answers (`rpg_<annee>.<n>` ids, every value a string). */
export const rpgIlotApicarto: ImportTarget = {
  ...rpgIlot,
  layer: 'rpg.ilot-apicarto',
  title: 'RPG — îlots anonymes, from API Carto /api/rpg/v1 answers',
  formats: ['GeoJSON FeatureCollection as answered by API Carto /api/rpg/v1'],
  columns: ilotColumns((f) => featureIdNumber(f) ?? ilotGid(f)),
  datasetId: (ctx) => datasetIdFor('rpg.ilot', ctx, FIRST_ILOT_YEAR, LAST_ILOT_YEAR, 'apicarto'),
};

export const RPG_IMPORT_TARGETS: ImportTarget[] = [rpgParcelle, rpgIlot, rpgParcelleApicarto, rpgIlotApicarto];
