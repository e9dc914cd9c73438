import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../helpers/app.ts';

/**
 * The API Carto routes Terroir re-implements, with their parameters, as listed in
 * ../shared/reference/apicarto.md (§6 cadastre, §7 codes postaux, §8 AOC, §9 GPU, §10 RPG,
 * §11 nature, §12 limites administratives). Written out here so the contract holds without ../shared.
 */
const PAGING = ['_limit', '_start'];
const CADASTRE_COMMON = ['code_insee', 'code_dep', 'code_com', 'nom_com', 'geom', 'source_ign', ...PAGING];
const CADASTRE_SUB = [...CADASTRE_COMMON, 'section', 'code_arr', 'com_abs'];
const GPU_DU = ['geom', 'partition'];
const GPU_SUP = ['geom', 'partition', 'categorie'];

type Route = { path: string; methods: ('get' | 'post')[]; params: string[] };
const ROUTES: Route[] = [
  { path: '/api/cadastre/commune', methods: ['get', 'post'], params: CADASTRE_COMMON },
  { path: '/api/cadastre/parcelle', methods: ['get', 'post'], params: [...CADASTRE_SUB, 'numero'] },
  { path: '/api/cadastre/localisant', methods: ['get', 'post'], params: [...CADASTRE_SUB, 'numero'] },
  { path: '/api/cadastre/division', methods: ['get', 'post'], params: CADASTRE_SUB },
  { path: '/api/cadastre/feuille', methods: ['get', 'post'], params: CADASTRE_SUB },
  { path: '/api/codes-postaux/communes/{codePostal}', methods: ['get'], params: ['codePostal'] },
  { path: '/api/aoc/appellation-viticole', methods: ['post'], params: ['geom', 'source', 'apikey'] },
  { path: '/api/gpu/municipality', methods: ['get', 'post'], params: ['geom', 'insee'] },
  ...['document', 'zone-urba', 'secteur-cc', 'prescription-surf', 'prescription-lin', 'prescription-pct', 'info-surf', 'info-lin', 'info-pct', 'acte-sup'].map(
    (l): Route => ({ path: `/api/gpu/${l}`, methods: ['get', 'post'], params: GPU_DU }),
  ),
  ...['assiette-sup-s', 'assiette-sup-l', 'assiette-sup-p', 'generateur-sup-s', 'generateur-sup-l', 'generateur-sup-p'].map(
    (l): Route => ({ path: `/api/gpu/${l}`, methods: ['get', 'post'], params: GPU_SUP }),
  ),
  { path: '/api/gpu/all', methods: ['get'], params: ['geom'] },
  { path: '/api/rpg/v1', methods: ['get', 'post'], params: ['annee', 'geom', 'code_cultu', ...PAGING] },
  { path: '/api/rpg/v2', methods: ['get', 'post'], params: ['annee', 'geom', 'code_cultu', ...PAGING] },
  ...['natura-habitat', 'natura-oiseaux'].map((l): Route => ({ path: `/api/nature/${l}`, methods: ['get', 'post'], params: ['geom', 'sitecode', 'sitename', ...PAGING] })),
  ...['rnc', 'rnn', 'znieff1', 'znieff2', 'pn', 'pnr', 'rncf'].map(
    (l): Route => ({ path: `/api/nature/${l}`, methods: ['get', 'post'], params: ['geom', 'id_mnhn', 'nom', ...PAGING] }),
  ),
  ...['commune', 'departement', 'region'].map(
    (l): Route => ({ path: `/api/limites-administratives/${l}`, methods: ['get', 'post'], params: ['geom', 'lon', 'lat', ...PAGING] }),
  ),
];

type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
};

let t: TestApp;
let paths: Record<string, Record<string, Operation>>;
before(async () => {
  t = await testApp();
  paths = (await t.app.inject('/api/doc')).json().paths;
});
after(() => t.close());

function declared(op: Operation): Set<string> {
  const names = new Set((op.parameters ?? []).map((p) => p.name));
  for (const media of Object.values(op.requestBody?.content ?? {})) for (const n of Object.keys(media.schema?.properties ?? {})) names.add(n);
  return names;
}

for (const r of ROUTES) {
  for (const m of r.methods) {
    test(`${m.toUpperCase()} ${r.path} exists with the reference's parameters`, () => {
      const op = paths[r.path]?.[m];
      assert.ok(op, `${m.toUpperCase()} ${r.path} is in /api/doc`);
      const names = declared(op);
      const missing = r.params.filter((p) => !names.has(p));
      assert.deepEqual(missing, [], `parameters declared: ${[...names].join(', ')}`);
    });
  }
}
