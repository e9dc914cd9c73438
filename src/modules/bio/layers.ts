/**
 * The organic parcel layer, declared once: what CartoBio Territoires serves (routes.ts), what
 * `terroir import bio.parcelle …` loads (RPG bio of data.gouv.fr, CartoBio GeoJSON; import.ts) and
 * what the demo's organic parcels go through. Property names: the five the 2020 contract documents
 * (`codeculture`, `labelculture`, `groupeculture`, `bio`, `millesime`) first, then the richer fields
 * in the same style (lower case, no separator). The parcel id served is a keyed pseudonym computed
 * when answering (pseudonym.ts), never a stored column.
 */
import { defineLayer } from '../../catalog/layer.ts';
import { bigint, date, float, integer, text } from '../../catalog/fields.ts';
import { bioRow, completeParcels, datasetIdFor, LICENCE, PRODUCER } from './import.ts';

export const BIO_SCOPE = 'cartobio:territoires' as const;
export const CONVENTIONNEL_SCOPE = 'cartobio:conventionnel' as const;

export const BIO_PARCELLE = defineLayer({
  id: 'bio.parcelle',
  title: 'Parcelles en agriculture biologique (RPG bio, CartoBio)',
  description:
    'Organic parcels per PAC campaign (millésime): contour, PAC crop code with label and group, crop precision (2023+), CPF bio code, ' +
    'conversion stage (CONV, C1, C2, C3, AB; AB? when not known), engagement date, commune, EPCI, département, région and area in the legal projection. ' +
    'Restricted to habilitated public bodies, on their territory.',
  table: 'bio_parcelle',
  geometry: { type: 'MultiPolygon' },
  idColumn: 'gid',
  featureId: { prefix: 'bio' },
  access: { scope: BIO_SCOPE },
  // Stored columns without their own `from` take the member of their name of the parsed row (import.ts).
  fields: {
    gid: bigint({ hidden: true, from: null }),
    cle_source: text({ hidden: true }),
    code_culture: text({ as: 'codeculture' }),
    label_culture: text({ as: 'labelculture' }),
    groupe_culture: text({ as: 'groupeculture' }),
    bio: integer(),
    millesime: integer(),
    precision: text(),
    code_cpf: text({ as: 'codecpf', from: null }),
    conversion: text(),
    date_engagement: date({ as: 'dateengagement', sql: (c) => `to_char(${c}, 'YYYY-MM-DD')`, serves: 'string' }),
    surface_ha: float({ as: 'surfaceha', from: null }),
    code_commune: text({ as: 'codecommune' }),
    nom_commune: text({ as: 'nomcommune' }),
    code_epci: text({ as: 'codeepci' }),
    code_departement: text({ as: 'codedepartement' }),
    code_region: text({ as: 'coderegion' }),
    code_groupe: integer({ hidden: true, from: null }),
  },
  producer: PRODUCER,
  licence: LICENCE,
  import: {
    fichiers: {
      title: 'Parcelles bio: RPG bio (data.gouv.fr) or CartoBio GeoJSON export',
      formats: [
        'RPG bio .shp.zip / .shp (Lambert-93 or overseas CRS): MILLESIME, BIO, CODE_CULTU, LBL_CULTU, GRP_CULTU, PRECISION, SURFACE_HA, CODE_COMMU… (by year)',
        'RPG bio .geojson / .geojson.gz (same fields, full names)',
        'CartoBio GeoJSON: id, com, culture_type, niveau_conversion, engagement_date (+ --option exploitation=<PACAGE> and --annee)',
      ],
      datasetId: datasetIdFor,
      row: bioRow,
      afterLoad: (tx, datasetId) => completeParcels(tx, datasetId),
    },
  },
});

export const [bioParcelleTarget] = BIO_PARCELLE.targets;
