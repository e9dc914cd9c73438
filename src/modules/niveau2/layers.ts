/**
 * The two graphic classes of level 2 (annex 1 §2), declared once in the catalogue: ILOT_aaaa_ddd and
 * PARCELLE_GRAPHIQUE_aaaa_ddd. Their access rule is restricted: OGC API, tiles and /api/datasets read
 * it and never show them to open callers. The tables without geometry (descriptions, farms, MAEC,
 * payments) are catalogue tables (defineTable) declared in tables.ts and loaded by import.ts from
 * their field names there (the import engine loads geometries).
 */
import { basename, extname } from 'node:path';
import { defineLayer } from '../../catalog/layer.ts';
import { bigint, integer, text } from '../../catalog/fields.ts';
import type { AccessRule } from '../../auth/access.ts';
import type { ImportContext } from '../../import/target.ts';
import type { SourceFeature } from '../../import/readers/feature.ts';
import { importFiles } from '../../import/engine.ts';
import { importDelivery } from './import.ts';
import { LICENCE, PRODUCER } from './tables.ts';


/**
 * Who reads level-2 layers directly: State services holding `rpg:niveau2:lire`, inside their
 * territory. Other bodies receive extractions of accepted requests only.
 */
export const N2_ACCESS: AccessRule = { scope: 'rpg:niveau2:lire', territory: [{ in: 'query', name: 'geom', kind: 'geom' }] };

/** `ILOT_2021_047.shp` → campaign 2021, département 047 → 47: the ASP's file naming. */
export function deliveryOf(ctx: ImportContext): { campagne: number; departement: string } {
  const m = /_(\d{4})_(\d{3}|02[AB])$/i.exec(basename(ctx.file, extname(ctx.file)));
  const campagne = ctx.campagne ?? (m ? Number(m[1]) : undefined);
  if (campagne === undefined) throw new Error('campaign unknown: give --annee, or name the file <CLASS>_<aaaa>_<ddd> as the ASP does');
  const raw = ctx.options.dep ?? (m ? m[2] : undefined);
  if (!raw) throw new Error('département unknown: give --option dep=<code>, or name the file <CLASS>_<aaaa>_<ddd> as the ASP does');
  const s = raw.trim().toUpperCase().replace(/^0(?=\d{2}$|2[AB]$)/, '');
  if (!/^(\d{2}|2[AB]|9[78]\d)$/.test(s)) throw new Error(`département ${JSON.stringify(raw)}: expected a code such as 47, 2A or 971`);
  return { campagne, departement: s };
}

const datasetId = (layer: string) => (ctx: ImportContext) => {
  const d = deliveryOf(ctx);
  return `${layer}:${d.campagne}:D${d.departement}`;
};

/** A positive integer identifier (ID_ILOT, ID_PARCELLE: NUMERIQUE 8). */
const idFrom = (...names: string[]) => (f: SourceFeature) => {
  for (const [k, v] of Object.entries(f.properties ?? {})) {
    if (!names.includes(k.toUpperCase())) continue;
    const n = Number(typeof v === 'string' ? v.trim() : v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${k}: ${JSON.stringify(v)} is not a positive integer`);
    return n;
  }
  throw new Error(`${names[0]} missing`);
};

/** Campaign and département of the delivery (its file name, else --annee and --option dep): the partition keys of both classes. */
const DELIVERY_KEYS = {
  campagne: integer({ hidden: true, from: (_f, ctx) => deliveryOf(ctx).campagne }),
  departement: text({ hidden: true, from: (_f, ctx) => deliveryOf(ctx).departement }),
};

const common = {
  geometry: { type: 'MultiPolygon' },
  access: N2_ACCESS,
  campaign: 'campagne',
  partitionedBy: ['campagne', 'departement'],
  producer: PRODUCER,
  licence: LICENCE,
} as const;

export const N2_ILOT = defineLayer({
  ...common,
  id: 'rpg-n2.ilot',
  title: 'RPG niveau 2 — îlots (ILOT), restreint',
  description: 'Level-2 îlots (ILOT_aaaa_ddd: ID_ILOT and geometry). Restricted: State services with rpg:niveau2:lire, or extractions of accepted requests.',
  table: 'rpg_n2_ilot',
  idColumn: 'id_ilot',
  featureId: { prefix: 'ilot' },
  fields: {
    ...DELIVERY_KEYS,
    id_ilot: bigint({ from: idFrom('ID_ILOT') }),
  },
  import: {
    asp: { title: 'ILOT_aaaa_ddd (ASP level-2 delivery, shapefile)', formats: ['ESRI Shapefile ILOT_<aaaa>_<ddd>.shp with ID_ILOT'], match: /^ILOT_(?!DESCRIPTION)/i, datasetId: datasetId('rpg-n2.ilot') },
  },
});

export const N2_PARCELLE_GRAPHIQUE = defineLayer({
  ...common,
  id: 'rpg-n2.parcelle-graphique',
  title: 'RPG niveau 2 — parcelles instruites (PARCELLE_GRAPHIQUE), restreint',
  description: 'Level-2 instructed parcels (PARCELLE_GRAPHIQUE_aaaa_ddd: ID_PARCELLE and geometry). Restricted: State services with rpg:niveau2:lire, or extractions of accepted requests.',
  table: 'rpg_n2_parcelle_graphique',
  idColumn: 'id_parcelle',
  featureId: { prefix: 'parcelle' },
  fields: {
    ...DELIVERY_KEYS,
    id_parcelle: bigint({ from: idFrom('ID_PARCELLE', 'ID_PARCEL') }),
  },
  import: {
    asp: {
      title: 'PARCELLE_GRAPHIQUE_aaaa_ddd (ASP level-2 delivery, shapefile)',
      formats: ['ESRI Shapefile PARCELLE_GRAPHIQUE_<aaaa>_<ddd>.shp with ID_PARCELLE'],
      match: /^PARCELLE_GRAPHIQUE/i,
      datasetId: datasetId('rpg-n2.parcelle-graphique'),
    },
    // A whole ASP delivery (folder or files): both graphic classes and every table without geometry.
    livraison: {
      suffix: 'livraison',
      title: 'RPG niveau 2 — a whole ASP delivery (ILOT, PARCELLE_GRAPHIQUE shapefiles; ILOT_DESCRIPTION, parcel descriptions, EXPLOITANTS, EXPLOITANTS_ETAT, MAEC, PILIER1, PILIER2 as DBF or CSV)',
      formats: ['A folder, files or zip archive(s) of the ASP level-2 delivery: shapefiles and DBF/CSV tables with the instruction’s field names'],
      datasetId: datasetId('rpg-n2.parcelle-graphique'),
      importSource: (db, files, opts) =>
        importDelivery(db, files, opts, { ilot: N2_ILOT.targets[0], parcelle: N2_PARCELLE_GRAPHIQUE.targets[0] }, importFiles),
    },
  },
});

export const N2_LAYERS = [N2_ILOT, N2_PARCELLE_GRAPHIQUE];
