/**
 * The level-2 tables of the instruction DGPE/MVDGN/2018-706 (annex 1 §2), each declared once: what a
 * request may ask (table and attribute names), how an ASP delivery is read (the instruction's field
 * names, any case), what the metadata sheet says each attribute means, which category of personal data
 * it is (GDPR art. 14 notice), and which are for State services only. The migration 0140 creates them.
 * Each storage table is a catalogue table (`defineTable`, src/catalog/table.ts: the layers' field
 * model, checked against the migration with the layers), the two graphic classes catalogue layers
 * (layers.ts); the requestable tables, the extraction's columns and the delivery reader's field names
 * all derive from these definitions.
 *
 * Requestable "tables" follow the instruction's classes as a requester reads them: `ilots`
 * (ILOT_DESCRIPTION with the ILOT geometry), `parcelles` (the alphanumeric description of instructed
 * parcels with the PARCELLE_GRAPHIQUE geometry), then the tables without geometry.
 */
import type { ColumnType } from '../../import/target.ts';
import { bigint, boolean, float, integer, text } from '../../catalog/fields.ts';
import { defineTable, type CatalogTable } from '../../catalog/table.ts';
import type { ColumnSpec } from '../../catalog/types.ts';

export const PRODUCER = 'ASP (Système intégré de gestion et de contrôle, RPG niveau 2)';
export const LICENCE = 'Données de niveau 2 : communication restreinte (instruction technique DGPE/MVDGN/2018-706 §3.2), pas de réutilisation libre';

/** Categories of personal data, as the GDPR art. 14 notice and the processing register list them. */
export const CATEGORIES = {
  identification: 'données d’identification (numéro PACAGE, SIRET, numéros d’îlot et de parcelle)',
  'etat-civil': 'état civil et identité (civilité, nom, prénoms)',
  coordonnees: 'coordonnées (adresses, téléphone, télécopieur, courriel)',
  parcellaire: 'description des surfaces déclarées (localisation, cultures, surfaces, engagements)',
  economique: 'informations d’ordre économique et financier (aides, montants, effectifs, forme juridique)',
} as const;
export type Categorie = keyof typeof CATEGORIES;

export interface N2Attribute {
  /** Column name, and the attribute name a request uses. */
  name: string;
  type: ColumnType;
  /** The instruction's meaning (metadata sheet). */
  label: string;
  /** Field names in ASP files (DBF/CSV/shapefile), first found wins, any case. */
  asp: readonly string[];
  categorie: Categorie;
}

export interface N2Table {
  /** Request name. */
  id: string;
  title: string;
  /** The class or table of annex 1 §2. */
  instruction: string;
  /** Storage table (migration 0140). */
  table: string;
  /** The graphic class holding its geometry, joined on `geometryKey`. */
  geometry?: { table: string; key: string; layer: string };
  /** Only for State services (annex 1 §2: "pour l'usage exclusif des services de l'État"). */
  etatSeulement?: boolean;
  /** How rows are selected by territory: by their îlot's commune, by the farm having land there, by îlot, or national. */
  territoire: 'commune' | 'exploitation' | 'ilot' | 'national';
  /** Attributes in delivery order (derived from the catalogue table's fields). */
  attributes: readonly N2Attribute[];
  /** Which delivered file holds it (base name, without extension), e.g. /^PARCELLE(_\d{4}_\d{3})?$/. */
  files: RegExp;
  /** Its catalogue definition (id `rpg-n2.<id>`: also the layer of its datasets in terroir_dataset). */
  catalogue: CatalogTable;
}

/** A table as written below: its attributes as catalogue fields. */
type N2Def = Omit<N2Table, 'attributes' | 'catalogue'> & { attributes: readonly Field[] };
type Field = readonly [string, ColumnSpec];

const COLUMN: Record<Exclude<ColumnType, 'date' | 'jsonb'>, (o: Omit<ColumnSpec, 'kind' | 'type'>) => ColumnSpec> = {
  text,
  integer,
  bigint,
  'double precision': float,
  boolean,
};

const a = (name: string, type: keyof typeof COLUMN, label: string, asp: string | readonly string[], categorie: Categorie): Field => [
  name,
  COLUMN[type]({ description: label, from: typeof asp === 'string' ? [asp] : asp, personalData: categorie }),
];

const PACAGE = a('numero_pacage', 'text', 'Numéro PACAGE de l’exploitation', ['NUMERO_PACAGE', 'PACAGE', 'NUM_PACAGE'], 'identification');

const ADRESSE = (kind: 'postale' | 'siege', label: string, prefix: string): Field[] => [
  ...[1, 2, 3, 4, 5].map((i) => a(`adresse_${kind}_${i}`, 'text', `${label} - ligne ${i}`, [`${prefix}_L${i}`, `${prefix}_${i}`], 'coordonnees')),
  a(`code_postal_${kind}`, 'text', `Code postal ${label.toLowerCase()}`, [`CP_${prefix}`, `CODE_POSTAL_${prefix}`], 'coordonnees'),
  a(`commune_${kind}`, 'text', `Commune ${label.toLowerCase()}`, [`COMMUNE_${prefix}`], 'coordonnees'),
  a(`code_insee_${kind}`, 'text', `Code Insee ${label.toLowerCase()}`, [`INSEE_${prefix}`, `CODE_INSEE_${prefix}`], 'coordonnees'),
  a(`telephone_${kind}`, 'text', `Téléphone ${label.toLowerCase()}`, [`TEL_${prefix}`, `TELEPHONE_${prefix}`], 'coordonnees'),
  a(`telecopieur_${kind}`, 'text', `Télécopieur ${label.toLowerCase()}`, [`FAX_${prefix}`, `TELECOPIEUR_${prefix}`], 'coordonnees'),
];

const DEFS: readonly N2Def[] = [
  {
    id: 'ilots',
    title: 'Îlots (description et géométrie)',
    instruction: 'ILOT_DESCRIPTION_aaaa_ddd + ILOT_aaaa_ddd',
    table: 'rpg_n2_ilot_description',
    geometry: { table: 'rpg_n2_ilot', key: 'id_ilot', layer: 'rpg-n2.ilot' },
    territoire: 'commune',
    files: /^ILOT_DESCRIPTION/i,
    attributes: [
      PACAGE,
      a('id_ilot', 'bigint', 'Identifiant de l’îlot', ['ID_ILOT'], 'identification'),
      a('commune_ilot', 'text', 'Code Insee de la commune de l’îlot', ['COMMUNE_ILOT', 'COMMUNE'], 'parcellaire'),
    ],
  },
  {
    id: 'parcelles',
    title: 'Parcelles instruites (description alphanumérique et géométrie)',
    instruction: 'Parcelles instruites - description alphanumérique + PARCELLE_GRAPHIQUE_aaaa_ddd',
    table: 'rpg_n2_parcelle',
    geometry: { table: 'rpg_n2_parcelle_graphique', key: 'id_parcelle', layer: 'rpg-n2.parcelle-graphique' },
    territoire: 'commune',
    files: /^PARCELLE(S)?(_INSTRUITE(S)?)?(_\d{4}_\d{3})?$|^PARCELLE_DESCRIPTION/i,
    attributes: [
      a('id_parcelle', 'bigint', 'Identifiant de la parcelle graphique (lien avec PARCELLE_GRAPHIQUE)', ['ID_PARCELLE', 'ID_PARCEL'], 'identification'),
      PACAGE,
      a('commune_ilot', 'text', 'Commune de l’îlot (code Insee)', ['COMMUNE_ILOT'], 'parcellaire'),
      a('numero_ilot', 'integer', 'Numéro de l’îlot', ['NUMERO_ILOT', 'NUM_ILOT'], 'identification'),
      a('numero_parcelle', 'integer', 'Numéro de la parcelle', ['NUMERO_PARCELLE', 'NUM_PARCELLE'], 'identification'),
      a('code_culture', 'text', 'Code de la culture principale', ['CODE_CULTURE', 'CODE_CULTU'], 'parcellaire'),
      a('categorie_culture', 'text', 'Catégorie de la culture principale', ['CATEGORIE_CULTURE', 'CAT_CULTURE'], 'parcellaire'),
      a('precision_culture', 'integer', 'Précision de la culture', ['PRECISION_CULTURE', 'PRECISION'], 'parcellaire'),
      a('semences_certifiees', 'boolean', 'Production de semences certifiées', ['SEMENCES_CERTIFIEES', 'PRODUCTION_SEMENCES'], 'parcellaire'),
      a('commercialisation', 'boolean', 'Commercialisation de la culture', ['COMMERCIALISATION', 'COMMERCIALISATION_CULTURE'], 'economique'),
      a('bio', 'boolean', 'Culture en agriculture biologique', ['BIO', 'CULTURE_BIO', 'AGRICULTURE_BIOLOGIQUE'], 'parcellaire'),
      a('engagement_bio', 'text', 'Engagement en agriculture biologique (M : maintien, C : conversion)', ['ENGAGEMENT_BIO', 'ENGAGEMENT'], 'parcellaire'),
      a('surface_admissible', 'double precision', 'Surface admissible constatée premier pilier (ha)', ['SURFACE_ADMISSIBLE', 'SURF_ADM'], 'parcellaire'),
      a('culture_derobee_1', 'text', 'Culture dérobée 1', ['CULTURE_DEROBEE_1', 'CULTURE_D1', 'CULTURE_DER_1'], 'parcellaire'),
      a('culture_derobee_2', 'text', 'Culture dérobée 2', ['CULTURE_DEROBEE_2', 'CULTURE_D2', 'CULTURE_DER_2'], 'parcellaire'),
    ],
  },
  {
    id: 'exploitants',
    title: 'Exploitants',
    instruction: 'Exploitants',
    table: 'rpg_n2_exploitant',
    territoire: 'exploitation',
    files: /^EXPLOITANT(S)?(_\d{4}_\d{3})?$/i,
    attributes: [PACAGE, a('forme_juridique', 'text', 'Forme juridique de l’exploitation', ['FORME_JURIDIQUE', 'FORME_JURI'], 'economique')],
  },
  {
    id: 'exploitants_etat',
    title: 'Exploitants (table pour les seuls services de l’État)',
    instruction: 'Exploitants (table pour les seuls services de l’État)',
    table: 'rpg_n2_exploitant_etat',
    etatSeulement: true,
    territoire: 'exploitation',
    files: /^EXPLOITANT(S)?_ETAT/i,
    attributes: [
      PACAGE,
      a('siret', 'text', 'Siret', ['SIRET'], 'identification'),
      a('forme_juridique', 'text', 'Forme juridique', ['FORME_JURIDIQUE', 'FORME_JURI'], 'economique'),
      a('civilite', 'text', 'Civilité', ['CIVILITE'], 'etat-civil'),
      a('nom_raison_sociale', 'text', 'Nom ou raison sociale', ['NOM_RAISON_SOCIALE', 'NOM', 'RAISON_SOCIALE'], 'etat-civil'),
      a('nom_naissance', 'text', 'Nom de naissance', ['NOM_NAISSANCE'], 'etat-civil'),
      a('prenoms', 'text', 'Prénoms', ['PRENOMS', 'PRENOM'], 'etat-civil'),
      a('adresse_mail', 'text', 'Adresse mail', ['ADRESSE_MAIL', 'MAIL', 'COURRIEL'], 'coordonnees'),
      ...ADRESSE('postale', 'Adresse postale', 'ADR_POSTALE'),
      ...ADRESSE('siege', 'Adresse du siège', 'ADR_SIEGE'),
    ],
  },
  {
    id: 'maec_mesures',
    title: 'MAEC et bio - référentiel national',
    instruction: 'MAEC et bio - référentiel national',
    table: 'rpg_n2_maec_mesure',
    territoire: 'national',
    files: /^(MAEC_)?(REFERENTIEL|MESURE)|^MAEC(_\d{4}_\d{3})?$/i,
    attributes: [
      a('code_mesure', 'text', 'Code mesure', ['CODE_MESURE'], 'economique'),
      a('libelle_mesure', 'text', 'Libellé mesure', ['LIBELLE_MESURE'], 'economique'),
      a('dispositif', 'text', 'Dispositif', ['DISPOSITIF'], 'economique'),
      a('campagne_debut', 'integer', 'Campagne début', ['CAMPAGNE_DEBUT'], 'economique'),
      a('campagne_fin', 'integer', 'Campagne fin', ['CAMPAGNE_FIN'], 'economique'),
      a('variante_campagne_debut', 'integer', 'Variante campagne début', ['VARIANTE_CAMPAGNE_DEBUT', 'VARIANTE_DEBUT'], 'economique'),
      a('variante_campagne_fin', 'integer', 'Variante campagne fin', ['VARIANTE_CAMPAGNE_FIN', 'VARIANTE_FIN'], 'economique'),
      a('montant_net_mesure', 'double precision', 'Montant net mesure (€)', ['MONTANT_NET_MESURE', 'MONTANT'], 'economique'),
    ],
  },
  {
    id: 'maec_elements',
    title: 'MAEC - éléments linéaires et ponctuels déclarés',
    instruction: 'MAEC - éléments linéaires et ponctuels déclarés',
    table: 'rpg_n2_maec_element',
    territoire: 'ilot',
    files: /^(MAEC_)?ELEMENT/i,
    attributes: [
      PACAGE,
      a('numero_ilot', 'integer', 'Numéro îlot', ['NUMERO_ILOT', 'NUM_ILOT'], 'identification'),
      a('type_element', 'text', 'Type élément', ['TYPE_ELEMENT'], 'parcellaire'),
      a('numero_element', 'integer', 'Numéro élément engagé', ['NUMERO_ELEMENT', 'NUM_ELEMENT'], 'identification'),
      a('maec_1', 'text', 'MAEC 1', ['MAEC_1', 'MAEC1'], 'economique'),
      a('maec_2', 'text', 'MAEC 2', ['MAEC_2', 'MAEC2'], 'economique'),
      a('longueur', 'double precision', 'Longueur (m)', ['LONGUEUR'], 'parcellaire'),
    ],
  },
  {
    id: 'pilier1',
    title: 'Premier pilier',
    instruction: 'Premier pilier',
    table: 'rpg_n2_pilier1',
    territoire: 'exploitation',
    files: /^(PREMIER_)?PILIER_?1/i,
    attributes: [
      PACAGE,
      a('dpb_nombre_droits', 'double precision', 'Paiement de base - nombre de droits attribués', ['DPB_NOMBRE_DROITS', 'PB_NB_DROITS'], 'economique'),
      a('dpb_montant_unitaire_2015', 'double precision', 'Paiement de base - montant unitaire 2015 (€)', ['DPB_MONTANT_UNITAIRE_2015', 'PB_MT_UNIT_2015'], 'economique'),
      a('dpb_montant_unitaire_2016', 'double precision', 'Paiement de base - montant unitaire 2016 (€)', ['DPB_MONTANT_UNITAIRE_2016', 'PB_MT_UNIT_2016'], 'economique'),
      a('bovins_allaitants_base', 'integer', 'Bovins allaitants - effectif retenu aide de base', ['BOVINS_ALLAITANTS_BASE', 'ABA_BASE'], 'economique'),
      a('bovins_allaitants_50_premiers', 'integer', 'Bovins allaitants - effectif retenu complément 50 premiers animaux', ['BOVINS_ALLAITANTS_50_PREMIERS', 'ABA_50'], 'economique'),
      a('bovins_allaitants_51_99', 'integer', 'Bovins allaitants - effectif retenu complément pour les 51ème à 99ème animaux', ['BOVINS_ALLAITANTS_51_99', 'ABA_51_99'], 'economique'),
      a('bovins_laitiers_base', 'integer', 'Bovins laitiers - effectif retenu aide de base', ['BOVINS_LAITIERS_BASE', 'ABL_BASE'], 'economique'),
      a('montant_net_total', 'double precision', 'Montant net payé total (€)', ['MONTANT_NET_TOTAL', 'MT_NET_TOTAL'], 'economique'),
    ],
  },
  {
    id: 'pilier2',
    title: 'Deuxième pilier',
    instruction: 'Deuxième pilier',
    table: 'rpg_n2_pilier2',
    territoire: 'exploitation',
    files: /^(DEUXIEME_)?PILIER_?2/i,
    attributes: [
      PACAGE,
      a('financier', 'text', 'Financier', ['FINANCIER'], 'economique'),
      a('assurance_recolte', 'double precision', 'Montant net payé Assurance récolte (€)', ['ASSURANCE_RECOLTE', 'MT_ASSURANCE_RECOLTE'], 'economique'),
      a('ichn_base', 'double precision', 'Montant net payé ICHN Base (RDR 3) (€)', ['ICHN_BASE', 'MT_ICHN_BASE'], 'economique'),
      a('ichn_marais_poitevin', 'double precision', 'Montant net payé ICHN Marais Poitevin (€)', ['ICHN_MARAIS_POITEVIN', 'MT_ICHN_MARAIS_POITEVIN'], 'economique'),
      a('montant_net_total', 'double precision', 'Montant net payé total (€)', ['MONTANT_NET_TOTAL', 'MT_NET_TOTAL'], 'economique'),
    ],
  },
];


/** Campaign and département: keys of every level-2 table (partitions), not attributes. */
const KEYS = { campagne: integer({ hidden: true }), departement: text({ hidden: true }) };

/** The catalogue tables of level 2, one per storage table without geometry. */
export const N2_CATALOG_TABLES: readonly CatalogTable[] = DEFS.map((d) =>
  defineTable({
    id: `rpg-n2.${d.id}`,
    title: `RPG niveau 2 — ${d.title}, restreint`,
    description: `${d.instruction} (instruction DGPE/MVDGN/2018-706, annexe 1 §2). Restricted: extractions of accepted requests${d.etatSeulement ? ', State services only' : ''}.`,
    table: d.table,
    fields: { ...KEYS, ...Object.fromEntries(d.attributes) },
    access: { scope: 'rpg:niveau2:lire' },
    campaign: 'campagne',
    partitionedBy: ['campagne', 'departement'],
    producer: PRODUCER,
    licence: LICENCE,
  }),
);

export const N2_TABLES: readonly N2Table[] = DEFS.map((d, i) => {
  const catalogue = N2_CATALOG_TABLES[i];
  const attributes = catalogue.attributes.map((x) => ({ name: x.name, type: x.type, label: x.description, asp: x.from, categorie: x.personalData as Categorie }));
  return { ...d, attributes, catalogue };
});

export const N2_TABLE_IDS = N2_TABLES.map((t) => t.id);
export const tableById = (id: string) => N2_TABLES.find((t) => t.id === id);
/** Every storage table of level 2, graphic classes included (the demo fills and removes them). */
export const N2_STORAGE_TABLES = [...new Set(N2_TABLES.flatMap((t) => [t.table, ...(t.geometry ? [t.geometry.table] : [])]))];

/** The layer id under which a table's datasets are recorded in terroir_dataset. */
export const n2DatasetLayer = (t: N2Table) => t.catalogue.id;
/** Dataset layer id → storage table, graphic classes included (`rpg-n2.ilot`, `rpg-n2.parcelle-graphique`). */
export const N2_DATASET_LAYERS: Record<string, string> = Object.fromEntries(
  N2_TABLES.flatMap((t) => [[n2DatasetLayer(t), t.table] as const, ...(t.geometry ? [[t.geometry.layer, t.geometry.table] as const] : [])]),
);
