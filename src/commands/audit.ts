import { readFileSync } from 'node:fs';
import type { Command } from './types.ts';
import { ConfigError } from '../config/load.ts';
import { openMigrated } from '../db/open.ts';
import { auditKeyFile, makeCheckpoint, signingKeyId, verifyAudit, verifyCheckpoint, type SignedCheckpoint } from '../auth/audit.ts';

const USAGE = `terroir audit verify [--checkpoint FILE] [--json]
       terroir audit checkpoint`;

function readCheckpoint(file: string): SignedCheckpoint {
  try {
    const cp = JSON.parse(readFileSync(file, 'utf8')) as SignedCheckpoint;
    if (!cp?.checkpoint || typeof cp.signature !== 'string' || typeof cp.public_key !== 'string') throw new Error('not a checkpoint printed by `terroir audit checkpoint`');
    return cp;
  } catch (e) {
    throw new ConfigError(`--checkpoint ${file}: ${(e as Error).message}`);
  }
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'the audit trail of restricted routes: verify walks the hash chain (exit 1 at the first row edited, removed or reordered); checkpoint prints the signed head',
  usage: USAGE,
  options: { checkpoint: { type: 'string' }, json: { type: 'boolean' } },
  async run({ config, values, positionals }) {
    const [sub, ...extra] = positionals;
    if ((sub !== 'verify' && sub !== 'checkpoint') || extra.length) throw new ConfigError(`usage: ${USAGE}`);
    const checkpoint = typeof values.checkpoint === 'string' ? readCheckpoint(values.checkpoint) : undefined;
    const keyFile = auditKeyFile(config);
    const { db } = await openMigrated(config);
    try {
      if (sub === 'checkpoint') {
        const cp = await makeCheckpoint(db, keyFile);
        console.error(`signed with ${keyFile} (key id ${cp.key_id}): keep this checkpoint and the key id off the server`);
        console.log(JSON.stringify(cp, null, 2));
        return;
      }
      const result = await verifyAudit(db);
      const problem = result.problem ?? (result.ok && checkpoint ? await verifyCheckpoint(db, checkpoint, signingKeyId(keyFile)) : undefined);
      if (values.json) console.log(JSON.stringify({ ...result, ok: !problem, problem }, null, 2));
      else if (problem) console.log(`audit trail BROKEN at row ${problem.seq} (${problem.kind}): ${problem.detail}`);
      else {
        const head = result.head ? `; head row ${result.head.seq}, hash ${result.head.hash}` : '';
        console.log(`audit trail intact: ${result.rows} rows${head}${checkpoint ? `; checkpoint of ${checkpoint.checkpoint.signed_at} (row ${checkpoint.checkpoint.seq}) holds` : ''}`);
      }
      if (problem) process.exitCode = 1;
    } finally {
      await db.close();
    }
  },
};
