import type { FastifyInstance } from 'fastify';
import { Type, type TObject } from 'typebox';
import { formatParam, jsonOrCsvResponse as jsonOrCsv, sendJsonOrCsv, type ResponseFormat } from '../../formats/csv.ts';
import { invalidParam, notFound } from '../../http/problems.ts';
import type { TerroirModule } from '../module.ts';
import * as sql from './queries.ts';

/**
 * The RPG crop nomenclature (instruction DGPE/MVDGN/2018-706, annex 1), loaded by migration
 * 0002_nomenclature.sql. Property names are the RPG / API Carto field names (`code_cultu`,
 * `code_group`) so a client can join parcels to labels without renaming; docs/nomenclature.md.
 */

const CODE_PATTERN = '^[A-Z0-9]{3}$';

const Culture = Type.Object({
  code_cultu: Type.String({ description: 'Crop code (PARCELLE.CODE_CULTURE, API Carto rpg v2 `code_cultu`)', examples: ['BTH'] }),
  libelle_cultu: Type.String({ examples: ["Blé tendre d'hiver"] }),
  code_group: Type.Integer({ minimum: 1, maximum: 28, description: 'Crop group (API Carto rpg v2 `code_group`, text there)', examples: [1] }),
  libelle_group: Type.String({ examples: ['Blé tendre'] }),
  depuis: Type.Integer({ description: 'First campaign of the code in this nomenclature', examples: [2015] }),
});
const CULTURE_COLUMNS = ['code_cultu', 'libelle_cultu', 'code_group', 'libelle_group', 'depuis'] as const;

const Groupe = Type.Object({
  code_group: Type.Integer({ minimum: 1, maximum: 28, examples: [18] }),
  libelle_group: Type.String({ examples: ['Prairies permanentes'] }),
  nombre_cultures: Type.Integer({ description: 'Number of 2015+ crop codes in the group (0 for groups 10, 12, 13, 27)', examples: [2] }),
});
const GROUPE_COLUMNS = ['code_group', 'libelle_group', 'nombre_cultures'] as const;

const Derobee = Type.Object({
  code_cultu: Type.String({ description: 'Catch-crop code (PARCELLE.CULTURE_DER_1/2, API Carto rpg v2 `culture_d1`/`culture_d2`)', examples: ['DSH'] }),
  libelle_cultu: Type.String({ examples: ["Sous semis d'herbe"] }),
});
const DEROBEE_COLUMNS = ['code_cultu', 'libelle_cultu'] as const;

const GroupeAvant2015 = Type.Object({
  code_group: Type.Integer({ minimum: 1, maximum: 28, examples: [1] }),
  code_cultu: Type.String({ description: "The group as the 2007-2014 îlots carry it (CHAR(2), API Carto rpg v1 `code_cultu`)", examples: ['01'] }),
  libelle_group: Type.String({ examples: ['Blé tendre'] }),
});
const GROUPE_AVANT_2015_COLUMNS = ['code_group', 'code_cultu', 'libelle_group'] as const;

const FormatQuery = Type.Object({ format: formatParam }, { additionalProperties: false });
type FormatQuery = { format?: ResponseFormat };
const CodeParams = Type.Object(
  { code: Type.String({ pattern: CODE_PATTERN, description: 'Three upper-case letters or digits', examples: ['BTH'] }) },
  { additionalProperties: false },
);
const groupCode = (description: string) => Type.Integer({ minimum: 1, maximum: 28, description, examples: [18] });
const tags = ['nomenclature'];
const access = 'public' as const;

async function plugin(app: FastifyInstance) {
  /** A whole table, as JSON or CSV. */
  const list = (path: string, summary: string, description: string, item: TObject, columns: readonly string[], filename: string, rows: (db: typeof app.db) => Promise<object[]>) =>
    app.get<{ Querystring: FormatQuery }>(
      path,
      { config: { access }, schema: { tags, summary, description, querystring: FormatQuery, response: { 200: jsonOrCsv(Type.Array(item), summary) } } },
      async (req, reply) => {
        const all = (await rows(app.db)) as Record<string, unknown>[];
        return sendJsonOrCsv(req, reply, req.query.format, all, { filename, columns, rows: all });
      },
    );

  app.get<{ Querystring: FormatQuery & { code_group?: number; code_groupe?: number } }>(
    '/cultures',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Crop codes of 2015 onwards',
        description: 'The 310 crop codes of the RPG since 2015 with their group, ordered by code; `code_group` keeps one group.',
        querystring: Type.Object(
          {
            code_group: Type.Optional(groupCode('Only the crops of this group (1..28)')),
            code_groupe: Type.Optional(groupCode('Alias of `code_group`')),
            format: formatParam,
          },
          { additionalProperties: false },
        ),
        response: { 200: jsonOrCsv(Type.Array(Culture), 'Crops') },
      },
    },
    async (req, reply) => {
      const { code_group, code_groupe, format } = req.query;
      if (code_group !== undefined && code_groupe !== undefined && code_group !== code_groupe)
        throw invalidParam('code_groupe', `alias of code_group, given ${code_groupe} against code_group=${code_group}`, 'query', code_groupe);
      const rows = await sql.cultures(app.db, code_group ?? code_groupe);
      const suffix = code_group ?? code_groupe;
      return sendJsonOrCsv(req, reply, format, rows, { filename: `cultures${suffix ? `-groupe-${suffix}` : ''}.csv`, columns: CULTURE_COLUMNS, rows });
    },
  );

  app.get<{ Params: { code: string }; Querystring: FormatQuery }>(
    '/cultures/:code',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One crop code',
        params: CodeParams,
        querystring: FormatQuery,
        response: { 200: jsonOrCsv(Culture, 'The crop') },
      },
    },
    async (req, reply) => {
      const { code } = req.params;
      const row = await sql.culture(app.db, code);
      if (!row) {
        const other = await sql.derobee(app.db, code);
        throw notFound(`no crop code ${code} in the 2015+ nomenclature` + (other ? `; ${code} is a catch-crop code: /api/nomenclature/derobees/${code}` : ''));
      }
      return sendJsonOrCsv(req, reply, req.query.format, row, { filename: `culture-${code}.csv`, columns: CULTURE_COLUMNS, rows: [row] });
    },
  );

  list('/groupes', 'The 28 crop groups', 'Groups 1..28 of the 2015+ nomenclature with their number of crop codes.', Groupe, GROUPE_COLUMNS, 'groupes.csv', sql.groupes);

  app.get<{ Params: { code: number }; Querystring: FormatQuery }>(
    '/groupes/:code',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One crop group with its crops',
        description: 'The group and its 2015+ crop codes. As CSV: the crops, one a row.',
        params: Type.Object({ code: groupCode('Group code, 1..28') }, { additionalProperties: false }),
        querystring: FormatQuery,
        response: { 200: jsonOrCsv(Type.Object({ ...Groupe.properties, cultures: Type.Array(Culture) }), 'The group') },
      },
    },
    async (req, reply) => {
      const { code } = req.params;
      const groupe = await sql.groupe(app.db, code);
      if (!groupe) throw notFound(`no crop group ${code}`); // unreachable while the table holds 1..28, kept for safety
      const cultures = await sql.cultures(app.db, code);
      return sendJsonOrCsv(req, reply, req.query.format, { ...groupe, cultures }, { filename: `cultures-groupe-${code}.csv`, columns: CULTURE_COLUMNS, rows: cultures });
    },
  );

  list('/derobees', 'Catch-crop codes', 'The 45 catch-crop codes (cultures dérobées) of 2015 onwards, ZZZ included.', Derobee, DEROBEE_COLUMNS, 'derobees.csv', sql.derobees);

  app.get<{ Params: { code: string }; Querystring: FormatQuery }>(
    '/derobees/:code',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One catch-crop code',
        params: CodeParams,
        querystring: FormatQuery,
        response: { 200: jsonOrCsv(Derobee, 'The catch crop') },
      },
    },
    async (req, reply) => {
      const { code } = req.params;
      const row = await sql.derobee(app.db, code);
      if (!row) {
        const other = await sql.culture(app.db, code);
        throw notFound(`no catch-crop code ${code}` + (other ? `; ${code} is a main crop code: /api/nomenclature/cultures/${code}` : ''));
      }
      return sendJsonOrCsv(req, reply, req.query.format, row, { filename: `derobee-${code}.csv`, columns: DEROBEE_COLUMNS, rows: [row] });
    },
  );

  list('/groupes-avant-2015', 'Crop groups of the 2007-2014 îlots', 'The 28 groups the îlots of 2007 to 2014 carry as their main crop (no crop codes before 2015).', GroupeAvant2015, GROUPE_AVANT_2015_COLUMNS, 'groupes-avant-2015.csv', sql.groupesAvant2015);
}

const nomenclature: TerroirModule = {
  name: 'nomenclature',
  description: 'RPG crop nomenclature: crop codes and groups of 2015 onwards, catch crops, groups of the 2007-2014 îlots.',
  plugin,
};
export default nomenclature;
