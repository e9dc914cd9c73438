import type { Catalog } from '../catalog/catalog.ts';
import type { Config } from '../config/schema.ts';

/** A `terroir <name>` sub-command: its own flags (parsed with node:util parseArgs) and a run function. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra flags beyond the shared configuration flags (--port, --data-dir, --database-url...). */
  options?: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  /**
   * Checks run before anything slow (loading every module to build the catalogue, opening the
   * database): `serve` fails here at once when its port is taken.
   */
  preflight?(config: Readonly<Config>): Promise<void>;
  /** `catalog`: every layer and import target, built once by the CLI at start (src/catalog). */
  run(ctx: { config: Readonly<Config>; values: Record<string, unknown>; positionals: string[]; catalog: Catalog }): Promise<void>;
}
