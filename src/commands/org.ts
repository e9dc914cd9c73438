import { readFileSync } from 'node:fs';
import type { Command } from './types.ts';
import { ConfigError } from '../config/load.ts';
import { openMigrated } from '../db/open.ts';
import { checkOrganisation, createOrganisation, listOrganisations, ORG_KIND_NAMES, OrganisationError, type Organisation, type OrganisationInput } from '../auth/organisations.ts';
import { table } from './output.ts';

const USAGE = `terroir org add --name N --kind K --territory epci:200067106,commune:47001,dep:47 [--geometry FILE.geojson] [--siren S] [--contact C]
       terroir org list [--json]`;

function readGeometry(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`--geometry ${file}: ${(e as Error).message}`);
  }
}

export const orgCommand: Command = {
  name: 'org',
  summary: `organisations and their territory (kinds: ${ORG_KIND_NAMES.join(', ')}); add prints the new id alone on stdout`,
  usage: USAGE,
  options: {
    name: { type: 'string' },
    kind: { type: 'string' },
    siren: { type: 'string' },
    contact: { type: 'string' },
    territory: { type: 'string' },
    geometry: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ config, values, positionals }) {
    const [sub, ...extra] = positionals;
    if ((sub !== 'add' && sub !== 'list') || extra.length) throw new ConfigError(`usage: ${USAGE}`);
    if (sub === 'add' && (values.name === undefined || values.kind === undefined)) throw new ConfigError('org add: --name and --kind are required');
    const geometry = typeof values.geometry === 'string' ? readGeometry(values.geometry) : undefined;
    const input: OrganisationInput = {
      name: String(values.name),
      kind: String(values.kind),
      siren: values.siren as string | undefined,
      contact: values.contact as string | undefined,
      territory: values.territory as string | undefined,
      geometry,
    };
    // What needs no database is refused before opening it (a usage error costs no start-up).
    try {
      if (sub === 'add') checkOrganisation(input);
    } catch (e) {
      throw e instanceof OrganisationError ? new ConfigError(e.message) : e;
    }
    const { db } = await openMigrated(config);
    try {
      if (sub === 'list') {
        const orgs = await listOrganisations(db);
        if (values.json) return console.log(JSON.stringify(orgs, null, 2));
        console.log(table(orgs, ['id', 'name', 'kind', 'siren', 'territory', 'communes', 'territory_km2', 'keys'] satisfies (keyof Organisation)[]));
        return;
      }
      const org = await createOrganisation(db, input);
      console.error(`organisation ${org.id} "${org.name}" (${org.kind}): ${org.national ? 'the whole country' : `${org.communes} communes, ${org.territory_km2} km²`}`);
      console.log(org.id);
    } catch (e) {
      throw e instanceof OrganisationError ? new ConfigError(e.message) : e;
    } finally {
      await db.close();
    }
  },
};
