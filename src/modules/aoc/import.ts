/**
 * `aoc.appellation-viticole`: the INAO parcel delimitation of wine AOCs (shapefile from data.gouv.fr
 * or the per-commune GeoJSON split of opendatawine; same INAO fields, any case).
 *
 * De-duplication (afterLoad, inside the import transaction): opendatawine's files hold every feature
 * twice. Rows of the dataset with the same key (id_denom, insee) and the same geometry vertex for
 * vertex (ST_OrderingEquals) are exact copies: all but one are deleted. Rows that still share a key
 * after that (one zone published in several pieces) are merged into one MultiPolygon (ST_Union), so
 * that the answer has one zone per denomination and commune, with a unique feature id.
 */
import type { Queryable } from '../../db/database.ts';
import { int, prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import type { ImportContext, ImportTarget } from '../../import/target.ts';

function insee(f: SourceFeature): string {
  const v = prop(f, 'insee');
  const s = typeof v === 'number' ? String(v).padStart(5, '0') : text(v)?.toUpperCase() ?? null;
  if (s === null) throw new Error('insee is missing');
  if (!/^(\d{5}|2[AB]\d{3})$/.test(s)) throw new Error(`insee is not an INSEE commune code: ${JSON.stringify(v)}`);
  return s;
}

function idDenom(f: SourceFeature): number {
  const n = int(prop(f, 'id_denom'));
  if (n === null) throw new Error('id_denom is missing');
  return n;
}

const t = (name: string) => ({ name, type: 'text' as const, value: (f: SourceFeature) => text(prop(f, name)) });
const i = (name: string) => ({ name, type: 'integer' as const, value: (f: SourceFeature) => int(prop(f, name)) });

/** `--option zone=21295` (a commune, département or any label of what the files cover). */
function zoneOption(ctx: ImportContext): string | null {
  const z = ctx.options.zone?.trim();
  if (!z) return null;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(z)) throw new Error(`--option zone=${z}: letters, digits, - and _ only`);
  return z;
}

const TABLE = 'aoc_appellation_viticole';

async function dedupe(tx: Queryable, datasetId: string): Promise<void> {
  // Exact copies: same key, same vertices in the same order. ctid: the physical row, both backends.
  await tx.query(
    `DELETE FROM ${TABLE} a USING ${TABLE} b
     WHERE a.dataset_id = $1 AND b.dataset_id = $1 AND a.id_uni = b.id_uni AND a.ctid > b.ctid
       AND ST_OrderingEquals(a.geom, b.geom)`,
    [datasetId],
  );
  // Pieces of one zone: merged into the first row, the others deleted (one statement, one snapshot).
  await tx.query(
    `WITH grp AS (
       SELECT id_uni, min(ctid) AS keep, ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom
       FROM ${TABLE} WHERE dataset_id = $1 GROUP BY id_uni HAVING count(*) > 1
     ), gone AS (
       DELETE FROM ${TABLE} x USING grp WHERE x.dataset_id = $1 AND x.id_uni = grp.id_uni AND x.ctid <> grp.keep RETURNING 1
     )
     UPDATE ${TABLE} x SET geom = grp.geom FROM grp WHERE x.dataset_id = $1 AND x.ctid = grp.keep`,
    [datasetId],
  );
}

export const aocAppellationViticole: ImportTarget = {
  layer: 'aoc.appellation-viticole',
  title: 'AOC viticoles — délimitation parcellaire INAO',
  table: TABLE,
  geometry: { column: 'geom', type: 'MultiPolygon' },
  formats: ['ESRI Shapefile (INAO delimitation, Lambert-93)', 'GeoJSON (INAO fields, e.g. opendatawine delimitation_aoc/<dep>/<insee>/<id_denom>.geojson)'],
  columns: [
    { name: 'id_uni', type: 'text', value: (f) => `1-${idDenom(f)}-${insee(f)}` },
    t('dt'),
    t('type_prod'),
    t('categorie'),
    t('type_denom'),
    t('signe'),
    i('id_app'),
    t('app'),
    { name: 'id_denom', type: 'integer', value: idDenom },
    t('denom'),
    { name: 'insee', type: 'text', value: insee },
    t('cvi'),
    t('nomcom'),
    t('insee2011'),
    t('nomcom2011'),
    i('id_aire'),
    t('crinao'),
    t('grp_name1'),
    t('grp_name2'),
    {
      name: 'departement',
      type: 'text',
      value: (f) => {
        const c = insee(f);
        return c.startsWith('97') ? c.slice(0, 3) : c.slice(0, 2);
      },
    },
  ],
  datasetId: (ctx) => ['aoc.appellation-viticole', zoneOption(ctx)].filter(Boolean).join(':'),
  producer: 'INAO (Institut national de l’origine et de la qualité)',
  licence: 'Licence Ouverte 2.0 (Etalab)',
  afterLoad: (tx, datasetId) => dedupe(tx, datasetId),
};

export const AOC_IMPORT_TARGETS: ImportTarget[] = [aocAppellationViticole];
