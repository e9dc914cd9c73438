/**
 * The OGC collections, derived from the catalogue and the database (never declared again): one per
 * layer, and one per loaded campaign for a campaign layer (`rpg-parcelle-2023`). What describes a
 * collection (feature count, spatial extent, producer, licence, the datasets it serves and their
 * checksums) is read from `terroir_dataset` and the table itself; a newly imported campaign appears
 * without code or restart.
 *
 * Reading every extent on each request would scan every table: the description is kept per
 * collection with a signature of its datasets (ids, checksums, import times) and recomputed when the
 * signature changes. The dataset register itself is re-read at most every REFRESH_MS, and at once when
 * a request names a collection not known yet (a campaign just imported).
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.ts';
import type { LayerDescriptor } from '../catalog/layer.ts';
import { isPublic, mayRead, type AccessRule, type RestrictedAccess } from '../auth/access.ts';
import type { Queryable } from '../db/database.ts';
import { ident } from '../db/sql.ts';
import { notFound } from '../http/problems.ts';

export const REFRESH_MS = 2000;

export interface Collection {
  /** `cadastre-parcelle`, `rpg-parcelle-2023`: the layer id with `-` for `.`, and the campaign. */
  id: string;
  layer: LayerDescriptor;
  campaign?: number;
  /**
   * Who may read it: the layer's rule, or for a campaign the campaign rule keeps closed (not
   * completed), the rule of those who read it before completion (CampaignRule.access).
   */
  access: AccessRule;
  title: string;
  description: string;
  /** The datasets it serves (ids), their producers and licences. */
  datasets: string[];
  producer: string[];
  licence: string[];
  synthetic: boolean;
  /** Changes whenever a dataset of the collection is imported again (checksums, import times): ETags derive from it. */
  signature: string;
}

export interface CollectionStats {
  count: number;
  /** WGS84 lon/lat, null for an empty collection. */
  extent: [number, number, number, number] | null;
}

type DatasetRow = {
  id: string;
  layer: string;
  campagne: number | null;
  producer: string;
  licence: string;
  checksum: string | null;
  synthetic: boolean;
  imported_at: string;
};

/** Between the layer and the year in the id of a campaign the campaign rule keeps closed: `rpg-parcelle-restreint-2026`. */
export const RESTRICTED_CAMPAIGN = 'restreint';

/** The collection id of a layer (and campaign; `restricted`: a campaign not completed yet, its own id and routes). */
export function collectionId(layer: Pick<LayerDescriptor, 'id'>, campaign?: number, restricted = false): string {
  const base = layer.id.replace(/\./g, '-');
  return campaign === undefined ? base : `${base}-${restricted ? `${RESTRICTED_CAMPAIGN}-` : ''}${campaign}`;
}

/**
 * Whether a caller holding `scopes` (null: anonymous) may see a collection listed: an open one
 * always, a restricted one (a restricted layer, a campaign not completed) when the key holds one of
 * the scopes of its rule. Its routes declare that rule, and the one enforcement point (src/auth)
 * checks the key and, for a territory-bound rule, that what the request names (`bbox`, the tile)
 * lies in the organisation's territory (src/ogc/routes-access.ts).
 */
export function mayList(access: AccessRule, scopes: readonly string[] | null): boolean {
  return isPublic(access) || mayRead(scopes ?? undefined, access);
}

/**
 * Which campaigns an open campaign collection may serve: the RPG module's rule (only completed
 * campaigns are published at level 1), handed in by buildApp so that this folder does not import a
 * module. A campaign it closes is not listed, and naming it gets the rule's own 403.
 */
export interface CampaignRule {
  /** The open campaigns among those loaded (one read of the campaign register). */
  open(db: Queryable, campaigns: readonly number[]): Promise<Set<number>>;
  /** Throws the rule's problem for a campaign it does not open. */
  assertOpen(db: Queryable, campaign: number): Promise<void>;
  /**
   * Who reads a campaign before it is completed (the instructing State services, on their
   * territory): such a campaign is then a restricted collection of its own (`…-restreint-<year>`),
   * listed and served to them only. Without it, closed campaigns are served to nobody here.
   */
  access?: RestrictedAccess;
}

/**
 * `rows`: the collection's datasets; `domain`: those of its domain (`limites-administratives`), the
 * signature of a collection that has none of its own: its data are derived from the domain's
 * (département and région contours from the commune contours), and its tiles' ETags must change
 * when those are loaded again, not stay those of the empty layer.
 */
function describe(layer: LayerDescriptor & { spec?: { producer?: string; licence?: string } }, rows: DatasetRow[], domain: DatasetRow[], campaign?: number, closedRule?: RestrictedAccess): Collection {
  const hash = createHash('sha256');
  for (const r of rows.length ? rows : domain) hash.update(`${r.id}\0${r.checksum ?? ''}\0${r.imported_at}\n`);
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    id: collectionId(layer, campaign, closedRule !== undefined),
    layer,
    campaign,
    access: closedRule ?? layer.access,
    title: campaign === undefined ? layer.title : `${layer.title} — campagne ${campaign}${closedRule ? ' (non constatée, restreinte)' : ''}`,
    description: layer.description,
    datasets: rows.map((r) => r.id),
    producer: uniq(rows.length ? rows.map((r) => r.producer) : [layer.spec?.producer]),
    licence: uniq(rows.length ? rows.map((r) => r.licence) : [layer.spec?.licence]),
    synthetic: rows.some((r) => r.synthetic),
    signature: hash.digest('base64url').slice(0, 22),
  };
}

/** `limites-administratives.commune` → `limites-administratives` (a dataset of the register may name the domain alone). */
const domainOf = (layer: string) => layer.split('.')[0];

/** The collections of the catalogue, re-read from the dataset register when stale. */
export class Collections {
  #list: Collection[] = [];
  #byId = new Map<string, Collection>();
  #readAt = -Infinity;
  #reading: Promise<void> | null = null;
  readonly #stats = new Map<string, { signature: string; stats: Promise<CollectionStats> }>();

  /** Loaded campaigns the rule keeps closed: named, they get its problem rather than a 404. */
  #closed = new Map<string, number>();

  constructor(
    private readonly db: Queryable,
    private readonly catalog: Catalog,
    private readonly campaignRule?: CampaignRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Who reads the campaigns the campaign rule keeps closed (their restricted collections), if anyone. */
  get closedCampaignAccess(): RestrictedAccess | undefined {
    return this.campaignRule?.access;
  }

  /** Every collection a caller with `scopes` may see, in catalogue order (campaigns newest first). */
  async list(scopes: readonly string[] | null): Promise<Collection[]> {
    await this.#fresh(false);
    return this.#list.filter((c) => mayList(c.access, scopes));
  }

  /** One collection (404 when unknown, or not visible to the caller: its existence is not disclosed). */
  async get(id: string, scopes: readonly string[] | null): Promise<Collection> {
    await this.#fresh(false);
    let c = this.#byId.get(id);
    if (!c) {
      await this.#fresh(true);
      c = this.#byId.get(id);
    }
    const closed = this.#closed.get(id);
    if (!c && closed !== undefined) await this.campaignRule!.assertOpen(this.db, closed);
    if (!c || !mayList(c.access, scopes)) throw notFound(`no collection ${id}; GET /ogc/collections lists them`);
    return c;
  }

  /** Count and extent, computed once per signature of the collection's datasets. */
  stats(c: Collection): Promise<CollectionStats> {
    const known = this.#stats.get(c.id);
    if (known && known.signature === c.signature) return known.stats;
    const stats = this.#compute(c);
    stats.catch(() => this.#stats.delete(c.id));
    this.#stats.set(c.id, { signature: c.signature, stats });
    return stats;
  }

  async #compute(c: Collection): Promise<CollectionStats> {
    const g = c.layer.sql.geom;
    const where = c.campaign === undefined ? '' : `WHERE t.${ident(c.layer.campaignColumn!)} = $1`;
    const [row] = await this.db.query<{ n: number; x0: number | null; y0: number; x1: number; y1: number }>(
      `SELECT n, ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
       FROM (SELECT count(*)::int AS n, ST_Extent(${g}) AS e FROM ${ident(c.layer.table)} t ${where}) s`,
      c.campaign === undefined ? [] : [c.campaign],
    );
    return { count: row.n, extent: row.x0 === null ? null : [row.x0, row.y0, row.x1, row.y1] };
  }

  async #fresh(force: boolean) {
    if (!force && this.now() - this.#readAt < REFRESH_MS) return;
    this.#reading ??= this.#read().finally(() => (this.#reading = null));
    await this.#reading;
  }

  async #read() {
    const rows = await this.db.query<DatasetRow>(
      `SELECT id, layer, campagne, producer, licence, checksum, synthetic, imported_at::text AS imported_at FROM terroir_dataset ORDER BY id`,
    );
    const byLayer = new Map<string, DatasetRow[]>();
    const byDomain = new Map<string, DatasetRow[]>();
    for (const r of rows) {
      byLayer.set(r.layer, [...(byLayer.get(r.layer) ?? []), r]);
      const d = domainOf(r.layer);
      byDomain.set(d, [...(byDomain.get(d) ?? []), r]);
    }
    const list: Collection[] = [];
    const closed = new Map<string, number>();
    const loaded = [...new Set(rows.map((r) => r.campagne).filter((y): y is number => y !== null))];
    const open = this.campaignRule ? await this.campaignRule.open(this.db, loaded) : new Set(loaded);
    for (const layer of this.catalog.all()) {
      const names = new Set([layer.id, ...layer.targets.map((t) => t.layer)]);
      const mine = [...names].flatMap((n) => byLayer.get(n) ?? []);
      const domain = byDomain.get(domainOf(layer.id)) ?? [];
      if (!layer.campaignColumn) {
        list.push(describe(layer, mine, domain));
        continue;
      }
      const campaigns = [...new Set(mine.map((r) => r.campagne).filter((y): y is number => y !== null))].sort((a, b) => b - a);
      for (const y of campaigns) {
        const rows = mine.filter((r) => r.campagne === y);
        if (isPublic(layer.access) && !open.has(y)) {
          closed.set(collectionId(layer, y), y);
          if (this.campaignRule?.access) list.push(describe(layer, rows, domain, y, this.campaignRule.access));
        } else list.push(describe(layer, rows, domain, y));
      }
    }
    this.#list = list;
    this.#closed = closed;
    this.#byId = new Map(list.map((c) => [c.id, c]));
    this.#readAt = this.now();
  }
}
