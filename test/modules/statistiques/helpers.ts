/**
 * The statistics tests' territory: a small demo (4 communes in one EPCI, campaigns 2021–2023, every
 * layer: RPG with catch crops, AOC, PLU / cartes communales, nature, organic parcels) on this run's
 * backend, served by the real app, with the organisations of the restricted /bio route:
 *   commune   a public body whose territory is the first demo commune (scope cartobio:territoires)
 *   national  the SSP (whole country, cartobio:territoires)
 *   sansScope a key of the commune's body without the scope
 */
import { createOrganisation } from '../../../src/auth/organisations.ts';
import { issueKey } from '../../../src/auth/keys.ts';
import { generateDemo } from '../../../src/demo/index.ts';
import { testApp, type TestApp } from '../../helpers/app.ts';

export const DEMO = { seed: 3, communes: 4, annees: [2021, 2022, 2023] };

export interface StatsWorld {
  t: TestApp;
  communes: string[];
  epci: string;
  keys: { commune: string; national: string; sansScope: string };
}

export async function statsWorld(): Promise<StatsWorld> {
  const t = await testApp();
  await generateDemo(t.db, DEMO);
  const communes = (await t.db.query<{ code: string }>(`SELECT code FROM limites_commune WHERE code LIKE '475%' ORDER BY code`)).map((r) => r.code);
  const [e] = await t.db.query<{ epci: string }>('SELECT epci FROM limites_epci_commune WHERE commune = $1', [communes[0]]);
  const commune = await createOrganisation(t.db, { name: 'Commune démo', kind: 'collectivite', territory: `commune:${communes[0]}` });
  const ssp = await createOrganisation(t.db, { name: 'SSP', kind: 'ssp', territory: 'france' });
  const key = async (org: number, scopes: string[]) => (await issueKey(t.db, { organisation: org, scopes: scopes as never })).key;
  return {
    t,
    communes,
    epci: e.epci,
    keys: {
      commune: await key(commune.id, ['cartobio:territoires']),
      national: await key(ssp.id, ['cartobio:territoires']),
      sansScope: await key(commune.id, ['rpg:niveau2:lire']),
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Hectares from m², rounded as the answers are. */
export const ha = (m2: number | string | null) => (m2 === null ? null : Math.round((Number(m2) / 1e4) * 100) / 100);
