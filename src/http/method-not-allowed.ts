/**
 * 405 with `Allow` for a path that exists under other methods (`DELETE /api/rpg/v2`), instead of the
 * 404 Fastify gives any unknown method + path pair (RFC 9110 §15.5.6). Every route registered is
 * mirrored, method and URL pattern, in a router of its own (find-my-way, Fastify's router, with the
 * same options), which is asked only when Fastify found no route: the requests that do have a route
 * pay one boolean test.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import Router from 'find-my-way';
import { sendProblem } from './error-handler.ts';
import { HttpProblem } from './problems.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function installMethodNotAllowed(app: FastifyInstance): void {
  const known = Router({ ignoreTrailingSlash: true, maxParamLength: 200 });
  app.addHook('onRoute', (route) => {
    const methods = ([] as HTTPMethods[]).concat(route.method).filter((m) => (METHODS as readonly string[]).includes(m));
    // The CORS preflight answers OPTIONS on every path (`*`): not a method of the resource.
    if (route.url === '*' || route.url === '/*') return;
    for (const m of methods) {
      try {
        known.on(m as never, route.url, () => {});
      } catch {
        // Declared already (HEAD beside GET, a route registered twice under one pattern): nothing to add.
      }
    }
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (!req.is404) return done();
    const path = req.url.split('?')[0];
    const allow = METHODS.filter((m) => known.find(m as never, path) !== null);
    if (!allow.length || allow.includes(req.method as never)) return done();
    reply.header('allow', allow.join(', '));
    sendProblem(reply, new HttpProblem('method-not-allowed', `${req.method} is not a method of ${path}; it answers ${allow.join(', ')}`));
  });
}
