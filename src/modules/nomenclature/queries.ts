import type { Queryable } from '../../db/database.ts';

export interface CultureRow {
  code_cultu: string;
  libelle_cultu: string;
  code_group: number;
  libelle_group: string;
  depuis: number;
  [k: string]: unknown;
}
export interface GroupeRow {
  code_group: number;
  libelle_group: string;
  nombre_cultures: number;
  [k: string]: unknown;
}
export interface DerobeeRow {
  code_cultu: string;
  libelle_cultu: string;
  [k: string]: unknown;
}
export interface GroupeAvant2015Row {
  code_group: number;
  code_cultu: string;
  libelle_group: string;
  [k: string]: unknown;
}

// Codes are upper-case ASCII: COLLATE "C" gives the same order on both backends whatever their locale.
const CULTURES = `SELECT c.code AS code_cultu, c.libelle AS libelle_cultu, c.code_groupe AS code_group, g.libelle AS libelle_group, c.depuis
  FROM nomenclature_culture c JOIN nomenclature_groupe g ON g.code = c.code_groupe`;

export function cultures(db: Queryable, codeGroupe?: number): Promise<CultureRow[]> {
  return db.query<CultureRow>(`${CULTURES} WHERE ($1::integer IS NULL OR c.code_groupe = $1::integer) ORDER BY c.code COLLATE "C"`, [codeGroupe ?? null]);
}

export async function culture(db: Queryable, code: string): Promise<CultureRow | undefined> {
  return (await db.query<CultureRow>(`${CULTURES} WHERE c.code = $1`, [code]))[0];
}

const GROUPES = `SELECT g.code AS code_group, g.libelle AS libelle_group, count(c.code)::int AS nombre_cultures
  FROM nomenclature_groupe g LEFT JOIN nomenclature_culture c ON c.code_groupe = g.code`;

export function groupes(db: Queryable): Promise<GroupeRow[]> {
  return db.query<GroupeRow>(`${GROUPES} GROUP BY g.code, g.libelle ORDER BY g.code`);
}

export async function groupe(db: Queryable, code: number): Promise<GroupeRow | undefined> {
  return (await db.query<GroupeRow>(`${GROUPES} WHERE g.code = $1 GROUP BY g.code, g.libelle`, [code]))[0];
}

export function derobees(db: Queryable): Promise<DerobeeRow[]> {
  return db.query<DerobeeRow>('SELECT code AS code_cultu, libelle AS libelle_cultu FROM nomenclature_derobee ORDER BY code COLLATE "C"');
}

export async function derobee(db: Queryable, code: string): Promise<DerobeeRow | undefined> {
  return (await db.query<DerobeeRow>('SELECT code AS code_cultu, libelle AS libelle_cultu FROM nomenclature_derobee WHERE code = $1', [code]))[0];
}

export function groupesAvant2015(db: Queryable): Promise<GroupeAvant2015Row[]> {
  return db.query<GroupeAvant2015Row>(
    "SELECT code AS code_group, lpad(code::text, 2, '0') AS code_cultu, libelle AS libelle_group FROM nomenclature_groupe_avant_2015 ORDER BY code",
  );
}
