import { readFileSync, writeFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Command } from './types.ts';
import { ConfigError } from '../config/load.ts';
import { openMigrated } from '../db/open.ts';
import type { Database } from '../db/database.ts';
import { appendAudit } from '../auth/audit.ts';
import { listKeys, type Principal } from '../auth/keys.ts';
import { getOrganisation } from '../auth/organisations.ts';
import type { Scope } from '../auth/access.ts';
import { checkTerritory, territoryAsks } from '../auth/territory.ts';
import { HttpProblem } from '../http/problems.ts';
import { allDemandes, decide, fileDemande, listDemandes, readRegistre, registreCsv, visibleDemande, type DecisionInput, type Demande, type DemandeInput } from '../modules/niveau2/demandes.ts';
import { extractFor } from '../modules/niveau2/extraction.ts';
import { mayInstruct } from '../modules/niveau2/habilitation.ts';
import { noticeArt14 } from '../modules/niveau2/notice.ts';
import { DecisionBody, DemandeBody, REQUEST_TERRITORY } from '../modules/niveau2/index.ts';
import { table } from './output.ts';

const USAGE = `terroir demande list [--org ID] [--statut deposee|acceptee|refusee] [--json]
       terroir demande show <id> [--org ID]
       terroir demande file --org ID --file demande.json            (prints the new id)
       terroir demande decide <id> --org ID --accept [--decision decision.json] | --refuse --motif TEXT
       terroir demande extraction <id> --org ID --out FILE.zip
       terroir demande registre [--demande ID] [--csv]`;

/**
 * The requests of RPG level 2 from the command line, as the DRAAF administrator running the service
 * runs them (docs/niveau2.md). `--org` says on behalf of which organisation: the same rules as the
 * HTTP API apply (its territory, its keys' scopes, the routing of each request); every download is
 * recorded in the register and the audit trail.
 */
async function principal(db: Database, id: unknown): Promise<Principal> {
  if (typeof id !== 'string' || !/^\d+$/.test(id)) throw new ConfigError('--org <id> is required (terroir org list)');
  const org = await getOrganisation(db, Number(id));
  if (!org) throw new ConfigError(`--org ${id}: no such organisation`);
  const scopes = [...new Set((await listKeys(db, { organisation: org.id })).filter((k) => k.status === 'active').flatMap((k) => k.scopes))] as Scope[];
  return { prefix: 'cli', scopes, quota: null, organisation: { id: org.id, name: org.name, kind: org.kind, national: org.national } };
}

function readJson(file: unknown, flag: string): unknown {
  if (typeof file !== 'string') throw new ConfigError(`${flag} <file.json> is required`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${flag} ${file}: ${(e as Error).message}`);
  }
}

function validate<T>(schema: TSchema, value: unknown, what: string): T {
  if (Value.Check(schema, value)) return value as T;
  const [err] = [...Value.Errors(schema, value)];
  throw new ConfigError(`${what}: ${err?.instancePath || '/'} ${err?.message ?? 'invalid'}`);
}

const requireScope = (p: Principal, scope: Scope) => {
  if (!p.scopes.includes(scope)) throw new ConfigError(`organisation ${p.organisation.id} holds no active key with scope ${scope}`);
};

const idOf = (v: string | undefined) => {
  if (!v || !/^\d+$/.test(v)) throw new ConfigError(`usage: ${USAGE}`);
  return Number(v);
};

const withNotice = (d: Demande) => (d.statut === 'acceptee' ? { ...d, information_art14: noticeArt14(d) } : d);

export const demandeCommand: Command = {
  name: 'demande',
  summary: 'RPG level-2 requests: file, list, decide (accept, narrowed or not, or refuse), download the extraction, the register',
  usage: USAGE,
  options: {
    org: { type: 'string' },
    statut: { type: 'string' },
    json: { type: 'boolean' },
    file: { type: 'string' },
    accept: { type: 'boolean' },
    refuse: { type: 'boolean' },
    motif: { type: 'string' },
    decision: { type: 'string' },
    out: { type: 'string' },
    demande: { type: 'string' },
    csv: { type: 'boolean' },
  },
  async run({ config, values, positionals }) {
    const [sub, arg, ...extra] = positionals;
    if (!['list', 'show', 'file', 'decide', 'extraction', 'registre'].includes(sub) || extra.length) throw new ConfigError(`usage: ${USAGE}`);
    const { db } = await openMigrated(config);
    try {
      switch (sub) {
        case 'list': {
          const rows = values.org !== undefined ? await listDemandes(db, await principal(db, values.org), values.statut as string | undefined) : await allDemandes(db, values.statut as string | undefined);
          if (values.json) return console.log(JSON.stringify(rows, null, 2));
          return console.log(table(rows.map((d) => ({ ...d, traitement: d.demande.traitement, campagnes: d.campagnes.join(','), communes: d.communes.length })), ['id', 'statut', 'nature', 'instructeur', 'region', 'organisation_nom', 'traitement', 'campagnes', 'communes', 'depose_le', 'expire_le']));
        }
        case 'show': {
          const id = idOf(arg);
          const d = values.org !== undefined ? await visibleDemande(db, await principal(db, values.org), id) : (await allDemandes(db)).find((x) => x.id === id);
          if (!d) throw new ConfigError(`no request ${id}`);
          return console.log(JSON.stringify(withNotice(d), null, 2));
        }
        case 'file': {
          const p = await principal(db, values.org);
          requireScope(p, 'rpg:niveau2:demander');
          const input = validate<DemandeInput>(DemandeBody, readJson(values.file, '--file'), 'demande');
          // The territory asked must lie inside the requester's, as the HTTP route's access rule says.
          await checkTerritory(db, p.organisation, REQUEST_TERRITORY, territoryAsks(REQUEST_TERRITORY, { body: input }));
          const d = await fileDemande(db, p, input);
          console.error(`demande ${d.id} déposée, instruite par ${d.instructeur === 'ssp' ? 'le SSP' : `la DRAAF de la région ${d.region}`}`);
          return console.log(d.id);
        }
        case 'decide': {
          const id = idOf(arg);
          const p = await principal(db, values.org);
          requireScope(p, 'demandes:instruire');
          if (Boolean(values.accept) === Boolean(values.refuse)) throw new ConfigError('demande decide: --accept or --refuse');
          const more = values.decision !== undefined ? (readJson(values.decision, '--decision') as Record<string, unknown>) : {};
          const input = validate<DecisionInput>(DecisionBody, { ...more, decision: values.accept ? 'acceptation' : 'refus', ...(values.motif ? { motif: values.motif } : {}) }, 'decision');
          const d = await visibleDemande(db, p, id);
          if (!(await mayInstruct(db, p, id))) throw new ConfigError(`request ${id} is not routed to organisation ${p.organisation.id}`);
          const r = await decide(db, p, d, input);
          console.error(`demande ${r.id}: ${r.statut}${r.expire_le ? `, extraction jusqu'au ${r.expire_le}` : ''}`);
          return console.log(r.statut);
        }
        case 'extraction': {
          const id = idOf(arg);
          const p = await principal(db, values.org);
          requireScope(p, 'rpg:niveau2:lire');
          if (typeof values.out !== 'string') throw new ConfigError('demande extraction: --out FILE.zip is required');
          const x = await extractFor(db, p, id);
          writeFileSync(values.out, x.zip);
          // A command-line download is a level-2 read like any other: in the audit trail.
          await appendAudit(db, {
            at: new Date().toISOString(), request_id: `cli-${process.pid}-${Date.now()}`, method: 'CLI', route: 'terroir demande extraction',
            path: `/api/niveau2/demandes/${id}/extraction`, scope: 'rpg:niveau2:lire', organisation: p.organisation.id, key_prefix: null,
            territory: null, status: 200, features: Object.values(x.rows).reduce((s, n) => s + n, 0), ip: null,
          });
          console.error(`${values.out}: ${x.zip.length} bytes, sha256 ${x.sha256}, campagnes ${x.campagnes.join(', ')}`);
          return console.log(x.sha256);
        }
        case 'registre': {
          const rows = await readRegistre(db, null, values.demande !== undefined ? { demande: idOf(values.demande as string) } : {});
          return console.log(values.csv ? registreCsv(rows) : JSON.stringify(rows, null, 2));
        }
      }
    } catch (e) {
      if (e instanceof HttpProblem) throw new ConfigError(e.detail);
      throw e;
    } finally {
      await db.close();
    }
  },
};
