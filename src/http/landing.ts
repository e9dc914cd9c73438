import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readWebBuild, registerWebAssets } from './web.ts';

/** What `/` points to: the interactive API first, then what is loaded, OGC API, the documents. */
export interface LandingLink {
  rel: string;
  href: string;
  title: string;
}

const LINKS: LandingLink[] = [
  { rel: 'service-doc', href: '/api/doc/ui', title: 'The API, interactive (Swagger UI): every route with its parameters, to try' },
  { rel: 'service-desc', href: '/api/doc', title: 'The OpenAPI 3.1 document (JSON; per module at /api/doc/<module>.json or .yml)' },
  { rel: 'data', href: '/api/datasets', title: 'What is loaded: source, producer, licence, vintage, count, synthetic or not' },
  { rel: 'ogc', href: '/ogc', title: 'OGC API – Features and Tiles over the same layers' },
  { rel: 'describedby', href: '/api/doc/problems', title: 'The errors: RFC 9457 problem types' },
  { rel: 'status', href: '/readyz', title: 'Readiness (the database answers)' },
];

/** The module's own OpenAPI document when it has one (`/api/doc/<name>.json`; not for a name with a path in it). */
const docOf = (name: string) => (/^[a-z0-9-]+$/.test(name) ? `/api/doc/${name}.json` : '/api/doc/ui');

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function wantsHtml(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return /text\/html/.test(accept) && !/^application\/json/.test(accept);
}

/** The links as the map page shows them (in its "À propos" panel; the page is French, the titles stay as the API's). */
function linksHtml(modules: readonly { name: string; description: string }[]): string {
  return `<ul>
${LINKS.map((l) => `<li><a href="${escape(l.href)}">${escape(l.href)}</a> — ${escape(l.title)}</li>`).join('\n')}
</ul>
<h3>Modules</h3>
<ul>
${modules.map((m) => `<li><a href="${escape(docOf(m.name))}"><code>/api/${escape(m.name)}</code></a> — ${escape(m.description)}</li>`).join('\n')}
</ul>
<p>Documentation : <code>README.md</code> et <code>docs/</code> dans le dépôt (<code>docs/carte.md</code> pour cette carte, <code>docs/demo.md</code> pour le territoire de démonstration).</p>`;
}

/**
 * The map page loads nothing from another origin, and the browser holds it to that: scripts, styles,
 * workers, tiles and API calls from Terroir only (style attributes are inline; images and workers
 * may be data:/blob: URLs MapLibre makes itself).
 */
export const MAP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; child-src 'self' blob:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/** Where the built page takes the links. */
export const LINKS_SLOT = '<!--terroir:liens-->';

function html(modules: readonly { name: string; description: string }[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Terroir</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}code{background:#f3f3f0;padding:0 .2em}li{margin:.3em 0}</style>
</head><body>
<h1>Terroir</h1>
<p>France's agricultural and land reference geodata — cadastre, RPG, AOC viticoles, urbanisme, postal codes,
administrative units — served with the API Carto paths and parameters (JSON / GeoJSON, WGS84).</p>
<ul>
${LINKS.map((l) => `<li><a href="${escape(l.href)}">${escape(l.href)}</a> — ${escape(l.title)}</li>`).join('\n')}
</ul>
<h2>Modules</h2>
<ul>
${modules.map((m) => `<li><a href="${escape(docOf(m.name))}"><code>/api/${escape(m.name)}</code></a> — ${escape(m.description)}</li>`).join('\n')}
</ul>
<p>Documentation: <code>README.md</code> and <code>docs/</code> in the repository (one document per module; <code>docs/demo.md</code> for the demo territory).</p>
<p>The web map is not built here: <code>npm run build:web</code> (run by <code>npm install</code>), then restart (docs/carte.md).</p>
</body></html>
`;
}

/**
 * `/`: the web map for a browser (HTML, docs/carte.md, with these links in its "À propos" panel),
 * the same links as JSON for anything else. Without a built map (dist/web absent) a browser gets a
 * plain page of the links saying how to build it. Public, and outside the OpenAPI document.
 */
export function registerLanding(app: FastifyInstance, modules: readonly { name: string; description: string }[], webDir?: string) {
  const web = readWebBuild(webDir);
  if (web) registerWebAssets(app, web.assets);
  const page = web ? web.page.replace(LINKS_SLOT, linksHtml(modules)) : html(modules);
  const json = {
    title: 'Terroir',
    description: "France's agricultural and land reference geodata, API Carto compatible",
    links: LINKS,
    modules: modules.map((m) => ({ name: m.name, href: `/api/${m.name}`, doc: docOf(m.name), description: m.description })),
    docs: 'README.md and docs/ in the repository',
  };
  app.get('/', { schema: { hide: true }, config: { access: 'public' } }, async (req, reply) => {
    reply.header('vary', 'accept');
    if (wantsHtml(req)) {
      if (web) reply.header('content-security-policy', MAP_CSP);
      return reply.type('text/html; charset=utf-8').send(page);
    }
    return json;
  });
}
