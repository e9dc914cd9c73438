/**
 * The HTML encoding (Part 1 `html` class): plain, fast pages, no script, no external asset. The
 * items page draws its features in an inline SVG map whose paths PostGIS wrote (`ST_AsSVG` in Web
 * Mercator): JS never decodes a coordinate.
 */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} — Terroir OGC API</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}svg{border:1px solid #ccc;background:#f6f6f0}path{fill:#7a9a3a55;stroke:#3c5a14;stroke-width:1px;vector-effect:non-scaling-stroke}code{background:#f2f2f2;padding:0 3px}</style>
</head><body><p><a href="/ogc">Terroir OGC API</a> · <a href="/ogc/collections">collections</a> · <a href="/ogc/conformance">conformance</a> · <a href="/ogc/api">OpenAPI</a></p><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function linkList(links: { href: string; rel: string; type?: string; title?: string }[]): string {
  return `<ul>${links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.title ?? l.rel)}</a> <small>(${escapeHtml(l.rel)}${l.type ? `, ${escapeHtml(l.type)}` : ''})</small></li>`).join('')}</ul>`;
}

/** An SVG map of paths already in Web Mercator (`ST_AsSVG` flips y), framed on the page's extent. */
export function svgMap(paths: string[], box: [number, number, number, number] | null | undefined, pointLike: boolean): string {
  if (!box || !paths.length) return '';
  const [x0, y0, x1, y1] = box;
  const pad = Math.max(x1 - x0, y1 - y0, 50) * 0.03;
  const view = [x0 - pad, -y1 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad].map((v) => v.toFixed(0)).join(' ');
  const shapes = pointLike
    ? paths.map((p) => `<path d="${escapeHtml(p.replace(/cx="([^"]+)" cy="([^"]+)"/g, 'M $1 $2 l 0 0'))}" stroke-width="6"/>`)
    : paths.map((p) => `<path d="${escapeHtml(p)}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400" viewBox="${view}" preserveAspectRatio="xMidYMid meet">${shapes.join('')}</svg>`;
}
