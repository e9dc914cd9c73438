/**
 * Per-request deadline and client-disconnect cancellation (issue 11). Each request gets an
 * AbortSignal, handed to the database layer by `enter` (app.ts wires src/db/context.ts): it aborts
 * when the deadline passes (the request ends at once in a 503 problem with Retry-After, whatever its
 * statement is doing) or when the client goes away before its answer (nothing to answer; the
 * statement is cancelled all the same).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problems.ts';
import { sendProblem } from './error-handler.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborts when the request's deadline passes or its client disconnects. */
    abortSignal?: AbortSignal;
  }
}

/** The 503 of a request past its deadline. */
export function pastDeadline(deadlineMs: number): HttpProblem {
  return new HttpProblem('unavailable', `the request took longer than ${deadlineMs / 1000} s and was cancelled; retry later or narrow it`);
}

export interface DeadlineOptions {
  deadlineMs: number;
  /** Runs `next` (the rest of the request's hooks and its handler) with `signal` known to the database. */
  enter: (signal: AbortSignal, deadline: number, next: () => void) => void;
}

/** Routes that must answer whatever the load (probes): no deadline, no abort. */
const EXEMPT = new Set(['/healthz', '/readyz']);

export function installDeadlines(app: FastifyInstance, opts: DeadlineOptions): void {
  app.decorateRequest('abortSignal', undefined);
  // A handler still running when its deadline answered (or its client left) fails once its
  // statement is cancelled: that failure is the cancellation itself, already answered, not an error
  // to log (Fastify would log each one as "Promise errored, but reply.sent = true was set").
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      const out = handler.call(this, req, reply) as unknown;
      if (!(out instanceof Promise)) return out;
      return out.catch((e: unknown) => {
        if (reply.sent && req.abortSignal?.aborted) return undefined;
        throw e;
      });
    } as typeof handler;
  });
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    if (EXEMPT.has(req.routeOptions.url ?? '')) return done();
    const controller = new AbortController();
    req.abortSignal = controller.signal;
    const timer = setTimeout(() => {
      controller.abort(new Error('deadline'));
      if (reply.sent || reply.raw.headersSent) return;
      req.log.warn({ deadlineMs: opts.deadlineMs }, 'request past its deadline');
      void sendProblem(reply, pastDeadline(opts.deadlineMs));
    }, opts.deadlineMs);
    timer.unref();
    reply.raw.once('close', () => {
      clearTimeout(timer);
      // The connection closed before the answer was written: the client is gone.
      if (!reply.raw.writableFinished && !controller.signal.aborted) controller.abort(new Error('client gone'));
    });
    opts.enter(controller.signal, Date.now() + opts.deadlineMs, done);
  });
}
