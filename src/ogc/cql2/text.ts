/**
 * CQL2 text (OGC 21-065, `cql2-text`) to the checked tree: a tokenizer that keeps each token's
 * position, and a recursive-descent parser over the subset Terroir declares (basic CQL2, advanced
 * comparison operators LIKE / BETWEEN / IN, S_INTERSECTS with a WKT or BBOX literal). Anything else is
 * a 400 naming the position.
 */
import { FLIP, MAX_DEPTH, MAX_IN, filterError, type Comparison, type Expr, type GeomLit, type Lit, type Prop } from './tree.ts';

type TokenKind = 'ident' | 'number' | 'string' | 'op' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** Identifier as written (quoted ones unquoted); keyword check is on the upper-cased text. */
  value: string;
  pos: number;
}

const MAX_LENGTH = 100_000;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = (p: number) => `position ${p + 1}`;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw filterError(at(start), 'unterminated string');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ kind: 'string', text: src.slice(start, i), value: v, pos: start });
    } else if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw filterError(at(start), 'unterminated quoted property name');
      out.push({ kind: 'ident', text: src.slice(start, end + 1), value: src.slice(i + 1, end), pos: start });
      i = end + 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw filterError(at(start), 'malformed number');
      i += m[0].length;
      out.push({ kind: 'number', text: m[0], value: m[0], pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.:-]*/.exec(src.slice(i))!;
      // A trailing '-' belongs to what follows (`a-1` is not a name here): names end on a letter or digit.
      const word = m[0].replace(/[-.:]+$/, '');
      i += word.length;
      out.push({ kind: 'ident', text: word, value: word, pos: start });
    } else if (c === '<' || c === '>' || c === '=' || c === '!') {
      const two = src.slice(i, i + 2);
      const op = ['<=', '>=', '<>'].includes(two) ? two : c;
      if (op === '!') throw filterError(at(start), "unexpected '!' (CQL2 writes <> for 'not equal')");
      i += op.length;
      out.push({ kind: 'op', text: op, value: op, pos: start });
    } else if (c === '(' || c === ')' || c === ',') {
      i++;
      out.push({ kind: 'punct', text: c, value: c, pos: start });
    } else {
      throw filterError(at(start), `unexpected character ${JSON.stringify(c)}`);
    }
  }
  out.push({ kind: 'end', text: '', value: '', pos: src.length });
  return out;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);
const WKT_TYPES: Record<string, string> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
};

class Parser {
  #i = 0;
  #depth = 0;
  constructor(private readonly t: Token[]) {}

  get #tok() {
    return this.t[this.#i];
  }
  #at(tok = this.#tok) {
    return `position ${tok.pos + 1}`;
  }
  #upper(tok = this.#tok) {
    return tok.kind === 'ident' && !tok.text.startsWith('"') ? tok.value.toUpperCase() : '';
  }
  #isWord(w: string) {
    return this.#upper() === w;
  }
  #eatWord(w: string) {
    if (!this.#isWord(w)) return false;
    this.#i++;
    return true;
  }
  #expect(kind: TokenKind, text: string, what = `'${text}'`) {
    const tok = this.#tok;
    if (tok.kind !== kind || tok.text !== text) throw filterError(this.#at(), `expected ${what}, found ${describe(tok)}`);
    this.#i++;
  }

  parse(): Expr {
    const e = this.#or();
    if (this.#tok.kind !== 'end') throw filterError(this.#at(), `unexpected ${describe(this.#tok)}`);
    return e;
  }

  #nest<T>(f: () => T): T {
    if (++this.#depth > MAX_DEPTH) throw filterError(this.#at(), `nested deeper than ${MAX_DEPTH}`);
    try {
      return f();
    } finally {
      this.#depth--;
    }
  }

  #or(): Expr {
    const at = this.#at();
    const args = [this.#and()];
    while (this.#eatWord('OR')) args.push(this.#and());
    return args.length === 1 ? args[0] : { kind: 'or', args, at };
  }

  #and(): Expr {
    const at = this.#at();
    const args = [this.#not()];
    while (this.#eatWord('AND')) args.push(this.#not());
    return args.length === 1 ? args[0] : { kind: 'and', args, at };
  }

  #not(): Expr {
    const at = this.#at();
    if (this.#eatWord('NOT')) return this.#nest(() => ({ kind: 'not', arg: this.#not(), at }));
    return this.#primary();
  }

  #primary(): Expr {
    const tok = this.#tok;
    const at = this.#at();
    if (tok.kind === 'punct' && tok.text === '(') {
      this.#i++;
      const e = this.#nest(() => this.#or());
      this.#expect('punct', ')');
      return e;
    }
    if (this.#isWord('TRUE') || this.#isWord('FALSE')) {
      // A boolean literal alone is a predicate; followed by an operator it is compared.
      const next = this.t[this.#i + 1];
      if (!(next.kind === 'op')) {
        this.#i++;
        return { kind: 'bool', value: tok.value.toUpperCase() === 'TRUE', at };
      }
    }
    if (this.#upper() === 'S_INTERSECTS') {
      this.#i++;
      this.#expect('punct', '(');
      const [a, b] = [this.#spatialArg(), (this.#expect('punct', ','), this.#spatialArg())];
      this.#expect('punct', ')');
      const prop = a.kind === 'property' ? a : b.kind === 'property' ? b : null;
      const geometry = a.kind === 'geometry' ? a : b.kind === 'geometry' ? b : null;
      if (!prop || !geometry) throw filterError(at, 'S_INTERSECTS takes a geometry property and a geometry literal');
      return { kind: 's_intersects', prop, geometry, at };
    }
    const left = this.#operand();
    const notAt = this.#at();
    const negated = this.#eatWord('NOT');
    if (this.#eatWord('LIKE')) return this.#negate(negated, notAt, { kind: 'like', prop: this.#prop(left), pattern: this.#literal(), at });
    if (this.#eatWord('BETWEEN')) {
      const low = this.#literal();
      if (!this.#eatWord('AND')) throw filterError(this.#at(), `expected AND in BETWEEN, found ${describe(this.#tok)}`);
      return this.#negate(negated, notAt, { kind: 'between', prop: this.#prop(left), low, high: this.#literal(), at });
    }
    if (this.#eatWord('IN')) {
      this.#expect('punct', '(');
      const values = [this.#literal()];
      while (this.#tok.kind === 'punct' && this.#tok.text === ',') {
        this.#i++;
        values.push(this.#literal());
        if (values.length > MAX_IN) throw filterError(this.#at(), `IN lists at most ${MAX_IN} values`);
      }
      this.#expect('punct', ')');
      return this.#negate(negated, notAt, { kind: 'in', prop: this.#prop(left), values, at });
    }
    if (negated) throw filterError(notAt, 'NOT here must be followed by LIKE, BETWEEN or IN');
    if (this.#eatWord('IS')) {
      const isNot = this.#eatWord('NOT');
      if (!this.#eatWord('NULL')) throw filterError(this.#at(), `expected NULL, found ${describe(this.#tok)}`);
      return this.#negate(isNot, at, { kind: 'isNull', prop: this.#prop(left), at });
    }
    if (this.#tok.kind === 'op') {
      const op = this.#tok.text as Comparison;
      this.#i++;
      const right = this.#operand();
      if (left.kind === 'property' && right.kind === 'literal') return { kind: 'compare', op, prop: left, value: right, at };
      if (left.kind === 'literal' && right.kind === 'property') return { kind: 'compare', op: FLIP[op], prop: right, value: left, at };
      throw filterError(at, 'a comparison takes a property and a literal');
    }
    throw filterError(this.#at(), `expected an operator (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL), found ${describe(this.#tok)}`);
  }

  #negate(negated: boolean, at: string, e: Expr): Expr {
    return negated ? { kind: 'not', arg: e, at } : e;
  }

  #prop(e: Prop | Lit): Prop {
    if (e.kind !== 'property') throw filterError(e.at, 'expected a property name on the left of the operator');
    return e;
  }

  #operand(): Prop | Lit {
    const tok = this.#tok;
    if (tok.kind === 'ident' && !KEYWORDS.has(this.#upper()) && !this.#isTemporal()) {
      this.#i++;
      return { kind: 'property', name: tok.value, at: this.#at(tok) };
    }
    return this.#literal();
  }

  #isTemporal() {
    return (this.#isWord('DATE') || this.#isWord('TIMESTAMP')) && this.t[this.#i + 1]?.text === '(';
  }

  #literal(): Lit {
    const tok = this.#tok;
    const at = this.#at();
    if (tok.kind === 'string') {
      this.#i++;
      return { kind: 'literal', value: tok.value, at };
    }
    if (tok.kind === 'number') {
      this.#i++;
      const n = Number(tok.value);
      if (!Number.isFinite(n)) throw filterError(at, `number out of range: ${tok.text}`);
      return { kind: 'literal', value: n, at };
    }
    if (this.#isWord('TRUE') || this.#isWord('FALSE')) {
      this.#i++;
      return { kind: 'literal', value: tok.value.toUpperCase() === 'TRUE', at };
    }
    if (this.#isTemporal()) {
      const temporal = this.#upper() === 'DATE' ? 'date' : 'timestamp';
      this.#i += 2;
      const s = this.#tok;
      if (s.kind !== 'string') throw filterError(this.#at(), `expected a quoted ${temporal}, found ${describe(s)}`);
      this.#i++;
      this.#expect('punct', ')');
      const ok = temporal === 'date' ? /^\d{4}-\d{2}-\d{2}$/.test(s.value) : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s.value);
      if (!ok || Number.isNaN(Date.parse(s.value))) throw filterError(`position ${s.pos + 1}`, `not a valid ${temporal}: ${s.text}`);
      return { kind: 'literal', value: s.value, temporal, at };
    }
    throw filterError(at, `expected a literal (number, 'string', TRUE, FALSE, DATE('…')), found ${describe(tok)}`);
  }

  #spatialArg(): Prop | GeomLit {
    const tok = this.#tok;
    const word = this.#upper();
    if (word === 'BBOX' || word in WKT_TYPES) return this.#geometry();
    if (tok.kind === 'ident' && !KEYWORDS.has(word)) {
      this.#i++;
      return { kind: 'property', name: tok.value, at: this.#at(tok) };
    }
    throw filterError(this.#at(), `expected a geometry property or a geometry literal (POINT(…), POLYGON(…), BBOX(…)…), found ${describe(tok)}`);
  }

  #geometry(): GeomLit {
    const at = this.#at();
    const word = this.#upper();
    this.#i++;
    if (word === 'BBOX') {
      this.#expect('punct', '(');
      const n = this.#numbers();
      this.#expect('punct', ')');
      if (n.length !== 4 && n.length !== 6) throw filterError(at, `BBOX takes 4 (or 6) numbers, not ${n.length}`);
      const [x0, y0, x1, y1] = n.length === 4 ? n : [n[0], n[1], n[3], n[4]];
      if (x0 > x1 || y0 > y1) throw filterError(at, 'BBOX: minimum after maximum');
      return { kind: 'geometry', geojson: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] }, at };
    }
    const type = WKT_TYPES[word];
    if (type === 'GeometryCollection') {
      this.#expect('punct', '(');
      const geometries = [this.#geometry().geojson];
      while (this.#tok.text === ',') {
        this.#i++;
        geometries.push(this.#geometry().geojson);
      }
      this.#expect('punct', ')');
      return { kind: 'geometry', geojson: { type, geometries }, at };
    }
    const depth = { Point: 0, LineString: 1, MultiPoint: 1, Polygon: 2, MultiLineString: 2, MultiPolygon: 3 }[type]!;
    const coordinates = this.#nest(() => this.#coordinates(depth, type === 'MultiPoint'));
    return { kind: 'geometry', geojson: { type, coordinates }, at };
  }

  /** `(x y)` at depth 0, `(x y, x y)` at 1…; MULTIPOINT accepts `(1 2, 3 4)` and `((1 2), (3 4))`. */
  #coordinates(depth: number, multipoint = false): unknown {
    this.#expect('punct', '(');
    let out: unknown;
    if (depth === 0) out = this.#position();
    else {
      const items: unknown[] = [];
      do {
        if (items.length) this.#i++;
        if (depth === 1 && multipoint && this.#tok.text === '(') {
          this.#i++;
          items.push(this.#position());
          this.#expect('punct', ')');
        } else items.push(depth === 1 ? this.#position() : this.#coordinates(depth - 1));
      } while (this.#tok.text === ',');
      out = items;
    }
    this.#expect('punct', ')');
    return out;
  }

  #position(): number[] {
    const at = this.#at();
    const n: number[] = [];
    while (this.#tok.kind === 'number') {
      n.push(Number(this.#tok.value));
      this.#i++;
    }
    if (n.length < 2 || n.length > 3) throw filterError(at, `a position has 2 or 3 numbers, not ${n.length}`);
    return n;
  }

  #numbers(): number[] {
    const n: number[] = [];
    do {
      if (n.length) this.#i++;
      if (this.#tok.kind !== 'number') throw filterError(this.#at(), `expected a number, found ${describe(this.#tok)}`);
      n.push(Number(this.#tok.value));
      this.#i++;
    } while (this.#tok.text === ',');
    return n;
  }
}

function describe(tok: Token): string {
  return tok.kind === 'end' ? 'the end of the filter' : JSON.stringify(tok.text);
}

/** Parses CQL2 text to the tree (400 naming the position on any error). */
export function parseCql2Text(src: string): Expr {
  if (src.length > MAX_LENGTH) throw filterError('position 1', `longer than ${MAX_LENGTH} characters`);
  if (!src.trim()) throw filterError('position 1', 'empty filter');
  return new Parser(tokenize(src)).parse();
}
