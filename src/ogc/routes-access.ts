/**
 * Which routes serve restricted collections, and the rule each declares, for src/ogc/plugin.ts and
 * src/tiles/plugin.ts. Open collections share the open routes (`/collections/:collectionId`); a
 * restricted one is served on routes of its own, declared at start with its rule, so that the one
 * enforcement point (src/auth/plugin.ts) checks the key, the territory and audits the call — nothing
 * here checks anything by hand.
 *
 * - A restricted layer without campaign: `/collections/<id>`.
 * - A restricted campaign layer (RPG level 2): `/collections/<id>-:campagne`, every campaign loaded
 *   now or later.
 * - A campaign the campaign rule keeps closed (RPG level 1 not completed): `/collections/<id>-restreint-:campagne`,
 *   with the rule of those who read it before completion.
 *
 * A territory-bound rule (its API routes check a `geom` against the organisation's territory) is
 * declared here with what OGC requests name: the `bbox` of items and of one item, the tile of a tile
 * request; the descriptions (collection, queryables, TileJSON) need the scope only. A request for
 * items without a bbox is then the enforcement point's 403 — unless the organisation is national.
 */
import type { Catalog } from '../catalog/catalog.ts';
import type { LayerDescriptor } from '../catalog/layer.ts';
import { isPublic, type RestrictedAccess, type TerritorySource } from '../auth/access.ts';
import { collectionId, RESTRICTED_CAMPAIGN } from './collections.ts';

export interface RestrictedRoutes {
  /** The path segment of the collection after `/collections/` or `/tiles/`: an id, or a prefix and `:campagne`. */
  segment: string;
  /** The collection a request names, from its path parameters. */
  idOf(params: Record<string, string | undefined>): string;
  /** The rule of the collections served there (a layer's, or the closed campaigns' one). */
  rule: RestrictedAccess;
}

/** Every family of restricted routes of the catalogue (and of the closed campaigns when someone reads them). */
export function restrictedRoutes(catalog: Catalog, closedCampaigns?: RestrictedAccess): RestrictedRoutes[] {
  const out: RestrictedRoutes[] = [];
  for (const layer of catalog.all()) {
    if (!isPublic(layer.access)) {
      out.push(family(layer, layer.access, false));
    } else if (layer.campaignColumn && closedCampaigns) {
      out.push(family(layer, closedCampaigns, true));
    }
  }
  return out;
}

function family(layer: LayerDescriptor, rule: RestrictedAccess, closed: boolean): RestrictedRoutes {
  const base = collectionId(layer);
  if (!layer.campaignColumn) return { segment: base, idOf: () => base, rule };
  const prefix = closed ? `${base}-${RESTRICTED_CAMPAIGN}-` : `${base}-`;
  return { segment: `${prefix}:campagne`, idOf: (p) => `${prefix}${p.campagne ?? ''}`, rule };
}

/** The rule's scopes alone (a download `link` names a path parameter these routes do not have). */
const scopeOnly = (rule: RestrictedAccess): RestrictedAccess => ({ scope: rule.scope, ...(rule.orScopes ? { orScopes: rule.orScopes } : {}) });

/** Descriptions (collection, queryables, tile sets, TileJSON): the scope; they disclose no feature. */
export function describeRule(rule: RestrictedAccess): RestrictedAccess {
  return scopeOnly(rule);
}

/** Items and one item: a territory-bound rule becomes "the `bbox` lies in the territory". */
export function itemsRule(rule: RestrictedAccess): RestrictedAccess {
  if (!rule.territory?.length) return scopeOnly(rule);
  const bbox: TerritorySource = { in: 'query', name: 'bbox', kind: 'bbox' };
  return { ...scopeOnly(rule), territory: [bbox] };
}

/** A tile: a territory-bound rule becomes "the tile lies in the territory" (`zoom` names the path's zoom parameter). */
export function tileRule(rule: RestrictedAccess, zoom: 'z' | 'tileMatrix'): RestrictedAccess {
  if (!rule.territory?.length) return scopeOnly(rule);
  return { ...scopeOnly(rule), territory: [{ in: 'params', name: zoom, kind: 'tile' }] };
}

/** Whether a collection's rule binds it to a territory (its item route then takes a `bbox`). */
export function territoryBound(rule: RestrictedAccess | 'public'): boolean {
  return !isPublic(rule) && !!rule.territory?.length;
}
