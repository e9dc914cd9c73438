/**
 * The web map (docs/carte.md): the page built from web/ into dist/web/ by scripts/build-web.mjs
 * (run by `npm install`), served at `/` for a browser, its assets under `/carte/`. Read once at
 * start; each file has a strong ETag (its content hash). Public, outside the OpenAPI document.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { notFound } from './problems.ts';

export const WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface WebAsset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The built page and its assets, or null when the web map was not built (`npm run build:web`). */
export function readWebBuild(dir = WEB_DIR): { page: string; assets: Map<string, WebAsset> } | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, WebAsset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || name === 'index.html') continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return { page: readFileSync(join(dir, 'index.html'), 'utf8'), assets };
}

/** `/carte/<file>`: the assets of the built page (no directory, no other file). */
export function registerWebAssets(app: FastifyInstance, assets: Map<string, WebAsset>) {
  app.get<{ Params: { fichier: string } }>('/carte/:fichier', { schema: { hide: true }, config: { access: 'public' } }, async (req, reply) => {
    const a = assets.get(req.params.fichier);
    if (!a) throw notFound(`no file ${req.params.fichier} in the web map`);
    reply.header('etag', a.etag).header('cache-control', 'public, max-age=300, must-revalidate');
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  });
}
