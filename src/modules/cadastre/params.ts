/**
 * The cadastre parameters: their schemas (types and documentation), the reference's validation rules
 * and messages (apicarto controllers/cadastre, §6.2), and the conditions they become.
 *
 * The schemas only say "string": the rules are checked in checkParams() (a preHandler) so that a
 * broken value gets the reference's own message, keyed by the parameter, in the body or the query
 * string where the client put it.
 */
import { Type, type TSchema } from 'typebox';
import type { Condition } from '../../features/query.ts';
import { invalidParam, type ParamLocation } from '../../http/problems.ts';
import { arrondissementOf, inseeProblem } from './codes.ts';

export type RouteKind = 'commune' | 'division' | 'feuille' | 'parcelle' | 'localisant';

const str = (description: string, examples: string[], extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.String({ description, examples, ...extra }));

const COMMUNE_FILTERS = {
  code_insee: str(
    'INSEE code of the commune, 5 characters (2A/2B for Corsica, 97xxx overseas). An arrondissement municipal code (75112, 69381, 13201) selects that arrondissement of Paris, Lyon or Marseille.',
    ['29158'],
  ),
  code_dep: str('Département code: 2 characters, or 3 for the overseas départements (971…976).', ['29']),
  code_com: str('Commune code inside its département: 3 digits (2 overseas, after a 3-character code_dep).', ['158']),
  nom_com: str('Commune name, exact match (as answered, e.g. "Penmarch").', ['Penmarch'], { maxLength: 200 }),
  source_ign: str('PCI (Parcellaire Express, default) or BDP (BD Parcellaire): Terroir serves the PCI data for both.', ['PCI']),
  apikey: str('Accepted and ignored (an old API Carto parameter).', [], { maxLength: 1000 }),
  codearr: str('Refused: renamed code_arr.', []),
  dep: str('Refused: renamed code_dep.', []),
  insee: str('Refused: renamed code_insee.', []),
};

const SECTION_FILTERS = {
  section: str('Section, 2 characters (zero-padded: 0A).', ['AW']),
  code_arr: str('Arrondissement municipal code, 3 digits (Paris, Lyon, Marseille; 000 elsewhere).', ['000']),
  com_abs: str('Prefix: code of the absorbed commune, 3 digits (000 if none).', ['000']),
  code_abs: str('Alias of com_abs (the name the R package happign sends).', ['000']),
};

const PARCEL_FILTERS = {
  numero: str('Parcel number, 4 characters (zero-padded: 0001).', ['0001']),
};

export function filtersFor(kind: RouteKind): Record<string, TSchema> {
  if (kind === 'commune') return COMMUNE_FILTERS;
  if (kind === 'division' || kind === 'feuille') return { ...COMMUNE_FILTERS, ...SECTION_FILTERS };
  return { ...COMMUNE_FILTERS, ...SECTION_FILTERS, ...PARCEL_FILTERS };
}

const LEGACY: Record<string, string> = {
  codearr: 'Le paramètre "codearr" a été remplacé par "code_arr" pour éviter des renommages dans les données et chaînage de requête',
  dep: 'Le paramètre "dep" a été remplacé par "code_dep" pour éviter des renommages dans les données et chaînage de requête',
  insee: 'Le paramètre "insee" a été remplacé par "code_insee" pour éviter des renommages dans les données et chaînage de requête',
};

const SOURCE_LENGTH = 'Les seules valeurs possibles sont: PCI pour utiliser les couches PCI-Express ou BDP pour utiliser les couches BD Parcellaires';
const SOURCE_VALUE = 'Pour une recherche sur la couche PCI EXPRESS : la valeur doit être PCI.Pour une recherche sur la couche BD Parcellaire: la valeur doit être BDP.';

/** [rule, message] per parameter: the reference's validators, `numero` anchored (§15.4). */
const RULES: Record<string, [RegExp, string]> = {
  code_dep: [/^(?:[0-9A-Za-z]{2}|97[1-8])$/, 'Code département invalide'],
  code_com: [/^\d{2,3}$/, 'Code commune invalide'],
  section: [/^[0-9A-Za-z]{2}$/, 'Le numéro de section est sur 2 caractères'],
  code_arr: [/^\d{3}$/, 'Le code arrondissement est composé de 3 chiffres'],
  com_abs: [/^\d{3}$/, 'Le prefixe est composé de 3 chiffres obligatoires'],
  code_abs: [/^\d{3}$/, 'Le prefixe est composé de 3 chiffres obligatoires'],
  numero: [/^\w{4}$/, 'Le numéro de parcelle est sur 4 caractères'],
};

/**
 * Checks every cadastre parameter of one location (query string or JSON body) with the reference's
 * rules and messages. Types and unknown names were already checked by the route schema.
 */
export function checkParams(kind: RouteKind, values: Record<string, unknown>, location: ParamLocation): void {
  for (const [name, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    const value = String(raw);
    if (name in LEGACY) throw invalidParam(name, LEGACY[name], location, raw);
    if (name === 'code_insee') {
      const problem = inseeProblem(value);
      if (problem) throw invalidParam(name, problem, location, raw);
    } else if (name === 'source_ign') {
      if (value.length !== 3) throw invalidParam(name, SOURCE_LENGTH, location, raw);
      // The reference checks the value only where BD Parcellaire has the layer (not division/feuille).
      if (!['division', 'feuille'].includes(kind) && !/^(PCI|BDP)$/i.test(value)) throw invalidParam(name, SOURCE_VALUE, location, raw);
    } else if (name in RULES) {
      const [re, message] = RULES[name];
      if (!re.test(value)) throw invalidParam(name, message, location, raw);
    }
  }
  if (values.com_abs !== undefined && values.code_abs !== undefined && String(values.com_abs) !== String(values.code_abs)) {
    throw invalidParam('code_abs', 'is an alias of com_abs and contradicts it', location, values.code_abs);
  }
}

export interface CadastreInput {
  code_insee?: string;
  code_dep?: string;
  code_com?: string;
  nom_com?: string;
  section?: string;
  numero?: string;
  code_arr?: string;
  com_abs?: string;
  code_abs?: string;
}

/**
 * The filters as conditions. Like the reference, `code_insee` wins over `code_dep`/`code_com`; a
 * `code_dep` + `code_com` pair is matched as the INSEE code it spells, so 971 + 01 and 97 + 101 both
 * find 97101. Codes are compared upper-cased (2a004 = 2A004, section aw = AW). Only the parameters
 * of `kind` reach here (the route schema refuses the others).
 */
export function toConditions(kind: RouteKind, input: CadastreInput): Condition[] {
  const where: Condition[] = [];
  const up = (v: string | undefined) => (v === undefined ? undefined : String(v).toUpperCase());
  const insee = up(input.code_insee);
  const dep = up(input.code_dep);
  const com = up(input.code_com);
  if (insee !== undefined) {
    const arr = arrondissementOf(insee);
    if (arr) {
      // Communes have no code_arr: an arrondissement selects its whole commune there.
      where.push({ sql: 't.code_insee', value: arr.commune });
      if (kind !== 'commune') where.push({ sql: 't.code_arr', value: arr.code_arr });
    } else {
      where.push({ sql: 't.code_insee', value: insee });
    }
  } else if (dep !== undefined && com !== undefined) {
    where.push({ sql: 't.code_insee', value: dep + com });
  } else if (dep !== undefined) {
    where.push({ sql: 't.code_dep', value: dep });
  } else if (com !== undefined) {
    where.push({ sql: 't.code_com', value: com });
  }
  if (input.nom_com !== undefined) where.push({ sql: 't.nom_com', value: String(input.nom_com) });
  if (input.section !== undefined) where.push({ sql: 't.section', value: up(input.section) });
  if (input.numero !== undefined) where.push({ sql: 't.numero', value: up(input.numero) });
  if (input.code_arr !== undefined) where.push({ sql: 't.code_arr', value: String(input.code_arr) });
  const comAbs = input.com_abs ?? input.code_abs;
  if (comAbs !== undefined) where.push({ sql: 't.com_abs', value: String(comAbs) });
  return where;
}
