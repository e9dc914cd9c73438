/**
 * Where a request carries its key: `Authorization: Bearer <key>`, or `apikey` in the query string or
 * in a JSON body as API Carto clients send it. The `apikey` parameter is taken out of the request
 * before schema validation, so every route accepts it without declaring it (modules keep
 * `additionalProperties: false`), and no handler ever sees a key.
 */
import type { FastifyRequest } from 'fastify';
import { invalidParam, type ParamLocation } from '../http/problems.ts';
import { looksLikeKey, MAX_CREDENTIAL_LENGTH } from './keys.ts';

export interface Credential {
  token: string;
  source: 'bearer' | 'apikey';
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const hasApikey = (o: unknown): o is Record<string, unknown> =>
  typeof o === 'object' && o !== null && !Array.isArray(o) && !Buffer.isBuffer(o) && Object.hasOwn(o, 'apikey');

/** Cheap test for the hot path: does the request carry anything credential-like at all? */
export function carriesCredential(req: FastifyRequest): boolean {
  return req.headers.authorization !== undefined || hasApikey(req.query) || hasApikey(req.body);
}

/** Removes `apikey` from where it is; the value is never echoed back in a problem. */
function takeApikey(container: unknown, location: ParamLocation): string | undefined {
  if (!hasApikey(container)) return undefined;
  const v = container.apikey;
  delete container.apikey;
  if (typeof v !== 'string') throw invalidParam('apikey', 'a single string is expected', location);
  if (v.length > MAX_CREDENTIAL_LENGTH) throw invalidParam('apikey', `longer than ${MAX_CREDENTIAL_LENGTH} characters`, location);
  return v === '' ? undefined : v;
}

/**
 * The credential of the request (taken out of query and body). Bearer wins; an `apikey` that is not a
 * Terroir key (a Géoportail key an API Carto client still sends) is ignored when a bearer is given.
 * Two different Terroir keys in one request are a 400: which one is meant cannot be guessed.
 */
export function takeCredential(req: FastifyRequest): Credential | undefined {
  const fromQuery = takeApikey(req.query, 'query');
  const fromBody = takeApikey(req.body, 'body');
  const header = req.headers.authorization;
  const bearer = header !== undefined ? BEARER.exec(header)?.[1] : undefined;
  const apikeys = [fromQuery, fromBody].filter((k): k is string => k !== undefined);
  const candidates = [...(bearer ? [bearer] : []), ...apikeys.filter((k) => !bearer || looksLikeKey(k))];
  if (new Set(candidates).size > 1) {
    throw invalidParam('apikey', 'two different keys in one request (Authorization, query string, body): send one', fromBody !== undefined ? 'body' : 'query');
  }
  if (bearer) return { token: bearer, source: 'bearer' };
  return apikeys.length ? { token: apikeys[0], source: 'apikey' } : undefined;
}

/**
 * A URL as it may be logged: the `apikey` and `jeton` parameters' values (any case) and anything
 * shaped like a Terroir key or download link replaced, so no key reaches a log line.
 */
export function redactCredentials(url: string): string {
  return url
    .replace(/([?&](apikey|jeton)=)[^&]*/gi, '$1redacted')
    .replace(/trr_([a-z0-9]{8})_[A-Za-z0-9_-]+/g, 'trr_$1_redacted')
    .replace(/trl_[A-Za-z0-9_-]+/g, 'trl_redacted');
}
