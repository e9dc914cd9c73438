import type { FastifyInstance } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { QUOTA_PATTERN } from '../../config/schema.ts';
import { HttpProblem, invalidParam, notFound } from '../../http/problems.ts';
import { SCOPES, type AccessRule } from '../../auth/access.ts';
import { createOrganisation, getOrganisation, listOrganisations, ORG_KIND_NAMES, OrganisationError } from '../../auth/organisations.ts';
import { issueKey, KeyError, listKeys, revokeKey } from '../../auth/keys.ts';
import { auditKeyFile, listAudit, makeCheckpoint, verifyAudit } from '../../auth/audit.ts';
import type { TerroirModule } from '../module.ts';

/**
 * The administration of access control under /api/admin (scope `admin`): the same operations as the
 * `terroir org|key|audit` commands, over HTTP. Every call is a restricted request, hence audited.
 */
const ADMIN: AccessRule = { scope: 'admin' };
const TAGS = ['admin'];
const nullable = (s: TSchema) => Type.Union([s, Type.Null()]);

const Organisation = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  siren: nullable(Type.String()),
  contact: nullable(Type.String()),
  territory: Type.String({ description: 'Units (`epci:…,commune:…,dep:…,region:…`), `geometry` when one was drawn, or `france`' }),
  national: Type.Boolean(),
  territory_km2: nullable(Type.Number()),
  communes: Type.Integer({ description: 'Communes the territory covers' }),
  keys: Type.Integer({ description: 'Keys not revoked' }),
  created_at: Type.String({ format: 'date-time' }),
});
const OrganisationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Communauté de communes du Pays de Serres'] }),
    kind: Type.Union(ORG_KIND_NAMES.map((k) => Type.Literal(k)), { description: 'Kind of organisation (public bodies have no quota)' }),
    siren: Type.Optional(Type.String({ pattern: '^[0-9]{9}$', description: 'SIREN (9 digits, Luhn key checked)' })),
    contact: Type.Optional(Type.String({ maxLength: 200 })),
    territory: Type.Optional(Type.String({ maxLength: 20000, description: 'Units by code, comma-separated: `epci:200067106,commune:47001,dep:47,region:75`; or `france`', examples: ['epci:200067106,commune:47001'] })),
    geometry: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'A drawn territory: GeoJSON Polygon or MultiPolygon (WGS84)' })),
  },
  { additionalProperties: false },
);

const KeyInfo = Type.Object({
  prefix: Type.String({ description: 'Public part of the key (`trr_<prefix>_…`)' }),
  organisation: Type.Integer(),
  organisation_name: Type.String(),
  scopes: Type.Array(Type.String()),
  quota: nullable(Type.String()),
  label: nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: nullable(Type.String({ format: 'date-time' })),
  revoked_at: nullable(Type.String({ format: 'date-time' })),
  last_used_at: nullable(Type.String({ format: 'date-time' })),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired')]),
});
const KeyBody = Type.Object(
  {
    organisation: Type.Integer({ minimum: 1 }),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: SCOPES.length }),
    expires: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'Last day of validity (UTC), YYYY-MM-DD' })),
    quota: Type.Optional(Type.String({ pattern: QUOTA_PATTERN, description: "Overrides the organisation kind's quota: `500/day,10000/year` or `unlimited`" })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const Prefix = Type.Object({ prefix: Type.String({ pattern: '^(trr_)?[a-z0-9]{8}$' }) }, { additionalProperties: false });

const AuditRow = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  request_id: Type.String(),
  method: Type.String(),
  route: Type.String(),
  path: Type.String(),
  scope: Type.String(),
  organisation: nullable(Type.Integer()),
  key_prefix: nullable(Type.String()),
  territory: nullable(Type.Object({}, { additionalProperties: true })),
  status: Type.Integer(),
  features: nullable(Type.Integer()),
  ip: nullable(Type.String()),
  prev_hash: Type.String(),
  hash: Type.String(),
});
const AuditQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows after this seq (paging)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    organisation: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
const Head = nullable(Type.Object({ seq: Type.Integer(), hash: Type.String() }));
const Verify = Type.Object({
  ok: Type.Boolean(),
  rows: Type.Integer({ description: 'Rows verified before the first problem (all of them when ok)' }),
  head: Head,
  problem: Type.Optional(Type.Object({ kind: Type.String(), seq: Type.Integer(), detail: Type.String() })),
});
const Checkpoint = Type.Object({
  checkpoint: Type.Object({ seq: Type.Integer(), hash: Type.String(), at: nullable(Type.String()), signed_at: Type.String() }),
  key_id: Type.String(),
  public_key: Type.String(),
  signature: Type.String(),
});

/** `field: reason` errors of src/auth become a 400 naming the field. */
function asProblem(e: unknown): unknown {
  if (!(e instanceof OrganisationError || e instanceof KeyError)) return e;
  const i = e.message.indexOf(': ');
  return invalidParam(i > 0 ? e.message.slice(0, i) : 'body', i > 0 ? e.message.slice(i + 2) : e.message, 'body');
}

async function plugin(app: FastifyInstance) {
  const config = { access: ADMIN };
  app.get('/organisations', { config, schema: { tags: TAGS, summary: 'Organisations', response: { 200: Type.Array(Organisation) } } }, async () => listOrganisations(app.db));
  app.post<{ Body: Static<typeof OrganisationBody> }>(
    '/organisations',
    {
      config,
      schema: {
        tags: TAGS,
        summary: 'Add an organisation',
        description: 'Its territory is resolved from the loaded administrative contours; a unit whose contour is not loaded refuses the organisation.',
        body: OrganisationBody,
        response: { 201: Organisation },
      },
    },
    async (req, reply) => {
      try {
        return reply.code(201).send(await createOrganisation(app.db, req.body));
      } catch (e) {
        throw asProblem(e);
      }
    },
  );
  app.get<{ Params: { id: number } }>(
    '/organisations/:id',
    { config, schema: { tags: TAGS, summary: 'One organisation', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Organisation } } },
    async (req) => (await getOrganisation(app.db, req.params.id)) ?? Promise.reject(notFound(`no organisation ${req.params.id}`)),
  );

  app.get<{ Querystring: { organisation?: number } }>(
    '/keys',
    {
      config,
      schema: {
        tags: TAGS,
        summary: 'API keys (never their secret)',
        querystring: Type.Object({ organisation: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        response: { 200: Type.Array(KeyInfo) },
      },
    },
    async (req) => listKeys(app.db, { organisation: req.query.organisation }),
  );
  app.post<{ Body: Static<typeof KeyBody> }>(
    '/keys',
    {
      config,
      schema: {
        tags: TAGS,
        summary: 'Issue an API key',
        description: 'The answer is the only time the key is shown: only its SHA-256 is stored.',
        body: KeyBody,
        response: { 201: Type.Object({ key: Type.String(), ...KeyInfo.properties }) },
      },
    },
    async (req, reply) => {
      try {
        const { key, info } = await issueKey(app.db, req.body);
        return reply.code(201).header('cache-control', 'no-store').send({ key, ...info });
      } catch (e) {
        throw asProblem(e);
      }
    },
  );
  app.post<{ Params: { prefix: string } }>(
    '/keys/:prefix/revoke',
    { config, schema: { tags: TAGS, summary: 'Revoke an API key (at once, on every node)', params: Prefix, response: { 200: KeyInfo } } },
    async (req) => (await revokeKey(app.db, req.params.prefix)) ?? Promise.reject(notFound(`no key ${req.params.prefix}`)),
  );

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit',
    { config, schema: { tags: TAGS, summary: 'The audit trail of restricted routes, in chain order', querystring: AuditQuery, response: { 200: Type.Array(AuditRow) } } },
    async (req) => listAudit(app.db, req.query),
  );
  app.get(
    '/audit/verify',
    { config, schema: { tags: TAGS, summary: 'Walk the hash chain; name the first row edited, removed or reordered', response: { 200: Verify } } },
    async () => verifyAudit(app.db),
  );
  app.post(
    '/audit/checkpoint',
    {
      config,
      schema: {
        tags: TAGS,
        summary: 'Sign the head of the audit chain (Ed25519), to keep off the server',
        description: "Signed with this node's key file (TERROIR_AUDIT_KEY_FILE), created on first use.",
        response: { 200: Checkpoint },
      },
    },
    async () => {
      try {
        return await makeCheckpoint(app.db, auditKeyFile(app.config));
      } catch (e) {
        if ((e as Error).message.startsWith('the audit log is broken')) throw new HttpProblem('conflict', (e as Error).message);
        throw e;
      }
    },
  );
}

const admin: TerroirModule = {
  name: 'admin',
  description: 'Access control administration (scope admin): organisations and their territory, API keys, the audit trail.',
  plugin,
};
export default admin;
