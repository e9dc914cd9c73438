/**
 * The service with the small administrative world of test/auth/helpers.ts (communes 29158 and 29001
 * in EPCI 200000001, 72187 in EPCI 200000002), the RPG bio fixtures of 2019, 2021 and 2023 loaded
 * through `terroir import bio.parcelle`, a few RPG level-1 parcels of 2023, and keys:
 * penmarch (commune 29158), bureau (EPCI 200000001), ssp (France), and one without the scope.
 */
import { fileURLToPath } from 'node:url';
import { importFiles } from '../../../src/import/engine.ts';
import { bioParcelleTarget } from '../../../src/modules/bio/layers.ts';
import { issueKey } from '../../../src/auth/keys.ts';
import { authApp, type AuthApp } from '../../auth/helpers.ts';

export const PSEUDONYM_KEY = 'test-pseudonym-secret-0123456789abcdef';
export const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/bio/${name}`, import.meta.url));

export interface BioApp extends AuthApp {
  noScope: string;
}

export async function bioApp(env: Record<string, string> = {}): Promise<BioApp> {
  const t = await authApp({ env: { TERROIR_PSEUDONYM_KEY: PSEUDONYM_KEY, ...env } });
  for (const f of ['rpg-bio-2019-test.shp.zip', 'rpg-bio-2021-test.shp.zip', 'rpg-bio-2023-test.geojson.gz']) await importFiles(t.db, bioParcelleTarget, [fixture(f)], {});
  // RPG level 1, 2023: one 1° × … square per commune 29158 and 29001 (the agricultural area of the synthesis).
  await t.db.exec(`
    INSERT INTO rpg_parcelle (campagne, dataset_id, gid, id_parcel, surf_parc, code_cultu, code_group, geom) VALUES
      (2023, 'rpg.parcelle:2023:test', 1, '1', 100, 'BTH', '1', ST_Multi(ST_MakeEnvelope(-4.46, 47.74, -4.44, 47.76, 4326))),
      (2023, 'rpg.parcelle:2023:test', 2, '2', 150, 'PPH', '18', ST_Multi(ST_MakeEnvelope(-4.26, 47.74, -4.24, 47.76, 4326))),
      (2023, 'rpg.parcelle:2023:test', 3, '3', 50, 'PPH', '18', ST_Multi(ST_MakeEnvelope(0.19, 47.79, 0.21, 47.81, 4326)));
  `);
  const noScope = (await issueKey(t.db, { organisation: t.world.ssp.id, scopes: ['rpg:niveau2:lire'] })).key;
  return { ...t, noScope };
}

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

export async function auditCount(t: AuthApp): Promise<number> {
  const [r] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_audit');
  return r.n;
}
