import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { BACKEND } from '../helpers/db.ts';
import { terroir } from '../demo/helpers.ts';
import { migratedPlace, seedUnits, type MigratedPlace } from '../auth/helpers.ts';
import type { Database } from '../../src/db/database.ts';

/**
 * `terroir campagne` and `terroir demande` as a DRAAF administrator runs them: the whole workflow
 * from the command line on a small world (communes 29158 and 29001 with contours, region 53) with a
 * few level-2 rows in 29158 for campaign 2022.
 */
let place: MigratedPlace;
let dir: string;

async function seed(db: Database) {
  await seedUnits(db);
  const sq = (x: number) => `ST_Multi(ST_MakeEnvelope(${x}, 47.75, ${x + 0.001}, 47.751, 4326))`;
  await db.exec(`
    INSERT INTO rpg_n2_parcelle_graphique (campagne, dataset_id, departement, id_parcelle, geom) VALUES
      (2022, 't:2022', '29', 1, ${sq(-4.45)}), (2022, 't:2022', '29', 2, ${sq(-4.44)}), (2022, 't:2022', '29', 3, ${sq(-4.2)});
    INSERT INTO rpg_n2_parcelle (campagne, dataset_id, departement, id_parcelle, numero_pacage, commune_ilot, numero_ilot, numero_parcelle, code_culture,
      semences_certifiees, commercialisation, bio, surface_admissible) VALUES
      (2022, 't:2022', '29', 1, '029000001', '29158', 1, 1, 'PPH', false, true, false, 1.5),
      (2022, 't:2022', '29', 2, '029000002', '29158', 1, 1, 'BTH', false, true, true, 2.5),
      (2022, 't:2022', '29', 3, '029000003', '29001', 1, 1, 'MIS', false, true, false, 3.5);
    INSERT INTO rpg_n2_pilier1 (campagne, dataset_id, departement, numero_pacage, montant_net_total) VALUES
      (2022, 't:2022', '29', '029000001', 1000.5), (2022, 't:2022', '29', '029000002', 2000.25), (2022, 't:2022', '29', '029000003', 3000.75);
  `);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'terroir-cli-n2-'));
  place = await migratedPlace({}, seed);
});
after(async () => {
  await place?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => terroir([...args, ...place.args], place.env);
const ok = async (...args: string[]) => {
  const r = await run(...args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

test(`${BACKEND}: terroir campagne list|set`, async () => {
  const list = JSON.parse(await ok('campagne', 'list', '--json')) as { annee: number; etat: string; source: string }[];
  assert.deepEqual(list.find((c) => c.annee === 2022), { annee: 2022, etat: 'constatee', constatee_le: '2023-06-30', source: 'defaut', note: null, modifie_le: null });
  assert.equal(await ok('campagne', 'set', '2021', 'instruction', '--note', 'audit'), 'instruction');
  const bad = await run('campagne', 'set', '2021', 'fini');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /état "fini" is not one of declaration, instruction, constatee/);
  assert.equal(await ok('campagne', 'set', '2021', 'constatee', '--date', '2022-06-30'), 'constatee');
  assert.match(await ok('campagne', 'list'), /2021\s+constatee\s+2022-06-30\s+admin/);
});

// Each step its own test: on a loaded machine every `terroir` process of the embedded backend costs
// seconds, and the runner times each test.
let commune: string;
let draaf: string;
let id: string;
let file: string;

test(`${BACKEND}: terroir demande file: refusals, then the request filed and routed`, async () => {
  commune = await ok('org', 'add', '--name', 'Commune de Penmarch', '--kind', 'collectivite', '--territory', 'commune:29158');
  draaf = await ok('org', 'add', '--name', 'DRAAF Bretagne', '--kind', 'draaf', '--territory', 'commune:29158,commune:29001');
  await ok('key', 'issue', '--org', commune, '--scope', 'rpg:niveau2:demander,rpg:niveau2:lire');
  await ok('key', 'issue', '--org', draaf, '--scope', 'demandes:instruire');
  const body = {
    nature: 'service-public', traitement: 'Zones humides', finalite: 'Préserver les zones humides', mission: 'Commune, territoire communal',
    responsable: { nom: 'Maire', courriel: 'maire@example.org' }, dpo: { nom: 'DPO', courriel: 'dpo@example.org' },
    engagements: { usage_limite_au_traitement: true, information_des_exploitants: true },
    tables: { parcelles: ['numero_pacage', 'code_culture'], pilier1: ['numero_pacage', 'montant_net_total'] },
    communes: ['29158'], campagnes: [2022], conservation: '3 ans',
  };
  file = join(dir, 'demande.json');
  writeFileSync(file, JSON.stringify(body));
  // Outside the requester's territory, or without the scope: refused before anything is recorded.
  writeFileSync(join(dir, 'dehors.json'), JSON.stringify({ ...body, communes: ['29001'] }));
  const outside = await run('demande', 'file', '--org', commune, '--file', join(dir, 'dehors.json'));
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /commune 29001 is outside the territory of Commune de Penmarch/);
  const noScope = await run('demande', 'file', '--org', draaf, '--file', file);
  assert.equal(noScope.code, 2);
  assert.match(noScope.stderr, /no active key with scope rpg:niveau2:demander/);
  id = await ok('demande', 'file', '--org', commune, '--file', file);
  assert.match(id, /^\d+$/);
});

test(`${BACKEND}: terroir demande list, decide, show`, async () => {
  const listed = JSON.parse(await ok('demande', 'list', '--org', draaf, '--json'));
  assert.deepEqual(listed.map((d: { id: number; region: string; statut: string }) => [d.id, d.region, d.statut]), [[Number(id), '53', 'deposee']]);
  const early = await run('demande', 'extraction', id, '--org', commune, '--out', join(dir, 'x.zip'));
  assert.equal(early.code, 2);
  assert.match(early.stderr, /pending: nothing to download/);
  const self = await run('demande', 'decide', id, '--org', commune, '--accept');
  assert.equal(self.code, 2);
  assert.equal(await ok('demande', 'decide', id, '--org', draaf, '--accept'), 'acceptee');
  const shown = JSON.parse(await ok('demande', 'show', id));
  assert.match(shown.information_art14, /Zones humides[\s\S]*DPO/);
});

test(`${BACKEND}: terroir demande extraction and registre; the download audited`, async () => {
  const out = join(dir, 'extraction.zip');
  const sha = await ok('demande', 'extraction', id, '--org', commune, '--out', out);
  const zip = readFileSync(out);
  assert.equal(createHash('sha256').update(zip).digest('hex'), sha);
  const files = unzipSync(new Uint8Array(zip));
  const pilier = strFromU8(files['pilier1.csv']).trim().split(/\r?\n/);
  assert.deepEqual(pilier, ['campagne,numero_pacage,montant_net_total', '2022,029000001,1000.5', '2022,029000002,2000.25'], 'the farms of 29158 only');
  const registre = await ok('demande', 'registre', '--csv');
  assert.match(registre, new RegExp(`extraction.*${sha}|${sha}`));
  assert.equal(registre.trim().split(/\r?\n/).filter((l) => /^\d+,/.test(l)).length, 3);
  // The command-line download is in the audit trail.
  const verify = await run('audit', 'verify', '--json');
  assert.equal(verify.code, 0, verify.stderr);
  const db = await place.open();
  try {
    const rows = await db.query<{ method: string; organisation: number; features: number }>(`SELECT method, organisation, features FROM auth_audit WHERE route = 'terroir demande extraction'`);
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ method: 'CLI', organisation: Number(commune), features: 4 }]);
  } finally {
    await db.close();
  }
});
