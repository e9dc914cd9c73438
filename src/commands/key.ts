import type { Command } from './types.ts';
import { ConfigError } from '../config/load.ts';
import { openMigrated } from '../db/open.ts';
import { checkIssue, displayPrefix, issueKey, KeyError, listKeys, prefixOf, revokeKey, type IssueInput, type KeyInfo } from '../auth/keys.ts';
import { SCOPES } from '../auth/access.ts';
import { table } from './output.ts';

const USAGE = `terroir key issue --org ID --scope S[,S…] [--expires YYYY-MM-DD] [--quota 500/day,10000/year] [--label L]
       terroir key list [--org ID] [--json]
       terroir key revoke PREFIX`;

function orgId(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,9}$/.test(v)) throw new ConfigError(`--org ${JSON.stringify(v)}: expected an organisation id (terroir org list)`);
  return Number(v);
}

export const keyCommand: Command = {
  name: 'key',
  summary: `API keys (scopes: ${SCOPES.join(', ')}); issue prints the key alone on stdout, once: only its hash is kept`,
  usage: USAGE,
  options: { org: { type: 'string' }, scope: { type: 'string' }, expires: { type: 'string' }, quota: { type: 'string' }, label: { type: 'string' }, json: { type: 'boolean' } },
  async run({ config, values, positionals }) {
    const [sub, ...args] = positionals;
    const organisation = orgId(values.org);
    if (sub === 'issue' && (organisation === undefined || values.scope === undefined || args.length)) throw new ConfigError('key issue: --org and --scope are required');
    if (sub === 'revoke' && args.length !== 1) throw new ConfigError('key revoke PREFIX: the prefix shown by `terroir key list`');
    if (!['issue', 'list', 'revoke'].includes(sub ?? '') || (sub === 'list' && args.length)) throw new ConfigError(`usage: ${USAGE}`);
    const input: IssueInput = {
      organisation: organisation ?? 0,
      scopes: String(values.scope ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      expires: values.expires as string | undefined,
      quota: values.quota as string | undefined,
      label: values.label as string | undefined,
    };
    // What needs no database is refused before opening it (a usage error costs no start-up).
    try {
      if (sub === 'issue') checkIssue(input);
      if (sub === 'revoke') prefixOf(args[0]);
    } catch (e) {
      throw e instanceof KeyError ? new ConfigError(e.message) : e;
    }
    const { db } = await openMigrated(config);
    try {
      if (sub === 'list') {
        const keys = await listKeys(db, { organisation });
        if (values.json) return console.log(JSON.stringify(keys, null, 2));
        console.log(table(keys.map((k) => ({ ...k, prefix: displayPrefix(k.prefix) })), ['prefix', 'organisation', 'organisation_name', 'scopes', 'status', 'expires_at', 'last_used_at', 'quota'] satisfies (keyof KeyInfo)[]));
      } else if (sub === 'revoke') {
        const k = await revokeKey(db, args[0]);
        if (!k) throw new KeyError(`prefix: no key ${args[0]}`);
        console.log(`revoked ${displayPrefix(k.prefix)} (${k.revoked_at})`);
      } else {
        const { key, info } = await issueKey(db, input);
        console.error(`key ${displayPrefix(info.prefix)} for organisation ${info.organisation} (${info.scopes.join(', ')}): shown once, store it now`);
        console.log(key);
      }
    } catch (e) {
      throw e instanceof KeyError ? new ConfigError(e.message) : e;
    } finally {
      await db.close();
    }
  },
};
