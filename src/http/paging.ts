import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';

/** `_start`/`_limit` as API Carto names them, with the layer's default and documented maximum. */
export function pagingSchema(defaultLimit: number, maxLimit: number, withDefaults = true) {
  const dflt = (value: number) => (withDefaults ? { default: value } : {});
  return {
    _start: Type.Optional(Type.Integer({ minimum: 0, ...dflt(0), description: 'Index of the first feature (paging).' })),
    _limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: maxLimit, ...dflt(defaultLimit), description: `Features per page (default ${defaultLimit}, at most ${maxLimit}).` }),
    ),
  };
}

/** A host as a link may carry it: a DNS name or IPv4 address, or a bracketed IPv6 one, and a port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})?)*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/**
 * The URL the client called, for the links of an answer. With TERROIR_PUBLIC_URL it is that origin
 * (and path prefix) and nothing from the request's headers; otherwise the Host (or, behind a
 * trusted proxy, X-Forwarded-Host/-Proto) when it is a plain host name and the scheme http(s):
 * a forged `X-Forwarded-Proto: javascript` or a malformed Host never reaches a link.
 */
export function requestUrl(req: FastifyRequest): URL {
  const publicUrl = req.server.config?.publicUrl;
  if (publicUrl) return new URL(publicUrl.replace(/\/+$/, '') + req.url);
  const proto = req.protocol === 'https' ? 'https' : 'http';
  const host = typeof req.host === 'string' && HOST.test(req.host) ? req.host : 'localhost';
  // `//other.host/…` would be read as a network-path reference: the path keeps one leading slash.
  const path = req.url.replace(/^\/{2,}/, '/');
  try {
    return new URL(path, `${proto}://${host}`);
  } catch {
    return new URL(path.replace(/[^\x21-\x7e]/g, encodeURIComponent), `${proto}://localhost`);
  }
}
