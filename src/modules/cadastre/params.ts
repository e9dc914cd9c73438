/**
 * The cadastre parameters, as the layer definitions (layers.ts) declare them: their schemas (types
 * and documentation), the reference's validation rules and messages (apicarto controllers/cadastre,
 * §6.2), and the conditions they become.
 *
 * The schemas only say "string": each rule is the parameter's `check`, which the route runs where
 * the value was given, so that a broken value gets the reference's own message, keyed by the
 * parameter, in the body or the query string where the client put it.
 */
import { Type } from 'typebox';
import type { Condition, FilterSpec, LayerSpec, ParamSpec } from '../../catalog/layer.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import { arrondissementOf, inseeProblem } from './codes.ts';

export type RouteKind = 'commune' | 'division' | 'feuille' | 'parcelle' | 'localisant';

/** A rule of the reference: the value must match `re`, else `message`. */
const rule = (name: string, re: RegExp, message: string) => (raw: string, location: ParamLocation) => {
  if (!re.test(raw)) throw invalidParam(name, message, location, raw);
};

/** The filters of the cadastre columns, with the reference's rules (`numero` anchored, §15.4). */
export const FILTERS = {
  code_insee: {
    description:
      'INSEE code of the commune, 5 characters (2A/2B for Corsica, 97xxx overseas). An arrondissement municipal code (75112, 69381, 13201) selects that arrondissement of Paris, Lyon or Marseille.',
    examples: ['47501'],
    check: (raw, location) => {
      const problem = inseeProblem(raw);
      if (problem) throw invalidParam('code_insee', problem, location, raw);
    },
  },
  code_dep: {
    description: 'Département code: 2 characters, or 3 for the overseas départements (971…976).',
    examples: ['47'],
    check: rule('code_dep', /^(?:[0-9A-Za-z]{2}|97[1-8])$/, 'Code département invalide'),
  },
  code_com: {
    description: 'Commune code inside its département: 3 digits (2 overseas, after a 3-character code_dep).',
    examples: ['501'],
    check: rule('code_com', /^\d{2,3}$/, 'Code commune invalide'),
  },
  nom_com: { description: 'Commune name, exact match (as answered, e.g. "Penmarch"; "Aubire" in the demo territory).', examples: ['Aubire'], maxLength: 200 },
  section: {
    description: 'Section, 2 characters (zero-padded: 0A).',
    examples: ['ZB'],
    check: rule('section', /^[0-9A-Za-z]{2}$/, 'Le numéro de section est sur 2 caractères'),
  },
  code_arr: {
    description: 'Arrondissement municipal code, 3 digits (Paris, Lyon, Marseille; 000 elsewhere).',
    examples: ['000'],
    check: rule('code_arr', /^\d{3}$/, 'Le code arrondissement est composé de 3 chiffres'),
  },
  com_abs: {
    description: 'Prefix: code of the absorbed commune, 3 digits (000 if none).',
    examples: ['000'],
    check: rule('com_abs', /^\d{3}$/, 'Le prefixe est composé de 3 chiffres obligatoires'),
  },
  numero: {
    description: 'Parcel number, 4 characters (zero-padded: 0001).',
    examples: ['0221'],
    check: rule('numero', /^\w{4}$/, 'Le numéro de parcelle est sur 4 caractères'),
  },
} satisfies Record<string, FilterSpec>;

const str = (description: string, examples: string[], extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.String({ description, examples, ...extra }));

/** Old names the reference refuses with its own sentence. */
const legacy = (name: string, now: string): ParamSpec => ({
  schema: str(`Refused: renamed ${now}.`, []),
  check: (raw, location) => {
    throw invalidParam(name, `Le paramètre "${name}" a été remplacé par "${now}" pour éviter des renommages dans les données et chaînage de requête`, location, raw);
  },
});

const SOURCE_LENGTH = 'Les seules valeurs possibles sont: PCI pour utiliser les couches PCI-Express ou BDP pour utiliser les couches BD Parcellaires';
const SOURCE_VALUE = 'Pour une recherche sur la couche PCI EXPRESS : la valeur doit être PCI.Pour une recherche sur la couche BD Parcellaire: la valeur doit être BDP.';

/** The parameters that are not column filters: compatibility members, and `code_abs` where sections are. */
export function cadastreParams(kind: RouteKind): Record<string, ParamSpec> {
  const params: Record<string, ParamSpec> = {
    source_ign: {
      schema: str('PCI (Parcellaire Express, default) or BDP (BD Parcellaire): Terroir serves the PCI data for both.', ['PCI']),
      check: (raw, location) => {
        if (raw.length !== 3) throw invalidParam('source_ign', SOURCE_LENGTH, location, raw);
        // The reference checks the value only where BD Parcellaire has the layer (not division/feuille).
        if (kind !== 'division' && kind !== 'feuille' && !/^(PCI|BDP)$/i.test(raw)) throw invalidParam('source_ign', SOURCE_VALUE, location, raw);
      },
    },
    apikey: { schema: str('Accepted and ignored (an old API Carto parameter).', [], { maxLength: 1000 }) },
    codearr: legacy('codearr', 'code_arr'),
    dep: legacy('dep', 'code_dep'),
    insee: legacy('insee', 'code_insee'),
  };
  if (kind !== 'commune') {
    params.code_abs = {
      schema: str('Alias of com_abs (the name the R package happign sends).', ['000']),
      check: rule('code_abs', /^\d{3}$/, 'Le prefixe est composé de 3 chiffres obligatoires'),
    };
  }
  return params;
}

/** `code_abs` is an alias: given with com_abs, both must say the same. */
export const checkAlias: LayerSpec['check'] = (values, location) => {
  if (values.com_abs !== undefined && values.code_abs !== undefined && String(values.com_abs) !== String(values.code_abs)) {
    throw invalidParam('code_abs', 'is an alias of com_abs and contradicts it', location, values.code_abs);
  }
};

/**
 * The filters as conditions. Like the reference, `code_insee` wins over `code_dep`/`code_com`; a
 * `code_dep` + `code_com` pair is matched as the INSEE code it spells, so 971 + 01 and 97 + 101 both
 * find 97101. Codes are compared upper-cased (2a004 = 2A004, section aw = AW). Only the parameters
 * of `kind` reach here (the route schema refuses the others).
 */
export function toConditions(kind: RouteKind, input: Record<string, unknown>): Condition[] {
  const where: Condition[] = [];
  const up = (v: unknown) => (v === undefined ? undefined : String(v).toUpperCase());
  const insee = up(input.code_insee);
  const dep = up(input.code_dep);
  const com = up(input.code_com);
  if (insee !== undefined) {
    const arr = arrondissementOf(insee);
    if (arr) {
      // Communes have no code_arr: an arrondissement selects its whole commune there.
      where.push({ column: 'code_insee', value: arr.commune });
      if (kind !== 'commune') where.push({ column: 'code_arr', value: arr.code_arr });
    } else {
      where.push({ column: 'code_insee', value: insee });
    }
  } else if (dep !== undefined && com !== undefined) {
    where.push({ column: 'code_insee', value: dep + com });
  } else if (dep !== undefined) {
    where.push({ column: 'code_dep', value: dep });
  } else if (com !== undefined) {
    where.push({ column: 'code_com', value: com });
  }
  if (input.nom_com !== undefined) where.push({ column: 'nom_com', value: String(input.nom_com) });
  if (input.section !== undefined) where.push({ column: 'section', value: up(input.section) });
  if (input.numero !== undefined) where.push({ column: 'numero', value: up(input.numero) });
  if (input.code_arr !== undefined) where.push({ column: 'code_arr', value: String(input.code_arr) });
  const comAbs = input.com_abs ?? input.code_abs;
  if (comAbs !== undefined) where.push({ column: 'com_abs', value: String(comAbs) });
  return where;
}
