import type { Command } from './types.ts';
import { openMigrated } from '../db/open.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create or update the database schema, then exit',
  usage: 'terroir migrate [--data-dir DIR] [--database-url URL]',
  async run({ config }) {
    const { db, applied } = await openMigrated(config);
    await db.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date');
  },
};
