/**
 * The 17 layers of API Carto's GPU module, declared once: route name, table, the reference's feature
 * id prefix (its WFS layer name: `zone_urba.1935465`) and property list in the reference's order
 * (reference §9.2). Geometry name `the_geom`, as the GPU's GeoServer answers it.
 */
import type { LayerDescriptor, LayerProperty, PropertyType } from '../../catalog/layer.ts';

/** Paging of every layer route. The reference forces one page of 5000 (§4.3, quirk 2): same default. */
export const LAYER_LIMITS = { defaultLimit: 5000, maxLimit: 5000 } as const;
/** `/all`: one page per layer, 500 by default as the reference (§9.1). */
export const ALL_LIMITS = { defaultLimit: 500, maxLimit: 1000 } as const;

export type GpuFilter = 'insee' | 'partition' | 'categorie';

export interface GpuLayer {
  /** Route name under /api/gpu, e.g. `zone-urba`; also the `featureType` of `/all`. */
  route: string;
  descriptor: LayerDescriptor;
  filters: GpuFilter[];
  summary: string;
}

const p = (name: string, type: PropertyType = 'string', sql?: string): LayerProperty => (sql ? { name, type, sql } : { name, type });
const names = (...n: string[]) => n.map((x) => p(x));

/** The CNIG label of a code pair from gpu_cnig_code (subcode '00' is the code's own label). */
function cnigLabel(kind: 'prescription' | 'information', code: string, subcode: string | null): string {
  const sub = subcode === null ? `'00'` : subcode;
  return `(SELECT c.label FROM gpu_cnig_code c WHERE c.kind = '${kind}' AND c.code = ${code} AND c.subcode = ${sub})`;
}

/** A commune is under the RNU when no loaded document covers it, unless the producer said otherwise. */
const IS_RNU_SQL = `COALESCE(t.is_rnu, NOT (
  EXISTS (SELECT 1 FROM gpu_document_commune dc WHERE dc.insee = t.insee)
  OR EXISTS (SELECT 1 FROM gpu_document d WHERE d.grid_name = t.insee)))`;

function layer(route: string, table: string, title: string, properties: LayerProperty[], extra: Partial<LayerDescriptor> = {}): LayerDescriptor {
  return {
    id: `gpu.${route}`,
    title,
    table,
    geometryColumn: 'the_geom',
    geometryName: 'the_geom',
    featureIdPrefix: table.replace(/^gpu_/, ''),
    idColumn: 'gid',
    properties,
    defaultLimit: LAYER_LIMITS.defaultLimit,
    maxLimit: LAYER_LIMITS.maxLimit,
    access: 'public',
    datasetColumn: 'dataset_id',
    partitionedBy: ['partition'],
    ...extra,
  };
}

const gid = p('gid', 'integer');

const PRESCRIPTION = [
  gid,
  ...names('partition', 'libelle', 'txt', 'typepsc', 'stypepsc', 'nomfic', 'urlfic', 'insee', 'datappro', 'datvalid', 'idurba'),
  p('lib_typepsc', 'string', cnigLabel('prescription', 't.typepsc', null)),
  p('lib_stypepsc', 'string', cnigLabel('prescription', 't.typepsc', 't.stypepsc')),
];
const INFO = [
  gid,
  ...names('partition', 'libelle', 'txt', 'typeinf', 'stypeinf', 'typep', 'stypep', 'nomfic', 'urlfic', 'insee', 'datvalid', 'idurba'),
  p('lib_typeinf', 'string', cnigLabel('information', 't.typeinf', null)),
  p('lib_stypeinf', 'string', cnigLabel('information', 't.typeinf', 't.stypeinf')),
];
const ASSIETTE = [gid, ...names('suptype', 'partition', 'fichier', 'idass', 'idgen', 'nomass', 'typeass', 'modegeoass', 'paramcalc', 'srcgeoass', 'datesrcass')];
const ASSIETTE_SURF = ['angle1', 'angle2', 'rayon', 'h', 'href', 'xdebut', 'xfinal', 'ydebut', 'yfinal', 'largeur'].map((n) => p(n, 'number'));
const GENERATEUR = [gid, ...names('suptype', 'partition', 'fichier', 'idgen', 'idsup', 'nomgen', 'typegen', 'modegenere', 'srcgeogen', 'datesrcgen', 'refbdext', 'idbdext', 'type', 'adresse')];

const DU = 'documents d\u2019urbanisme';
const SUP = 'servitudes d\u2019utilité publique';

/** In the order of the reference's `/all` answer (§9.1). */
export const GPU_LAYERS: GpuLayer[] = [
  {
    route: 'municipality',
    filters: ['insee'],
    summary: 'Communes, with whether they are under the RNU (no document d\u2019urbanisme)',
    descriptor: layer('municipality', 'gpu_municipality', 'Communes (RNU or not)', [
      p('insee'),
      p('name'),
      p('is_rnu', 'boolean', IS_RNU_SQL),
      p('is_deleted', 'boolean'),
      p('is_coastline', 'boolean'),
    ], { partitionedBy: undefined }),
  },
  {
    route: 'document',
    filters: ['partition'],
    summary: `Documents d\u2019urbanisme (PLU, PLUi, POS, CC, PSMV): perimeter and identification`,
    descriptor: layer('document', 'gpu_document', 'Documents d\u2019urbanisme', [
      gid,
      ...names('id', 'grid_name', 'grid_title', 'name', 'gpu_doc_id', 'gpu_status'),
      ...names('gpu_timestamp', 'partition', 'du_type'),
    ]),
  },
  {
    route: 'zone-urba',
    filters: ['partition'],
    summary: `Zones of the ${DU} (U, AU, A, N…)`,
    descriptor: layer('zone-urba', 'gpu_zone_urba', 'Zonage des documents d\u2019urbanisme', [
      gid,
      ...names('partition', 'libelle', 'libelong', 'typezone', 'destdomi', 'nomfic', 'urlfic', 'insee', 'datappro', 'datvalid', 'idurba', 'idzone', 'lib_idzone'),
    ]),
  },
  {
    route: 'secteur-cc',
    filters: ['partition'],
    summary: 'Sectors of the cartes communales',
    descriptor: layer('secteur-cc', 'gpu_secteur_cc', 'Secteurs des cartes communales', [
      gid,
      ...names('partition', 'libelle', 'libelong', 'typesect', 'fermreco', 'destdomi', 'nomfic', 'urlfic', 'insee', 'datappro', 'datvalid', 'idurba'),
    ]),
  },
  { route: 'prescription-pct', filters: ['partition'], summary: `Point prescriptions of the ${DU}`, descriptor: layer('prescription-pct', 'gpu_prescription_pct', 'Prescriptions ponctuelles', PRESCRIPTION) },
  { route: 'prescription-lin', filters: ['partition'], summary: `Line prescriptions of the ${DU}`, descriptor: layer('prescription-lin', 'gpu_prescription_lin', 'Prescriptions linéaires', PRESCRIPTION) },
  { route: 'prescription-surf', filters: ['partition'], summary: `Surface prescriptions of the ${DU}`, descriptor: layer('prescription-surf', 'gpu_prescription_surf', 'Prescriptions surfaciques', PRESCRIPTION) },
  { route: 'info-pct', filters: ['partition'], summary: `Point informations of the ${DU}`, descriptor: layer('info-pct', 'gpu_info_pct', 'Informations ponctuelles', INFO) },
  { route: 'info-surf', filters: ['partition'], summary: `Surface informations of the ${DU}`, descriptor: layer('info-surf', 'gpu_info_surf', 'Informations surfaciques', INFO) },
  { route: 'info-lin', filters: ['partition'], summary: `Line informations of the ${DU}`, descriptor: layer('info-lin', 'gpu_info_lin', 'Informations linéaires', INFO) },
  {
    route: 'acte-sup',
    filters: ['partition'],
    summary: `Acts instituting ${SUP}`,
    descriptor: layer('acte-sup', 'gpu_acte_sup', 'Actes des servitudes d\u2019utilité publique', [
      gid,
      ...names('partition', 'idacte', 'nomacte', 'reference', 'typeacte', 'fichier', 'decision', 'datedecis', 'datepub', 'aplan'),
    ]),
  },
  { route: 'assiette-sup-p', filters: ['partition', 'categorie'], summary: `Point assiettes of ${SUP}`, descriptor: layer('assiette-sup-p', 'gpu_assiette_sup_p', 'Assiettes ponctuelles des SUP', ASSIETTE) },
  { route: 'assiette-sup-l', filters: ['partition', 'categorie'], summary: `Line assiettes of ${SUP}`, descriptor: layer('assiette-sup-l', 'gpu_assiette_sup_l', 'Assiettes linéaires des SUP', ASSIETTE) },
  {
    route: 'assiette-sup-s',
    filters: ['partition', 'categorie'],
    summary: `Surface assiettes of ${SUP}`,
    descriptor: layer('assiette-sup-s', 'gpu_assiette_sup_s', 'Assiettes surfaciques des SUP', [...ASSIETTE, ...ASSIETTE_SURF]),
  },
  { route: 'generateur-sup-p', filters: ['partition', 'categorie'], summary: `Point générateurs of ${SUP}`, descriptor: layer('generateur-sup-p', 'gpu_generateur_sup_p', 'Générateurs ponctuels des SUP', GENERATEUR) },
  {
    route: 'generateur-sup-l',
    filters: ['partition', 'categorie'],
    summary: `Line générateurs of ${SUP}`,
    descriptor: layer('generateur-sup-l', 'gpu_generateur_sup_l', 'Générateurs linéaires des SUP', [
      ...GENERATEUR,
      p('diametre', 'number'),
      p('tension', 'number'),
      ...names('croisement', 'type_gest', 'type_voie'),
    ]),
  },
  {
    route: 'generateur-sup-s',
    filters: ['partition', 'categorie'],
    summary: `Surface générateurs of ${SUP}`,
    descriptor: layer('generateur-sup-s', 'gpu_generateur_sup_s', 'Générateurs surfaciques des SUP', [
      ...GENERATEUR,
      ...names('id_gaspar', 'code_alea', 'url_grisq', 'croisement', 'type_gest', 'type_voie'),
    ]),
  },
];

export function gpuLayer(route: string): GpuLayer {
  const l = GPU_LAYERS.find((x) => x.route === route);
  if (!l) throw new Error(`unknown GPU layer ${route}`);
  return l;
}
