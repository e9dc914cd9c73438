/** Calls to Terroir's own API (same origin), with the session key when one is entered. */

const CLE = 'terroir.cle';

export function cle(): string | null {
  return sessionStorage.getItem(CLE);
}
export function garderCle(valeur: string | null) {
  if (valeur) sessionStorage.setItem(CLE, valeur);
  else sessionStorage.removeItem(CLE);
}

export function entetes(extra: Record<string, string> = {}): Record<string, string> {
  const k = cle();
  return k ? { ...extra, authorization: `Bearer ${k}` } : extra;
}

/** A problem+json answer (RFC 9457) as an error whose message is its detail. */
export class ErreurApi extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function lire<T>(res: Response): Promise<T> {
  if (!res.ok) {
    let detail = res.statusText;
    try {
      const p = await res.json();
      detail = p.detail ?? p.title ?? detail;
    } catch {
      /* not JSON */
    }
    throw new ErreurApi(res.status, detail);
  }
  return (await res.json()) as T;
}

export async function obtenir<T>(url: string, avecCle = false): Promise<T> {
  return lire<T>(await fetch(url, { headers: avecCle ? entetes({ accept: 'application/json' }) : { accept: 'application/json' } }));
}

export async function envoyer<T>(url: string, corps: unknown, avecCle = false, methode = 'POST'): Promise<T> {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  return lire<T>(await fetch(url, { method: methode, headers: avecCle ? entetes(headers) : headers, body: JSON.stringify(corps) }));
}

/** Downloads a restricted file (the key goes in a header, never in a link) under `nom`. */
export async function telecharger(url: string, nom: string) {
  const res = await fetch(url, { headers: entetes() });
  if (!res.ok) throw new ErreurApi(res.status, (await res.text()).slice(0, 300));
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = nom;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export type Geometrie = { type: string; coordinates: unknown };
export interface Entite<P = Record<string, unknown>> {
  id?: string | number;
  geometry: Geometrie;
  properties: P;
  bbox?: number[];
}
export interface Collection<P = Record<string, unknown>> {
  features: Entite<P>[];
  bbox?: number[];
  featureType?: string;
}

export const ha = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
export const entier = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
export const pct = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 });

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...enfants: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of enfants) if (c !== null && c !== undefined) e.append(c);
  return e;
}
