import type { Database } from '../../src/db/database.ts';

/** One node of an `EXPLAIN (FORMAT JSON)` plan. */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/**
 * Records every statement the service sends through `db` from now on, so EXPLAIN tests check the
 * SQL a route really runs rather than a copy of it.
 */
export function recordQueries(db: Database): { sql: string; params: readonly unknown[] }[] {
  const seen: { sql: string; params: readonly unknown[] }[] = [];
  const query = db.query.bind(db);
  db.query = (async (sql: string, params?: readonly unknown[]) => {
    seen.push({ sql, params: params ?? [] });
    return query(sql, params);
  }) as typeof db.query;
  return seen;
}

/** The plan's nodes, flattened; with `seqscanOff` the planner must show it can do without a scan. */
export async function planNodes(db: Database, sql: string, params: readonly unknown[], seqscanOff: boolean): Promise<PlanNode[]> {
  const run = async (q: Pick<Database, 'query'>) => {
    const [row] = await q.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    const p = row['QUERY PLAN'];
    return nodes((typeof p === 'string' ? JSON.parse(p) : p)[0].Plan as PlanNode);
  };
  if (!seqscanOff) return run(db);
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    return run(tx);
  });
}

export const showPlan = (ns: PlanNode[]) => ns.map((n) => `${n['Node Type']}:${n['Relation Name'] ?? ''}:${n['Index Name'] ?? ''}`).join(' ');
