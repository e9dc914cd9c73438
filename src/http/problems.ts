/**
 * The catalogue of problems Terroir answers (RFC 9457). Each has a stable type URI, a status and a
 * title; README "Errors" documents the same list and a test keeps the two in step.
 * Bodies also carry API Carto's `code` and `message` members (reference §4.5) so that clients
 * written for it keep reading them.
 */
export const PROBLEMS = {
  'invalid-parameter': { status: 400, title: 'Invalid parameter' },
  'bad-request': { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'uri-too-long': { status: 414, title: 'URI too long' },
  'headers-too-large': { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal error' },
  'not-implemented': { status: 501, title: 'Not implemented' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemSlug = keyof typeof PROBLEMS;
export type ParamLocation = 'query' | 'body' | 'params' | 'headers';

/** Relative URI (RFC 9457 §3.1.1 allows it): `GET /api/doc/problems` lists the catalogue. */
export const problemType = (slug: ProblemSlug) => `/api/doc/problems#${slug}`;

/** A request that cannot be answered, with what the client must know to fix it. */
export class HttpProblem extends Error {
  constructor(
    readonly slug: ProblemSlug,
    readonly detail: string,
    readonly param?: { name: string; location: ParamLocation; value?: unknown },
    /** Extension members (RFC 9457 §3.2), e.g. the policies a 429 names. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
  }
  get status(): number {
    return PROBLEMS[this.slug].status;
  }
}

/** The 400 for one parameter: the message names it (the reference keys its message by name too). */
export function invalidParam(name: string, reason: string, location: ParamLocation = 'query', value?: unknown): HttpProblem {
  return new HttpProblem('invalid-parameter', `${name}: ${reason}`, { name, location, value });
}

export function notFound(detail: string): HttpProblem {
  return new HttpProblem('not-found', detail);
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  invalid_params?: { name: string; in: ParamLocation; reason: string }[];
  code: number;
  message: unknown;
  [extension: string]: unknown;
}

/** Longest echo of an offending value in a problem (a 60k-vertex polygon is not sent back). */
export const ECHO_MAX_CHARS = 200;
const DETAIL_MAX_CHARS = 1000;

/** The offending value as a problem may echo it: short values as they are, long ones cut with `…`. */
export function boundedEcho(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') return value ?? null;
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      return null;
    }
    if (text.length <= ECHO_MAX_CHARS) return value;
  }
  return text.length <= ECHO_MAX_CHARS ? text : `${text.slice(0, ECHO_MAX_CHARS)}…`;
}

function boundedText(s: string): string {
  return s.length <= DETAIL_MAX_CHARS ? s : `${s.slice(0, DETAIL_MAX_CHARS)}…`;
}

export function problemBody(p: HttpProblem, instance: string, requestId: string): ProblemBody {
  const { status, title } = PROBLEMS[p.slug];
  const detail = boundedText(p.detail);
  const body: ProblemBody = {
    ...p.extensions, type: problemType(p.slug), title, status, detail, instance: boundedText(instance), request_id: requestId, code: status, message: detail,
  };
  if (p.param) {
    const reason = detail.startsWith(`${p.param.name}: `) ? detail.slice(p.param.name.length + 2) : detail;
    body.invalid_params = [{ name: p.param.name, in: p.param.location, reason }];
    body.message = {
      [p.param.name]: { type: 'field', value: boundedEcho(p.param.value), msg: reason, path: p.param.name, location: p.param.location },
    };
  }
  return body;
}
