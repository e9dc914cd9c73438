/**
 * The nine nature layers of API Carto (reference §11), each declared once. They share one shape
 * (the MNHN/INPN layers of the Géoplateforme: id_mnhn, nom_site, url_fiche…, migration 0110) and
 * differ by what API Carto calls the columns and filters:
 *
 * - natura-habitat (SIC/ZSC), natura-oiseaux (ZPS): `sitecode`, `sitename`, `url`;
 * - znieff1, znieff2, pn, pnr, rnn, rnc: `id_mnhn`, `nom`, `url`;
 * - rncf: the layer's own names `id_mnhn`, `nom_site`, `url_fiche` (its filter is still `nom`).
 *
 * Unlike the reference (§15.5, it sends the renamed filters upstream, where they match nothing),
 * `sitecode`, `sitename` and `nom` filter here on the columns they name.
 */
import { defineLayer, type ColumnSpec, type FilterSpec, type Layer } from '../../catalog/layer.ts';
import { float, integer, text } from '../../catalog/fields.ts';
import { fileKey } from '../../import/dataset-id.ts';
import { NATURE_SOURCES, odsSource, type NatureKind } from './import.ts';

const CODE: Omit<FilterSpec, 'param' | 'description'> = { pattern: '^[0-9A-Za-z]{1,20}$', examples: ['FR5310050'] };
const NAME: Omit<FilterSpec, 'param' | 'description'> = { minLength: 1, maxLength: 250 };

/** How API Carto names one layer's columns and filters. */
interface Naming {
  code: string;
  name: string;
  url: string;
  /** The filter on nom_site (`sitename` or `nom`). */
  nameParam: string;
  /** Other properties served (all but rncf, reference §11). */
  extras: boolean;
}
const NATURA: Naming = { code: 'sitecode', name: 'sitename', url: 'url', nameParam: 'sitename', extras: true };
const MNHN: Naming = { code: 'id_mnhn', name: 'nom', url: 'url', nameParam: 'nom', extras: true };
const RNCF: Naming = { code: 'id_mnhn', name: 'nom_site', url: 'url_fiche', nameParam: 'nom', extras: false };

function fields(n: Naming): Record<string, ColumnSpec> {
  const extra = (c: ColumnSpec): ColumnSpec => (n.extras ? c : { ...c, hidden: true });
  const from = NATURE_SOURCES;
  return {
    gid: integer({ hidden: true, from: null }),
    id_mnhn: text({
      as: n.code,
      from: from.id_mnhn,
      filter: { ...CODE, param: n.code, description: 'MNHN code of the site (INPN), exact: letters and digits.' },
    }),
    nom_site: text({ as: n.name, from: from.nom_site, filter: { ...NAME, param: n.nameParam, description: 'Name of the site, exact (as the INPN writes it).' } }),
    url_fiche: text({ as: n.url, from: from.url_fiche }),
    id_local: extra(text({ from: from.id_local })),
    date_crea: extra(text({ from: from.date_crea })),
    surf_off: extra(float({ from: from.surf_off })),
    gest_site: extra(text()),
    operateur: extra(text()),
  };
}

interface Kind {
  kind: NatureKind;
  route: string;
  title: string;
  naming: Naming;
  /** The published layouts besides the INPN one (an OpenDataSoft export of PNR perimeters). */
  ods?: boolean;
}

export const NATURE_KINDS: readonly Kind[] = [
  { kind: 'sic', route: 'natura-habitat', title: 'Natura 2000 — sites d’intérêt communautaire / zones spéciales de conservation (directive Habitats)', naming: NATURA },
  { kind: 'zps', route: 'natura-oiseaux', title: 'Natura 2000 — zones de protection spéciale (directive Oiseaux)', naming: NATURA },
  { kind: 'znieff1', route: 'znieff1', title: 'ZNIEFF de type 1', naming: MNHN },
  { kind: 'znieff2', route: 'znieff2', title: 'ZNIEFF de type 2', naming: MNHN },
  { kind: 'pn', route: 'pn', title: 'Parcs nationaux', naming: MNHN },
  { kind: 'pnr', route: 'pnr', title: 'Parcs naturels régionaux', naming: MNHN, ods: true },
  { kind: 'rnn', route: 'rnn', title: 'Réserves naturelles nationales', naming: MNHN },
  { kind: 'rnc', route: 'rnc', title: 'Réserves naturelles de Corse', naming: MNHN },
  { kind: 'rncf', route: 'rncf', title: 'Réserves nationales de chasse et de faune sauvage', naming: RNCF },
];

function natureLayer(k: Kind): Layer {
  const id = `nature.${k.route}`;
  // The ODS reader loads through the INPN target of this very layer, known once it is defined.
  let layer: Layer | undefined;
  const own = (ctx: { file: string; options: Record<string, string> }) => `${id}:${datasetLabel(ctx)}`;
  layer = defineLayer({
    id,
    title: k.title,
    description: `${k.title} (MNHN / INPN) intersecting \`geom\`, or matching the attribute filters.`,
    table: `nature_${k.kind}`,
    geometry: { type: 'MultiPolygon' },
    idColumn: 'gid',
    featureId: { prefix: k.kind },
    access: 'public',
    minZoom: 8, // a few thousand large zones nationwide, as the AOC areas: a park is seen whole
    fields: fields(k.naming),
    producer: 'MNHN (INPN)',
    licence: 'Licence Ouverte 2.0 (Etalab)',
    import: {
      inpn: {
        title: `${k.title} (INPN shapefile, GeoJSON or Géoplateforme WFS answer)`,
        formats: [
          'ESRI Shapefile of the INPN (ID_MNHN, NOM_SITE or NOM, URL_FICHE or URL; SITECODE, SITENAME for Natura 2000), Lambert-93 or overseas CRS',
          'GeoJSON of the same fields, or a Géoplateforme WFS answer (PROTECTEDAREAS.*, patrinat_*)',
        ],
        datasetId: own,
      },
      ...(k.ods
        ? { ods: { suffix: 'ods', title: `${k.title} (OpenDataSoft records export)`, formats: ['OpenDataSoft JSON records export (fields.nom, fields.url_pnr, geometry)'], datasetId: own, importSource: odsSource(() => layer!.targets[0]) } }
        : {}),
    },
  });
  return layer;
}

/** `--option edition=<name>` names the dataset, else the file it comes from (fileKey): each file is its own dataset. */
function datasetLabel(ctx: { file: string; options: Record<string, string> }): string {
  const e = ctx.options.edition?.trim();
  if (e) {
    if (!/^[A-Za-z0-9._-]{1,60}$/.test(e)) throw new Error(`--option edition=${e}: letters, digits, '.', '-' and '_' only`);
    return e;
  }
  return fileKey(ctx.file);
}

export const NATURE_LAYERS: readonly (Kind & { layer: Layer })[] = NATURE_KINDS.map((k) => ({ ...k, layer: natureLayer(k) }));
/** The layer of a route (`znieff1`, `natura-habitat`…). */
export const natureLayerOf = (route: string): Layer => NATURE_LAYERS.find((l) => l.route === route)!.layer;
