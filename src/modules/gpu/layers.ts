/**
 * The 17 layers of API Carto's GPU module, each declared once: route name, table, the reference's
 * feature id prefix (its WFS layer name: `zone_urba.1935465`), columns in the reference's property
 * order (reference §9.2), and the formats each loads from: the CNIG standards (a document
 * d'urbanisme's layers, or SUP), and API Carto's own answers (`gpu.<route>-apicarto`, values as
 * published, gids kept). Geometry name `the_geom`, as the GPU's GeoServer answers it.
 *
 * Columns of a family of layers (prescriptions, informations, SUP…) are written once below and
 * shared; a column absent from a format says so in its `from` (null for that format).
 */
import { basename } from 'node:path';
import { defineLayer, type ColumnSpec, type FieldSpec, type GeometryType, type Layer, type SourceSpec } from '../../catalog/layer.ts';
import { bigint, boolean, computed, float, text } from '../../catalog/fields.ts';
import { prop, text as textOf } from '../../import/readers/feature.ts';
import type { ImportTarget } from '../../import/target.ts';
import { importCnigFolderWith, importCnigSourcesWith, type CnigImportOptions, type CnigTargets } from './cnig.ts';
import {
  answerDocumentAfterLoad, answerGid, CNIG_FORMATS, cnigCodeOf, cnigDateOf, cnigFileRe, docUrbaOf, documentAfterLoad, duType, idurbaOf,
  LICENCE, partitionOf, PRODUCER, SIREN, territoryOf,
} from './import.ts';
import { CATEGORIE_FILTER, INSEE_FILTER, PARTITION_FILTER } from './params.ts';
import { supCategory, supFileRe, SUP_FORMATS, SUP_LICENCE, SUP_PRODUCER, supPartition } from './sup.ts';
import type { Database } from '../../db/database.ts';
import { answerMunicipalityAfterLoad } from './municipality.ts';

/** Paging of every layer route. The reference forces one page of 5000 (§4.3, quirk 2): same default. */
export const LAYER_LIMITS = { defaultLimit: 5000, maxLimit: 5000 } as const;
/** `/all`: one page per layer, 500 by default as the reference (§9.1). */
export const ALL_LIMITS = { defaultLimit: 500, maxLimit: 1000 } as const;

export interface GpuLayer {
  /** Route name under /api/gpu, e.g. `zone-urba`; also the `featureType` of `/all`. */
  route: string;
  descriptor: Layer;
  /** The route's filter parameters (`insee`, `partition`, `categorie`). */
  filters: string[];
  summary: string;
}

// ------------------------------------------------------------------------------------------ columns

/** The reference's gid; CNIG files have none (the table numbers their rows). */
const gid = bigint({ from: { apicarto: answerGid, default: null } });
const partition = text({
  filter: PARTITION_FILTER,
  from: {
    cnig: (_f, ctx) => partitionOf(ctx),
    sup: (_f, ctx) => supPartition(ctx),
    apicarto: (f, ctx) => textOf(prop(f, 'partition')) ?? partitionOf(ctx),
  },
});
/** A CNIG code (TYPEPSC…), or a date (AAAAMMJJ), as the GPU answers them. */
const code = (name: string) => text({ from: { cnig: cnigCodeOf(name) } });
const cnigDate = (name: string) => text({ from: { cnig: cnigDateOf(name), sup: cnigDateOf(name) } });
/** Kept from the CNIG files, not served; absent from the GPU's answers. */
const cnigOnly = (c: ColumnSpec = text()) => ({ ...c, hidden: true, from: { ...(typeof c.from === 'object' ? c.from : {}), apicarto: null } });
/** In the GPU's answers only. */
const answerOnly = text({ from: { cnig: null } });
/** A column of the table this layer does not have (tables of one family share their columns). */
const absent = (c: ColumnSpec) => ({ ...c, hidden: true, from: null });

/** The CNIG label of a code pair from gpu_cnig_code (subcode '00' is the code's own label). */
function cnigLabel(kind: 'prescription' | 'information', codeSql: string, subcode: string | null): FieldSpec {
  const sub = subcode === null ? `'00'` : subcode;
  return computed('string', `(SELECT c.label FROM gpu_cnig_code c WHERE c.kind = '${kind}' AND c.code = ${codeSql} AND c.subcode = ${sub})`);
}

const DU_TAIL = { nomfic: text(), urlfic: text(), insee: text(), datappro: cnigDate('datappro'), datvalid: cnigDate('datvalid'), idurba: text({ from: { cnig: idurbaOf } }) };
const PRESCRIPTION = {
  gid, partition, libelle: text(), txt: text(), typepsc: code('typepsc'), stypepsc: code('stypepsc'), ...DU_TAIL,
  lib_typepsc: cnigLabel('prescription', 't.typepsc', null),
  lib_stypepsc: cnigLabel('prescription', 't.typepsc', 't.stypepsc'),
};
const { datappro: infoDatappro, ...INFO_TAIL } = DU_TAIL;
const INFO = {
  gid, partition, libelle: text(), txt: text(), typeinf: code('typeinf'), stypeinf: code('stypeinf'), typep: code('typep'), stypep: code('stypep'), ...INFO_TAIL,
  // In the CNIG files and the table, not in the GPU's answers.
  datappro: cnigOnly(infoDatappro),
  lib_typeinf: cnigLabel('information', 't.typeinf', null),
  lib_stypeinf: cnigLabel('information', 't.typeinf', 't.stypeinf'),
};
const SUP_HEAD = {
  gid,
  suptype: text({ filter: CATEGORIE_FILTER, from: { sup: supCategory, apicarto: (f) => textOf(prop(f, 'suptype'))?.toLowerCase() ?? null } }),
  partition,
  fichier: text(),
};
const ASSIETTE = { ...SUP_HEAD, idass: text(), idgen: text(), nomass: text(), typeass: text(), modegeoass: text(), paramcalc: text(), srcgeoass: text(), datesrcass: cnigDate('datesrcass') };
const ASSIETTE_SURF = Object.fromEntries(['angle1', 'angle2', 'rayon', 'h', 'href', 'xdebut', 'xfinal', 'ydebut', 'yfinal', 'largeur'].map((n) => [n, float()]));
const GENERATEUR = {
  ...SUP_HEAD, idgen: text(), idsup: text(), nomgen: text(), typegen: text(), modegenere: text(), srcgeogen: text(), datesrcgen: cnigDate('datesrcgen'),
  refbdext: text(), idbdext: text(), type: text(), adresse: text(),
};
/** The generator attributes of each geometry (one table layout for the three). */
const GENERATEUR_EXTRA: Record<string, ColumnSpec> = {
  diametre: float(), tension: float(), id_gaspar: text(), code_alea: text(), url_grisq: text(), croisement: text(), type_gest: text(), type_voie: text(),
};
const generateur = (...served: string[]) => ({
  ...GENERATEUR,
  ...Object.fromEntries(Object.entries(GENERATEUR_EXTRA).map(([n, c]) => [n, served.includes(n) ? c : absent(c)])),
});

/** A commune is under the RNU when no loaded document covers it, unless the producer said otherwise. */
const IS_RNU_SQL = `COALESCE(t.is_rnu, NOT (
  EXISTS (SELECT 1 FROM gpu_document_commune dc WHERE dc.insee = t.insee)
  OR EXISTS (SELECT 1 FROM gpu_document d WHERE d.grid_name = t.insee)))`;

// ------------------------------------------------------------------------------------------ formats

const DU = 'documents d\u2019urbanisme';
const SUP = 'servitudes d\u2019utilité publique';

/** A layer of a CNIG document (`ZONE_URBA`…), loaded in the document's partition. */
const cnig = (route: string, title: string): SourceSpec => ({
  title,
  match: cnigFileRe(route.toUpperCase().replace('-', '_'), 'shp'), // zone-urba → ZONE_URBA
  formats: CNIG_FORMATS,
  datasetId: (ctx) => `gpu.${route}:${partitionOf(ctx)}`,
});

/** A CNIG SUP layer (`A7_ASSIETTE_SUP_S.shp`…): one dataset per layer and partition (a SUP partition names its category). */
const sup = (route: string, title: string): SourceSpec => {
  const [kind, , geom] = route.split('-');
  return {
    title: `${title} (CNIG ${kind.toUpperCase()}_SUP_${geom.toUpperCase()})`,
    match: supFileRe(kind.toUpperCase() as 'GENERATEUR' | 'ASSIETTE', geom.toUpperCase() as 'S' | 'L' | 'P'),
    formats: SUP_FORMATS,
    datasetId: (ctx) => `gpu.${route}:${supPartition(ctx)}`,
    producer: SUP_PRODUCER,
    licence: SUP_LICENCE,
  };
};

/** API Carto's answers: one dataset per answer file (or --option dataset=…): answers overlap, files are the unit. */
const apicarto = (route: string, title: string): SourceSpec => ({
  suffix: 'apicarto',
  verbatim: true,
  title: `${title}, from API Carto /api/gpu/${route} answers`,
  formats: [`GeoJSON FeatureCollection as answered by API Carto /api/gpu/${route}`],
  datasetId: (ctx) => `gpu.${route}:apicarto:${ctx.options.dataset ?? basename(ctx.file)}`,
});

// ------------------------------------------------------------------------------------------- layers

function gpu(
  route: string,
  type: GeometryType,
  title: string,
  summary: string,
  fields: Record<string, FieldSpec>,
  sources: Record<string, SourceSpec>,
  extra: { partitionedBy?: string[] } = {},
): GpuLayer {
  const table = `gpu_${route.replace(/-/g, '_')}`;
  const filters = Object.entries(fields).flatMap(([name, f]) => (f.kind === 'column' && f.filter ? [f.filter.param ?? name] : []));
  const descriptor = defineLayer({
    id: `gpu.${route}`,
    title,
    description:
      `${title}: features intersecting \`geom\`, filtered by ${filters.map((f) => `\`${f}\``).join(', ')}. ` +
      `Paged: \`_limit\` default ${LAYER_LIMITS.defaultLimit}, at most ${LAYER_LIMITS.maxLimit} (the reference ignores paging and answers at most 5000).`,
    table,
    geometry: { type, column: 'the_geom' },
    idColumn: 'gid',
    featureId: { prefix: table.replace(/^gpu_/, '') },
    fields,
    access: 'public',
    partitionedBy: 'partitionedBy' in extra ? extra.partitionedBy : ['partition'],
    // One feature per commune or document from 10; zones, prescriptions and SUP objects from 13.
    minZoom: route === 'municipality' || route === 'document' ? 10 : 13,
    limits: { default: LAYER_LIMITS.defaultLimit, max: LAYER_LIMITS.maxLimit },
    producer: PRODUCER,
    licence: LICENCE,
    import: sources,
  });
  return { route, descriptor, filters, summary };
}

/** A layer of a document d'urbanisme: from its CNIG files and from API Carto's answers. */
const du = (route: string, type: GeometryType, title: string, cnigTitle: string, summary: string, fields: Record<string, FieldSpec>) =>
  gpu(route, type, title, summary, fields, { cnig: cnig(route, cnigTitle), apicarto: apicarto(route, title) });

/** A SUP layer: from the CNIG SUP standard and from API Carto's answers. */
const supLayer = (route: string, type: GeometryType, title: string, summary: string, fields: Record<string, FieldSpec>) =>
  gpu(route, type, title, summary, fields, { sup: sup(route, title), apicarto: apicarto(route, title) });

const MUNICIPALITY = gpu(
  'municipality',
  'MultiPolygon',
  'Communes (RNU or not)',
  'Communes, with whether they are under the RNU (no document d\u2019urbanisme)',
  {
    gid: { ...gid, hidden: true },
    insee: text({ filter: INSEE_FILTER }),
    name: text(),
    is_rnu: boolean({ sql: () => IS_RNU_SQL }),
    // The GPU marks a commune that no longer exists; a missing flag means a current commune.
    is_deleted: boolean({ from: { apicarto: (f) => prop(f, 'is_deleted') === true } }),
    is_coastline: boolean(),
  },
  // Derived from the administrative units (municipality.ts) or loaded from the GPU's answers, which
  // win: their import takes the derived rows of the communes it brings away.
  { apicarto: { ...apicarto('municipality', 'Communes (RNU or not)'), afterLoad: answerMunicipalityAfterLoad } },
  { partitionedBy: undefined },
);

const DOCUMENT = gpu(
  'document',
  'MultiPolygon',
  'Documents d\u2019urbanisme',
  `Documents d\u2019urbanisme (PLU, PLUi, POS, CC, PSMV): perimeter and identification`,
  {
    gid,
    id: answerOnly,
    grid_name: text({ from: { cnig: (_f, ctx) => territoryOf(ctx) } }),
    grid_title: answerOnly,
    name: text({ from: { cnig: (f) => docUrbaOf(f).idurba } }),
    gpu_doc_id: answerOnly,
    gpu_status: answerOnly,
    gpu_timestamp: answerOnly,
    partition,
    du_type: text({ from: { cnig: (f, ctx) => duType(docUrbaOf(f).typedoc, SIREN.test(territoryOf(ctx))) } }),
    // DOC_URBA attributes (CNIG), kept for the record and for later routes.
    ...Object.fromEntries(['typedoc', 'etat', 'nomproc', 'siren', 'interco', 'nomreg', 'urlreg', 'nomplan', 'urlplan', 'siteweb', 'typeref'].map((n) => [n, cnigOnly()])),
    datappro: cnigOnly(cnigDate('datappro')),
    datefin: cnigOnly(cnigDate('datefin')),
    dateref: cnigOnly(cnigDate('dateref')),
  },
  {
    cnig: {
      title: 'Documents d\u2019urbanisme (CNIG DOC_URBA + DOC_URBA_COM; a whole CNIG folder through importCnigFolder)',
      formats: ['CNIG DOC_URBA table (.dbf, with or without geometry)', 'a CNIG document folder (see docs/gpu.md)'],
      datasetId: (ctx) => `gpu.document:${partitionOf(ctx)}`,
      afterLoad: documentAfterLoad,
      // `terroir import gpu.document <folder>`: the whole CNIG folder, layer by layer (cnig.ts).
      importSource: (db, files, opts) => importCnigSourcesWith(cnigTargets(), db, files, opts),
    },
    apicarto: { ...apicarto('document', 'Documents d\u2019urbanisme'), afterLoad: answerDocumentAfterLoad },
  },
);

/** In the order of the reference's `/all` answer (§9.1). */
export const GPU_LAYERS: GpuLayer[] = [
  MUNICIPALITY,
  DOCUMENT,
  du('zone-urba', 'MultiPolygon', 'Zonage des documents d\u2019urbanisme', 'Zonage (CNIG ZONE_URBA)', `Zones of the ${DU} (U, AU, A, N…)`, {
    gid, partition, libelle: text(), libelong: text(), typezone: text(), destdomi: code('destdomi'), ...DU_TAIL, idzone: answerOnly, lib_idzone: answerOnly,
  }),
  du('secteur-cc', 'MultiPolygon', 'Secteurs des cartes communales', 'Secteurs de carte communale (CNIG SECTEUR_CC)', 'Sectors of the cartes communales', {
    gid, partition, libelle: text(), libelong: text(), typesect: code('typesect'), fermreco: text(), destdomi: code('destdomi'), ...DU_TAIL,
  }),
  du('prescription-pct', 'MultiPoint', 'Prescriptions ponctuelles', 'Prescriptions ponctuelles (CNIG PRESCRIPTION_PCT)', `Point prescriptions of the ${DU}`, PRESCRIPTION),
  du('prescription-lin', 'MultiLineString', 'Prescriptions linéaires', 'Prescriptions linéaires (CNIG PRESCRIPTION_LIN)', `Line prescriptions of the ${DU}`, PRESCRIPTION),
  du('prescription-surf', 'MultiPolygon', 'Prescriptions surfaciques', 'Prescriptions surfaciques (CNIG PRESCRIPTION_SURF)', `Surface prescriptions of the ${DU}`, PRESCRIPTION),
  du('info-pct', 'MultiPoint', 'Informations ponctuelles', 'Informations ponctuelles (CNIG INFO_PCT)', `Point informations of the ${DU}`, INFO),
  du('info-surf', 'MultiPolygon', 'Informations surfaciques', 'Informations surfaciques (CNIG INFO_SURF)', `Surface informations of the ${DU}`, INFO),
  du('info-lin', 'MultiLineString', 'Informations linéaires', 'Informations linéaires (CNIG INFO_LIN)', `Line informations of the ${DU}`, INFO),
  // ACTE_SUP is a plain table in the SUP standard: the GPU's layer, which has a geometry, loads from its answers.
  gpu('acte-sup', 'MultiPolygon', 'Actes des servitudes d\u2019utilité publique', `Acts instituting ${SUP}`, {
    gid, partition, idacte: text(), nomacte: text(), reference: text(), typeacte: text(), fichier: text(), decision: text(), datedecis: text(), datepub: text(), aplan: text(),
  }, { apicarto: apicarto('acte-sup', 'Actes des servitudes d\u2019utilité publique') }),
  supLayer('assiette-sup-p', 'MultiPoint', 'Assiettes ponctuelles des SUP', `Point assiettes of ${SUP}`, ASSIETTE),
  supLayer('assiette-sup-l', 'MultiLineString', 'Assiettes linéaires des SUP', `Line assiettes of ${SUP}`, ASSIETTE),
  supLayer('assiette-sup-s', 'MultiPolygon', 'Assiettes surfaciques des SUP', `Surface assiettes of ${SUP}`, { ...ASSIETTE, ...ASSIETTE_SURF }),
  supLayer('generateur-sup-p', 'MultiPoint', 'Générateurs ponctuels des SUP', `Point générateurs of ${SUP}`, generateur()),
  supLayer('generateur-sup-l', 'MultiLineString', 'Générateurs linéaires des SUP', `Line générateurs of ${SUP}`, generateur('diametre', 'tension', 'croisement', 'type_gest', 'type_voie')),
  supLayer('generateur-sup-s', 'MultiPolygon', 'Générateurs surfaciques des SUP', `Surface générateurs of ${SUP}`, generateur('id_gaspar', 'code_alea', 'url_grisq', 'croisement', 'type_gest', 'type_voie')),
];

export function gpuLayer(route: string): GpuLayer {
  const l = GPU_LAYERS.find((x) => x.route === route);
  if (!l) throw new Error(`unknown GPU layer ${route}`);
  return l;
}

/** The target of a layer's CNIG format (`gpu.zone-urba`…). */
const cnigTarget = (route: string): ImportTarget => gpuLayer(route).descriptor.targets.find((t) => t.layer === `gpu.${route}`)!;

/** The targets a CNIG document folder loads, in load order (zones first: the perimeter comes from them). */
function cnigTargets(): CnigTargets {
  const layers: [string, ImportTarget][] = ['zone-urba', 'secteur-cc', 'prescription-surf', 'prescription-lin', 'prescription-pct', 'info-surf', 'info-lin', 'info-pct'].map((r) => [
    r.toUpperCase().replace('-', '_'),
    cnigTarget(r),
  ]);
  return { layers, document: cnigTarget('document') };
}

/** Imports a CNIG document folder into the GPU layers (see cnig.ts). */
export const importCnigFolder = (db: Database, dir: string, opts: CnigImportOptions = {}) => importCnigFolderWith(cnigTargets(), db, dir, opts);
