import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { notFound } from '../../http/problems.ts';
import { isScope, mayRead, type AccessRule } from '../../auth/access.ts';
import type { TerroirModule } from '../module.ts';

/**
 * The register of loaded datasets (terroir_dataset: the metadata sheet of the RPG instruction §3.3):
 * what each layer serves, from which files, producer, licence, vintage, source CRS, feature count,
 * checksum, import date — and whether the data are synthetic (generated for a demo), which a
 * client must be able to tell from real data.
 */
const Dataset = Type.Object(
  {
    id: Type.String({ description: 'Dataset id: layer + extent, e.g. `rpg.parcelle:2021`', examples: ['rpg.parcelle:2021'] }),
    layer: Type.String({ description: 'Catalogue layer id', examples: ['rpg.parcelle'] }),
    campagne: Type.Union([Type.Integer(), Type.Null()], { description: 'Campaign year when the layer has one' }),
    source: Type.String({ description: 'Source file name(s), or package@version for packaged data' }),
    producer: Type.String(),
    licence: Type.String(),
    vintage: Type.Union([Type.String(), Type.Null()], { description: 'Vintage (millésime) of the data' }),
    source_srid: Type.Union([Type.Integer(), Type.Null()], { description: 'EPSG code of the source CRS (data are served in WGS84)' }),
    feature_count: Type.Integer({ minimum: 0 }),
    checksum: Type.Union([Type.String(), Type.Null()], { description: 'sha256 of the source files' }),
    synthetic: Type.Boolean({ description: 'true for generated (demo) data, false for real published data' }),
    imported_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
const DatasetDetail = Type.Object(
  {
    ...Dataset.properties,
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'Import details: files with sizes and sha256, CRS and encoding found, repaired/rejected counts' }),
  },
  { additionalProperties: false },
);
type DatasetRow = Static<typeof DatasetDetail>;

const COLUMNS = `id, layer, campagne, source, producer, licence, vintage, source_srid, feature_count, checksum, synthetic,
  to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at`;

const ListQuery = Type.Object(
  {
    layer: Type.Optional(Type.String({ pattern: '^[a-z0-9_.-]{1,100}$', description: 'Only this layer', examples: ['rpg.parcelle'] })),
    campagne: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2999, description: 'Only this campaign year', examples: [2021] })),
    synthetic: Type.Optional(Type.Boolean({ description: 'Only synthetic (true) or only real (false) datasets' })),
  },
  { additionalProperties: false },
);

/** A server path (POSIX or Windows) in a string value: a sheet names files, never where they lie. */
const PATH = /^(?:\/|[A-Za-z]:[\\/]|\.{1,2}\/)/;

/**
 * What a sheet may publish: file names instead of server paths (older imports recorded the absolute
 * path in `details.files[].file`), and a layer id instead of an internal table name (a derived
 * dataset recorded the table it was built from). Applied on read, so rows written before are
 * published the same way.
 */
export function publicValue(v: unknown, tables: ReadonlyMap<string, string>, depth = 0): unknown {
  if (typeof v === 'string') {
    if (PATH.test(v)) return v.split(/[\\/]/).filter(Boolean).pop() ?? '';
    return tables.get(v) ?? v;
  }
  if (depth > 8 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => publicValue(x, tables, depth + 1));
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'table').map(([k, x]) => [k, publicValue(x, tables, depth + 1)]));
}

function tableNames(app: FastifyInstance): Map<string, string> {
  const out = new Map<string, string>();
  for (const layer of app.catalog.all()) {
    const table = (layer as { table?: unknown }).table;
    if (typeof table === 'string') out.set(table, layer.id);
  }
  return out;
}
/**
 * The rule protecting a dataset: its catalogue layer's, else the scope its details name (restricted
 * tables loaded outside the catalogue, e.g. RPG level 2), else `admin` for anything flagged restricted.
 */
function ruleOf(app: FastifyInstance, layer: string, details: { restricted?: unknown; scope?: unknown } | null): AccessRule {
  if (app.catalog.has(layer)) return app.catalog.get(layer).access;
  if (details?.restricted !== true) return 'public';
  return { scope: typeof details.scope === 'string' && isScope(details.scope) ? details.scope : 'admin' };
}

/** Restricted datasets are listed only to callers whose key may read them (their existence is information too). */
const visible = (app: FastifyInstance, req: FastifyRequest, row: { layer: string; details: { restricted?: unknown; scope?: unknown } | null }) =>
  mayRead(req.principal?.scopes, ruleOf(app, row.layer, row.details));

async function plugin(app: FastifyInstance) {
  const tables = tableNames(app);
  const sheet = <T extends Record<string, unknown>>(row: T): T => ({ ...row, source: publicValue(row.source, tables), ...(row.details ? { details: publicValue(row.details, tables) } : {}) });
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datasets'],
        summary: 'Loaded datasets',
        description: 'Every dataset loaded in this instance (layer, source files, producer, licence, vintage, counts, synthetic or real), newest campaign first.',
        querystring: ListQuery,
        response: { 200: Type.Array(Dataset) },
      },
    },
    async (req) => {
      const where: string[] = [];
      const values: unknown[] = [];
      if (req.query.layer !== undefined) where.push(`layer = $${values.push(req.query.layer)}`);
      if (req.query.campagne !== undefined) where.push(`campagne = $${values.push(req.query.campagne)}`);
      if (req.query.synthetic !== undefined) where.push(`synthetic = $${values.push(req.query.synthetic)}`);
      const rows = await app.db.query<Record<string, unknown> & { layer: string; d: { restricted?: unknown; scope?: unknown } | null }>(
        `SELECT ${COLUMNS}, details AS d FROM terroir_dataset ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY layer, campagne DESC NULLS LAST, id`,
        values,
      );
      return rows.filter((r) => visible(app, req, { layer: r.layer, details: r.d })).map(({ d: _d, ...r }) => sheet(r));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datasets'],
        summary: 'One dataset',
        description: 'The metadata sheet of one dataset, with its import details.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 150, description: 'Dataset id', examples: ['rpg.parcelle:2021'] }) }, { additionalProperties: false }),
        response: { 200: DatasetDetail },
      },
    },
    async (req) => {
      const [row] = await app.db.query<DatasetRow>(`SELECT ${COLUMNS}, details FROM terroir_dataset WHERE id = $1`, [req.params.id]);
      if (!row || !visible(app, req, { layer: row.layer, details: row.details as never })) throw notFound(`no dataset ${req.params.id}`);
      return sheet(row);
    },
  );
}

const datasets: TerroirModule = {
  name: 'datasets',
  description: 'The datasets loaded in this instance: sources, producers, licences, vintages, counts, real or synthetic.',
  plugin,
};
export default datasets;
