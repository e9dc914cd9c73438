import type { Command } from './types.ts';
import { ConfigError } from '../config/load.ts';
import { openMigrated } from '../db/open.ts';
import { CampagneError, ETATS, listCampagnes, setCampagne, type Campagne, type EtatCampagne } from '../modules/rpg/campagnes.ts';
import { table } from './output.ts';

const USAGE = `terroir campagne list [--json]
       terroir campagne set <annee> <${ETATS.join('|')}> [--date YYYY-MM-DD] [--note TEXT]`;

/**
 * The campaign register (docs/niveau2.md): a DRAAF administrator records when a campaign is
 * completed ("constatée"): only then do open level-1 routes serve it and level 2 extract it.
 */
export const campagneCommand: Command = {
  name: 'campagne',
  summary: 'the PAC campaign register: déclaration, instruction, constatée (completed, with its date); only completed campaigns are published and extracted',
  usage: USAGE,
  options: { json: { type: 'boolean' }, date: { type: 'string' }, note: { type: 'string' } },
  async run({ config, values, positionals }) {
    const [sub, annee, etat, ...extra] = positionals;
    if (sub === 'list' ? annee !== undefined : sub !== 'set' || !annee || !etat || extra.length) throw new ConfigError(`usage: ${USAGE}`);
    if (sub === 'set') {
      if (!/^\d{4}$/.test(annee)) throw new ConfigError(`campagne set: ${JSON.stringify(annee)} is not a campaign year`);
      if (!(ETATS as readonly string[]).includes(etat)) throw new ConfigError(`campagne set: état ${JSON.stringify(etat)} is not one of ${ETATS.join(', ')}`);
    }
    const { db } = await openMigrated(config);
    try {
      if (sub === 'list') {
        const all = await listCampagnes(db);
        if (values.json) return console.log(JSON.stringify(all, null, 2));
        console.log(table(all, ['annee', 'etat', 'constatee_le', 'source', 'note'] satisfies (keyof Campagne)[]));
        return;
      }
      const c = await setCampagne(db, Number(annee), { etat: etat as EtatCampagne, constatee_le: values.date as string | undefined, note: values.note as string | undefined, source: 'admin' });
      console.error(`campagne ${c.annee}: ${c.etat}${c.constatee_le ? ` (constatée le ${c.constatee_le})` : ''}`);
      console.log(c.etat);
    } catch (e) {
      if (e instanceof CampagneError) throw new ConfigError(`campagne set: ${e.field}: ${e.message}`);
      throw e;
    } finally {
      await db.close();
    }
  },
};
