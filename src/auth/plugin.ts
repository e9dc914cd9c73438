/**
 * The one enforcement point of access control. Every route declares `config.access` (src/auth/access.ts);
 * three global hooks read it, and no handler checks anything by hand:
 *
 *   preValidation  take the key out of the request (Authorization, or `apikey` in query or body) before
 *                  the route's schema sees it; authenticate; 401 / 403 (scope); count the quota (429).
 *   preHandler     restricted routes with a territory: what the request names (codes, `geom`), once
 *                  validated, must lie inside the organisation's territory (403 naming the part outside).
 *   onSend         restricted routes: append the request to the hash-chained audit trail before the
 *                  answer leaves (an answer that cannot be audited is a 500, not an unrecorded one).
 *
 * Open routes without a key, with no anonymous limit configured, go through three function calls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { HttpProblem, invalidParam } from '../http/problems.ts';
import { isPublic, isScope, scopesOf, TERRITORY_KINDS, type AccessRule, type RestrictedAccess } from './access.ts';
import { appendAudit, type AuditRecord } from './audit.ts';
import { carriesCredential, takeCredential } from './credentials.ts';
import { LINK_PARAM, useLink } from './liens.ts';
import { authenticate, displayPrefix, looksLikeKey, touchKey, type Authentication, type Principal } from './keys.ts';
import { ORG_KINDS } from './organisations.ts';
import { consume, databaseStore, parseQuota, rateLimitHeaders, redisStore, windowOf, type Limit, type Policy, type QuotaOutcome, type QuotaStore } from './quota.ts';
import { auditTerritory, checkTerritory, territoryAsks } from './territory.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key's holder, once authenticated (null: anonymous). */
    principal: Principal | null;
    /** A handler that knows how many features it answered may say so (FeatureCollections are counted anyway). */
    auditFeatures: number | null;
    auditTerritory: Record<string, unknown> | null;
    audited: boolean;
  }
  interface FastifyInstance {
    quotaStore: QuotaStore;
  }
}

/** The OpenAPI security schemes (`components.securitySchemes` of /api/doc). */
export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'A Terroir API key (`trr_…`, from `terroir key issue`) as `Authorization: Bearer trr_…`.' },
  apikey: {
    type: 'apiKey',
    in: 'query',
    name: 'apikey',
    description: 'The same key as `apikey=trr_…` in the query string, or as an `apikey` member of a JSON body, as API Carto clients send it. Any other `apikey` (a Géoportail key) is ignored on open routes.',
  },
  lien: {
    type: 'apiKey',
    in: 'query',
    name: LINK_PARAM,
    description: 'A download link’s token (`jeton=trl_…`), on the routes that say so: issued to a key’s holder for one object, it expires and is used once.',
  },
} as const;

/** Per-IP limit of anonymous callers when TERROIR_RATE_LIMIT_ANONYMOUS=auto on PostgreSQL (docs/access.md). */
export const ANONYMOUS_DEFAULT = '50/second';
/** Failed authentications per client IP and hour that are answered at once; each further one waits. */
export const FREE_FAILURES = 5;
export const FAILURE_STEP_MS = 20;
export const FAILURE_MAX_DELAY_MS = 2000;
const TOUCH_EVERY_MS = 60_000;
const SWEEP_EVERY_MS = 10 * 60_000;

export interface AccessOptions {
  /** The clock of quota windows and audit times (tests). */
  now?: () => number;
}

/** Refuses a malformed rule when the route is registered: a typo must stop start-up, not open a route. */
function checkRule(route: RouteOptions, rule: AccessRule | undefined) {
  if (isPublic(rule)) return;
  const where = `route ${route.method} ${route.url}`;
  for (const scope of scopesOf(rule)) if (!isScope(scope)) throw new Error(`${where}: unknown scope ${JSON.stringify(scope)}`);
  for (const t of rule.territory ?? []) {
    if (!TERRITORY_KINDS.includes(t.kind)) throw new Error(`${where}: unknown territory kind ${JSON.stringify(t.kind)}`);
    if (t.in === 'params' && !route.url.includes(`:${t.name}`)) throw new Error(`${where}: territory parameter :${t.name} is not in the path`);
  }
  if (rule.link && (!rule.link.purpose || !route.url.includes(`:${rule.link.param}`))) throw new Error(`${where}: link parameter :${rule.link.param} is not in the path`);
}

/** The `security` of a route in /api/doc, and a line saying what a restricted one requires. */
function annotate(route: RouteOptions, done: WeakSet<object>) {
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  if (schema.hide || done.has(schema)) return;
  done.add(schema);
  const rule = route.config?.access as AccessRule | undefined;
  if (isPublic(rule)) {
    schema.security = [{}, { bearer: [] }, { apikey: [] }];
    return;
  }
  schema.security = [{ bearer: [] }, { apikey: [] }, ...(rule.link ? [{ lien: [] }] : [])];
  const link = rule.link ? ` Or a download link (\`${LINK_PARAM}=trl_…\`) issued for this ${rule.link.param}, once, before it expires.` : '';
  const territory = rule.territory?.length
    ? `; what \`${rule.territory.map((t) => t.name).join('`, `')}\` name must lie inside the organisation's territory`
    : '';
  schema.description = `${schema.description ? `${schema.description}\n\n` : ''}**Restricted**: an API key with scope \`${scopesOf(rule).join('` or `')}\`${territory}.${link} Every call is recorded in the audit trail.`;
}

function unauthorized(auth: Authentication | undefined, rule: AccessRule | undefined): HttpProblem {
  if (!auth) {
    const scope = isPublic(rule) ? '' : ` with scope ${rule.scope}`;
    return new HttpProblem('unauthorized', `this route needs an API key${scope}: send it as Authorization: Bearer <key>, or apikey=<key>`);
  }
  if (auth.ok) throw new Error('unreachable');
  if (auth.reason === 'revoked') return new HttpProblem('unauthorized', `this API key was revoked (${auth.when})`);
  if (auth.reason === 'expired') return new HttpProblem('unauthorized', `this API key expired (${auth.when})`);
  return new HttpProblem('unauthorized', 'the API key is not valid');
}

async function plugin(app: FastifyInstance, opts: AccessOptions) {
  const now = opts.now ?? Date.now;
  const db = app.db;
  const config = app.config;
  const store = config.redisUrl ? await redisStore(config.redisUrl) : databaseStore(db);
  const anonymousQuota = config.rateLimitAnonymous === 'auto' ? (db.backend === 'postgres' ? ANONYMOUS_DEFAULT : 'off') : config.rateLimitAnonymous;
  const anonymous: Policy = { name: 'anonyme', limits: parseQuota(anonymousQuota) };
  const kindPolicies = {
    public: { name: 'service-public', limits: parseQuota(config.quotaPublic) },
    entreprise: { name: 'professionnel', limits: parseQuota(config.quotaProfessionnel) },
    particulier: { name: 'grand-public', limits: parseQuota(config.quotaGrandPublic) },
  };
  app.log.info({ quotaStore: store.kind, anonymous: anonymousQuota }, 'access control: quotas counted in %s', store.kind === 'redis' ? 'Redis' : db.backend);
  const keyQuotas = new Map<string, Limit[]>();
  const policyOf = (p: Principal): Policy => {
    if (p.quota) {
      let limits = keyQuotas.get(p.quota);
      if (!limits) keyQuotas.set(p.quota, (limits = parseQuota(p.quota)));
      return { name: 'cle', limits };
    }
    const kind = p.organisation.kind;
    return ORG_KINDS[kind].public ? kindPolicies.public : kind === 'entreprise' ? kindPolicies.entreprise : kindPolicies.particulier;
  };

  // Background writes (last use of a key) are awaited on close, never lost in the middle of a query.
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const touched = new Map<string, number>();
  const touch = (prefix: string) => {
    const t = now();
    if ((touched.get(prefix) ?? 0) > t - TOUCH_EVERY_MS) return;
    touched.set(prefix, t);
    track(touchKey(db, prefix).catch((err) => app.log.warn({ err, key: displayPrefix(prefix) }, 'could not record the last use of a key')));
  };
  const sweep = setInterval(() => track(store.sweep(now() - 3_600_000).catch((err) => app.log.warn({ err }, 'quota counter sweep failed'))), SWEEP_EVERY_MS);
  sweep.unref();

  app.decorate('quotaStore', store);
  app.decorateRequest('principal', null);
  app.decorateRequest('auditFeatures', null);
  app.decorateRequest('auditTerritory', null);
  app.decorateRequest('audited', false);
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await Promise.allSettled([...pending]);
    await store.close();
  });

  // Documentation: security schemes per route, decided once every route (and every hook that may
  // change its config) is registered.
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    checkRule(route, route.config?.access as AccessRule | undefined);
    routes.push(route);
  });
  app.addHook('onReady', (done) => {
    const annotated = new WeakSet<object>();
    for (const r of routes) {
      checkRule(r, r.config?.access as AccessRule | undefined);
      annotate(r, annotated);
    }
    done();
  });

  /** A failed authentication: counted per client IP (shared by every node), and slowed past a few. */
  async function slowDown(req: FastifyRequest) {
    const n = await store.hit([{ bucket: `fail:${req.ip}:auth-hour`, windowEnd: windowOf('hour', now()).end }]).then(
      ([x]) => x,
      () => Infinity, // store down: every failure gets the longest wait
    );
    const delay = Math.min(Math.max(0, n - FREE_FAILURES) * FAILURE_STEP_MS, FAILURE_MAX_DELAY_MS);
    if (delay > 0) await sleep(delay);
  }

  async function count(req: FastifyRequest, reply: FastifyReply, principal: Principal | null) {
    const policy = principal ? policyOf(principal) : anonymous;
    if (!policy.limits.length || (!principal && isLoopback(req.ip))) return;
    let outcome: QuotaOutcome;
    try {
      outcome = await consume(store, principal ? `k:${principal.prefix}` : `ip:${req.ip}`, policy, now());
    } catch (err) {
      // A key's quota is not waived when its store fails (503); an anonymous caller of an open route
      // is let through rather than the whole open service going down with Redis.
      req.log.warn({ err }, 'quota store unavailable');
      if (!principal) return;
      throw new HttpProblem('unavailable', 'the quota store does not answer; retry later');
    }
    reply.headers(rateLimitHeaders(outcome));
    if (outcome.violated.length) {
      const v = outcome.violated[0];
      throw new HttpProblem(
        'too-many-requests',
        `quota exceeded: policy "${v.item}" allows ${v.limit} requests per ${v.windowSeconds} s; retry in ${reply.getHeader('retry-after')} s`,
        undefined,
        { 'violated-policies': outcome.violated.map((c) => c.item) },
      );
    }
  }

  /** The `jeton` of a route open to download links, taken out of the query before its schema sees it. */
  function takeLink(req: FastifyRequest, rule: AccessRule | undefined): string | undefined {
    if (isPublic(rule) || !rule.link) return undefined;
    const q = req.query as Record<string, unknown> | undefined;
    if (!q || typeof q !== 'object' || !Object.hasOwn(q, LINK_PARAM)) return undefined;
    const v = q[LINK_PARAM];
    delete q[LINK_PARAM];
    if (typeof v !== 'string' || v.length > 200) throw invalidParam(LINK_PARAM, 'a single download link token is expected', 'query');
    return v;
  }

  async function admit(req: FastifyRequest, reply: FastifyReply, rule: AccessRule | undefined) {
    const link = takeLink(req, rule);
    const credential = takeCredential(req);
    const restricted = !isPublic(rule);
    let principal: Principal | null = null;
    if (link !== undefined && restricted && rule.link) {
      if (credential) throw invalidParam(LINK_PARAM, 'send either an API key or a download link, not both', 'query');
      const subject = String((req.params as Record<string, unknown> | undefined)?.[rule.link.param] ?? '');
      const used = await useLink(db, link, rule.link.purpose, subject);
      if (!used.ok) {
        await slowDown(req);
        throw new HttpProblem(used.reason.includes('another object') ? 'forbidden' : 'unauthorized', used.reason);
      }
      req.principal = principal = used.principal;
    }
    // On an open route, an `apikey` that is not shaped like ours is someone else's (API Carto clients
    // send their Géoportail key): ignored. A bearer, or one of our keys, must be valid.
    if (!principal && credential && (restricted || credential.source === 'bearer' || looksLikeKey(credential.token))) {
      const auth = await authenticate(db, credential.token);
      if (!auth.ok) {
        await slowDown(req);
        reply.header('www-authenticate', 'Bearer realm="terroir", error="invalid_token"');
        throw unauthorized(auth, rule);
      }
      principal = auth.principal;
      req.principal = principal;
      touch(principal.prefix);
    }
    if (restricted) {
      if (!principal) {
        reply.header('www-authenticate', 'Bearer realm="terroir"');
        throw unauthorized(undefined, rule);
      }
      const allowed = scopesOf(rule as RestrictedAccess);
      if (!allowed.some((s) => principal!.scopes.includes(s))) {
        const scope = allowed.join(' or ');
        reply.header('www-authenticate', `Bearer realm="terroir", error="insufficient_scope", scope="${scope}"`);
        throw new HttpProblem('forbidden', `this route needs scope ${scope}; key ${displayPrefix(principal.prefix)} has ${principal.scopes.join(', ') || 'none'}`);
      }
    }
    await count(req, reply, principal);
  }

  app.addHook('preValidation', (req, reply, done) => {
    const rule = req.routeOptions.config?.access as AccessRule | undefined;
    if (isPublic(rule) && !anonymous.limits.length && !carriesCredential(req)) return done();
    admit(req, reply, rule).then(() => done(), done);
  });

  app.addHook('preHandler', (req, _reply, done) => {
    const rule = req.routeOptions.config?.access as AccessRule | undefined;
    if (isPublic(rule) || !rule.territory?.length || !req.principal) return done();
    try {
      const asks = territoryAsks(rule.territory, req);
      req.auditTerritory = auditTerritory(asks);
      checkTerritory(db, req.principal.organisation, rule.territory, asks).then(() => done(), done);
    } catch (e) {
      done(e as Error);
    }
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    const rule = req.routeOptions.config?.access as AccessRule | undefined;
    if (isPublic(rule) || req.audited) return done(null, payload);
    req.audited = true;
    // Restricted answers are for their caller only: no shared cache keeps them (a key in the query
    // string is not the Authorization header that shared caches already respect).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store');
    appendAudit(db, auditRecord(req, reply, payload, rule, now())).then(
      () => done(null, payload),
      (err) => done(err),
    );
  });
}

/**
 * Loopback callers are never limited as anonymous (local tools, health checks, benchmarks); a reverse
 * proxy must pass the client's address on (X-Forwarded-For, as the proxy trust setting allows).
 */
function isLoopback(ip: string | undefined): boolean {
  return ip === '::1' || ip?.startsWith('127.') === true || ip?.startsWith('::ffff:127.') === true;
}

/** `numberReturned` of a FeatureCollection answer (the envelope's member, after the features). */
function featuresOf(req: FastifyRequest, payload: unknown): number | null {
  if (req.auditFeatures !== null) return req.auditFeatures;
  if (typeof payload !== 'string' || !payload.startsWith('{"type":"FeatureCollection"')) return null;
  const i = payload.lastIndexOf(',"numberReturned":');
  const m = i < 0 ? null : /^,"numberReturned":(\d+)/.exec(payload.slice(i, i + 40));
  return m ? Number(m[1]) : null;
}

function auditRecord(req: FastifyRequest, reply: FastifyReply, payload: unknown, rule: RestrictedAccess, at: number): AuditRecord {
  const path = req.url.split('?')[0];
  return {
    at: new Date(at).toISOString(),
    request_id: String(req.id),
    method: req.method,
    route: req.routeOptions.url ?? path,
    path,
    scope: rule.scope,
    organisation: req.principal?.organisation.id ?? null,
    key_prefix: req.principal?.prefix ?? null,
    territory: req.auditTerritory,
    status: reply.statusCode,
    features: featuresOf(req, payload),
    ip: req.ip ?? null,
  };
}

/** Registered by buildApp before the modules (its hooks then cover every route). */
export const accessControl = fp(plugin, { name: 'terroir-access-control' });
