/**
 * Statistics cached per dataset version, in memory, per node (an LRU of answers).
 *
 * The version of an answer is a hash of what it was computed from: the rows of the dataset register
 * (terroir_dataset: id, checksum, feature count, import time) of the layers the statistic reads, the
 * campaign register (rpg_campagne: completion set by an administrator or an import) and the day
 * (a campaign becomes complete by default on 30 June of the next year). Every request reads that
 * version (one indexed query on small tables) and looks its answer up under it: an import, a removal
 * or a campaign state change gives a new version, so no node ever serves an answer older than the
 * data, with no message between nodes and nothing to invalidate. Old versions fall out of the LRU.
 *
 * Why memory rather than a cache table: the service's nodes are stateless and share only the
 * database; a shared table would turn every miss into a write (WAL, vacuum, a cleanup job) on the
 * database the statistics already load, for answers each node recomputes in well under a second on a
 * commune or an EPCI. A per-node LRU costs no write, and the version key keeps it exact.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';

export class Lru<V> {
  private readonly map = new Map<string, V>();
  hits = 0;
  misses = 0;
  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used last: delete and set again.
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

/** The layers (catalogue ids, as terroir_dataset.layer holds them) each statistic reads, as LIKE patterns. */
export const LAYERS = {
  cultures: ['rpg.parcelle', 'limites-administratives.%', 'nomenclature%'],
  transitions: ['rpg.parcelle', 'limites-administratives.%', 'nomenclature%'],
  zonages: ['rpg.parcelle', 'limites-administratives.%', 'aoc.%', 'gpu.%', 'nature.%'],
  bio: ['bio.parcelle', 'rpg.parcelle', 'limites-administratives.%'],
} as const;

/** The version of the data `layers` hold now (see above). */
export async function datasetVersion(db: Queryable, layers: readonly string[], today: Date = new Date()): Promise<string> {
  // The patterns are constants of this file, written into the statement (checked): as literals, each
  // LIKE goes through the pattern index of migration 0150 (an array parameter would not).
  for (const l of layers) if (!/^[a-z0-9.%-]+$/.test(l)) throw new Error(`statistiques: bad layer pattern ${l}`);
  const [r] = await db.query<{ datasets: string | null; campagnes: string | null }>(
    `SELECT (SELECT string_agg(id || '|' || coalesce(checksum, '') || '|' || feature_count || '|' || imported_at::text, ';' ORDER BY id)
             FROM terroir_dataset WHERE ${layers.map((l) => `layer LIKE '${l}'`).join(' OR ')}) AS datasets,
            (SELECT string_agg(annee || '|' || etat || '|' || coalesce(constatee_le::text, '') || '|' || modifie_le::text, ';' ORDER BY annee)
             FROM rpg_campagne) AS campagnes`,
  );
  return createHash('sha256')
    .update(`${r.datasets ?? ''}\n${r.campagnes ?? ''}\n${today.toISOString().slice(0, 10)}`)
    .digest('base64url')
    .slice(0, 22);
}
