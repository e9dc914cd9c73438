/**
 * The five cadastre layers, each declared once, with the reference's property names and order
 * (apicarto.md §6.3, PCI Express as observed in 2025; division = BD Parcellaire `divcad`). Feature
 * ids read `<prefix>.<fid>` like GeoServer's; `fid` is also the paging order. The columns the
 * layers share are written once below (COLUMNS) and picked by each layer in its own order.
 *
 * Every layer loads from Etalab cadastre files or API Carto answers (import.ts reads either layout,
 * one row per feature); loading parcels alone derives the other four (derive.ts).
 */
import { defineLayer, type ColumnSpec, type LayerSpec, type SourceSpec } from '../../catalog/layer.ts';
import { bigint, boolean, date, integer, text } from '../../catalog/fields.ts';
import { afterCommuneLoad, afterDivisionLoad, afterFeuilleLoad, afterLocalisantLoad, afterParcelLoad } from './derive.ts';
import { commune, datasetIdFor, division, feuille, LICENCE, localisant, parcel, PRODUCER } from './import.ts';
import { cadastreParams, checkAlias, FILTERS, toConditions, type RouteKind } from './params.ts';

/** Default page size of every route but commune (the reference sends count=1000 upstream). */
export const DEFAULT_LIMIT = 1000;
/** The documented maximum: above it Terroir answers 400 (the reference has no cap in code, §15.8). */
export const MAX_LIMIT = 1000;
/** Commune pages: default and hard maximum 500, as the reference. */
export const COMMUNE_LIMIT = 500;

const COLUMNS = {
  fid: bigint({ hidden: true }),
  gid: bigint(),
  numero: text({ filter: FILTERS.numero }), // 4 characters, zero-padded
  feuille: integer(),
  section: text({ filter: FILTERS.section }), // 2 characters, zero-padded
  code_dep: text({ filter: FILTERS.code_dep }), // 2 characters, 3 for the overseas départements
  nom_com: text({ filter: FILTERS.nom_com }),
  code_com: text({ filter: FILTERS.code_com }), // 3 characters, 2 overseas
  com_abs: text({ filter: FILTERS.com_abs }),
  code_arr: text({ filter: FILTERS.code_arr }),
  idu: text(), // 14 characters
  contenance: integer(), // m², as the DGFiP records it
  code_insee: text({ filter: FILTERS.code_insee }),
  echelle: text(),
  // Built from parcels, replaced by any loaded row (derive.ts): never in the files.
  derived: boolean({ hidden: true, from: null }),
} satisfies Record<string, ColumnSpec>;

type Column = keyof typeof COLUMNS;
const pick = (...names: Column[]) => Object.fromEntries(names.map((n) => [n, COLUMNS[n]]));

interface CadastreLayer {
  kind: RouteKind;
  title: string;
  description: string;
  /** The reference's feature id prefix (its WFS layer name). */
  prefix: string;
  fields: LayerSpec['fields'];
  /** Its distribution formats: one row function reads whichever layout the file has (import.ts). */
  source: Omit<SourceSpec, 'datasetId'>;
  limit?: number;
}

function cadastreLayer(l: CadastreLayer) {
  const limit = l.limit ?? MAX_LIMIT;
  return defineLayer({
    id: `cadastre.${l.kind}`,
    title: l.title,
    description: l.description,
    table: `cadastre_${l.kind}`,
    geometry: { type: l.kind === 'localisant' ? 'MultiPoint' : 'MultiPolygon' },
    idColumn: 'fid',
    featureId: { prefix: l.prefix },
    fields: l.fields,
    access: 'public',
    partitionedBy: ['code_dep'],
    // Communes at every zoom, sheets and divisions from 10, parcels and localisants from 13.
    minZoom: l.kind === 'commune' ? 0 : l.kind === 'feuille' || l.kind === 'division' ? 10 : 13,
    limits: { default: l.limit ?? DEFAULT_LIMIT, max: limit },
    params: cadastreParams(l.kind),
    check: l.kind === 'commune' ? undefined : checkAlias,
    where: (input) => toConditions(l.kind, input),
    producer: PRODUCER,
    licence: LICENCE,
    import: { files: { ...l.source, datasetId: (ctx) => datasetIdFor(l.kind, ctx) } },
  });
}

const apicarto = (route: string) => `API Carto /api/cadastre/${route} answer (GeoJSON)`;
const etalab = (file: string) => `Etalab cadastre GeoJSON cadastre-<insee|dep>-${file}.json[.gz]`;

export const COMMUNE = cadastreLayer({
  kind: 'commune',
  title: 'Communes cadastrales (PCI)',
  description: 'Commune contours of the cadastral plan. `_limit` defaults to 500 and may not exceed 500.',
  prefix: 'commune',
  fields: { ...pick('fid', 'gid', 'nom_com', 'code_dep'), code_com: { ...COLUMNS.code_com, hidden: true }, ...pick('code_insee', 'derived') },
  source: { title: 'Cadastre — communes (derived from parcels when not loaded)', formats: [etalab('communes'), 'DGFiP PCI vecteur commune GeoJSON (TEX2, IDU)', apicarto('commune')], row: commune, afterLoad: afterCommuneLoad },
  limit: COMMUNE_LIMIT,
});

export const DIVISION = cadastreLayer({
  kind: 'division',
  title: 'Divisions cadastrales (BD Parcellaire divcad)',
  description: 'Cadastral sheets with the 10 attributes of BD Parcellaire `divcad` (no gid). `source_ign` is ignored.',
  prefix: 'divcad',
  fields: { ...pick('fid', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'echelle'), edition: integer(), ...pick('code_arr', 'code_insee', 'derived') },
  source: { title: 'Cadastre — divisions (BD Parcellaire divcad; derived from feuilles or parcels when not loaded)', formats: [apicarto('division')], row: division, afterLoad: afterDivisionLoad },
});

export const FEUILLE = cadastreLayer({
  kind: 'feuille',
  title: 'Feuilles cadastrales (PCI)',
  description: 'Cadastral sheets (PCI Express `feuille`). `source_ign` is ignored.',
  prefix: 'feuille',
  fields: { ...pick('fid', 'gid', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'echelle'), edition: text(), ...pick('code_arr', 'code_insee', 'derived') },
  source: { title: 'Cadastre — feuilles (also gives the divisions and the parcels’ sheet numbers)', formats: [etalab('feuilles'), apicarto('feuille')], row: feuille, afterLoad: afterFeuilleLoad },
});

export const PARCELLE = cadastreLayer({
  kind: 'parcelle',
  title: 'Parcelles cadastrales (PCI)',
  description: 'Cadastral parcels with their IDU and contenance (m²). Large answers are paged: follow `links` (rel next) or `_start`.',
  prefix: 'parcelle',
  fields: {
    ...pick('fid', 'gid', 'numero', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'code_arr', 'idu', 'contenance', 'code_insee'),
    arpente: boolean({ hidden: true }),
    created: date({ hidden: true }),
    updated: date({ hidden: true }),
  },
  source: { title: 'Cadastre — parcelles (derives communes, feuilles, divisions and localisants when they are not loaded)', formats: [etalab('parcelles'), apicarto('parcelle')], row: parcel, afterLoad: afterParcelLoad },
});

export const LOCALISANT = cadastreLayer({
  kind: 'localisant',
  title: 'Localisants des parcelles (PCI)',
  description: 'One point inside each parcel (MultiPoint), with the parcel attributes but contenance.',
  prefix: 'localisant',
  fields: pick('fid', 'gid', 'numero', 'feuille', 'section', 'code_dep', 'nom_com', 'code_com', 'com_abs', 'code_arr', 'idu', 'code_insee', 'derived'),
  source: { title: 'Cadastre — localisants (one point per parcel; derived from parcels when not loaded)', formats: [apicarto('localisant')], row: localisant, afterLoad: afterLocalisantLoad },
});

export const CADASTRE_LAYERS = [COMMUNE, DIVISION, FEUILLE, PARCELLE, LOCALISANT];

export const [cadastreCommune] = COMMUNE.targets;
export const [cadastreDivision] = DIVISION.targets;
export const [cadastreFeuille] = FEUILLE.targets;
export const [cadastreParcelle] = PARCELLE.targets;
export const [cadastreLocalisant] = LOCALISANT.targets;
