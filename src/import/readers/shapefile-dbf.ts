/**
 * dBase III/IV attribute tables (.dbf) of shapefiles, decoded record by record with iconv-lite.
 *
 * Encoding, in order: the caller's explicit choice (--encoding), the .cpg sidecar, the language
 * driver byte of the header, else a guess made on the first non-ASCII value: valid UTF-8 means a
 * UTF-8 file (GDAL's default output), anything else Windows-1252 — what CNIG/IGN files without .cpg
 * are in (`é` = E9 followed by ASCII is never valid UTF-8, so the guess does not misfire on French
 * text). A declared or guessed UTF-8 file with an invalid sequence fails with the feature number:
 * a wrong encoding must not load silently as mojibake.
 */
import iconv from 'iconv-lite';
import { SourceError } from './errors.ts';

export interface DbfField {
  name: string;
  type: string;
  length: number;
  decimals: number;
  /** Offset of the field inside a record (the deletion flag is byte 0). */
  offset: number;
}

export interface DbfHeader {
  version: number;
  records: number;
  headerLength: number;
  recordLength: number;
  /** Language driver id (byte 29): the code page some writers declare. */
  ldid: number;
  fields: DbfField[];
}

/** Code pages of the language driver byte that French data actually carries. */
const LDID: Record<number, string> = {
  0x01: 'cp437', 0x02: 'cp850', 0x03: 'windows-1252', 0x57: 'windows-1252', 0x58: 'windows-1252', 0x59: 'windows-1252',
  0x64: 'cp852', 0x65: 'cp866', 0xc8: 'windows-1250', 0xc9: 'windows-1251', 0xca: 'windows-1254', 0xcb: 'windows-1253',
};

export function encodingFromLdid(ldid: number): string | undefined {
  return LDID[ldid];
}

/** A .cpg's content (`UTF-8`, `1252`, `ANSI 1252`, `ISO-8859-1`, `88591`, `65001`…) as an iconv-lite name. */
export function encodingFromCpg(text: string): string {
  const t = text.replace(/^\uFEFF/, '').trim().toLowerCase();
  let name = t;
  if (/^(utf-?8|65001)$/.test(t)) name = 'utf-8';
  else if (/^(ansi[ _]?)?1252$/.test(t) || t === 'windows-1252' || t === 'cp1252') name = 'windows-1252';
  else if (/^(iso[-_ ]?)?8859[-_]?1$|^88591$|^latin-?1$/.test(t)) name = 'iso-8859-1';
  else if (/^(iso[-_ ]?)?8859[-_]?15$|^885915$/.test(t)) name = 'iso-8859-15';
  else if (/^\d{3,4}$/.test(t)) name = `cp${t}`;
  if (!iconv.encodingExists(name)) throw new Error(`unknown encoding "${text.trim()}"`);
  return name;
}

export function parseDbfHeader(head: Buffer, fieldsPart: Buffer, decodeName: (b: Buffer) => string): DbfHeader {
  const version = head[0];
  if ((version & 0x07) === 4 || ![0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x43, 0x63, 0x83, 0x8b, 0x8e, 0xcb, 0xf5, 0xfb].includes(version))
    throw new SourceError(`not a supported dBase file (version byte 0x${version.toString(16)})`);
  const records = head.readUInt32LE(4);
  const headerLength = head.readUInt16LE(8);
  const recordLength = head.readUInt16LE(10);
  const fields: DbfField[] = [];
  let offset = 1;
  for (let p = 0; p + 32 <= fieldsPart.length && fieldsPart[p] !== 0x0d; p += 32) {
    const raw = fieldsPart.subarray(p, p + 11);
    const end = raw.indexOf(0);
    const name = decodeName(end >= 0 ? raw.subarray(0, end) : raw).trim();
    const f = { name, type: String.fromCharCode(fieldsPart[p + 11]), length: fieldsPart[p + 16], decimals: fieldsPart[p + 17], offset };
    offset += f.length;
    fields.push(f);
  }
  if (!fields.length) throw new SourceError('the .dbf declares no field');
  if (offset > recordLength) throw new SourceError(`corrupt .dbf header: fields take ${offset} bytes, records ${recordLength}`);
  return { version, records, headerLength, recordLength, ldid: head[29], fields };
}

function isAscii(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] > 0x7f) return false;
  return true;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Turns field bytes into strings under the chosen (or guessed) encoding. */
export class DbfText {
  /** undefined while guessing and nothing non-ASCII has been seen. */
  encoding: string | undefined;
  readonly declared: boolean;
  constructor(encoding: string | undefined) {
    this.encoding = encoding;
    this.declared = encoding !== undefined;
  }

  decode(b: Buffer, start: number, end: number, feature: number, field: string): string {
    if (isAscii(b, start, end)) return b.toString('latin1', start, end);
    if (this.encoding === undefined) {
      try {
        const s = utf8Strict.decode(b.subarray(start, end));
        this.encoding = 'utf-8';
        return s;
      } catch {
        this.encoding = 'windows-1252';
      }
    }
    if (this.encoding === 'utf-8') {
      try {
        return utf8Strict.decode(b.subarray(start, end));
      } catch {
        throw new SourceError(
          `field ${field} is not valid UTF-8 (${this.declared ? 'the encoding declared for this file' : 'the encoding of its earlier values'}); ` +
            'pass --encoding (e.g. windows-1252) if the .cpg is wrong',
          feature,
        );
      }
    }
    return iconv.decode(b.subarray(start, end), this.encoding);
  }
}

/**
 * One record's properties, or null for a deleted record. Values: C → string (right-trimmed, null
 * when blank), N/F → number (a string when it is not a finite number, or an integer beyond 2^53,
 * so that no digit is lost), D → 'YYYY-MM-DD', L → boolean, I → int32, O → double.
 */
export function decodeRecord(h: DbfHeader, rec: Buffer, text: DbfText, feature: number): Record<string, unknown> | null {
  if (rec[0] === 0x2a) return null; // '*': deleted
  const out: Record<string, unknown> = {};
  for (const f of h.fields) {
    const start = f.offset;
    let end = start + f.length;
    switch (f.type) {
      case 'N':
      case 'F': {
        const s = rec.toString('latin1', start, end).trim();
        if (s === '' || /^\*+$/.test(s) || /^\.+$/.test(s)) out[f.name] = null;
        else {
          const n = Number(s);
          out[f.name] = Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n) || /[.eE]/.test(s)) ? n : s;
        }
        break;
      }
      case 'D': {
        const s = rec.toString('latin1', start, end).trim();
        out[f.name] = s === '' || /^0+$/.test(s) ? null : /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : s;
        break;
      }
      case 'L': {
        const c = String.fromCharCode(rec[start]).toUpperCase();
        out[f.name] = c === 'T' || c === 'Y' ? true : c === 'F' || c === 'N' ? false : null;
        break;
      }
      case 'I':
        out[f.name] = f.length === 4 ? rec.readInt32LE(start) : null;
        break;
      case 'O':
        out[f.name] = f.length === 8 ? rec.readDoubleLE(start) : null;
        break;
      default: {
        while (end > start && (rec[end - 1] === 0x20 || rec[end - 1] === 0)) end--;
        out[f.name] = end === start ? null : text.decode(rec, start, end, feature, f.name);
      }
    }
  }
  return out;
}
