/**
 * The web map's budgets (docs/carte.md): page weight (what goes over the wire, compressed, for the
 * page, its JS and CSS and MapLibre's worker), time to the first rendered map and to the first
 * statistics chart in Chromium (playwright-core, a new browser context per run: nothing cached), and
 * the statistics request latency cold (first request after start) and cached.
 *
 *   node --import tsx bench/webmap.ts --data-dir DIR          # a data directory holding the demo
 *   node --import tsx bench/webmap.ts --database-url URL      # or a PostgreSQL database holding it
 *   (--runs 5, --port 3462)
 *
 * The database must hold the demo territory (`terroir demo`); the server is started with the demo off.
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { serve } from './ogc-common.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    runs: { type: 'string', default: '5' },
    port: { type: 'string', default: '3462' },
  },
});
const port = Number(values.port);
const base = `http://127.0.0.1:${port}`;
const runs = Number(values.runs);

/** Bytes on the wire for `path` with `encoding` (the body as sent, not decoded). */
function wire(path: string, encoding: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { 'accept-encoding': encoding, accept: 'text/html' } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');

const server = await serve({ databaseUrl: values['database-url'], dataDir: values['data-dir'], port });
try {
  console.log('== page weight (bytes on the wire)');
  const files = ['/', '/carte/app.js', '/carte/app-style.css', '/carte/maplibre-gl-worker.mjs'];
  const totals: Record<string, number> = {};
  for (const enc of ['identity', 'gzip', 'br']) {
    let sum = 0;
    let jsCss = 0;
    for (const f of files) {
      const w = await wire(f, enc);
      sum += w.bytes;
      if (f !== '/') jsCss += w.bytes;
      console.log(`  ${enc.padEnd(8)} ${f.padEnd(32)} ${w.bytes.toLocaleString('en-US').padStart(10)} B (${w.encoding})`);
    }
    totals[enc] = jsCss;
    console.log(`  ${enc.padEnd(8)} JS + CSS + worker ${jsCss.toLocaleString('en-US')} B; with the page ${sum.toLocaleString('en-US')} B`);
  }

  const communes = (await (await fetch(`${base}/api/cadastre/commune?_limit=2`)).json()) as { features: { properties: { code_insee: string; nom_com: string } }[] };
  const [browsed, measured] = communes.features.map((f) => f.properties);
  const campagnes = ((await (await fetch(`${base}/ogc/collections`)).json()) as { collections: { id: string }[] }).collections
    .map((c) => Number(/^rpg-parcelle-(\d{4})$/.exec(c.id)?.[1]))
    .filter(Boolean);
  const range = `campagne_debut=${Math.min(...campagnes)}&campagne_fin=${Math.max(...campagnes)}`;

  console.log(`== statistics request latency (/api/statistiques/cultures, commune ${measured?.code_insee})`);
  const statsUrl = `${base}/api/statistiques/cultures?code_insee=${measured?.code_insee}&${range}`;
  const t0 = performance.now();
  const first = await fetch(statsUrl);
  await first.arrayBuffer();
  const cold = performance.now() - t0;
  if (first.status !== 200) console.log(`  not served (${first.status}): the statistics API is not in this build`);
  else {
    const cached: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await (await fetch(statsUrl)).arrayBuffer();
      cached.push(performance.now() - t);
    }
    console.log(`  cold (first after start) ${ms(cold)}; cached median of 20 ${median(cached).toFixed(1)} ms (min ${Math.min(...cached).toFixed(1)}, max ${Math.max(...cached).toFixed(1)})`);
  }

  console.log(`== Chromium, ${runs} runs, each in a new context (no cache)`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  const map: number[] = [];
  const chart: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.waitForFunction(() => performance.getEntriesByName('terroir:carte-prete').length > 0, null, { timeout: 120_000 });
      map.push(await page.evaluate(() => performance.getEntriesByName('terroir:carte-prete')[0].startTime));
      await page.fill('#recherche-q', browsed.nom_com);
      await page.press('#recherche-q', 'Enter');
      const result = page.locator('#recherche-resultats button', { hasText: browsed.nom_com }).first();
      await result.waitFor({ timeout: 60_000 });
      await result.click();
      const drawn = await page
        .waitForFunction(() => performance.getEntriesByName('terroir:premier-graphique').length > 0, null, { timeout: 60_000 })
        .then(() => true)
        .catch(() => false);
      if (drawn) chart.push(await page.evaluate(() => performance.getEntriesByName('terroir:premier-graphique')[0].startTime - performance.getEntriesByName('terroir:territoire-choisi')[0].startTime));
      await context.close();
      console.log(`  run ${i + 1}: first rendered map ${ms(map[i])}${drawn ? `, first statistics chart ${ms(chart[chart.length - 1])} after choosing the commune` : ', no statistics chart (API not served)'}`);
    }
  } finally {
    await browser.close();
  }
  console.log(`== summary: JS+CSS+worker gzip ${totals.gzip.toLocaleString('en-US')} B, br ${totals.br.toLocaleString('en-US')} B; first rendered map median ${ms(median(map))}; first statistics chart median ${ms(median(chart))}`);
} finally {
  await server.stop();
}
