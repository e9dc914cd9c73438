/**
 * Generates src/db/migrations/0002_nomenclature.sql from the RPG crop nomenclature printed in annex 1
 * of the ministry instruction DGPE/MVDGN/2018-706 (../shared/seeds/002_9caa0fc8f434ef8f.txt).
 *
 *   node --import tsx scripts/extract-nomenclature.ts [--seed <file>] [--out <file>] [--pac <file>] [--check]
 *
 * The migration is committed so the service runs without ../shared; this script is how it was made
 * and test/modules/nomenclature/extract.test.ts keeps the two in step. `--check` writes nothing and
 * exits 1 when the migration differs from what the seed gives. With `--pac` (default: the shared
 * codes-pac.json when present) it also prints how a later PAC nomenclature differs (never merged).
 *
 * The parser is strict: a line it does not understand inside a table is an error, not a skip, so a
 * changed seed cannot silently lose rows. Only tab-less lines (page furniture: signatures printed
 * across a page break) are passed over, and the counts are printed for review.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SHARED = process.env.SHARED_DATA_DIR ?? join(REPO, '..', 'shared');
export const SEED_PATH = join(SHARED, 'seeds', '002_9caa0fc8f434ef8f.txt');
export const PAC_PATH = join(SHARED, 'data', 'rpg', 'codes-pac.json');
export const MIGRATION_PATH = join(REPO, 'src', 'db', 'migrations', '0002_nomenclature.sql');

export interface Culture {
  code: string;
  libelle: string;
  code_groupe: number;
}
export interface Groupe {
  code: number;
  libelle: string;
  /** Where the label was read: the 2015+ crop table, or the pre-2015 group list when no 2015+ crop uses the group. */
  source: 'table-2015' | 'liste-avant-2015';
}
export interface GroupeAvant2015 {
  code: number;
  libelle: string;
  /** `page-perdue`: the row is missing from the printed list (page break) and its label comes from the 2015+ table. */
  source: 'liste-avant-2015' | 'page-perdue' | 'corrige';
}
export interface Derobee {
  code: string;
  libelle: string;
}
export interface Nomenclature {
  cultures: Culture[];
  groupes: Groupe[];
  derobees: Derobee[];
  groupesAvant2015: GroupeAvant2015[];
  /** Lines passed over inside the tables (page furniture), for review. */
  skipped: string[];
  seedSha256: string;
}

/**
 * Corrections of obvious misprints, applied only where the seed prints exactly `from`. A correction
 * that no longer matches is an error (the seed changed: review it rather than carry a dead rule).
 */
export const CORRECTIONS: { table: 'groupe_avant_2015'; code: number; from: string; to: string; why: string }[] = [
  {
    table: 'groupe_avant_2015',
    code: 26,
    from: 'Cannette à sucre',
    to: 'Canne à sucre',
    why: 'misprint: the 2015+ table of the same annex names group 26 "Canne à sucre" (crops CSA..CSR)',
  },
];

const GROUP_CODES = Array.from({ length: 28 }, (_, i) => i + 1);

/** The text between the one occurrence of `start` and the next occurrence of `end` after it. */
function section(text: string, start: RegExp, end: RegExp): string[] {
  const all = [...text.matchAll(new RegExp(start.source, 'g'))];
  if (all.length !== 1) throw new Error(`seed: expected one "${start.source}", found ${all.length}`);
  const from = all[0].index! + all[0][0].length;
  const rest = text.slice(from);
  const stop = rest.search(end);
  if (stop < 0) throw new Error(`seed: no "${end.source}" after "${start.source}"`);
  return rest.slice(0, stop).split('\n').map((l) => l.replace(/\r$/, ''));
}

const isHeader = (line: string, cells: string[]) => line.split('\t').map((c) => c.trim()).filter(Boolean).join('|') === cells.join('|');

/** Parses annex 1 of the instruction: pre-2015 groups, 2015+ crops with their groups, catch crops. */
export function parseSeed(text: string): Nomenclature {
  const skipped: string[] = [];
  const passOver = (line: string, where: string) => {
    if (line.includes('\t')) throw new Error(`seed, ${where}: unexpected line ${JSON.stringify(line)}`);
    if (line.trim()) skipped.push(`${where}: ${line.trim()}`);
  };

  // 2015+ crops. The group label is printed on a group's first row and "id." on the others.
  const cultures: Culture[] = [];
  const groupLabel2015 = new Map<number, string>();
  for (const line of section(text, /Les cultures et groupes de cultures sont les suivants :/, /Les codes et intitulés des cultures déro[bc]hées/)) {
    const m = /^([A-Z0-9]{3})\t([^\t]+)\t(\d{1,2})\t([^\t]+)$/.exec(line);
    if (!m) {
      if (isHeader(line, ['Cultures', 'Groupes de cultures']) || isHeader(line, ['code', 'libellé', 'code', 'libellé'])) continue;
      passOver(line, 'cultures 2015+');
      continue;
    }
    const [, code, libelle, g, printed] = m;
    const code_groupe = Number(g);
    if (code_groupe < 1 || code_groupe > 28) throw new Error(`seed: crop ${code} in group ${code_groupe}, outside 1..28`);
    const known = groupLabel2015.get(code_groupe);
    if (printed.trim() === 'id.') {
      if (!known) throw new Error(`seed: crop ${code} says "id." but group ${code_groupe} has no label printed before it`);
      if (cultures.at(-1)?.code_groupe !== code_groupe) throw new Error(`seed: crop ${code} says "id." after a crop of another group`);
    } else if (known && known !== printed.trim()) {
      throw new Error(`seed: group ${code_groupe} printed as "${known}" and "${printed.trim()}"`);
    } else groupLabel2015.set(code_groupe, printed.trim());
    if (cultures.some((c) => c.code === code)) throw new Error(`seed: crop code ${code} printed twice`);
    cultures.push({ code, libelle: libelle.trim(), code_groupe });
  }

  // Pre-2015 groups (îlots 2007-2014): a list cut by a page break; rows lost there are filled below.
  const avant = new Map<number, GroupeAvant2015>();
  for (const line of section(text, /Les groupes de cultures sont :/, /2\. Millésimes 2015 et suivants/)) {
    const m = /^(\d{1,2})\t([^\t]+)$/.exec(line);
    if (!m) {
      if (isHeader(line, ['Code', 'Libellé'])) continue;
      passOver(line, 'groupes avant 2015');
      continue;
    }
    const code = Number(m[1]);
    if (code < 1 || code > 28 || avant.has(code)) throw new Error(`seed: pre-2015 group ${code} out of range or repeated`);
    avant.set(code, { code, libelle: m[2].trim(), source: 'liste-avant-2015' });
  }
  for (const fix of CORRECTIONS) {
    const row = avant.get(fix.code);
    if (row?.libelle !== fix.from) throw new Error(`correction of group ${fix.code} ("${fix.from}") no longer matches the seed (${row?.libelle}): review it`);
    avant.set(fix.code, { code: fix.code, libelle: fix.to, source: 'corrige' });
  }
  for (const code of GROUP_CODES) {
    if (avant.has(code)) continue;
    const libelle = groupLabel2015.get(code);
    if (!libelle) throw new Error(`seed: pre-2015 group ${code} is missing and the 2015+ table has no label for it`);
    avant.set(code, { code, libelle, source: 'page-perdue' });
  }

  // The 28 groups of 2015+: labels of the 2015+ table; groups no 2015+ crop uses keep the pre-2015 label.
  const groupes: Groupe[] = GROUP_CODES.map((code) => {
    const l = groupLabel2015.get(code);
    return l ? { code, libelle: l, source: 'table-2015' } : { code, libelle: avant.get(code)!.libelle, source: 'liste-avant-2015' };
  });

  // Catch crops: three (code, label) pairs per printed line.
  const derobees: Derobee[] = [];
  for (const line of section(text, /Les codes et intitulés des cultures déro[bc]hées sont les suivants :/, /2\. Description des données du niveau 2/)) {
    if (isHeader(line, ['code', 'libellé', 'code', 'libellé', 'code', 'libellé'])) continue;
    const cells = line.split('\t').map((c) => c.trim());
    if (cells.length !== 6) {
      passOver(line, 'cultures dérobées');
      continue;
    }
    for (let i = 0; i < 6; i += 2) {
      const [code, libelle] = [cells[i], cells[i + 1]];
      if (!code && !libelle) continue;
      if (!/^[A-Z]{3}$/.test(code) || !libelle) throw new Error(`seed: bad catch-crop cell pair ${JSON.stringify([code, libelle])}`);
      if (derobees.some((d) => d.code === code)) throw new Error(`seed: catch-crop code ${code} printed twice`);
      derobees.push({ code, libelle });
    }
  }

  const byCode = <T extends { code: string }>(a: T, b: T) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  return {
    cultures: cultures.sort(byCode),
    groupes,
    derobees: derobees.sort(byCode),
    groupesAvant2015: GROUP_CODES.map((c) => avant.get(c)!),
    skipped,
    seedSha256: createHash('sha256').update(text).digest('hex'),
  };
}

/** A SQL string literal: quotes doubled; control characters refused (none belong in a label). */
export function sqlString(s: string): string {
  if (/[\u0000-\u001f\\]/.test(s)) throw new Error(`label with a control character or backslash: ${JSON.stringify(s)}`);
  return `'${s.replace(/'/g, "''")}'`;
}

const list = (codes: number[]) => (codes.length ? codes.join(', ') : 'none');

/** The migration text; deterministic (no date), so the test can compare it byte for byte. */
export function renderMigration(n: Nomenclature): string {
  const lost = n.groupesAvant2015.filter((g) => g.source === 'page-perdue');
  const fixed = n.groupesAvant2015.filter((g) => g.source === 'corrige');
  const fromOld = n.groupes.filter((g) => g.source === 'liste-avant-2015');
  // One row a line; a row's comment goes after its separating comma.
  const values = (rows: (string | [string, string])[]) =>
    rows
      .map((r, i) => {
        const [row, comment] = typeof r === 'string' ? [r, ''] : r;
        return `  ${row}${i < rows.length - 1 ? ',' : ''}${comment ? ` -- ${comment}` : ''}`;
      })
      .join('\n');
  return `-- RPG crop nomenclature. GENERATED by scripts/extract-nomenclature.ts: do not edit, re-run the script.
-- Source: instruction technique DGPE/MVDGN/2018-706 du 19/09/2018 (ministère de l'agriculture), annexe 1,
-- as text in ../shared/seeds/002_9caa0fc8f434ef8f.txt (sha256 ${n.seedSha256}).
-- Counts: ${n.cultures.length} crop codes (2015+), ${n.groupes.length} groups, ${n.derobees.length} catch-crop codes, ${n.groupesAvant2015.length} pre-2015 groups.
-- Deviations from the printed text (docs/nomenclature.md):
--  * nomenclature_groupe: no 2015+ crop belongs to groups ${list(fromOld.map((g) => g.code))};
--    their labels come from the pre-2015 group list of the same annex.
--  * nomenclature_groupe_avant_2015: rows ${list(lost.map((g) => g.code))}
--    were lost to a page break in the printed list; their labels come from the 2015+ table (same codes).
${CORRECTIONS.filter((c) => fixed.some((g) => g.code === c.code))
  .map((c) => `--  * nomenclature_groupe_avant_2015 row ${c.code}: "${c.from}" corrected to "${c.to}";\n--    ${c.why}.`)
  .join('\n')}
--  * Other labels are kept exactly as printed (e.g. "Mélicot", "Méilot", "Mais grain et ensilage").

CREATE TABLE IF NOT EXISTS nomenclature_groupe (
  code    integer PRIMARY KEY CHECK (code BETWEEN 1 AND 28),
  libelle text NOT NULL
);

-- Crops of the 2015+ parcels (PARCELLE.CODE_CULTURE). depuis: first campaign of the code in this nomenclature.
CREATE TABLE IF NOT EXISTS nomenclature_culture (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{3}$'),
  libelle     text NOT NULL,
  code_groupe integer NOT NULL REFERENCES nomenclature_groupe (code),
  depuis      integer NOT NULL DEFAULT 2015
);
CREATE INDEX IF NOT EXISTS nomenclature_culture_groupe_idx ON nomenclature_culture (code_groupe);

-- Catch crops (PARCELLE.CULTURE_DER_1 / CULTURE_DER_2).
CREATE TABLE IF NOT EXISTS nomenclature_derobee (
  code    text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  libelle text NOT NULL
);

-- Groups of the 2007-2014 îlots (ILOT_GROUPE_CULTURE.CODE_GROUPE_CULTURE, CHAR(2): '01'..'28').
CREATE TABLE IF NOT EXISTS nomenclature_groupe_avant_2015 (
  code    integer PRIMARY KEY CHECK (code BETWEEN 1 AND 28),
  libelle text NOT NULL
);

INSERT INTO nomenclature_groupe (code, libelle) VALUES
${values(n.groupes.map((g) => `(${g.code}, ${sqlString(g.libelle)})`))}
ON CONFLICT DO NOTHING;

INSERT INTO nomenclature_culture (code, libelle, code_groupe, depuis) VALUES
${values(n.cultures.map((c) => `(${sqlString(c.code)}, ${sqlString(c.libelle)}, ${c.code_groupe}, 2015)`))}
ON CONFLICT DO NOTHING;

INSERT INTO nomenclature_derobee (code, libelle) VALUES
${values(n.derobees.map((d) => `(${sqlString(d.code)}, ${sqlString(d.libelle)})`))}
ON CONFLICT DO NOTHING;

-- Rows ${list(lost.map((g) => g.code))}: lost to a page break in the printed list, labels from the 2015+ table.
INSERT INTO nomenclature_groupe_avant_2015 (code, libelle) VALUES
${values(n.groupesAvant2015.map((g): string | [string, string] => {
  const row = `(${g.code}, ${sqlString(g.libelle)})`;
  return g.source === 'page-perdue' ? [row, 'from the 2015+ table'] : g.source === 'corrige' ? [row, 'corrected misprint'] : row;
}))}
ON CONFLICT DO NOTHING;
`;
}

export interface PacRow {
  CODE_CULTURE: string;
  LIBELLE_CULTURE: string;
  CODE_GROUPE_CULTURE: string;
  LIBELLE_GROUPE_CULTURE: string;
}

export interface PacComparison {
  pacRows: number;
  onlyInPac: string[];
  onlyInSeed: string[];
  groupChanged: string[];
  /** Same words, other typography (’ for ', non-breaking or missing spaces). */
  typographyOnly: string[];
  reworded: { code: string; seed: string; pac: string }[];
}

/** How a later PAC nomenclature (codes-pac.json) differs from the seed's; informative only, never merged. */
export function comparePac(n: Nomenclature, pac: PacRow[]): PacComparison {
  const seed = new Map(n.cultures.map((c) => [c.code, c]));
  const later = new Map(pac.map((r) => [r.CODE_CULTURE, r]));
  const squash = (s: string) => s.replace(/[’‘]/g, "'").replace(/\s+/g, '');
  const out: PacComparison = { pacRows: pac.length, onlyInPac: [], onlyInSeed: [], groupChanged: [], typographyOnly: [], reworded: [] };
  for (const code of [...later.keys()].sort()) if (!seed.has(code)) out.onlyInPac.push(code);
  for (const [code, c] of seed) {
    const r = later.get(code);
    if (!r) {
      out.onlyInSeed.push(code);
      continue;
    }
    if (Number(r.CODE_GROUPE_CULTURE) !== c.code_groupe) out.groupChanged.push(code);
    if (r.LIBELLE_CULTURE === c.libelle) continue;
    if (squash(r.LIBELLE_CULTURE) === squash(c.libelle)) out.typographyOnly.push(code);
    else out.reworded.push({ code, seed: c.libelle, pac: r.LIBELLE_CULTURE });
  }
  return out;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main() {
  const seedPath = arg('--seed') ?? SEED_PATH;
  const out = arg('--out') ?? MIGRATION_PATH;
  const n = parseSeed(readFileSync(seedPath, 'utf8'));
  const sql = renderMigration(n);
  console.log(`${seedPath}: ${n.cultures.length} crop codes (2015+), ${n.groupes.length} groups, ${n.derobees.length} catch-crop codes, ${n.groupesAvant2015.length} pre-2015 groups`);
  console.log(`pre-2015 rows filled from the 2015+ table: ${list(n.groupesAvant2015.filter((g) => g.source === 'page-perdue').map((g) => g.code))}`);
  console.log(`page furniture passed over: ${n.skipped.length} lines`);
  for (const s of n.skipped) console.log(`  ${s}`);
  const pacPath = arg('--pac') ?? (existsSync(PAC_PATH) ? PAC_PATH : undefined);
  if (pacPath) {
    const c = comparePac(n, JSON.parse(readFileSync(pacPath, 'utf8')) as PacRow[]);
    console.log(`${pacPath}: ${c.pacRows} rows; only there ${c.onlyInPac.length} (${c.onlyInPac.join(' ')}); only in the seed ${c.onlyInSeed.length}; group changed ${c.groupChanged.length}; typography only ${c.typographyOnly.length}; reworded ${c.reworded.length}`);
    for (const r of c.reworded) console.log(`  ${r.code}: "${r.seed}" -> "${r.pac}"`);
  }
  if (process.argv.includes('--check')) {
    const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
    if (current !== sql) {
      console.error(`${out} is out of step with the seed: re-run without --check`);
      process.exit(1);
    }
    console.log(`${out} is in step with the seed`);
    return;
  }
  writeFileSync(out, sql);
  console.log(`wrote ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
