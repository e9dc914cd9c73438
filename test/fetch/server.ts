/**
 * A local HTTP server (127.0.0.1, port 0) that plays the open-data hosts for the fetch tests: static
 * files with ETag / Last-Modified, conditional GET (304), Range and If-Range (206/416), and scripted
 * misbehaviour: 503s before success, a connection dropped half-way, redirects.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Resource {
  body: Buffer | string;
  /** Strong ETag by default (computed from the body); null for none. */
  etag?: string | null;
  /** A fixed date by default; null for none. */
  lastModified?: string | null;
  contentType?: string;
  /** Answer `failStatus` (503 by default) to the first `failTimes` requests. */
  failTimes?: number;
  failStatus?: number;
  /** Retry-After header of those answers. */
  retryAfter?: string;
  /** Send only `dropAfter` bytes of the body then cut the connection, for the first `dropTimes` requests. */
  dropAfter?: number;
  dropTimes?: number;
  /** Ignore Range (always 200 with the whole body). */
  noRange?: boolean;
  /** Answer with this status and no body (404, 403…). */
  status?: number;
  /** 302 to this path. */
  redirectTo?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
}

export interface FixtureServer {
  url: string;
  routes: Map<string, Resource>;
  requests: LoggedRequest[];
  /** Requests for one path. */
  hits(path: string): LoggedRequest[];
  set(path: string, r: Resource): void;
  close(): Promise<void>;
}

const DEFAULT_LAST_MODIFIED = 'Wed, 24 Sep 2025 08:00:00 GMT';

function etagOf(body: Buffer): string {
  // A cheap strong validator that changes with the content (FNV-1a over the bytes).
  let h = 0x811c9dc5;
  for (const b of body) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `"${h.toString(16)}-${body.length}"`;
}

export async function startServer(routes: Record<string, Resource> = {}): Promise<FixtureServer> {
  const map = new Map(Object.entries(routes));
  const requests: LoggedRequest[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const fullPath = req.url ?? '/';
    const r = map.get(fullPath) ?? map.get(path);
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const log = (status: number) => requests.push({ method: req.method ?? 'GET', path: fullPath, headers: req.headers, status });

    if (!r) {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (r.failTimes && n <= r.failTimes) {
      log(r.failStatus ?? 503);
      res.writeHead(r.failStatus ?? 503, { 'content-type': 'text/plain', ...(r.retryAfter !== undefined ? { 'retry-after': r.retryAfter } : {}) }).end('busy');
      return;
    }
    if (r.status) {
      log(r.status);
      res.writeHead(r.status, { 'content-type': 'text/plain' }).end(`status ${r.status}`);
      return;
    }
    if (r.redirectTo) {
      log(302);
      res.writeHead(302, { location: r.redirectTo }).end();
      return;
    }
    const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    const etag = r.etag === undefined ? etagOf(body) : r.etag;
    const lastModified = r.lastModified === undefined ? DEFAULT_LAST_MODIFIED : r.lastModified;
    const headers: Record<string, string> = {
      'content-type': r.contentType ?? 'application/octet-stream',
      'accept-ranges': r.noRange ? 'none' : 'bytes',
      ...(etag ? { etag } : {}),
      ...(lastModified ? { 'last-modified': lastModified } : {}),
    };

    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    if ((inm && etag && inm === etag) || (!inm && ims && lastModified && Date.parse(ims) >= Date.parse(lastModified))) {
      log(304);
      res.writeHead(304, headers).end();
      return;
    }

    let start = 0;
    let status = 200;
    const range = req.headers.range;
    const ifRange = req.headers['if-range'];
    const rangeApplies = range && !r.noRange && (!ifRange || ifRange === etag || ifRange === lastModified);
    if (rangeApplies) {
      const m = /^bytes=(\d+)-$/.exec(range);
      if (m) {
        start = Number(m[1]);
        if (start >= body.length) {
          log(416);
          res.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` }).end();
          return;
        }
        status = 206;
        headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
      }
    }
    const slice = body.subarray(start);
    headers['content-length'] = String(slice.length);
    log(status);
    res.writeHead(status, headers);
    if (r.dropAfter !== undefined && n <= (r.dropTimes ?? 1)) {
      res.write(slice.subarray(0, r.dropAfter), () => setTimeout(() => res.socket?.end(), 20));  // FIN, not RST: a reset may discard bytes the client has not read yet (flaky resume on a loaded machine)
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routes: map,
    requests,
    hits: (p) => requests.filter((q) => q.path === p || q.path.split('?')[0] === p),
    set: (p, r) => {
      map.set(p, r);
      counts.delete(p.split('?')[0]);
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
