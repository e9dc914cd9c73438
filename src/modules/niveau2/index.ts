/**
 * RPG level 2 under /api/niveau2 (instruction DGPE/MVDGN/2018-706 §3.2 – 3.3, docs/niveau2.md): the
 * campaign register, requests (demandes) and their register, extractions. Route-level access in each
 * route's `config.access` (src/auth/plugin.ts enforces it); which request a caller may see, decide or
 * download is decided in habilitation.ts only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import type { AccessRule, TerritorySource } from '../../auth/access.ts';
import type { Principal } from '../../auth/keys.ts';
import { CSV_CONTENT_TYPE } from '../../formats/csv.ts';
import { HttpProblem, invalidParam } from '../../http/problems.ts';
import { CampagneError, ETATS, getCampagne, listCampagnes, setCampagne } from '../rpg/campagnes.ts';
import type { TerroirModule } from '../module.ts';
import { decide, fileDemande, listDemandes, NATURES, readRegistre, registreCsv, visibleDemande, type Demande, type DemandeInput } from './demandes.ts';
import { downloadable, extractFor } from './extraction.ts';
import { directReadRefusal, mayInstruct } from './habilitation.ts';
import { DIRECT_TABLES, readDirect, type DirectTable } from './lecture.ts';
import { issueLink } from '../../auth/liens.ts';
import { N2_LAYERS } from './layers.ts';
import { noticeArt14 } from './notice.ts';
import { N2_CATALOG_TABLES, N2_TABLES } from './tables.ts';

const TAGS = ['niveau2'];
const nullable = (s: TSchema) => Type.Union([s, Type.Null()]);
const CODE = Type.String({ pattern: '^[0-9A-Za-z]{2,9}$' });
const units = (description: string) => Type.Optional(Type.Array(CODE, { minItems: 1, maxItems: 2000, description }));

/** The territory a request names, checked by the plugin against the requester's own. */
export const REQUEST_TERRITORY: TerritorySource[] = [
  { in: 'body', name: 'communes', kind: 'commune' },
  { in: 'body', name: 'epci', kind: 'epci' },
  { in: 'body', name: 'departements', kind: 'departement' },
  { in: 'body', name: 'regions', kind: 'region' },
];

/** The purpose of download links of extractions (auth_lien.purpose). */
export const EXTRACTION_LINK = 'n2-extraction';

const ACCESS = {
  demander: { scope: 'rpg:niveau2:demander', territory: REQUEST_TERRITORY },
  voir: { scope: 'rpg:niveau2:demander', orScopes: ['demandes:instruire', 'rpg:niveau2:lire'] },
  instruire: { scope: 'demandes:instruire' },
  lire: { scope: 'rpg:niveau2:lire' },
  // The download: the requester's key, or a download link issued to it for this request (src/auth/liens.ts).
  telecharger: { scope: 'rpg:niveau2:lire', link: { purpose: EXTRACTION_LINK, param: 'id' } },
  // Direct read of a campaign, one commune inside the caller's territory; who reads which campaign
  // state: habilitation.ts directReadRefusal.
  lireDirect: { scope: 'rpg:niveau2:lire', orScopes: ['demandes:instruire'], territory: [{ in: 'query', name: 'commune', kind: 'commune' }] },
  registre: { scope: 'demandes:instruire', orScopes: ['admin'] },
  admin: { scope: 'admin' },
} satisfies Record<string, AccessRule>;

const Contact = Type.Object(
  {
    nom: Type.String({ minLength: 1, maxLength: 200 }),
    courriel: Type.String({ format: 'email', maxLength: 200 }),
    adresse: Type.Optional(Type.String({ maxLength: 500 })),
    telephone: Type.Optional(Type.String({ maxLength: 30 })),
  },
  { additionalProperties: false },
);
const TablesSchema = Type.Record(Type.String({ pattern: '^[a-z0-9_]{1,40}$' }), Type.Array(Type.String({ pattern: '^[a-z0-9_]{1,60}$' }), { maxItems: 60, uniqueItems: true }), {
  description: `Tables and their attributes: ${N2_TABLES.map((t) => `\`${t.id}\` (${t.attributes.map((a) => a.name).join(', ')})`).join('; ')}`,
});
const Campagnes = Type.Array(Type.Integer({ minimum: 2015, maximum: 2999 }), { minItems: 1, maxItems: 30, uniqueItems: true });

export const DemandeBody = Type.Object(
  {
    nature: Type.Union(NATURES.map((n) => Type.Literal(n)), { description: '`service-public` (§3.2.2, to the DRAAF of the region), `recherche` (§3.2.3, to the SSP), `interesse` (§3.2.4, by or for the farm itself, to the DRAAF)' }),
    traitement: Type.String({ minLength: 3, maxLength: 300, description: 'Name of the processing, as in the controller’s register' }),
    finalite: Type.String({ minLength: 3, maxLength: 2000, description: 'Main purpose' }),
    sous_finalites: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 20 })),
    mission: Type.String({ minLength: 3, maxLength: 2000, description: 'The public-service mission the purpose serves: nature and geographic scope' }),
    responsable: Contact,
    dpo: Contact,
    engagements: Type.Object(
      {
        usage_limite_au_traitement: Type.Boolean({ description: 'Use the data only for the processing named (must be true)' }),
        information_des_exploitants: Type.Boolean({ description: 'Inform the farmers concerned, GDPR art. 14 (must be true)' }),
      },
      { additionalProperties: false },
    ),
    tables: TablesSchema,
    communes: units('INSEE codes'),
    epci: units('SIREN of EPCI'),
    departements: units('Département codes'),
    regions: units('Région codes'),
    campagnes: Campagnes,
    pacage: Type.Optional(Type.String({ pattern: '^[0-9]{9}$', description: 'The farm (interested party only)' })),
    conservation: Type.String({ minLength: 2, maxLength: 300, description: 'Retention period of the data' }),
    destinataires: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

const DemandeSchema = Type.Object(
  {
    id: Type.Integer(),
    organisation: Type.Integer(),
    organisation_nom: Type.String(),
    nature: Type.String(),
    instructeur: Type.String({ description: '`draaf` (of `region`) or `ssp`' }),
    region: nullable(Type.String()),
    statut: Type.String({ description: '`deposee`, `acceptee` or `refusee`' }),
    demande: Type.Object({}, { additionalProperties: true }),
    communes: Type.Array(Type.String()),
    campagnes: Type.Array(Type.Integer()),
    pacage: nullable(Type.String()),
    accorde: nullable(Type.Object({}, { additionalProperties: true })),
    motif_refus: nullable(Type.String()),
    depose_le: Type.String(),
    decide_le: nullable(Type.String()),
    expire_le: nullable(Type.String()),
    information_art14: Type.Optional(Type.String({ description: 'GDPR art. 14 notice, prefilled, once accepted' })),
    extraction: Type.Optional(Type.String({ description: 'Download path, once accepted and until expire_le' })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });
/** Routes that take no query parameter: any one (a try to widen what is answered) is a 400 naming it. */
const NoQuery = Type.Object({}, { additionalProperties: false });

export const DecisionBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('acceptation'), Type.Literal('refus')]),
    motif: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Reason (required for a refusal)' })),
    tables: Type.Optional(TablesSchema),
    communes: Type.Optional(Type.Array(CODE, { minItems: 1, maxItems: 5000, description: 'Granted communes (a subset of those asked)' })),
    campagnes: Type.Optional(Campagnes),
    validite_jours: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Days the extraction can be downloaded (default 90)' })),
  },
  { additionalProperties: false },
);

const CampagneSchema = Type.Object({
  annee: Type.Integer(),
  etat: Type.String({ description: ETATS.join(', ') }),
  constatee_le: nullable(Type.String({ description: 'Completion date (YYYY-MM-DD); by default 30 June N+1' })),
  source: Type.String({ description: '`admin`, `import` (published level-1 data) or `defaut` (the instruction’s default)' }),
  note: nullable(Type.String()),
  modifie_le: nullable(Type.String()),
});

const withNotice = (d: Demande) =>
  d.statut === 'acceptee' ? { ...d, information_art14: noticeArt14(d), extraction: `/api/niveau2/demandes/${d.id}/extraction` } : d;

const principalOf = (req: FastifyRequest): Principal => {
  // The plugin admitted the request with a key: a missing principal here is a bug, never a pass.
  if (!req.principal) throw new Error('restricted route reached without a principal');
  return req.principal;
};

async function plugin(app: FastifyInstance) {
  const db = app.db;

  app.get('/campagnes', {
    config: { access: 'public' },
    schema: { tags: TAGS, summary: 'Campaign register', querystring: NoQuery, description: 'The state of every PAC campaign (déclaration, instruction, constatée with its date). Only completed campaigns are served by open level-1 routes and extracted at level 2.', response: { 200: Type.Array(CampagneSchema) } },
  }, async () => listCampagnes(db));

  app.put<{ Params: { annee: number }; Body: { etat: (typeof ETATS)[number]; constatee_le?: string; note?: string } }>('/campagnes/:annee', {
    config: { access: ACCESS.admin },
    schema: {
      tags: TAGS,
      summary: 'Set a campaign’s state',
      querystring: NoQuery,
      params: Type.Object({ annee: Type.Integer({ minimum: 2007, maximum: 2999 }) }, { additionalProperties: false }),
      body: Type.Object(
        {
          etat: Type.Union(ETATS.map((e) => Type.Literal(e))),
          constatee_le: Type.Optional(Type.String({ description: 'YYYY-MM-DD, default today (constatee only)' })),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: CampagneSchema },
    },
  }, async (req) => {
    try {
      return await setCampagne(db, req.params.annee, { ...req.body, by: principalOf(req).organisation.id, source: 'admin' });
    } catch (e) {
      if (e instanceof CampagneError) throw invalidParam(e.field, e.message, e.field === 'annee' ? 'params' : 'body');
      throw e;
    }
  });

  app.post<{ Body: DemandeInput }>('/demandes', {
    config: { access: ACCESS.demander },
    schema: { tags: TAGS, summary: 'File a request for level-2 data', querystring: NoQuery, description: 'A public body files a request (§3.2.2): tables and attributes, purposes, processing, controller and DPO, commitments, territory (inside its own) and campaigns. Routed to the DRAAF of the region, or the SSP for research.', body: DemandeBody, response: { 201: DemandeSchema } },
  }, async (req, reply) => {
    const d = await fileDemande(db, principalOf(req), req.body);
    reply.code(201).header('location', `/api/niveau2/demandes/${d.id}`);
    return d;
  });

  app.get<{ Querystring: { statut?: string } }>('/demandes', {
    config: { access: ACCESS.voir },
    schema: {
      tags: TAGS,
      summary: 'Requests: the caller’s, or those routed to it',
      querystring: Type.Object({ statut: Type.Optional(Type.Union([Type.Literal('deposee'), Type.Literal('acceptee'), Type.Literal('refusee')])) }, { additionalProperties: false }),
      response: { 200: Type.Array(DemandeSchema) },
    },
  }, async (req) => (await listDemandes(db, principalOf(req), req.query.statut)).map(withNotice));

  app.get<{ Params: { id: number } }>('/demandes/:id', {
    config: { access: ACCESS.voir },
    schema: { tags: TAGS, summary: 'One request (with its GDPR art. 14 notice once accepted)', params: IdParams, querystring: NoQuery, response: { 200: DemandeSchema } },
  }, async (req) => withNotice(await visibleDemande(db, principalOf(req), req.params.id)));

  app.post<{ Params: { id: number }; Body: Static<typeof DecisionBody> }>('/demandes/:id/decision', {
    config: { access: ACCESS.instruire },
    schema: { tags: TAGS, summary: 'Decide a request: accept (possibly narrowed) or refuse with a reason', params: IdParams, querystring: NoQuery, body: DecisionBody, response: { 200: DemandeSchema } },
  }, async (req) => {
    const p = principalOf(req);
    const d = await visibleDemande(db, p, req.params.id);
    if (!(await mayInstruct(db, p, d.id))) throw new HttpProblem('forbidden', `request ${d.id} is instructed by ${d.instructeur === 'ssp' ? 'the SSP' : `the DRAAF of region ${d.region}`}, not by ${p.organisation.name}`);
    return withNotice(await decide(db, p, d, req.body));
  });

  app.post<{ Params: { id: number } }>('/demandes/:id/lien', {
    config: { access: ACCESS.lire },
    schema: {
      tags: TAGS,
      summary: 'A download link for the extraction: expires, used once, for this request only',
      description: `The requester asks for a link that downloads the extraction without the API key (a browser, a colleague's mail client): it is valid for TERROIR_LINK_TTL_SECONDS (never past the decision's expiry), for this request only, and once. Issuing it and using it are both in the audit trail.`,
      params: IdParams,
      querystring: NoQuery,
      response: { 201: Type.Object({ url: Type.String(), expire_le: Type.String(), usage: Type.String() }, { additionalProperties: false }) },
    },
  }, async (req, reply) => {
    const p = principalOf(req);
    const d = await downloadable(db, p, req.params.id);
    const link = await issueLink(db, p, EXTRACTION_LINK, String(d.id), app.config.linkTtlSeconds, new Date(d.expire_le!));
    reply.code(201);
    return { url: `/api/niveau2/demandes/${d.id}/extraction?jeton=${link.token}`, expire_le: link.expiresAt, usage: 'once, for this request only' };
  });

  app.get<{ Params: { annee: number; table: DirectTable }; Querystring: { commune: string; limit?: number; offset?: number } }>('/campagnes/:annee/:table', {
    config: { access: ACCESS.lireDirect },
    schema: {
      tags: TAGS,
      summary: 'Direct read of a campaign’s level-2 îlots or parcels in one commune (instructing and State services)',
      description:
        'Before a campaign is completed only the services instructing it (DRAAF/DAAF, DDT(M) with `demandes:instruire`) read it (rule `rpg-niveau2-instruction`); once completed, State services with `rpg:niveau2:lire` (rule `rpg-niveau2-demande`: other bodies receive extractions of accepted requests). The commune must lie in the caller’s territory.',
      params: Type.Object({ annee: Type.Integer({ minimum: 2015, maximum: 2999 }), table: Type.Union(DIRECT_TABLES.map((t) => Type.Literal(t))) }, { additionalProperties: false }),
      querystring: Type.Object(
        {
          commune: Type.String({ pattern: '^(\\d{5}|2[AB]\\d{3})$', description: 'INSEE code of the commune (of the îlot)' }),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
        },
        { additionalProperties: false },
      ),
    },
    preHandler: async (req) => {
      const refusal = directReadRefusal(principalOf(req), await getCampagne(db, req.params.annee));
      if (refusal) throw new HttpProblem('forbidden', refusal.detail, undefined, { rule: refusal.rule });
    },
  }, async (req) => {
    const page = await readDirect(db, req.params.table, req.params.annee, req.query.commune, req.query.limit ?? 1000, req.query.offset ?? 0);
    req.auditFeatures = page.numberReturned;
    return page;
  });

  app.get<{ Params: { id: number } }>('/demandes/:id/extraction', {
    config: { access: ACCESS.telecharger },
    schema: { tags: TAGS, summary: 'Download the extraction of an accepted request (zip: GeoPackage, CSV, metadata sheet, art. 14 notice)', params: IdParams, querystring: NoQuery },
  }, async (req, reply) => {
    const x = await extractFor(db, principalOf(req), req.params.id);
    req.auditFeatures = Object.values(x.rows).reduce((s, n) => s + n, 0);
    reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${x.fileName}"`)
      .header('digest', `sha-256=${Buffer.from(x.sha256, 'hex').toString('base64')}`)
      .header('x-checksum-sha256', x.sha256);
    return Buffer.from(x.zip);
  });

  app.get<{ Querystring: { format?: 'json' | 'csv'; demande?: number; evenement?: string } }>('/registre', {
    config: { access: ACCESS.registre },
    schema: {
      tags: TAGS,
      summary: 'The register of requests and transmitted datasets (JSON or CSV)',
      description: 'Every state change (who, when, what) and every transmitted dataset (content, checksum, commitments) of the requests routed to the caller (an administrator: all).',
      querystring: Type.Object(
        {
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          demande: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
          evenement: Type.Optional(Type.Union(['depot', 'acceptation', 'refus', 'extraction'].map((e) => Type.Literal(e)))),
        },
        { additionalProperties: false },
      ),
    },
  }, async (req, reply) => {
    const rows = await readRegistre(db, principalOf(req), req.query);
    if (req.query.format === 'csv') {
      reply.header('content-type', CSV_CONTENT_TYPE).header('content-disposition', 'attachment; filename="registre-niveau2.csv"');
      return registreCsv(rows);
    }
    return rows;
  });
}

const niveau2: TerroirModule = {
  name: 'niveau2',
  description: 'RPG level 2 (instruction DGPE/MVDGN/2018-706): campaign register, requests, their register and audited extractions. Restricted.',
  layers: N2_LAYERS,
  tables: [...N2_CATALOG_TABLES],
  plugin,
};
export default niveau2;
