import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../../http/problems.ts';
import type { TerroirModule } from '../module.ts';

const require = createRequire(import.meta.url);
/**
 * BAN / La Poste data shipped by the `codes-postaux` package (the reference serves the same, §7).
 * Read on the first postal-code request, not at start-up: parsing its 3.9 MB of JSON was ~0.2–0.4 s
 * of every start (profiled, docs/startup.md).
 */
let find: ((cp: string) => CommunePostale[]) | undefined;
const communesOf = (cp: string) => (find ??= (require('codes-postaux') as { find: (cp: string) => CommunePostale[] }).find)(cp);

export interface CommunePostale {
  codePostal: string;
  codeCommune: string;
  nomCommune: string;
  libelleAcheminement: string;
  ligne5?: string;
}

const CommunePostaleSchema = Type.Object({
  codePostal: Type.String({ examples: ['29760'] }),
  codeCommune: Type.String({ description: 'INSEE commune code', examples: ['29158'] }),
  nomCommune: Type.String({ examples: ['Penmarch'] }),
  libelleAcheminement: Type.String({ examples: ['PENMARCH'] }),
  ligne5: Type.Optional(Type.String()),
});

async function plugin(app: FastifyInstance) {
  app.get<{ Params: { codePostal: string } }>(
    '/communes/:codePostal',
    {
      config: { access: 'public' },
      schema: {
        tags: ['codes-postaux'],
        summary: 'Communes served by a postal code',
        description: 'The communes (INSEE code, name, delivery label) associated with a 5-digit postal code.',
        params: Type.Object({
          codePostal: Type.String({ pattern: '^[0-9]{5}$', description: 'Postal code, 5 digits', examples: ['29760'] }),
        }),
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Type.Array(CommunePostaleSchema) },
      },
    },
    async (req) => {
      const communes = communesOf(req.params.codePostal);
      if (!communes.length) throw notFound(`no commune has postal code ${req.params.codePostal}`);
      return communes;
    },
  );
}

const codesPostaux: TerroirModule = {
  name: 'codes-postaux',
  description: 'Communes associated with a postal code (API Carto "codes postaux").',
  plugin,
};
export default codesPostaux;
