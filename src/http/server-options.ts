/**
 * The Fastify/Node server options the hardening decides (docs/hardening.md): whom to trust for
 * X-Forwarded-*, which X-Request-Id to keep, and how long a client may take to send a request.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config/schema.ts';
import { clientErrorHandler, frameworkErrors } from './error-handler.ts';

/** `TERROIR_TRUST_PROXY` as Fastify's trustProxy: false, a hop count, or addresses/CIDR ranges. */
export function trustProxyOption(setting: string): boolean | number | string[] {
  if (setting === 'off' || setting === '' || setting === '0') return false;
  if (/^[0-9]+$/.test(setting)) return Number(setting);
  const list = setting.split(',').map((s) => s.trim());
  for (const entry of list) {
    const [addr, bits, more] = entry.split('/');
    const family = isIP(addr);
    const ok = family !== 0 && more === undefined && (bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
    if (!ok) throw new Error(`TERROIR_TRUST_PROXY: "${entry}" is neither an IP address nor a CIDR range`);
  }
  return list;
}

/** An X-Request-Id kept as the request's id: short, and only characters safe in logs and headers. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** How often Node looks for requests past their timeouts (its default, 30 s, would let them overstay). */
const CHECK_EVERY_MS = 1000;

export function serverOptions(config: Readonly<Config>): Partial<FastifyServerOptions> {
  // `http` (options of node:http's createServer) is passed through by Fastify but not in its types.
  const options: Partial<FastifyServerOptions> & { http: object } = {
    trustProxy: trustProxyOption(config.trustProxy) as FastifyServerOptions['trustProxy'],
    requestIdHeader: false,
    genReqId: requestId,
    frameworkErrors,
    clientErrorHandler,
    // The whole request (headers and body) within requestTimeout; headers within headersTimeout.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs + config.deadlineMs,
    keepAliveTimeout: 5000,
    http: { headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs), connectionsCheckingInterval: CHECK_EVERY_MS },
  };
  return options;
}
