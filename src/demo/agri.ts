/**
 * Agriculture of the territory: crops of every field and campaign (crops.ts), organic farms, and
 * the per-campaign parcel numbers (ID_PARCEL), into demo_w_crop / demo_w_farm.
 */
import type { Database } from '../db/database.ts';
import type { DemoParams } from './params.ts';
import type { Otex } from './farms.ts';
import { CropModel, ORGANISMES, organicFarms, type Nomenclature } from './crops.ts';
import { Rng } from './random.ts';
import { run } from './sql.ts';

/** ID_PARCEL of a field in a campaign: the campaign's last two digits, then the field's rank. */
export function idParcel(campagne: number, rank: number): number {
  return (campagne % 100) * 1_000_000 + rank;
}

export async function buildAgriculture(db: Database, p: DemoParams, nom: Nomenclature): Promise<{ crops: number; organicFarms: number }> {
  const fields = await db.query<{ id: number; farm: number; otex: Otex; vigne: boolean; surf_ha: number }>(
    `SELECT f.id, f.farm, fm.otex, b.vigne, f.surf_ha
     FROM demo_w_field f JOIN demo_w_farm fm ON fm.id = f.farm JOIN demo_w_block b ON b.id = f.block_id
     ORDER BY f.id`,
  );
  // Organic farms: chosen on declared area.
  const farmArea = new Map<number, { id: number; otex: Otex; ha: number }>();
  for (const f of fields) {
    const a = farmArea.get(f.farm) ?? { id: f.farm, otex: f.otex, ha: 0 };
    a.ha += f.surf_ha;
    farmArea.set(f.farm, a);
  }
  const bio = organicFarms(p, [...farmArea.values()].sort((a, b) => a.id - b.id));
  const bioIds = [...bio.keys()].sort((a, b) => a - b);
  await run(
    db,
    `UPDATE demo_w_farm f SET bio_depuis = m.y, oc = m.oc FROM unnest($1::int[], $2::int[], $3::text[]) AS m(id, y, oc) WHERE f.id = m.id`,
    [bioIds, bioIds.map((id) => bio.get(id)!), bioIds.map((id) => new Rng(p.seed, 503, id).weighted(ORGANISMES))],
  );

  const model = new CropModel(p.seed, nom);
  let count = 0;
  // Fields are ranked in id order once: their ID_PARCEL is the campaign prefix + this rank.
  const rows = function* () {
    let rank = 0;
    for (const f of fields) {
      rank++;
      const since = bio.get(f.farm);
      for (const c of model.fieldYears(f, p.annees)) {
        count++;
        yield [c.field_id, c.campagne, idParcel(c.campagne, rank), c.code_cultu, c.culture_d1, c.culture_d2, since !== undefined && since <= c.campagne];
      }
    }
  };
  await db.copyRows('demo_w_crop', ['field_id', 'campagne', 'id_parcel', 'code_cultu', 'culture_d1', 'culture_d2', 'bio'], rows());
  if (db.backend === 'pglite') await db.query('ANALYZE demo_w_crop');
  return { crops: count, organicFarms: bio.size };
}
