import { invalidParameter } from './errors.js';

/**
 * Drive's search language (`q` of files.list and drives.list): terms `field op value` joined by `and`,
 * `or`, `not` and parentheses, `'value' in collection`, `properties has { key='k' and value='v' }`.
 * A hand-written tokenizer and a recursive-descent parser: one pass over the text, no backtracking.
 */

export type QueryValue = string | boolean | number;

export type QueryNode =
  | { kind: 'and' | 'or'; left: QueryNode; right: QueryNode }
  | { kind: 'not'; operand: QueryNode }
  | { kind: 'compare'; field: string; op: CompareOp; value: QueryValue }
  | { kind: 'in'; value: string; field: string }
  | { kind: 'has'; field: string; key: string; value: string };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains';

/** How a field may be queried: its value type, which fixes the operators it takes. */
export type FieldKind = 'string' | 'text' | 'time' | 'bool' | 'number' | 'collection' | 'map' | 'enum';

const OPERATORS: Record<FieldKind, CompareOp[]> = {
  // `name`, `mimeType`: equality and `contains`.
  string: ['=', '!=', 'contains'],
  // `fullText`: only `contains`.
  text: ['contains'],
  time: ['=', '!=', '<', '<=', '>', '>='],
  number: ['=', '!=', '<', '<=', '>', '>='],
  bool: ['=', '!='],
  enum: ['=', '!='],
  collection: [],
  map: [],
};

/** The fields of files.list's `q`. */
export const FILE_QUERY_FIELDS: Record<string, FieldKind> = {
  name: 'string',
  mimeType: 'string',
  fullText: 'text',
  modifiedTime: 'time',
  viewedByMeTime: 'time',
  createdTime: 'time',
  sharedWithMeTime: 'time',
  trashed: 'bool',
  starred: 'bool',
  sharedWithMe: 'bool',
  parents: 'collection',
  owners: 'collection',
  writers: 'collection',
  readers: 'collection',
  properties: 'map',
  appProperties: 'map',
  visibility: 'enum',
  'shortcutDetails.targetId': 'string',
};

/** The fields of drives.list's `q`. */
export const DRIVE_QUERY_FIELDS: Record<string, FieldKind> = {
  name: 'string',
  createdTime: 'time',
  hidden: 'bool',
  memberCount: 'number',
  organizerCount: 'number',
};

type Token =
  | { t: 'string'; v: string; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

const WORD_CHAR = (c: string) =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.';

function fail(why: string): never {
  throw invalidParameter(`Invalid Value: ${why}`, 'q');
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === "'" || c === '"') {
      // Strings: `\'` and `\\` escape; any other backslash pair stands for its second character.
      const at = i++;
      let v = '';
      for (;;) {
        if (i >= text.length) fail(`the string at position ${at} is not closed`);
        const d = text[i]!;
        if (d === '\\') {
          if (i + 1 >= text.length) fail(`the string at position ${at} is not closed`);
          v += text[i + 1];
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: 'string', v, at });
    } else if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        out.push({ t: 'op', v: two, at: i });
        i += 2;
      } else if (c === '!') {
        fail(`unexpected "!" at position ${i}`);
      } else {
        out.push({ t: 'op', v: c, at: i });
        i++;
      }
    } else if (c === '(' || c === ')' || c === '{' || c === '}') {
      out.push({ t: 'op', v: c, at: i });
      i++;
    } else if ((c >= '0' && c <= '9') || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const at = i++;
      while (i < text.length && ((text[i]! >= '0' && text[i]! <= '9') || text[i] === '.')) i++;
      const n = Number(text.slice(at, i));
      if (!Number.isFinite(n)) fail(`bad number at position ${at}`);
      out.push({ t: 'number', v: n, at });
    } else if (WORD_CHAR(c)) {
      const at = i;
      while (i < text.length && WORD_CHAR(text[i]!)) i++;
      out.push({ t: 'word', v: text.slice(at, i), at });
    } else {
      fail(`unexpected "${c}" at position ${i}`);
    }
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

/** Parses a query against a field table; throws Drive's 400 `invalid` (location `q`). */
export function parseQuery(text: string, fields: Record<string, FieldKind> = FILE_QUERY_FIELDS): QueryNode {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p]!;
  const isWord = (tok: Token, w: string): boolean => tok.t === 'word' && tok.v.toLowerCase() === w;
  const isOp = (tok: Token, o: string): boolean => tok.t === 'op' && tok.v === o;
  const expectOp = (o: string) => {
    const tok = tokens[p++]!;
    if (!isOp(tok, o)) fail(`"${o}" expected at position ${tok.at}`);
  };
  const expectWord = (w: string) => {
    const tok = tokens[p++]!;
    if (!isWord(tok, w)) fail(`"${w}" expected at position ${tok.at}`);
  };
  const expectString = (): string => {
    const tok = tokens[p++]!;
    if (tok.t !== 'string') fail(`a quoted string expected at position ${tok.at}`);
    return tok.v;
  };

  const orExpr = (): QueryNode => {
    let left = andExpr();
    while (isWord(peek(), 'or')) {
      p++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): QueryNode => {
    let left = notExpr();
    while (isWord(peek(), 'and')) {
      p++;
      left = { kind: 'and', left, right: notExpr() };
    }
    return left;
  };
  const notExpr = (): QueryNode => {
    if (isWord(peek(), 'not')) {
      p++;
      return { kind: 'not', operand: notExpr() };
    }
    return primary();
  };
  const primary = (): QueryNode => {
    const tok = peek();
    if (isOp(tok, '(')) {
      p++;
      const inner = orExpr();
      expectOp(')');
      return inner;
    }
    if (tok.t === 'string') {
      // 'value' in parents|owners|writers|readers
      p++;
      expectWord('in');
      const field = tokens[p++]!;
      if (field.t !== 'word' || fields[field.v] !== 'collection')
        fail(`"in" needs parents, owners, writers or readers at position ${field.at}`);
      return { kind: 'in', value: tok.v, field: field.v };
    }
    if (tok.t !== 'word') fail(`a search term expected at position ${tok.at}`);
    const kind = fields[tok.v];
    if (!kind) fail(`unknown field "${tok.v}" at position ${tok.at}`);
    p++;
    if (kind === 'map') {
      expectWord('has');
      expectOp('{');
      expectWord('key');
      expectOp('=');
      const key = expectString();
      expectWord('and');
      expectWord('value');
      expectOp('=');
      const value = expectString();
      expectOp('}');
      return { kind: 'has', field: tok.v, key, value };
    }
    if (kind === 'collection') fail(`"${tok.v}" is queried as 'value' in ${tok.v}`);
    const opTok = tokens[p++]!;
    let op: CompareOp;
    if (opTok.t === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(opTok.v)) op = opTok.v as CompareOp;
    else if (isWord(opTok, 'contains')) op = 'contains';
    else fail(`an operator expected at position ${opTok.at}`);
    if (!OPERATORS[kind].includes(op)) fail(`"${tok.v}" does not take the operator ${op}`);
    const valTok = tokens[p++]!;
    let value: QueryValue;
    if (kind === 'bool') {
      if (valTok.t !== 'word' || !['true', 'false'].includes(valTok.v.toLowerCase()))
        fail(`true or false expected at position ${valTok.at}`);
      value = valTok.v.toLowerCase() === 'true';
    } else if (kind === 'number') {
      if (valTok.t !== 'number') fail(`a number expected at position ${valTok.at}`);
      value = valTok.v;
    } else {
      if (valTok.t !== 'string') fail(`a quoted string expected at position ${valTok.at}`);
      value = valTok.v;
      if (kind === 'time') {
        const ms = parseQueryTime(valTok.v);
        if (ms === undefined) fail(`"${valTok.v}" is not an RFC 3339 date-time`);
        value = ms;
      }
    }
    return { kind: 'compare', field: tok.v, op, value };
  };

  if (peek().t === 'end') fail('the query is empty');
  const root = orExpr();
  if (peek().t !== 'end') fail(`unexpected text at position ${peek().at}`);
  return root;
}

/** RFC 3339 date or date-time; without an offset the time is UTC. Undefined when malformed. */
export function parseQueryTime(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone.toUpperCase()}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** What the evaluator reads of an item. */
export interface QueryTarget {
  string(field: string): string | undefined;
  text(): string;
  time(field: string): number | undefined;
  bool(field: string): boolean;
  number(field: string): number;
  collection(field: string): string[];
  map(field: string): Record<string, string>;
}

export function evaluate(node: QueryNode, item: QueryTarget): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, item) && evaluate(node.right, item);
    case 'or':
      return evaluate(node.left, item) || evaluate(node.right, item);
    case 'not':
      return !evaluate(node.operand, item);
    case 'in':
      return item.collection(node.field).includes(node.value);
    case 'has':
      return item.map(node.field)[node.key] === node.value;
    case 'compare':
      return compare(node, item);
  }
}

function compare(node: Extract<QueryNode, { kind: 'compare' }>, item: QueryTarget): boolean {
  const { field, op, value } = node;
  if (field === 'fullText') return item.text().toLowerCase().includes(String(value).toLowerCase());
  if (typeof value === 'boolean') return op === '=' ? item.bool(field) === value : item.bool(field) !== value;
  if (typeof value === 'number') {
    const actual = field.endsWith('Time') ? item.time(field) : item.number(field);
    if (actual === undefined) return op === '!=';
    return ordered(op, actual - value);
  }
  const actual = item.string(field) ?? '';
  if (op === 'contains')
    return field === 'name' ? wordPrefix(actual, value) : actual.toLowerCase().includes(value.toLowerCase());
  return op === '=' ? actual === value : actual !== value;
}

function ordered(op: CompareOp, diff: number): boolean {
  switch (op) {
    case '=':
      return diff === 0;
    case '!=':
      return diff !== 0;
    case '<':
      return diff < 0;
    case '<=':
      return diff <= 0;
    case '>':
      return diff > 0;
    default:
      return diff >= 0;
  }
}

/** `name contains`: a case-insensitive match at the start of the name or of one of its words. */
function wordPrefix(name: string, value: string): boolean {
  const hay = name.toLowerCase();
  const needle = value.toLowerCase();
  if (needle === '') return true;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    const wordStart = i === 0 || !isAlnum(hay[i - 1]!);
    if (wordStart && hay.startsWith(needle, i)) return true;
  }
  return false;
}

function isAlnum(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c > '\u007f';
}
