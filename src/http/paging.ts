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

/** The URL the client called, as it sees it (behind a proxy too: trustProxy honours X-Forwarded-*). */
export function requestUrl(req: FastifyRequest): URL {
  return new URL(req.url, `${req.protocol}://${req.host}`);
}
