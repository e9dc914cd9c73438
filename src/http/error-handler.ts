import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, invalidParam, PROBLEMS, problemBody, type ParamLocation, type ProblemSlug } from './problems.ts';

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

function toProblem(err: FastifyError, req: FastifyRequest): HttpProblem | undefined {
  if (err instanceof HttpProblem) return locate(err, req);
  if ((err as { validation?: unknown }).validation) return fromValidation(err as never, req);
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const slug = (Object.keys(PROBLEMS) as ProblemSlug[]).find((k) => PROBLEMS[k].status === status && k !== 'invalid-parameter') ?? 'bad-request';
    return new HttpProblem(slug, err.message);
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem) {
  const req = reply.request;
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
    const problem = toProblem(err, req);
    if (problem) return sendProblem(reply, problem);
    req.log.error({ err }, 'request failed');
    return sendProblem(reply, new HttpProblem('internal', `internal error; quote request id ${req.id} when reporting it`));
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, new HttpProblem('not-found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );
}
