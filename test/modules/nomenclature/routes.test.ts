import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertProblem, testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { parseCsv } from '../../../src/formats/csv.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

const API = '/api/nomenclature';
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: API + url, headers });

interface Culture {
  code_cultu: string;
  libelle_cultu: string;
  code_group: number;
  libelle_group: string;
  depuis: number;
}

/** Rows read off the printed annex by hand (page breaks, "id." rows, commas, apostrophes, ligatures). */
const SAMPLE: [string, string, number, string][] = [
  ['BTH', "Blé tendre d'hiver", 1, 'Blé tendre'],
  ['MIS', 'Maïs', 2, 'Maïs grain et ensilage'],
  ['SRS', 'Sarrasin', 4, 'Autres céréales'],
  ['OEI', 'Œillette', 7, 'Autres oléagineux'],
  ['MPC', 'Mélange de protéagineux (pois et/ou lupin et/ou féverole) prépondérants semés avant le 31/05 et de céréales', 8, 'Protéagineux'],
  ['J6S', "Jachère de 6 ans ou plus déclarée comme Surface d'intérêt écologique", 11, 'Gel (surfaces gelées sans production)'],
  ['CPL', 'Fourrage composé de céréales et/ou de protéagineux (en proportion < 50 %) et/ou de légumineuses fourragères (en proportion < 50 %)', 16, 'Fourrage'],
  ['BOP', 'Bois pâturé', 17, 'Estives, landes'],
  ['PPH', 'Prairie permanente - herbe prédominante (ressources fourragères ligneuses absentes ou peu présentes)', 18, 'Prairies permanentes'],
  ['PTR', 'Autre prairie temporaire de 5 ans ou moins', 19, 'Prairies temporaires'],
  ['ANA', 'Ananas', 20, 'Vergers'],
  ['PRU', "Prune d'Ente pour transformation", 20, 'Vergers'],
  ['VRT', 'Vigne : raisins de table', 21, 'Vignes'],
  ['OLI', 'Oliveraie', 23, 'Oliviers'],
  ['CSA', 'Canne à sucre - autre', 26, 'Canne à sucre'],
  ['ACA', 'Autre culture non précisée dans la liste (admissible)', 28, 'Divers'],
  ['CID', 'Cultures conduites en interrangs : 2 cultures représentant chacune plus de 25%', 28, 'Divers'],
  ['ZZZ', 'Culture inconnue', 28, 'Divers'],
];

/** Crops per group as printed (counted on the annex): groups 10, 12, 13 and 27 have none since 2015. */
const PER_GROUP: Record<number, number> = {
  1: 2, 2: 3, 3: 2, 4: 29, 5: 2, 6: 1, 7: 14, 8: 12, 9: 2, 10: 0, 11: 4, 12: 0, 13: 0, 14: 1, 15: 2, 16: 71,
  17: 3, 18: 2, 19: 2, 20: 21, 21: 3, 22: 5, 23: 1, 24: 47, 25: 50, 26: 5, 27: 0, 28: 26,
};

test(`${BACKEND}: /cultures lists the 310 crop codes of 2015+, ordered by code, each with its group`, async () => {
  const res = await get('/cultures');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const rows = res.json() as Culture[];
  assert.equal(rows.length, 310);
  assert.deepEqual(rows.map((r) => r.code_cultu), [...rows.map((r) => r.code_cultu)].sort());
  assert.equal(new Set(rows.map((r) => r.code_cultu)).size, 310);
  for (const r of rows) {
    assert.match(r.code_cultu, /^[A-Z0-9]{3}$/);
    assert.ok(r.code_group >= 1 && r.code_group <= 28 && r.libelle_cultu && r.libelle_group && r.depuis === 2015, JSON.stringify(r));
    assert.notEqual(r.libelle_group, 'id.', `"id." resolved for ${r.code_cultu}`);
  }
  const byCode = new Map(rows.map((r) => [r.code_cultu, r]));
  for (const [code, libelle, group, libelleGroup] of SAMPLE) {
    assert.deepEqual(byCode.get(code), { code_cultu: code, libelle_cultu: libelle, code_group: group, libelle_group: libelleGroup, depuis: 2015 });
  }
  assert.equal(byCode.get('DSH'), undefined, 'catch-crop codes are not main crops');
});

test(`${BACKEND}: /cultures/:code answers one crop, 404 for an unknown code (with a hint for catch crops), 400 for a malformed one`, async () => {
  for (const [code, libelle, group, libelleGroup] of SAMPLE.slice(0, 4)) {
    const res = await get(`/cultures/${code}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { code_cultu: code, libelle_cultu: libelle, code_group: group, libelle_group: libelleGroup, depuis: 2015 });
  }
  assertProblem(await get('/cultures/QQQ'), 404);
  const hint = assertProblem(await get('/cultures/DSH'), 404);
  assert.match(hint.detail, /DSH is a catch-crop code: \/api\/nomenclature\/derobees\/DSH/);
  for (const bad of ['bth', 'BT', 'BTHX', 'B-H', 'BT%20', '%C3%89PE']) assertProblem(await get(`/cultures/${bad}`), 400, 'code');
  assertProblem(await get('/cultures/BTH?libelle=x'), 400, 'libelle');
  assertProblem(await get('/cultures/BTH?format=pdf'), 400, 'format');
});

test(`${BACKEND}: /cultures?code_group keeps one group; code_groupe is its alias; 400 outside 1..28`, async () => {
  const pph = (await get('/cultures?code_group=18')).json() as Culture[];
  assert.deepEqual(pph.map((r) => r.code_cultu), ['PPH', 'PRL']);
  assert.deepEqual((await get('/cultures?code_groupe=18')).json(), pph);
  assert.deepEqual((await get('/cultures?code_group=18&code_groupe=18')).json(), pph);
  assert.deepEqual(((await get('/cultures?code_group=01')).json() as Culture[]).map((r) => r.code_cultu), ['BTH', 'BTP']);
  assert.deepEqual((await get('/cultures?code_group=10')).json(), [], 'group 10 has no crop since 2015');
  for (let g = 1; g <= 28; g++) {
    const rows = (await get(`/cultures?code_group=${g}`)).json() as Culture[];
    assert.equal(rows.length, PER_GROUP[g], `group ${g}`);
    assert.ok(rows.every((r) => r.code_group === g));
  }
  for (const bad of ['0', '29', '-1', 'abc', '1.5', '', '1&code_group=2']) assertProblem(await get(`/cultures?code_group=${bad}`), 400, 'code_group');
  for (const bad of ['0', '29', 'x']) assertProblem(await get(`/cultures?code_groupe=${bad}`), 400, 'code_groupe');
  assertProblem(await get('/cultures?code_group=18&code_groupe=17'), 400, 'code_groupe');
  assertProblem(await get('/cultures?code_cultu=BTH'), 400, 'code_cultu');
  assertProblem(await get('/cultures?format=xml'), 400, 'format');
});

test(`${BACKEND}: /groupes lists the 28 groups with their number of crops; /groupes/:code adds the crops`, async () => {
  const rows = (await get('/groupes')).json() as { code_group: number; libelle_group: string; nombre_cultures: number }[];
  assert.deepEqual(rows.map((r) => r.code_group), Array.from({ length: 28 }, (_, i) => i + 1));
  assert.deepEqual(Object.fromEntries(rows.map((r) => [r.code_group, r.nombre_cultures])), Object.fromEntries(Object.entries(PER_GROUP).map(([k, v]) => [k, v])));
  assert.equal(rows.reduce((s, r) => s + r.nombre_cultures, 0), 310);
  const label = Object.fromEntries(rows.map((r) => [r.code_group, r.libelle_group]));
  assert.equal(label[2], 'Maïs grain et ensilage');
  assert.equal(label[10], 'Semences', 'from the pre-2015 list: no 2015+ crop in group 10');
  assert.equal(label[12], 'Gel industriel');
  assert.equal(label[13], 'Autres gels');
  assert.equal(label[17], 'Estives, landes');
  assert.equal(label[25], 'Légumes - Fleurs');
  assert.equal(label[26], 'Canne à sucre');
  assert.equal(label[27], 'Arboriculture');
  assert.equal(label[28], 'Divers');

  const g18 = (await get('/groupes/18')).json();
  assert.equal(g18.code_group, 18);
  assert.equal(g18.libelle_group, 'Prairies permanentes');
  assert.equal(g18.nombre_cultures, 2);
  assert.deepEqual(g18.cultures.map((c: Culture) => c.code_cultu), ['PPH', 'PRL']);
  assert.deepEqual((await get('/groupes/27')).json(), { code_group: 27, libelle_group: 'Arboriculture', nombre_cultures: 0, cultures: [] });
  for (const bad of ['0', '29', 'abc', '1.5', '-3']) assertProblem(await get(`/groupes/${bad}`), 400, 'code');
  assertProblem(await get('/groupes?code_group=1'), 400, 'code_group');
  assertProblem(await get('/groupes/1?avec=cultures'), 400, 'avec');
  assertProblem(await get('/groupes?format=json2'), 400, 'format');
  assertProblem(await get('/groupes/1?format=json2'), 400, 'format');
});

test(`${BACKEND}: /derobees lists the 45 catch-crop codes, ZZZ included; /derobees/:code answers one`, async () => {
  const rows = (await get('/derobees')).json() as { code_cultu: string; libelle_cultu: string }[];
  assert.equal(rows.length, 45);
  assert.deepEqual(rows.map((r) => r.code_cultu), [...rows.map((r) => r.code_cultu)].sort());
  const byCode = Object.fromEntries(rows.map((r) => [r.code_cultu, r.libelle_cultu]));
  assert.equal(byCode.DSH, "Sous semis d'herbe");
  assert.equal(byCode.DBM, 'Brome');
  assert.equal(byCode.DLP, 'Lupin (blanc, bleu, jaune)');
  assert.equal(byCode.DML, 'Millet jaune, perlé');
  assert.equal(byCode.DRD, 'Radis (fourrager, chinois)');
  assert.equal(byCode.DXF, 'X-Festulolium');
  assert.equal(byCode.DMT, 'Méilot', 'kept as printed');
  assert.equal(byCode.ZZZ, 'Culture inconnue');
  assert.ok(rows.every((r) => r.code_cultu === 'ZZZ' || r.code_cultu.startsWith('D')));

  assert.deepEqual((await get('/derobees/DSH')).json(), { code_cultu: 'DSH', libelle_cultu: "Sous semis d'herbe" });
  assert.deepEqual((await get('/derobees/ZZZ')).json(), { code_cultu: 'ZZZ', libelle_cultu: 'Culture inconnue' });
  assertProblem(await get('/derobees/DQQ'), 404);
  assert.match(assertProblem(await get('/derobees/BTH'), 404).detail, /BTH is a main crop code: \/api\/nomenclature\/cultures\/BTH/);
  for (const bad of ['dsh', 'DS', 'DSHH']) assertProblem(await get(`/derobees/${bad}`), 400, 'code');
  assertProblem(await get('/derobees?code=DSH'), 400, 'code');
  assertProblem(await get('/derobees?format=txt'), 400, 'format');
});

test(`${BACKEND}: /groupes-avant-2015 lists the 28 groups of the 2007-2014 îlots, with the rows the page break lost`, async () => {
  const rows = (await get('/groupes-avant-2015')).json() as { code_group: number; code_cultu: string; libelle_group: string }[];
  assert.equal(rows.length, 28);
  assert.deepEqual(rows[0], { code_group: 1, code_cultu: '01', libelle_group: 'Blé tendre' });
  const label = Object.fromEntries(rows.map((r) => [r.code_group, r.libelle_group]));
  assert.ok(rows.every((r) => r.code_cultu === String(r.code_group).padStart(2, '0')));
  assert.equal(label[2], 'Mais grain et ensilage', 'kept as printed');
  assert.equal(label[11], 'Gel (surfaces gelées sans production)');
  assert.equal(label[15], 'Légumineuses à grains');
  assert.deepEqual(
    rows.filter((r) => r.code_group >= 16 && r.code_group <= 25).map((r) => r.libelle_group),
    ['Fourrage', 'Estives, landes', 'Prairies permanentes', 'Prairies temporaires', 'Vergers', 'Vignes', 'Fruits à coque', 'Oliviers', 'Autres cultures industrielles', 'Légumes - Fleurs'],
  );
  assert.equal(label[26], 'Canne à sucre', '"Cannette à sucre" corrected');
  assert.equal(label[27], 'Arboriculture');
  assert.equal(label[28], 'Divers');
  assertProblem(await get('/groupes-avant-2015?annee=2010'), 400, 'annee');
  assertProblem(await get('/groupes-avant-2015?format=CSV'), 400, 'format');
});

test(`${BACKEND}: ?format=csv and Accept: text/csv answer RFC 4180 CSV that parses back to the JSON rows`, async () => {
  const json = (await get('/cultures')).json() as Culture[];
  const res = await get('/cultures?format=csv');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
  assert.equal(res.headers['content-disposition'], 'attachment; filename="cultures.csv"');
  assert.match(String(res.headers.vary), /accept/i);
  assert.ok(res.body.startsWith('code_cultu,libelle_cultu,code_group,libelle_group,depuis\r\n'));
  assert.ok(res.body.includes('\r\nBOP,Bois pâturé,17,"Estives, landes",2015\r\n'), 'a comma in a label is quoted');
  assert.ok(res.body.includes("\r\nBTH,Blé tendre d'hiver,1,Blé tendre,2015\r\n"));
  const table = parseCsv(res.body);
  assert.deepEqual(table[0], ['code_cultu', 'libelle_cultu', 'code_group', 'libelle_group', 'depuis']);
  assert.equal(table.length, 311);
  assert.deepEqual(table.slice(1), json.map((r) => [r.code_cultu, r.libelle_cultu, String(r.code_group), r.libelle_group, String(r.depuis)]));

  const accept = await get('/cultures', { accept: 'text/csv' });
  assert.equal(accept.headers['content-type'], 'text/csv; charset=utf-8');
  assert.equal(accept.body, res.body);
  assert.match(String((await get('/cultures', { accept: 'application/json' })).headers['content-type']), /^application\/json/);
  assert.match(String((await get('/cultures?format=json', { accept: 'text/csv' })).headers['content-type']), /^application\/json/, 'format wins over Accept');

  const g17 = parseCsv((await get('/cultures?code_group=17&format=csv')).body);
  assert.deepEqual(g17.slice(1).map((r) => [r[0], r[3]]), [['BOP', 'Estives, landes'], ['SPH', 'Estives, landes'], ['SPL', 'Estives, landes']]);

  const one = await get('/cultures/PRU?format=csv');
  assert.equal(one.body, "code_cultu,libelle_cultu,code_group,libelle_group,depuis\r\nPRU,Prune d'Ente pour transformation,20,Vergers,2015\r\n");
  assert.equal(one.headers['content-disposition'], 'attachment; filename="culture-PRU.csv"');

  const groupes = parseCsv((await get('/groupes?format=csv')).body);
  assert.deepEqual(groupes[0], ['code_group', 'libelle_group', 'nombre_cultures']);
  assert.deepEqual(groupes[17], ['17', 'Estives, landes', '3']);
  assert.equal(groupes.length, 29);

  const g18 = parseCsv((await get('/groupes/18', { accept: 'text/csv' })).body);
  assert.deepEqual(g18.map((r) => r[0]), ['code_cultu', 'PPH', 'PRL'], 'a group as CSV is its crops');

  const derobees = (await get('/derobees?format=csv')).body;
  assert.ok(derobees.includes('\r\nDLP,"Lupin (blanc, bleu, jaune)"\r\n'));
  assert.equal(parseCsv(derobees).length, 46);
  assert.equal((await get('/derobees/DSH?format=csv')).body, "code_cultu,libelle_cultu\r\nDSH,Sous semis d'herbe\r\n");

  const avant = parseCsv((await get('/groupes-avant-2015?format=csv')).body);
  assert.deepEqual(avant[0], ['code_group', 'code_cultu', 'libelle_group']);
  assert.deepEqual(avant[1], ['1', '01', 'Blé tendre']);
  assert.equal(avant.length, 29);

  // Errors stay problem+json whatever format was asked.
  assertProblem(await get('/cultures/QQQ?format=csv'), 404);
  assertProblem(await get('/cultures?code_group=40', { accept: 'text/csv' }), 400, 'code_group');
});

test(`${BACKEND}: every crop, group and catch crop served is printed as such in the instruction`, { skip: skipWithoutShared('seeds', '002_9caa0fc8f434ef8f.txt') }, async () => {
  // Independent of the extraction script: each served row must appear as a line of the raw seed.
  const seed = readFileSync(sharedPath('seeds', '002_9caa0fc8f434ef8f.txt'), 'utf8');
  const lines = new Set(seed.split('\n'));
  const cultures = (await get('/cultures')).json() as Culture[];
  const printedGroup = new Map<number, string>();
  for (const c of cultures) {
    const full = `${c.code_cultu}\t${c.libelle_cultu}\t${c.code_group}\t${c.libelle_group}`;
    const idem = `${c.code_cultu}\t${c.libelle_cultu}\t${c.code_group}\tid.`;
    assert.ok(lines.has(full) || lines.has(idem), `${c.code_cultu} printed as served`);
    if (lines.has(full)) printedGroup.set(c.code_group, c.libelle_group);
  }
  const groupes = (await get('/groupes')).json() as { code_group: number; libelle_group: string }[];
  for (const g of groupes) {
    if (printedGroup.has(g.code_group)) assert.equal(g.libelle_group, printedGroup.get(g.code_group));
    else assert.ok(lines.has(`${g.code_group}\t${g.libelle_group}`), `group ${g.code_group} from the pre-2015 list`);
  }
  const catchTable = seed.slice(seed.indexOf('cultures dérochées'), seed.indexOf('2. Description des données du niveau 2'));
  const pairs = catchTable.split('\n').flatMap((l) => {
    const cells = l.split('\t');
    return [0, 2, 4].map((i) => `${cells[i]}\t${cells[i + 1]}`);
  });
  for (const d of (await get('/derobees')).json() as { code_cultu: string; libelle_cultu: string }[]) {
    assert.ok(pairs.includes(`${d.code_cultu}\t${d.libelle_cultu}`), `${d.code_cultu} printed as served`);
  }
  const avant = (await get('/groupes-avant-2015')).json() as { code_group: number; libelle_group: string }[];
  const printedAvant = avant.filter((g) => lines.has(`${g.code_group}\t${g.libelle_group}`)).map((g) => g.code_group);
  assert.deepEqual(printedAvant, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 27, 28], 'all but 16-25 (page break) and 26 (corrected) as printed');
  assert.ok(lines.has('26\tCannette à sucre'), 'the corrected misprint is in the seed');
});

test(`${BACKEND}: the module's OpenAPI document lists its routes with JSON and CSV answers`, async () => {
  const res = await t.app.inject({ url: '/api/doc/nomenclature.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    '/api/nomenclature/cultures',
    '/api/nomenclature/cultures/{code}',
    '/api/nomenclature/derobees',
    '/api/nomenclature/derobees/{code}',
    '/api/nomenclature/groupes',
    '/api/nomenclature/groupes-avant-2015',
    '/api/nomenclature/groupes/{code}',
  ]);
  for (const [path, item] of Object.entries(doc.paths) as [string, { get: { responses: { 200: { content: Record<string, unknown> } } } }][]) {
    assert.deepEqual(Object.keys(item.get.responses[200].content).sort(), ['application/json', 'text/csv'], path);
  }
});
