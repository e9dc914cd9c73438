/**
 * The web map in a real browser (Debian's Chromium driven by playwright-core), on this run's
 * backend: a small demo served by the real app on a real port. Checks that the map loads its tiles
 * from Terroir and nothing from outside, that a click on a known parcel shows its crop, that the
 * campaign slider changes the colours drawn, that the search finds a demo commune and the panel shows
 * the statistics API's figures, the level-2 register of an instructor, the phone and print layouts,
 * no console error, and no axe-core violation of WCAG A/AA. Screenshots: test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { BACKEND } from '../helpers/db.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { FastifyInstance } from 'fastify';
import { generateDemo } from '../../src/demo/index.ts';
import { createOrganisation } from '../../src/auth/organisations.ts';
import { issueKey } from '../../src/auth/keys.ts';
import { WEB_DIR } from '../../src/http/web.ts';
import { demandeBody } from '../modules/niveau2/helpers.ts';
import { COULEURS_GROUPES } from '../../web/src/couleurs.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const require = createRequire(import.meta.url);
const skip = existsSync(CHROMIUM) ? false : `Chromium is missing (${CHROMIUM}): apt-get install chromium, or set CHROMIUM_PATH`;

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

let t: TestDb & { app: FastifyInstance };
let base: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];
const tileResponses: { url: string; status: number }[] = [];
let instructeurKey: string;
let demandeId: number;
let communes: { code: string; nom: string }[];
/** A point inside a 2023 parcel lying inside a 2022 parcel of another crop group. */
let point: { x: number; y: number; cultu23: string; group23: string; group22: string };

before(async () => {
  if (skip) return;
  if (!existsSync(`${WEB_DIR}index.html`)) {
    const r = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build:web');
  }
  mkdirSync(RESULTS, { recursive: true });
  // The real service on a fresh database; CartoBio needs its pseudonym secret on PostgreSQL.
  const d = await freshDb();
  t = { ...d, app: await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', TERROIR_PSEUDONYM_KEY: 'webmap-test-pseudonym-secret-0123456789abcdef' }), db: d.db, logger: false }) };
  await generateDemo(t.db, { seed: 3, communes: 2, annees: [2022, 2023] });
  communes = await t.db.query<{ code: string; nom: string }>(`SELECT code, nom FROM limites_commune WHERE code LIKE '475%' ORDER BY code`);
  const [p] = await t.db.query<{ x: number; y: number; cultu23: string; group23: string; group22: string }>(
    `SELECT ST_X(c) AS x, ST_Y(c) AS y, cultu23, group23, group22 FROM (
       SELECT ST_PointOnSurface(ST_Intersection(a.geom, b.geom)) AS c, ST_Area(ST_Intersection(a.geom, b.geom)) AS aire,
              a.code_cultu AS cultu23, a.code_group AS group23, b.code_group AS group22, a.gid
         FROM rpg_parcelle a JOIN rpg_parcelle b ON ST_Intersects(a.geom, b.geom)
        WHERE a.campagne = 2023 AND b.campagne = 2022 AND a.code_group <> b.code_group) s
     ORDER BY aire DESC, gid LIMIT 1`,
  );
  point = p;
  // An instructor (the DRAAF of the demo's communes) with a request routed to it, filed by a commune.
  const draaf = await createOrganisation(t.db, { name: 'DRAAF démo', kind: 'draaf', territory: communes.map((c) => `commune:${c.code}`).join(',') });
  const commune = await createOrganisation(t.db, { name: 'Commune démo', kind: 'collectivite', territory: `commune:${communes[0].code}` });
  instructeurKey = (await issueKey(t.db, { organisation: draaf.id, scopes: ['demandes:instruire', 'rpg:niveau2:lire', 'cartobio:territoires'] })).key;
  const communeKey = (await issueKey(t.db, { organisation: commune.id, scopes: ['rpg:niveau2:demander'] })).key;
  const filed = await t.app.inject({ method: 'POST', url: '/api/niveau2/demandes', headers: { authorization: `Bearer ${communeKey}` }, payload: demandeBody([communes[0].code]) });
  assert.equal(filed.statusCode, 201, filed.body);
  demandeId = filed.json().id;

  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 850 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => {
    if (r.url().includes('/tiles/')) tileResponses.push({ url: r.url(), status: r.status() });
  });
});

after(async () => {
  await browser?.close();
  await t?.app.close();
  await t?.close();
});

const shot = (name: string) => page.screenshot({ path: `${RESULTS}webmap-${BACKEND}-${name}.png` });

/** The colour drawn at the centre of the map canvas (the WebGL canvas keeps its buffer). */
async function centrePixel(): Promise<[number, number, number]> {
  return page.evaluate(async () => {
    const canvas = document.querySelector('#carte canvas') as HTMLCanvasElement;
    const img = new Image();
    img.src = canvas.toDataURL('image/png');
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(Math.floor(img.width / 2), Math.floor(img.height / 2), 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  });
}

/** The group colour at 0.85 opacity over the commune fill (#ebe6da), as the style draws it. */
function drawn(group: string): [number, number, number] {
  const hex = COULEURS_GROUPES[group];
  const under = [0xeb, 0xe6, 0xda];
  return [0, 1, 2].map((i) => Math.round(0.85 * parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) + 0.15 * under[i])) as [number, number, number];
}
const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 8);

/** The page marks the map ready once MapLibre is first idle (style, sources and visible tiles loaded and drawn). */
async function mapReady() {
  await page.waitForFunction(() => document.documentElement.dataset.carte === 'prete', null, { timeout: 120_000 });
}

test(`${BACKEND}: the web map in Chromium`, { skip, timeout: 600_000 }, async (tt) => {
  await tt.test('the page loads and draws the RPG from Terroir’s own tiles, nothing from outside', async () => {
    await page.goto(`${base}/#17/${point.y}/${point.x}`);
    await mapReady();
    await page.waitForFunction(() => document.getElementById('carte-etat')?.textContent?.includes('Parcelles RPG 2023'), null, { timeout: 60_000 });
    const rpgTiles = tileResponses.filter((r) => /\/tiles\/rpg-parcelle-2023\/17\/\d+\/\d+\.mvt$/.test(r.url));
    assert.ok(rpgTiles.some((r) => r.status === 200), `an RPG 2023 tile answered: ${JSON.stringify(tileResponses.slice(0, 10))}`);
    assert.ok(tileResponses.some((r) => /limites-administratives-commune\/17\//.test(r.url) && r.status === 200), 'commune tiles');
    const outside = requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.deepEqual(outside, [], 'every request goes to Terroir');
    assert.match(String((await fetch(`${base}/`, { headers: { accept: 'text/html' } })).headers.get('content-security-policy')), /connect-src 'self'/);
    await shot('carte');
  });

  await tt.test('the slider changes the colours: the parcel at the centre takes its 2022 group colour', async () => {
    let before: [number, number, number] = [0, 0, 0];
    for (let i = 0; i < 100 && !near(before, drawn(point.group23)); i++) {
      before = await centrePixel();
      if (!near(before, drawn(point.group23))) await page.waitForTimeout(200);
    }
    assert.ok(near(before, drawn(point.group23)), `2023 group ${point.group23}: drawn ${before}, expected ≈ ${drawn(point.group23)}`);
    await page.focus('#campagne');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.inputValue('#campagne'), '2022');
    let after: [number, number, number] = before;
    for (let i = 0; i < 100 && !near(after, drawn(point.group22)); i++) {
      await page.waitForTimeout(200);
      after = await centrePixel();
    }
    assert.ok(near(after, drawn(point.group22)), `2022 group ${point.group22}: drawn ${after}, expected ≈ ${drawn(point.group22)}`);
    assert.ok(tileResponses.some((r) => /\/tiles\/rpg-parcelle-2022\//.test(r.url) && r.status === 200), 'the 2022 tiles were asked');
    await shot('campagne-2022');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.inputValue('#campagne'), '2023');
  });

  await tt.test('a click on a known parcel shows its crop, its area and the cadastral parcels under it', async () => {
    const nomenclature = (await (await fetch(`${base}/api/nomenclature/cultures`)).json()) as { code_cultu: string; libelle_cultu: string }[];
    const culture = nomenclature.find((c) => c.code_cultu === point.cultu23)!;
    const box = (await page.locator('#carte canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#fiche-culture', { timeout: 60_000 });
    const text = await page.textContent('#fiche-culture');
    assert.ok(text?.includes(`(${point.cultu23})`), `crop code in ${text}`);
    assert.ok(text?.includes(culture.libelle_cultu), `crop label ${culture.libelle_cultu} in ${text}`);
    const api = await (await fetch(`${base}/api/rpg/v2?annee=2023&geom=${encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [point.x, point.y] }))}`)).json();
    const surface = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(api.features[0].properties.surf_parc);
    assert.equal(await page.textContent('#fiche-surface'), `${surface} ha`);
    const sheet = await page.textContent('#fiche-contenu');
    assert.match(sheet!, /Parcelles cadastrales \([1-9]\d*\)/, 'cadastral parcels listed');
    assert.match(sheet!, /Zonage d’urbanisme/);
    await shot('fiche');
  });

  await tt.test('the search finds a demo commune, and the panel shows the statistics API’s figures', async (st) => {
    const c = communes[0];
    await page.fill('#recherche-q', c.nom);
    await page.press('#recherche-q', 'Enter');
    const result = page.locator('#recherche-resultats button', { hasText: c.nom });
    await result.first().waitFor({ timeout: 60_000 });
    assert.match((await result.first().textContent())!, new RegExp(c.code));
    const stats = await fetch(`${base}/api/statistiques/cultures?code_insee=${c.code}&campagne_debut=2022&campagne_fin=2023`);
    if (stats.status === 404) {
      st.skip('the statistics API (/api/statistiques) is not in this build yet');
      await result.first().click();
      return;
    }
    assert.equal(stats.status, 200);
    const body = (await stats.json()) as { campagnes: { campagne: number; surface_agricole_ha: number; parcelles: number; groupes: { surface_ha: number }[] }[] };
    const y2023 = body.campagnes.find((x) => x.campagne === 2023)!;
    await result.first().click();
    await page.waitForSelector('#stat-surface', { timeout: 120_000 });
    assert.equal(Number(await page.getAttribute('#stat-surface', 'data-valeur')), y2023.surface_agricole_ha);
    assert.equal(Number(await page.getAttribute('#stat-parcelles', 'data-valeur')), y2023.parcelles);
    const rows = await page.$$eval('.tableau-groupes tbody tr th', (ths) => ths.filter((th) => !th.textContent!.startsWith('  ')).length);
    assert.equal(rows, y2023.groupes.length, 'one row per crop group');
    assert.ok(await page.locator('#stat-assolement svg rect').count() >= y2023.groupes.length, 'a bar per group');
    assert.equal(await page.getAttribute('#stat-assolement a.lien-csv', 'href'), `/api/statistiques/cultures?code_insee=${c.code}&campagne_debut=2022&campagne_fin=2023&format=csv`);
    const csv = await fetch(`${base}${await page.getAttribute('#stat-assolement a.lien-csv', 'href')}`);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers.get('content-type')), /^text\/csv/);
    // Zonings of 2023 and the 2022 → 2023 transitions, as the API gives them.
    const zonages = (await (await fetch(`${base}/api/statistiques/zonages?code_insee=${c.code}&campagne=2023`)).json()) as { zonages: { surface_ha: number; part: number }[] };
    const shown = await page.$$eval('#stat-zonages tbody td[data-valeur]', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.valeur)));
    assert.deepEqual(shown, zonages.zonages.flatMap((z) => [z.surface_ha, z.part]));
    const transitions = (await (await fetch(`${base}/api/statistiques/transitions?code_insee=${c.code}&campagne=2023`)).json()) as { transitions: { flux: { surface_ha: number }[] }[] };
    const cells = await page.$$eval('#stat-transitions tbody td', (tds) => tds.map((td) => td.textContent).filter(Boolean).length);
    assert.equal(cells, transitions.transitions[0].flux.length, 'one filled cell per flow');
    await shot('territoire');
  });

  await tt.test('the statistics of the map’s extent (a drawn area, `geom`) are the API’s', async (st) => {
    if ((await fetch(`${base}/api/statistiques/territoires?q=x`)).status === 404) return st.skip('the statistics API is not in this build yet');
    await page.click('#bouton-emprise');
    await page.waitForFunction(() => document.querySelector('#stat-assolement a.lien-csv')?.getAttribute('href')?.includes('geom='), null, { timeout: 120_000 });
    const href = (await page.getAttribute('#stat-assolement a.lien-csv', 'href'))!;
    const geom = JSON.parse(new URL(href, base).searchParams.get('geom')!);
    assert.equal(geom.type, 'Polygon');
    const api = (await (await fetch(`${base}${href.replace('&format=csv', '')}`)).json()) as { campagnes: { campagne: number; surface_agricole_ha: number; parcelles: number }[] };
    const y2023 = api.campagnes.find((x) => x.campagne === 2023)!;
    assert.ok(y2023.parcelles > 0, 'the extent holds parcels');
    assert.equal(Number(await page.getAttribute('#stat-surface', 'data-valeur')), y2023.surface_agricole_ha);
    assert.equal(Number(await page.getAttribute('#stat-parcelles', 'data-valeur')), y2023.parcelles);
    assert.match((await page.textContent('#territoire-contenu .territoire-nom'))!, /Zone dessinée : emprise de la carte/);
    // Back to the commune for what follows (its organic parcels).
    await page.fill('#recherche-q', communes[0].nom);
    await page.press('#recherche-q', 'Enter');
    await page.locator('#recherche-resultats button', { hasText: communes[0].nom }).first().click();
    await page.waitForFunction((nom) => document.querySelector('#territoire-contenu .territoire-nom')?.textContent?.includes(`Commune ${nom}`), communes[0].nom, { timeout: 60_000 });
  });

  await tt.test('an instructor’s key opens the level-2 register; a refusal needs and records a reason', async () => {
    await page.fill('#cle', instructeurKey);
    await page.press('#cle', 'Enter');
    await page.waitForSelector('#registre table', { timeout: 60_000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('terroir.cle')), instructeurKey, 'kept in session storage');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'never in local storage');
    // The commune chosen above: its organic parcels (CartoBio Territoires) are drawn.
    await page.waitForFunction(() => /parcelles bio|Parcelles bio/.test(document.getElementById('cle-etat')!.textContent!), null, { timeout: 60_000 }).catch(() => undefined);
    assert.match((await page.textContent('#cle-etat'))!, /[1-9]\d* parcelles bio en 2023 sur /);
    await page.click(`text="Ouvrir la demande ${demandeId}"`);
    await page.waitForSelector('#motif');
    await page.click('text=Refuser');
    await page.waitForSelector('text=Un refus doit être motivé');
    await page.fill('#motif', 'Finalité sans rapport avec la mission déclarée');
    await page.click('text=Refuser');
    await page.waitForFunction((id) => [...document.querySelectorAll('#registre tbody tr')].some((tr) => tr.textContent!.includes(`Ouvrir la demande ${id}`) && tr.textContent!.includes('refusée')), demandeId, { timeout: 60_000 });
    const d = await t.app.inject({ url: `/api/niveau2/demandes/${demandeId}`, headers: { authorization: `Bearer ${instructeurKey}` } });
    assert.equal(d.json().statut, 'refusee');
    assert.equal(d.json().motif_refus, 'Finalité sans rapport avec la mission déclarée');
    await shot('registre');
  });

  await tt.test('no axe-core violation of WCAG 2.x A/AA', async () => {
    // Evaluated by the test driver (the page's Content-Security-Policy refuses inline scripts, rightly).
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
      return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    });
    assert.deepEqual(result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), []);
  });

  await tt.test('a 375 px phone: no horizontal scrolling, the map and the panel stacked', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.waitForTimeout(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `page width ${width}`);
    const map = (await page.locator('#carte').boundingBox())!;
    const panel = (await page.locator('#panneau').boundingBox())!;
    assert.ok(map.width >= 360 && panel.y >= map.y + map.height - 1, `map ${JSON.stringify(map)}, panel ${JSON.stringify(panel)}`);
    await shot('telephone');
    await page.setViewportSize({ width: 1280, height: 850 });
  });

  await tt.test('the print view keeps the map and the figures, not the controls', async () => {
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('#recherche'), false);
    assert.equal(await page.isVisible('#carte canvas'), true);
    await shot('impression');
    await page.emulateMedia({ media: 'screen' });
  });

  await tt.test('no console error on the whole visit', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
