import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problems.ts';

/** Liveness (the process answers) and readiness (the database answers), for orchestrators. */
export function registerHealth(app: FastifyInstance) {
  const hide = { hide: true } as const;
  app.get('/healthz', { schema: hide, config: { access: 'public' }, logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: hide, config: { access: 'public' }, logLevel: 'warn' }, async () => {
    try {
      await app.db.query('SELECT 1');
    } catch (err) {
      app.log.warn({ err }, 'readiness check failed');
      throw new HttpProblem('unavailable', 'database not answering');
    }
    return { status: 'ok', backend: app.db.backend };
  });
}
