import pg from 'pg';

/**
 * A database of its own on the PostgreSQL server `adminUrl` points at, for a test or a bench whose
 * child processes reach it through DATABASE_URL; `drop()` removes it, connections and all.
 * `replace`: drop a leftover of the same name first (fixed names, as a bench's).
 */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function onServer(adminUrl: string, ...statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

export async function scratchDatabase(adminUrl: string, name: string, opts: { replace?: boolean } = {}): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  await onServer(adminUrl, ...(opts.replace ? [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`] : []), `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { name, url: u.toString(), drop: () => onServer(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
