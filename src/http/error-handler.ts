import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, invalidParam, PROBLEMS, problemBody, type ParamLocation, type ProblemSlug } from './problems.ts';

/** Seconds a client is told to wait after a 503 (deadline, statement timeout, full heavy lane). */
export const RETRY_AFTER_S = 5;

const LOCATION: Record<string, ParamLocation> = { querystring: 'query', body: 'body', params: 'params', headers: 'headers' };

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns the first schema violation into a problem naming the parameter, as the reference does. */
function fromValidation(err: FastifyError & { validation: AjvError[]; validationContext?: string }, req: FastifyRequest): HttpProblem {
  const location = LOCATION[err.validationContext ?? 'querystring'] ?? 'query';
  const first = err.validation[0];
  let name = first.instancePath.replace(/^\//, '').split('/')[0];
  let reason = first.message ?? 'invalid value';
  if (first.keyword === 'required') {
    name = String(first.params.missingProperty);
    reason = 'is required';
  } else if (first.keyword === 'additionalProperties') {
    name = String(first.params.additionalProperty);
    reason = 'unknown parameter';
  }
  if (!name) return new HttpProblem('bad-request', reason);
  const source = (location === 'query' ? req.query : location === 'params' ? req.params : req.body) as Record<string, unknown> | undefined;
  return invalidParam(name, reason, location, source?.[name]);
}

/**
 * Where the named parameter really was. Domain checks run on the merged query + body input (API Carto
 * takes both on POST), so they cannot know it; the request can.
 */
function locate(p: HttpProblem, req: FastifyRequest): HttpProblem {
  if (!p.param) return p;
  const { name } = p.param;
  const has = (o: unknown) => typeof o === 'object' && o !== null && Object.hasOwn(o, name);
  const location: ParamLocation | undefined = has(req.body) ? 'body' : has(req.query) ? 'query' : has(req.params) ? 'params' : undefined;
  if (!location || location === p.param.location) return p;
  return new HttpProblem(p.slug, p.detail, { ...p.param, location }, p.extensions);
}

function slugOf(status: number): ProblemSlug | undefined {
  return (Object.keys(PROBLEMS) as ProblemSlug[]).find((k) => PROBLEMS[k].status === status && k !== 'invalid-parameter');
}

/**
 * Database failures that are not the service's bug: a statement cancelled (timeout, deadline,
 * client gone), no connection to be had, a deadlock, are 503s to retry; a value the database finds
 * out of range (class 22, a date, a number too large for its column) or too complex to plan is the
 * request's fault, a 400. Anything else stays a 500.
 */
function fromDatabase(err: Error & { code?: unknown }, deadlineS: number): HttpProblem | undefined {
  const code = typeof err.code === 'string' ? err.code : '';
  if (code === 'TERROIR_ABORTED') return new HttpProblem('unavailable', `the request took longer than ${deadlineS} s and was cancelled; retry later or narrow it`);
  if (code === 'TERROIR_BUSY') return new HttpProblem('unavailable', 'too many heavy requests (large geometries) at once; retry later');
  if (code === '57014') return new HttpProblem('unavailable', 'the query took too long and was cancelled; retry later or narrow it (a smaller geom)');
  if (code === '53300' || code === '40P01' || code === '55P03' || /timeout exceeded when trying to connect|Connection terminated/.test(err.message)) {
    return new HttpProblem('unavailable', 'the database is busy; retry later');
  }
  if (code.startsWith('22')) return new HttpProblem('bad-request', 'a value of the request is out of range for the database');
  if (code === '54001') return new HttpProblem('bad-request', 'the request is too complex to evaluate');
  return undefined;
}

function toProblem(err: FastifyError, req: FastifyRequest): HttpProblem | undefined {
  if (err instanceof HttpProblem) return locate(err, req);
  if ((err as { validation?: unknown }).validation) return fromValidation(err as never, req);
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new HttpProblem(slugOf(status) ?? 'bad-request', err.message);
  return fromDatabase(err, (req.server.config?.deadlineMs ?? 30_000) / 1000);
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem) {
  const req = reply.request;
  if (problem.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_S));
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(problemBody(problem, req.url.split('?')[0], String(req.id))));
}

/**
 * One error path for the whole service: every failure leaves as application/problem+json. A 5xx says
 * only the request id (its cause goes to the log, never to the client: no stack, no SQL text).
 */
export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    // Already answered (the deadline's 503), or nobody left to answer (client gone).
    if (reply.sent || reply.raw.headersSent || req.abortSignal?.aborted) {
      if (!reply.sent && !reply.raw.headersSent) return sendProblem(reply, new HttpProblem('unavailable', 'the request was cancelled'));
      return;
    }
    const problem = toProblem(err, req);
    if (problem) return sendProblem(reply, problem);
    req.log.error({ err }, 'request failed');
    return sendProblem(reply, new HttpProblem('internal', `internal error; quote request id ${req.id} when reporting it`));
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, new HttpProblem('not-found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );
  // Answers a plugin writes itself (CORS's "Invalid Preflight Request" 400 in text/plain) are turned
  // into problems too: every error leaves as problem+json, whoever produced it.
  app.addHook('onSend', (req, reply, payload, done) => {
    const status = reply.statusCode;
    if (status < 400 || String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json')) return done(null, payload);
    if (payload !== null && payload !== undefined && typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    const text = payload === null || payload === undefined ? '' : String(payload);
    const detail = text && text.length <= 200 && !text.startsWith('{') ? text : STATUS_CODES[status] ?? 'error';
    const body = problemBody(new HttpProblem(slugOf(status) ?? (status >= 500 ? 'internal' : 'bad-request'), detail), req.url.split('?')[0], String(req.id));
    body.status = body.code = status;
    reply.type('application/problem+json; charset=utf-8');
    reply.removeHeader('content-length');
    done(null, JSON.stringify(body));
  });
}

/**
 * Fastify's own routing errors (a path that is not valid percent-encoding, FST_ERR_BAD_URL; a path
 * parameter over maxParamLength, 414) as problems: the `frameworkErrors` server option.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 400;
  const slug = slugOf(status) ?? 'bad-request';
  const detail = err.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoded UTF-8' : status === 414 ? 'a path segment is too long' : (STATUS_CODES[status] ?? 'bad request');
  return sendProblem(reply, new HttpProblem(slug, detail));
}

/**
 * Errors Node's HTTP parser raises before there is a request (431 headers too large, 408 request
 * not received in time, 400 malformed): a problem+json written on the socket, with
 * `Connection: close` since the socket is closed right after (a keep-alive client would otherwise
 * send its next request into a reset connection).
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, slug, detail]: [number, ProblemSlug, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request-timeout', 'the request was not received in time']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers-too-large', 'request headers too large']
    : err.code === 'HPE_URI_TOO_LONG' ? [414, 'uri-too-long', 'request line too long']
    : [400, 'bad-request', 'malformed HTTP request'];
  const body = JSON.stringify({ ...problemBody(new HttpProblem(slug, detail), '', ''), instance: undefined, request_id: undefined });
  if (!socket.writable) return void socket.destroy();
  // end(): the answer is flushed, then the socket closed.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
