import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config/schema.ts';
import type { Database } from './db/database.ts';
import type { Catalog } from './catalog/catalog.ts';
import type { AccessRule } from './auth/access.ts';
import { accessControl, SECURITY_SCHEMES, type AccessOptions } from './auth/plugin.ts';
import { redactCredentials } from './auth/credentials.ts';
import { installErrorHandling } from './http/error-handler.ts';
import { installInputGuards } from './http/input.ts';
import { serverOptions } from './http/server-options.ts';
import { installDeadlines } from './http/deadline.ts';
import { setHeavyThresholds } from './geo/geom-param.ts';
import { Lane, runWithQueryContext } from './db/context.ts';
import { lazySchemaCompilers } from './http/lazy-schemas.ts';
import { installMethodNotAllowed } from './http/method-not-allowed.ts';
import { registerOutOfScope } from './http/out-of-scope.ts';
import { registerDocs } from './http/docs.ts';
import { registerHealth } from './http/health.ts';
import { registerLanding } from './http/landing.ts';
import { buildCatalog, MODULES, type TerroirModule } from './modules/index.ts';
import { Collections, type CampaignRule } from './ogc/collections.ts';
import { assertOpenCampaign, LECTURE_AVANT_CONSTAT, listCampagnes } from './modules/rpg/campagnes.ts';
import { ogcPlugin } from './ogc/plugin.ts';
import { tilesPlugin } from './tiles/plugin.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    /** Every layer served, as the catalogue built at start has them (src/catalog). */
    catalog: Catalog;
    config: Readonly<Config>;
  }
  interface FastifyContextConfig {
    /** Who may call the route; checked in one place (src/auth once access control exists). */
    access?: AccessRule;
  }
}

export interface BuildOptions {
  config: Readonly<Config>;
  db: Database;
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes (the human console of `terroir serve` on a terminal); stdout otherwise. */
  logStream?: { write(line: string): void };
  modules?: TerroirModule[];
  access?: AccessOptions;
  /** The catalogue built once at start (default: the one of `modules`); routes serve only its layers. */
  catalog?: Catalog;
  /**
   * When route schemas are compiled: on each route's first request (`lazy`, the default: start-up
   * does not pay for routes never called, src/http/lazy-schemas.ts) or while the routes are
   * registered (`eager`, Fastify's own way: a test checks with it that every schema compiles).
   */
  schemas?: 'lazy' | 'eager';
}

/**
 * The query string with `geom` replaced by "provided" (geometries are long and may be sensitive) and
 * API keys by "redacted" (never in a log line).
 */
function redactUrl(url: string): string {
  return redactCredentials(url.replace(/([?&]geom=)[^&]*/g, '$1provided'));
}

/** OGC API and tiles serve the RPG campaigns the open level-1 routes serve: completed ones (src/modules/rpg/campagnes.ts). */
const RPG_CAMPAIGN_RULE: CampaignRule = {
  async open(db, campaigns) {
    const states = await listCampagnes(db);
    return new Set(campaigns.filter((y) => states.find((c) => c.annee === y)?.etat === 'constatee'));
  },
  assertOpen: (db, campaign) => assertOpenCampaign(db, campaign),
  access: LECTURE_AVANT_CONSTAT,
};

/**
 * Builds the whole service without listening: the CLI and the tests share it. Infrastructure first
 * (errors, CORS, compression, OpenAPI), then one encapsulated plugin per module under /api/<name>.
 */
export async function buildApp({ config, db, logger, logStream, modules = MODULES, access, catalog = buildCatalog(modules), schemas = 'lazy' }: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      ...(logStream ? { stream: logStream } : {}),
      serializers: {
        req: (req: { method: string; url: string; ip?: string; headers: Record<string, unknown> }) => ({
          method: req.method,
          url: redactUrl(req.url),
          ip: req.ip,
          ua: req.headers['user-agent'],
        }),
      },
    },
    // Proxy trust, request ids, timeouts, Fastify's and Node's own errors: src/http/server-options.ts.
    ...serverOptions(config),
    bodyLimit: 4 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...(schemas === 'lazy' ? { schemaController: { compilersFactory: lazySchemaCompilers().compilersFactory } } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('db', db);
  app.decorate('catalog', catalog);
  app.decorate('config', config);
  // Callback style: an async hook would cost a promise on every answer.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });
  installErrorHandling(app);
  installInputGuards(app);
  // Deadline, client-disconnect cancellation and the heavy lane (docs/hardening.md).
  const lane = new Lane(config.heavyConcurrency, config.heavyQueue);
  setHeavyThresholds(config.heavyVertices, config.heavyAreaDeg2);
  installDeadlines(app, { deadlineMs: config.deadlineMs, enter: (signal, deadline, next) => runWithQueryContext({ signal, deadline, lane, heavy: false }, next) });
  installMethodNotAllowed(app);
  // Bodies are JSON only (as the reference): anything else is a 415, not a string to misread.
  app.removeContentTypeParser('text/plain');
  // Access control (src/auth): one set of global hooks reading every route's `config.access`.
  await app.register(accessControl, access ?? {});

  await app.register(cors, { origin: '*', methods: ['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS'], exposedHeaders: ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'www-authenticate'] });
  await app.register(compress, { threshold: 2048, encodings: ['br', 'gzip', 'deflate'], brotliOptions: { params: { 1: 4 } } as never });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Terroir',
        version: '0.1.0',
        description:
          'Agricultural and land reference geodata of France: API Carto compatible modules (codes postaux, cadastre, AOC, urbanisme, RPG), nomenclature and administrative units. JSON/GeoJSON in WGS84.',
      },
      tags: modules.map((m) => ({ name: m.name, description: m.description })),
      components: { securitySchemes: SECURITY_SCHEMES as never },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/doc/ui', uiConfig: { url: '/api/doc' } as never });
  // From here on every route must say who may call it (swagger-ui's own assets above are public docs).
  app.addHook('onRoute', (route) => {
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
  });
  registerDocs(app, modules.map((m) => m.name));
  registerHealth(app);
  registerLanding(app, modules);
  registerOutOfScope(app);
  for (const m of modules) await app.register(m.plugin, { prefix: `/api/${m.name}` });
  // OGC API – Features and vector tiles over the same catalogue (docs/ogc.md, docs/tiles.md).
  const collections = new Collections(db, catalog, RPG_CAMPAIGN_RULE);
  await app.register(ogcPlugin, { prefix: '/ogc', collections, catalog });
  await app.register(tilesPlugin, { collections, catalog });
  await app.ready();
  return app;
}
