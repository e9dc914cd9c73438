/**
 * IGN Géoplateforme download service (https://data.geopf.fr/telechargement), an Atom (RFC 4287) API
 * with three methods, all anonymous (10 requests/s per IP):
 *   GET {base}/resource/{resource}[?page&limit&zone&format…]  sub-resources (one per edition/zone/format)
 *   GET {base}/resource/{resource}/{sub}[?page&limit]          files of a sub-resource (.7z, .7z.001…, .md5)
 *   GET {base}/download/{resource}/{sub}/{file}                the file
 * Results are paged (limit ≤ 50; `gpf_dl:pagecount` on the feed element).
 */
import { digestFor, parseChecksumFile, type PublishedChecksum } from './checksum.ts';
import { UnexpectedAnswerError } from './errors.ts';
import { getText, joinUrl, type HttpOptions } from './http.ts';

export const GEOPLATEFORME_BASE = 'https://data.geopf.fr/telechargement';

export interface AtomEntry {
  title: string;
  /** href of every <link> in the entry, in order. */
  links: string[];
  editionDate?: string;
  zone?: string;
  format?: string;
  length?: number;
}

export interface AtomFeed {
  entries: AtomEntry[];
  pageCount?: number;
  totalEntries?: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
      e[0] === '#' ? String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e.toLowerCase()],
    );
}

function attr(tagAttrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name.replace(':', '\\:')}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tagAttrs);
  return m ? decodeXml(m[2] ?? m[3] ?? '') : undefined;
}

/**
 * Reads the Géoplateforme's Atom feeds. A regular-expression reader is enough here: the feeds are
 * machine-written, flat, and we need five elements of each entry.
 */
export function parseAtomFeed(xml: string): AtomFeed {
  if (!/<feed[\s>]/.test(xml)) throw new UnexpectedAnswerError(`not an Atom feed: ${xml.slice(0, 120).replace(/\s+/g, ' ')}`);
  const feedTag = /<feed\b([^>]*)>/.exec(xml)?.[1] ?? '';
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const entries: AtomEntry[] = [];
  for (const m of xml.matchAll(/<entry\b[^>]*>([\s\S]*?)<\/entry>/g)) {
    const body = m[1];
    const title = decodeXml(/<title\b[^>]*>([\s\S]*?)<\/title>/.exec(body)?.[1]?.trim() ?? '');
    const linkTags = [...body.matchAll(/<link\b([^>]*?)\/?>/g)].map((l) => l[1]);
    const links = linkTags.map((a) => attr(a, 'href')).filter((h): h is string => Boolean(h));
    const lengthAttr = linkTags.map((a) => attr(a, 'gpf_dl:length') ?? attr(a, 'length')).find((v) => v !== undefined);
    const editionDate = /<gpf_dl:editionDate\b[^>]*>([^<]*)<\/gpf_dl:editionDate>/.exec(body)?.[1]?.trim();
    const zoneTag = /<gpf_dl:zone\b([^>]*)\/?>/.exec(body)?.[1];
    const formatTag = /<gpf_dl:format\b([^>]*)\/?>/.exec(body)?.[1];
    entries.push({
      title,
      links,
      ...(editionDate ? { editionDate } : {}),
      ...(zoneTag && attr(zoneTag, 'term') ? { zone: attr(zoneTag, 'term') } : {}),
      ...(formatTag && attr(formatTag, 'term') ? { format: attr(formatTag, 'term') } : {}),
      ...(num(lengthAttr) !== undefined ? { length: num(lengthAttr) } : {}),
    });
  }
  return { entries, pageCount: num(attr(feedTag, 'gpf_dl:pagecount')), totalEntries: num(attr(feedTag, 'gpf_dl:totalentries')) };
}

const PAGE_LIMIT = 50;
/** A resource has a few hundred sub-resources at most (RPG: years × regions × formats). */
const MAX_PAGES = 40;

export function resourceUrl(base: string, resource: string, page = 1): string {
  return `${joinUrl(base, `resource/${encodeURIComponent(resource)}`)}?page=${page}&limit=${PAGE_LIMIT}`;
}

export function subResourceUrl(base: string, resource: string, sub: string, page = 1): string {
  return `${joinUrl(base, `resource/${encodeURIComponent(resource)}/${encodeURIComponent(sub)}`)}?page=${page}&limit=${PAGE_LIMIT}`;
}

export function downloadUrl(base: string, resource: string, sub: string, file: string): string {
  return joinUrl(base, `download/${[resource, sub, file].map(encodeURIComponent).join('/')}`);
}

async function allPages(firstUrl: (page: number) => string, http: HttpOptions, allow404: boolean, stop?: (e: AtomEntry[]) => boolean): Promise<AtomEntry[] | null> {
  const out: AtomEntry[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const ans = await getText(firstUrl(page), { ...http, allow404: allow404 && page === 1, accept: 'application/atom+xml' });
    if (!ans) return null;
    const feed = parseAtomFeed(ans.text);
    out.push(...feed.entries);
    if (stop?.(feed.entries)) break;
    const pages = feed.pageCount ?? (feed.totalEntries !== undefined ? Math.ceil(feed.totalEntries / PAGE_LIMIT) : 1);
    if (page >= pages || feed.entries.length === 0) break;
  }
  return out;
}

/** Sub-resources of a resource (editions × zones × formats), every page. */
export async function listSubResources(base: string, resource: string, http: HttpOptions = {}, stop?: (page: AtomEntry[]) => boolean): Promise<AtomEntry[]> {
  return (await allPages((p) => resourceUrl(base, resource, p), http, false, stop))!;
}

export interface GeoplateformeFile {
  name: string;
  url: string;
  length?: number;
}

/** Files of one sub-resource, or null when the sub-resource does not exist (404). */
export async function listFiles(base: string, resource: string, sub: string, http: HttpOptions = {}): Promise<GeoplateformeFile[] | null> {
  const entries = await allPages((p) => subResourceUrl(base, resource, sub, p), http, true);
  if (!entries) return null;
  const files: GeoplateformeFile[] = [];
  for (const e of entries) {
    const href = e.links.find((h) => h.includes('/download/')) ?? e.links[0];
    const name = href ? decodeURIComponent(href.split('?')[0].split('/').pop() ?? '') : e.title;
    if (!name) continue;
    // Download from the configured base (a mirror or the test server), not from the host named in the feed.
    files.push({ name, url: downloadUrl(base, resource, sub, name), ...(e.length !== undefined ? { length: e.length } : {}) });
  }
  return files;
}

/** The data archives of a sub-resource: one .7z (or .zip), or the volumes .7z.001, .7z.002… in order. */
export function archiveFiles(files: GeoplateformeFile[]): GeoplateformeFile[] {
  const volumes = files.filter((f) => /\.7z\.\d{3}$/i.test(f.name)).sort((a, b) => a.name.localeCompare(b.name));
  if (volumes.length) return volumes;
  return files.filter((f) => /\.(7z|zip)$/i.test(f.name));
}

/**
 * The producer's checksum of each archive, read from the checksum files listed beside it: `.md5`
 * (what IGN publishes) or `.sha256`, named `X.7z.md5` or `X.md5` for `X.7z`, in md5sum layout
 * (`<hex>  <name>` per line, one line per volume) or a bare digest. A sha256 wins over an md5.
 * Archives without one are absent from the map.
 */
export async function publishedChecksums(files: GeoplateformeFile[], archives: GeoplateformeFile[], http: HttpOptions = {}): Promise<Map<string, PublishedChecksum>> {
  const out = new Map<string, PublishedChecksum>();
  const stem = (n: string) => n.replace(/\.7z\.\d{3}$/i, '').replace(/\.(7z|zip)$/i, '');
  for (const algorithm of ['sha256', 'md5'] as const) {
    const ext = new RegExp(`\\.${algorithm}$`, 'i');
    for (const c of files.filter((f) => ext.test(f.name))) {
      const ans = await getText(c.url, http);
      const parsed = parseChecksumFile(ans!.text, algorithm);
      const cStem = c.name.replace(ext, '');
      for (const a of archives) {
        if (out.has(a.name)) continue;
        let digest = parsed.get(a.name) ?? [...parsed].find(([k]) => k.toLowerCase() === a.name.toLowerCase())?.[1];
        // A bare digest belongs to the archive the checksum file is named after (single archive only).
        if (!digest && (cStem === a.name || (cStem === stem(a.name) && archives.length === 1))) digest = digestFor(parsed, a.name);
        if (digest) out.set(a.name, { algorithm, value: digest, from: c.url });
      }
    }
  }
  return out;
}
