import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';

/**
 * CSV as RFC 4180 has it: comma separator, CRLF line ends, a header row, and a field quoted when it
 * holds a comma, a double quote, CR or LF (quotes doubled inside). UTF-8 without BOM: the
 * Content-Type says the charset, and a BOM would end up in the first column name of most parsers.
 * Values are written as they are (no spreadsheet "formula" escaping: that would alter the data).
 */
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** One field: null/undefined empty, objects as JSON, everything else as its string form. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole document: header row of `columns`, then each row's values in that order. */
export function toCsv(columns: readonly string[], rows: Iterable<Readonly<Record<string, unknown>>>): string {
  let out = columns.map(csvField).join(',') + '\r\n';
  for (const row of rows) out += columns.map((c) => csvField(row[c])).join(',') + '\r\n';
  return out;
}

/**
 * Parses RFC 4180 text into rows of strings (LF line ends accepted too). Strict: a quote inside an
 * unquoted field, text after a closing quote or an unclosed quote is an error, never a guess.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return rows;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`CSV: unclosed quote in row ${rows.length + 1}`);
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') throw new Error(`CSV: text after a closing quote in row ${rows.length + 1}`);
    } else {
      const m = /[,\r\n]/.exec(text.slice(i));
      const end = m ? i + m.index : n;
      field = text.slice(i, end);
      if (field.includes('"')) throw new Error(`CSV: quote inside an unquoted field in row ${rows.length + 1}`);
      i = end;
    }
    row.push(field);
    if (i >= n) {
      rows.push(row);
      return rows;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    // End of a record: CRLF or LF; a final line end closes the last record.
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    rows.push(row);
    row = [];
    if (i >= n) return rows;
  }
}

export type ResponseFormat = 'json' | 'csv';

/** The `format` query parameter of routes that can answer CSV (it wins over the Accept header). */
export const formatParam = Type.Optional(
  Type.Enum(['json', 'csv'], {
    description: 'Answer format: `json` (default) or `csv` (RFC 4180, UTF-8). Without it, `Accept: text/csv` also selects CSV.',
  }),
);

/** q of the most specific Accept range matching `type` (exact, then `major/*`, then `*\/*`); 0 if none. */
function quality(ranges: { range: string; q: number }[], type: string): { q: number; exact: boolean } {
  const major = type.split('/')[0] + '/*';
  for (const candidate of [type, major, '*/*']) {
    const r = ranges.find((x) => x.range === candidate);
    if (r) return { q: r.q, exact: candidate === type };
  }
  return { q: 0, exact: false };
}

/**
 * JSON or CSV for this request: `format` when given, else the Accept header (CSV only when it is
 * preferred to JSON, or named explicitly where JSON only matches a wildcard); JSON otherwise.
 */
export function negotiateFormat(req: FastifyRequest, format?: ResponseFormat): ResponseFormat {
  if (format) return format;
  const accept = req.headers.accept;
  if (!accept) return 'json';
  const ranges = accept.split(',').map((part) => {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    return { range, q: Number.isFinite(q) ? q : 0 };
  });
  const csv = quality(ranges, 'text/csv');
  const json = quality(ranges, 'application/json');
  if (csv.q > json.q) return 'csv';
  return csv.q > 0 && csv.q === json.q && csv.exact && !json.exact ? 'csv' : 'json';
}

/** Sends `rows` as a CSV attachment named `filename` (so `curl -OJ` and browsers save it sensibly). */
export function sendCsv(reply: FastifyReply, filename: string, columns: readonly string[], rows: Iterable<Readonly<Record<string, unknown>>>) {
  return reply
    .type(CSV_CONTENT_TYPE)
    .header('content-disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
    .send(toCsv(columns, rows));
}

export interface CsvView {
  filename: string;
  columns: readonly string[];
  rows: Iterable<Readonly<Record<string, unknown>>>;
}

/**
 * Answers `body` as JSON, or its tabular `csv` view when the request asks for CSV. `Vary: Accept`
 * either way, since the same URL has two representations a cache must keep apart.
 */
export function sendJsonOrCsv(req: FastifyRequest, reply: FastifyReply, format: ResponseFormat | undefined, body: unknown, csv: CsvView) {
  reply.header('vary', 'accept');
  if (negotiateFormat(req, format) === 'csv') return sendCsv(reply, csv.filename, csv.columns, csv.rows);
  return reply.send(body);
}

/** A 200 documented as JSON (by `schema`) and as CSV: Fastify serialises the JSON by the schema and leaves CSV as text. */
export function jsonOrCsvResponse(schema: TSchema, description: string, csvColumns?: readonly string[]) {
  const csv = `RFC 4180 CSV, header row, UTF-8${csvColumns ? `: ${csvColumns.join(',')}` : ''}`;
  return {
    description,
    content: {
      'application/json': { schema },
      'text/csv': { schema: Type.String({ description: csv }) },
    },
  };
}
