import type { LightMyRequestResponse } from 'fastify';
import { createOrganisation } from '../../../src/auth/organisations.ts';
import { issueKey } from '../../../src/auth/keys.ts';
import type { Scope } from '../../../src/auth/access.ts';
import { generateDemo } from '../../../src/demo/index.ts';
import { testApp, type TestApp } from '../../helpers/app.ts';

/**
 * The real service on a small synthetic demo (3 communes, campaigns 2022 and 2023, level 2 filled),
 * with the organisations of the instruction's workflow and their keys:
 *   commune    a collectivité whose territory is the first demo commune (requests, downloads)
 *   agence     an agence de l'eau on the second demo commune (another requester)
 *   draaf      the DRAAF of région 75 (the demo's), instructs
 *   draafAutre a DRAAF whose territory is the third commune only (not the instructor of the others)
 *   ssp        the SSP, national, instructs research requests
 *   ddt        a DDT of the demo's département (State service: requests, downloads, may have the State-only table)
 *   admin      an administrator
 */
export interface N2World {
  t: TestApp;
  communes: string[];
  keys: Record<'commune' | 'agence' | 'draaf' | 'draafAutre' | 'ssp' | 'ddt' | 'admin' | 'communeSansLire' | 'communeSansScope', string>;
  orgs: Record<'commune' | 'agence' | 'draaf' | 'draafAutre' | 'ssp' | 'ddt' | 'admin', number>;
}

export async function n2World(env: Record<string, string> = {}): Promise<N2World> {
  const t = await testApp(env);
  await generateDemo(t.db, { seed: 7, communes: 3, annees: [2022, 2023] });
  const communes = (await t.db.query<{ code: string }>(`SELECT code FROM limites_commune WHERE code LIKE '475%' ORDER BY code`)).map((r) => r.code);
  const org = async (name: string, kind: string, territory: string) => (await createOrganisation(t.db, { name, kind, territory })).id;
  const orgs = {
    commune: await org('Commune démo', 'collectivite', `commune:${communes[0]}`),
    agence: await org('Agence de l’eau démo', 'agence-eau', `commune:${communes[1]}`),
    // The demo registers its communes and EPCI with contours (not the région's nor the département's).
    draaf: await org('DRAAF Nouvelle-Aquitaine', 'draaf', communes.map((c) => `commune:${c}`).join(',')),
    draafAutre: await org('DRAAF voisine', 'draaf', `commune:${communes[2]}`),
    ssp: await org('SSP', 'ssp', 'france'),
    ddt: await org('DDT 47', 'ddt', communes.map((c) => `commune:${c}`).join(',')),
    admin: await org('Administration Terroir', 'etat', 'france'),
  };
  const key = async (o: number, scopes: Scope[]) => (await issueKey(t.db, { organisation: o, scopes })).key;
  const keys = {
    commune: await key(orgs.commune, ['rpg:niveau2:demander', 'rpg:niveau2:lire']),
    communeSansLire: await key(orgs.commune, ['rpg:niveau2:demander']),
    communeSansScope: await key(orgs.commune, ['cartobio:territoires']),
    agence: await key(orgs.agence, ['rpg:niveau2:demander', 'rpg:niveau2:lire']),
    draaf: await key(orgs.draaf, ['demandes:instruire', 'rpg:niveau2:lire']),
    draafAutre: await key(orgs.draafAutre, ['demandes:instruire', 'rpg:niveau2:lire']),
    ssp: await key(orgs.ssp, ['demandes:instruire', 'rpg:niveau2:lire', 'rpg:niveau2:demander']),
    ddt: await key(orgs.ddt, ['rpg:niveau2:demander', 'rpg:niveau2:lire']),
    admin: await key(orgs.admin, ['admin']),
  };
  return { t, communes, keys, orgs };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A complete, valid request body for the first demo commune. */
export function demandeBody(communes: string[], over: Record<string, unknown> = {}) {
  return {
    nature: 'service-public',
    traitement: 'Suivi des surfaces en herbe du bassin versant',
    finalite: 'Protection de la ressource en eau : localiser les prairies permanentes',
    sous_finalites: ['Cartographie des zones tampons'],
    mission: 'Commune, compétence eau potable, territoire communal',
    responsable: { nom: 'Maire de la commune démo', courriel: 'mairie@example.org', adresse: '1 place de la Mairie' },
    dpo: { nom: 'DPO mutualisé', courriel: 'dpo@example.org' },
    engagements: { usage_limite_au_traitement: true, information_des_exploitants: true },
    tables: {
      parcelles: ['id_parcelle', 'numero_pacage', 'commune_ilot', 'code_culture', 'surface_admissible', 'bio'],
      exploitants: ['numero_pacage', 'forme_juridique'],
      pilier1: ['numero_pacage', 'montant_net_total'],
    },
    communes: [communes[0]],
    campagnes: [2022, 2023],
    conservation: '5 ans',
    ...over,
  };
}

export const json = (res: LightMyRequestResponse) => res.json() as Record<string, unknown> & { id: number };
