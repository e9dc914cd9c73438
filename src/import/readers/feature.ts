/**
 * What every reader yields (one feature of a distribution file, as published) and the helpers that
 * read its values whatever the format: field names of any case, DBF space padding, decimal commas.
 */
/** One feature as a reader yields it: properties keyed as published, geometry in the source CRS. */
export interface SourceFeature {
  /** 1-based position in its file, for error reports ("feature 1234"). */
  index: number;
  properties: Record<string, unknown>;
  /** GeoJSON geometry object in the source CRS (decoded by the reader; transformed by PostGIS). */
  geometry: { type: string; coordinates?: unknown; geometries?: unknown } | null;
  /** The feature's own id when the format has one (GeoJSON `id`); absent for shapefiles. */
  id?: string | number;
}

/** Case-insensitive property access: published field names vary in case (`CODE_CULTU`, `code_cultu`). */
export function prop(f: SourceFeature, ...names: string[]): unknown {
  for (const n of names) {
    if (n in f.properties) return f.properties[n];
  }
  const lower = new Map(Object.keys(f.properties).map((k) => [k.toLowerCase(), k]));
  for (const n of names) {
    const k = lower.get(n.toLowerCase());
    if (k !== undefined) return f.properties[k];
  }
  return undefined;
}

/** Trimmed string or null (DBF fields come space-padded; empty means absent). */
export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

/** A number, or null when absent or blank (a text of spaces is absent, as for `text`: not `Number('  ')`, 0). */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'number' ? null : String(v).trim();
  if (s === '') return null;
  const n = s === null ? (v as number) : Number(s.replace(',', '.'));
  if (!Number.isFinite(n)) throw new Error(`not a number: ${JSON.stringify(v)}`);
  return n;
}

export function int(v: unknown): number | null {
  const n = num(v);
  if (n === null) return null;
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${JSON.stringify(v)}`);
  return n;
}

/** A boolean as files write it (`true`, `1`, `t`, `oui`…); anything else is an error. */
export function bool(v: unknown, field: string): boolean | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 't', 'oui'].includes(s)) return true;
  if (['false', '0', 'f', 'non'].includes(s)) return false;
  throw new Error(`${field} is not a boolean: ${JSON.stringify(v)}`);
}

/** A date as files write it (YYYY-MM-DD, maybe with a time): the day. */
export function day(v: unknown, field: string): string | null {
  const s = text(v);
  if (s === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) throw new Error(`${field} is not a date: ${JSON.stringify(v)}`);
  return s.slice(0, 10);
}
