/**
 * The extraction of an accepted request (§2 "dispositif d'extraction géographique et thématique", §3.3):
 * the parcels and îlots inside the granted territory — by the commune of their îlot, whether or not the
 * farm's seat is there —, the farm tables of the farms working land there, only the granted attributes,
 * only completed campaigns; as a zip holding a GeoPackage (tables with geometry), CSV files (tables
 * without), the metadata sheet (JSON and text) and the GDPR art. 14 notice. State-only tables are
 * never extracted for a body that is not a State service, whatever the request or decision says.
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import type { Queryable } from '../../db/database.ts';
import { ident } from '../../db/sql.ts';
import { toCsv } from '../../formats/csv.ts';
import { completedAmong } from '../rpg/campagnes.ts';
import type { Principal } from '../../auth/keys.ts';
import { HttpProblem, notFound } from '../../http/problems.ts';
import { appendRegistre, visibleDemande, type Accorde, type Demande } from './demandes.ts';
import { writeGeoPackage, type GpkgColumn, type GpkgLayer } from './gpkg.ts';
import { STATE_KINDS } from './habilitation.ts';
import { noticeArt14 } from './notice.ts';
import { CATEGORIES, N2_TABLES, n2DatasetLayer, tableById, type N2Attribute, type N2Table } from './tables.ts';

const GPKG_TYPE: Record<N2Attribute['type'], GpkgColumn['type']> = {
  text: 'TEXT',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  'double precision': 'REAL',
  boolean: 'BOOLEAN',
  date: 'TEXT',
  jsonb: 'TEXT',
};

export interface Extraction {
  zip: Uint8Array;
  sha256: string;
  fileName: string;
  /** Rows per table, for the register and the audit trail. */
  rows: Record<string, number>;
  campagnes: number[];
  excluded: { campagnes: number[]; tables: string[] };
  files: { name: string; sha256: string; bytes: number }[];
}

/** The WHERE clause selecting a table's rows for the granted territory and campaigns (over `t`). */
function selection(t: N2Table, hasPacage: boolean): string {
  const farm = hasPacage ? ' AND t.numero_pacage = $3' : '';
  switch (t.territoire) {
    case 'commune':
      return `t.campagne = ANY($1::int[]) AND t.commune_ilot = ANY($2::text[])${farm}`;
    case 'exploitation':
      return `t.campagne = ANY($1::int[])${farm} AND t.numero_pacage IN (
        SELECT p.numero_pacage FROM rpg_n2_parcelle p WHERE p.campagne = t.campagne AND p.commune_ilot = ANY($2::text[]))`;
    case 'ilot':
      return `t.campagne = ANY($1::int[])${farm} AND EXISTS (
        SELECT 1 FROM rpg_n2_parcelle p WHERE p.campagne = t.campagne AND p.numero_pacage = t.numero_pacage
          AND p.numero_ilot = t.numero_ilot AND p.commune_ilot = ANY($2::text[]))`;
    case 'national':
      // Every parameter is referenced (PostgreSQL refuses a bound parameter a statement does not use).
      return `t.campagne = ANY($1::int[]) AND $2::text[] IS NOT NULL${hasPacage ? ' AND $3::text IS NOT NULL' : ''}`;
  }
}

const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer));

async function readTable(db: Queryable, t: N2Table, attrs: string[], params: unknown[]) {
  const cols = ['campagne', ...attrs.filter((a) => a !== 'campagne')];
  const list = cols.map((c) => `t.${ident(c)}`).join(', ');
  const where = selection(t, params.length > 2);
  if (!t.geometry) {
    const rows = await db.query(`SELECT ${list} FROM ${ident(t.table)} t WHERE ${where} ORDER BY ${cols.map((c) => `t.${ident(c)}`).slice(0, 3).join(', ')}`, params);
    return { cols, rows, geo: null };
  }
  const g = t.geometry;
  const rows = await db.query<Record<string, unknown> & { wkb: unknown; x0: number; y0: number; x1: number; y1: number }>(
    `SELECT ${list}, ST_AsBinary(g.geom, 'NDR') AS wkb, ST_XMin(g.geom) AS x0, ST_YMin(g.geom) AS y0, ST_XMax(g.geom) AS x1, ST_YMax(g.geom) AS y1
     FROM ${ident(t.table)} t JOIN ${ident(g.table)} g ON g.campagne = t.campagne AND g.departement = t.departement AND g.${ident(g.key)} = t.${ident(g.key)}
     WHERE ${where} ORDER BY t.campagne, t.${ident(g.key)}`,
    params,
  );
  return { cols, rows, geo: rows.map((r) => ({ wkb: bytes(r.wkb), bbox: [r.x0, r.y0, r.x1, r.y1] as [number, number, number, number] })) };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Builds the extraction of `d` (accepted, its requester of kind `requesterKind`). */
export async function buildExtraction(db: Queryable, d: Demande & { accorde: Accorde }, requesterKind: string, now: Date = new Date()): Promise<Extraction> {
  const a = d.accorde;
  const campagnes = await completedAmong(db, a.campagnes, now);
  const state = (STATE_KINDS as readonly string[]).includes(requesterKind);
  const granted = Object.entries(a.tables)
    .map(([k, v]) => [tableById(k), v] as const)
    .filter((x): x is [N2Table, string[]] => x[0] !== undefined);
  const excludedTables = granted.filter(([t]) => t.etatSeulement && !state).map(([t]) => t.id);
  const params: unknown[] = [campagnes, a.communes, ...(d.pacage ? [d.pacage] : [])];

  const files: Record<string, Uint8Array> = {};
  const layers: GpkgLayer[] = [];
  const rows: Record<string, number> = {};
  const sheetTables: Record<string, unknown>[] = [];
  let extent: [number, number, number, number] | null = null;
  for (const [t, asked] of granted) {
    if (excludedTables.includes(t.id)) continue;
    const attrs = t.attributes.filter((x) => asked.includes(x.name)).map((x) => x.name); // the table's order, only what was granted
    const r = await readTable(db, t, attrs, params);
    rows[t.id] = r.rows.length;
    const meanings = [{ name: 'campagne', label: 'Campagne PAC (millésime)', type: 'integer' }, ...t.attributes.filter((x) => attrs.includes(x.name)).map((x) => ({ name: x.name, label: x.label, type: x.type, categorie: CATEGORIES[x.categorie] }))];
    if (r.geo) {
      layers.push({
        name: t.id,
        description: `${t.title} (${t.instruction})`,
        geometryType: 'MULTIPOLYGON',
        columns: r.cols.map((c) => ({ name: c, type: c === 'campagne' ? 'INTEGER' : GPKG_TYPE[t.attributes.find((x) => x.name === c)!.type] })),
        rows: r.rows.map((row, i) => ({ values: r.cols.map((c) => row[c]), ...r.geo![i] })),
      });
      for (const g of r.geo) extent = extent ? [Math.min(extent[0], g.bbox[0]), Math.min(extent[1], g.bbox[1]), Math.max(extent[2], g.bbox[2]), Math.max(extent[3], g.bbox[3])] : [...g.bbox];
      sheetTables.push({ table: t.id, instruction: t.instruction, fichier: 'niveau2.gpkg', couche: t.id, geometrie: 'MultiPolygon, EPSG:4326', lignes: r.rows.length, attributs: meanings });
    } else {
      const name = `${t.id}.csv`;
      files[name] = strToU8(toCsv(r.cols, r.rows));
      sheetTables.push({ table: t.id, instruction: t.instruction, fichier: name, lignes: r.rows.length, attributs: meanings });
    }
  }
  if (layers.length) files['niveau2.gpkg'] = await writeGeoPackage(layers);

  const lineage = await db.query<{ id: string; source: string; producer: string; imported_at: string; synthetic: boolean }>(
    `SELECT id, source, producer, to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at, synthetic
     FROM terroir_dataset WHERE layer = ANY($1::text[]) AND campagne = ANY($2::int[]) ORDER BY id`,
    [granted.flatMap(([t]) => [n2DatasetLayer(t), ...(t.geometry ? [t.geometry.layer] : [])]), campagnes],
  );
  const fileList = Object.entries(files).map(([name, b]) => ({ name, sha256: sha256(b), bytes: b.length }));
  const sheet = {
    titre: `Extraction RPG niveau 2 — demande n° ${d.id}`,
    producteur: 'ASP (SIGC, registre parcellaire graphique), extraction Terroir',
    synthetique: lineage.some((l) => l.synthetic) ? 'ATTENTION : données SYNTHÉTIQUES (démonstration), exploitations fictives' : false,
    genealogie: lineage,
    date_extraction: now.toISOString(),
    campagnes,
    campagnes_exclues: a.campagnes.filter((c) => !campagnes.includes(c)).map((c) => ({ campagne: c, motif: 'campagne non constatée (instruction §2)' })),
    emprise: extent ? { bbox: extent, crs: 'EPSG:4326' } : null,
    systeme_de_coordonnees: 'WGS 84 (EPSG:4326), longitude/latitude en degrés décimaux',
    territoire: { communes: a.communes, exploitation: d.pacage },
    tables: sheetTables,
    tables_exclues: excludedTables.map((t) => ({ table: t, motif: 'réservée aux services de l’État (annexe 1 §2)' })),
    demande: {
      id: d.id,
      demandeur: d.organisation_nom,
      nature: d.nature,
      traitement: d.demande.traitement,
      finalite: d.demande.finalite,
      sous_finalites: d.demande.sous_finalites ?? [],
      responsable: d.demande.responsable,
      dpo: d.demande.dpo,
      decision: d.decide_le,
      lien_valable_jusqu_au: d.expire_le,
    },
    engagements: {
      ...d.demande.engagements,
      texte: 'Le demandeur s’est engagé à n’utiliser ces données que pour le traitement nommé ci-dessus et à informer les exploitants concernés (RGPD art. 14).',
    },
    fichiers: fileList,
    reference: 'Instruction technique DGPE/MVDGN/2018-706 du 19/09/2018, §3.2 et §3.3',
  };
  files['metadonnees.json'] = strToU8(JSON.stringify(sheet, null, 2));
  files['information_art14.txt'] = strToU8(noticeArt14(d));
  const zip = zipSync(files, { level: 6, mtime: now });
  return {
    zip,
    sha256: sha256(zip),
    fileName: `rpg-niveau2-demande-${d.id}.zip`,
    rows,
    campagnes,
    excluded: { campagnes: sheet.campagnes_exclues.map((c) => c.campagne), tables: excludedTables },
    files: fileList,
  };
}

/**
 * The download of request `id` by `p`: only its requester, only accepted and not expired, only if a
 * granted campaign is completed; recorded in the register with its content, checksum and commitments.
 */
export async function extractFor(db: Queryable, p: Principal, id: number, now: Date = new Date()): Promise<Extraction> {
  const d = await downloadable(db, p, id, now);
  const x = await buildExtraction(db, d as Demande & { accorde: Accorde }, p.organisation.kind, now);
  if (!x.campagnes.length) {
    throw new HttpProblem('forbidden', `none of the granted campaigns (${d.accorde!.campagnes.join(', ')}) is completed: level 2 is extracted for completed ("constatée") campaigns only (instruction §2)`, undefined, { rule: 'rpg-campagne-constatee' });
  }
  await appendRegistre(db, d.id, 'extraction', p, { fichier: x.fileName, lignes: x.rows, campagnes: x.campagnes, exclus: x.excluded, fichiers: x.files, engagements: d.demande.engagements, traitement: d.demande.traitement }, x.sha256);
  return x;
}

/**
 * Request `id` as `p` may download it (also what a download link is issued for): its requester only,
 * accepted, its decision not expired.
 */
export async function downloadable(db: Queryable, p: Principal, id: number, now: Date = new Date()): Promise<Demande> {
  const d = await visibleDemande(db, p, id);
  // Only the requester downloads; an instructor sees the request, never receives the data through it.
  if (d.organisation !== p.organisation.id) throw notFound(`no request ${d.id} of your organisation`);
  if (d.statut !== 'acceptee') throw new HttpProblem('conflict', `request ${d.id} is ${d.statut === 'deposee' ? 'pending' : 'refused'}: nothing to download`);
  if (!d.expire_le || Date.parse(d.expire_le) <= now.getTime()) {
    throw new HttpProblem('forbidden', `the extraction of request ${d.id} could be downloaded until ${d.expire_le}; ask the instructor for a new decision`);
  }
  return d;
}

export { N2_TABLES };
