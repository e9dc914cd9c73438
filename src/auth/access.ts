/**
 * Access rules: what a layer or a route declares about who may read or call it. Declared once (in the
 * layer definition, or in a route's `config.access`), enforced in one place (src/auth/plugin.ts),
 * never checked by hand in a handler.
 *
 * - `'public'`: open to all; a key, when given, only counts toward its quota.
 * - `{ scope, territory }`: a valid API key of an organisation holding `scope`; when `territory` is
 *   given, what the request names there (a code or a geometry) must lie inside the organisation's
 *   territory. With `link`, a download link (src/auth/liens.ts) issued for `purpose` and for the
 *   object the path parameter `param` names stands for the key that asked for it (`?jeton=`).
 */
export const SCOPES = [
  'cartobio:territoires',
  'cartobio:conventionnel',
  'rpg:niveau2:demander',
  'rpg:niveau2:lire',
  'demandes:instruire',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

/**
 * What a territory source names: an administrative unit by code, a GeoJSON `geom`, an OGC `bbox`
 * (`minx,miny,maxx,maxy` in CRS84; the route's `bbox-crs` must be absent or CRS84), or the tile of the
 * path (`tile`: the source names the zoom parameter, `z` with `x`/`y`, or `tileMatrix` with
 * `tileCol`/`tileRow`). A box or a tile is checked as the polygon it covers.
 */
export const TERRITORY_KINDS = ['commune', 'epci', 'departement', 'region', 'geom', 'bbox', 'tile'] as const;

/** Where a request names the territory it asks for, and what kind of thing it names. */
export interface TerritorySource {
  in: 'params' | 'query' | 'body';
  name: string;
  kind: (typeof TERRITORY_KINDS)[number];
}

export interface RestrictedAccess {
  scope: Scope;
  /** Other scopes that also open the route (any one suffices), e.g. a register read by requesters and instructors. */
  orScopes?: readonly Scope[];
  territory?: TerritorySource[];
  /** The route also admits a download link issued for this purpose and the object named by path parameter `param`. */
  link?: { purpose: string; param: string };
}

export type AccessRule = 'public' | RestrictedAccess;

export function isPublic(rule: AccessRule | undefined): rule is 'public' | undefined {
  return rule === undefined || rule === 'public';
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** The scopes any one of which opens a restricted rule. */
export const scopesOf = (rule: RestrictedAccess): readonly Scope[] => [rule.scope, ...(rule.orScopes ?? [])];

/** Whether a holder of `scopes` may read what `rule` protects (territory aside): the test /api/datasets and catalogues apply. */
export function mayRead(scopes: readonly string[] | undefined, rule: AccessRule | undefined): boolean {
  return isPublic(rule) || (scopes ?? []).some((s) => (scopesOf(rule) as readonly string[]).includes(s));
}
