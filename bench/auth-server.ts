/**
 * The server bench/auth.ts measures (not for production): the real service (every module, access
 * control included) plus the same routes registered twice under /api/bench, once open and once
 * restricted, so that the only difference between two measured URLs is the access rule.
 *
 *   node --import tsx bench/auth-server.ts terroir <port>        # env: DATABASE_URL, REDIS_URL, ...
 *   node --import tsx bench/auth-server.ts ref-own <port>        # reference: bare Fastify + src/auth/quota on Redis
 *   node --import tsx bench/auth-server.ts ref-ratelimit <port>  # reference: bare Fastify + @fastify/rate-limit on Redis
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { openDatabase } from '../src/db/open.ts';
import { MODULES } from '../src/modules/index.ts';
import { featureRoute } from '../src/features/route.ts';
import type { AccessRule } from '../src/auth/access.ts';
import { consume, parseQuota, rateLimitHeaders, redisStore } from '../src/auth/quota.ts';
import { PARCELLE as PARCELLE_LAYER } from '../src/modules/cadastre/layers.ts';
import { defineLayer } from '../src/catalog/layer.ts';

const [mode, portText] = process.argv.slice(2);
const port = Number(portText);

export const RESTRICTED: AccessRule = {
  scope: 'cartobio:territoires',
  territory: [
    { in: 'query', name: 'geom', kind: 'geom' },
    { in: 'query', name: 'code_insee', kind: 'commune' },
  ],
};

/** `/api/bench/{open,restreint}/{constant,parcelle}`: a route doing nothing, and the cadastre point query. */
function benchModule(access: AccessRule, prefix: string) {
  // The cadastre parcel layer under `access`: the feature route carries its layer's rule.
  const layer = defineLayer({ ...PARCELLE_LAYER.spec, id: `bench.parcelle-${prefix}`, access });
  return {
    layers: [layer],
    name: `bench/${prefix}`,
    description: 'bench',
    async plugin(app: FastifyInstance) {
      app.get('/constant', { config: { access }, schema: { querystring: Type.Object({ code_insee: Type.Optional(Type.String()) }) } }, async () => ({ ok: true }));
      featureRoute(app, { url: '/parcelle', layer, summary: 'bench', tags: ['bench'], methods: ['GET'] });
    },
  };
}

async function terroir() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const db = await openDatabase(config);
  const app = await buildApp({ config, db, modules: [...MODULES, benchModule('public', 'open'), benchModule(RESTRICTED, 'restreint')] });
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => db.close()).then(() => process.exit(0)));
}

/** The two ways of counting one key's requests in Redis, alone on a bare Fastify, for the comparison. */
async function reference(kind: 'ref-own' | 'ref-ratelimit') {
  const url = process.env.REDIS_URL!;
  const app = Fastify();
  const keyOf = (req: FastifyRequest) => String(req.headers.authorization ?? 'anonymous');
  if (kind === 'ref-ratelimit') {
    const { Redis } = await import('ioredis');
    await app.register((await import('@fastify/rate-limit')).default, { max: 1e9, timeWindow: 86_400_000, redis: new Redis(url), keyGenerator: keyOf, nameSpace: 'terroir-bench-rl-' });
  } else {
    const store = await redisStore(url);
    const policy = { name: 'cle', limits: parseQuota('1000000000/day') };
    // The same hook as @fastify/rate-limit's (onRequest), so that only the counting differs.
    app.addHook('onRequest', async (req, reply) => {
      reply.headers(rateLimitHeaders(await consume(store, `bench:${keyOf(req)}`, policy)));
    });
  }
  app.get('/constant', async () => ({ ok: true }));
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

if (mode === 'terroir') await terroir();
else if (mode === 'ref-own' || mode === 'ref-ratelimit') await reference(mode);
else throw new Error(`unknown mode ${mode}`);
