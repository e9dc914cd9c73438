/**
 * Synthetic nature zones of the demo territory: one site of each kind API Carto serves (Natura 2000
 * SIC and ZPS, ZNIEFF 1 and 2, parcs, réserves), in the INPN layout (ID_MNHN / SITECODE, names,
 * URL), in Lambert-93 like the INPN shapefiles, each a square around a point of one of the
 * generated communes. Names end with « (synthétique) » and the datasets are flagged synthetic:
 * they describe no real protected area.
 */
import type { Database } from '../db/database.ts';
import type { SourceFeature } from '../import/readers/feature.ts';

const KINDS: { layer: string; code: (dep: string, k: number) => string; label: string; natura?: boolean }[] = [
  { layer: 'nature.natura-habitat', code: (d, k) => `FR99${d}0${k}`, label: 'ZSC des landes', natura: true },
  { layer: 'nature.natura-oiseaux', code: (d, k) => `FR99${d}1${k}`, label: 'ZPS de la baie', natura: true },
  { layer: 'nature.znieff1', code: (d, k) => `99${d}0000${k}`, label: 'ZNIEFF 1 de l’étang' },
  { layer: 'nature.znieff2', code: (d, k) => `99${d}1000${k}`, label: 'ZNIEFF 2 du bocage' },
  { layer: 'nature.pn', code: (d, k) => `FR33${d}00${k}`, label: 'Parc national des collines' },
  { layer: 'nature.pnr', code: (d, k) => `FR80${d}00${k}`, label: 'Parc naturel régional du plateau' },
  { layer: 'nature.rnn', code: (d, k) => `FR36${d}00${k}`, label: 'Réserve naturelle nationale du marais' },
  { layer: 'nature.rnc', code: (d, k) => `FR94${d}00${k}`, label: 'Réserve naturelle de la pointe' },
  { layer: 'nature.rncf', code: (d, k) => `FR55${d}00${k}`, label: 'Réserve de chasse et de faune sauvage du bois' },
];

export interface NatureZones {
  layer: string;
  file: string;
  features: SourceFeature[];
}

/** One zone of each kind, around the communes taken in code order (several kinds may share one). */
export async function natureZones(db: Database, codeDep: string): Promise<NatureZones[]> {
  const rows = await db.query<{ k: number; geom: string }>(
    `SELECT k, ST_AsGeoJSON(ST_Expand(ST_PointOnSurface(c.geom), 300 + 60 * k), 2) AS geom
     FROM generate_series(0, $1::int - 1) AS k,
     LATERAL (SELECT geom FROM demo_w_commune ORDER BY insee OFFSET k % (SELECT count(*) FROM demo_w_commune) LIMIT 1) c`,
    [KINDS.length],
  );
  return rows.map(({ k, geom }) => {
    const kind = KINDS[k];
    const code = kind.code(codeDep, k);
    const name = `${kind.label} (synthétique)`;
    const url = `https://example.invalid/terroir-demo/${code}`;
    const properties = kind.natura ? { SITECODE: code, SITENAME: name, URL: url } : { ID_MNHN: code, NOM_SITE: name, URL_FICHE: url, GEST_SITE: 'Terroir demo (synthetic)' };
    return { layer: kind.layer, file: `${kind.layer.replace('nature.', '')}-D${codeDep}-synthetique.shp`, features: [{ index: 1, properties, geometry: JSON.parse(geom) }] };
  });
}
