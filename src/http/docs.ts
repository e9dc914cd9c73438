import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { Type } from 'typebox';
import { notFound, PROBLEMS, problemType } from './problems.ts';

type OpenApiDoc = { paths?: Record<string, unknown>; tags?: { name: string }[]; [k: string]: unknown };

/**
 * The OpenAPI document, whole at `/api/doc` and per module at `/api/doc/<module>.json|.yml` (the
 * reference's per-module file names, so existing links and generated clients keep working).
 */
export function registerDocs(app: FastifyInstance, modules: readonly string[]) {
  const hide = { hide: true } as const;
  app.get('/api/doc', { schema: hide, config: { access: 'public' } }, async (_req, reply) => reply.send(app.swagger()));
  app.get('/api/doc/problems', { schema: hide, config: { access: 'public' } }, async () =>
    Object.entries(PROBLEMS).map(([slug, p]) => ({ type: problemType(slug as keyof typeof PROBLEMS), slug, ...p })),
  );
  app.get<{ Params: { file: string } }>(
    '/api/doc/:file',
    { schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.(json|ya?ml)$' }) }) }, config: { access: 'public' } },
    async (req, reply) => {
      const [name, ext] = req.params.file.split('.');
      if (!modules.includes(name)) throw notFound(`no OpenAPI document for module ${name}; modules: ${modules.join(', ')}`);
      const full = app.swagger() as OpenApiDoc;
      const prefix = `/api/${name}`;
      const paths = Object.fromEntries(Object.entries(full.paths ?? {}).filter(([p]) => p === prefix || p.startsWith(prefix + '/')));
      const doc = { ...full, paths, info: { ...(full.info as object), title: `Terroir — ${name}` } };
      if (ext === 'json') return reply.send(doc);
      return reply.type('application/yaml; charset=utf-8').send(YAML.stringify(doc));
    },
  );
}
