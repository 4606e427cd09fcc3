/**
 * A small reader for Stone, Dropbox's interface language (the `.stone` files of dropbox/dropbox-api-spec),
 * and a checker of JSON values against the types it reads. Enough of the language for the API's data
 * types: namespaces and imports, `alias`, `struct` (fields, `?`, defaults, `extends`, enumerated subtypes),
 * `union` / `union_closed` (tagged members, void members, `extends`, the implicit `other` of open unions)
 * and `route name:version (Arg, Result, Error)`. Docstrings, examples, attributes and annotations are
 * skipped. Everything is read line by line and character by character: no regular expression runs on the
 * spec text.
 *
 * The checker follows Stone's JSON serialization as Dropbox writes it: a union value is `{".tag": "tag", ...}`
 * (a struct member's fields inlined, any other member's value under the tag's name; never the bare `"tag"`
 * Stone would also read); a struct with
 * enumerated subtypes carries the `.tag` of its subtype; optional fields that are unset are omitted, never
 * `null`; a struct has no field its type does not declare.
 */

export interface TypeExpr {
  /** `String`, `List`, `FileMetadata`, `common.DropboxTimestamp`. */
  name: string;
  /** Positional arguments (`List(Metadata)`: a type; `Timestamp("%Y")`: a string). */
  args: (TypeExpr | string | number)[];
  kwargs: Record<string, string | number | boolean>;
  nullable: boolean;
}

interface Field {
  name: string;
  type: TypeExpr;
  hasDefault: boolean;
}

interface StructDef {
  kind: 'struct';
  ns: string;
  name: string;
  extends?: TypeExpr;
  fields: Field[];
  /** Enumerated subtypes (`union` block of a struct): tag → type. */
  subtypes?: Map<string, TypeExpr>;
  examples: Examples;
}

/** `example <label>` blocks: label → `name = value` lines (value text unparsed). */
type Examples = Map<string, { name: string; value: string }[]>;

interface UnionDef {
  kind: 'union';
  ns: string;
  name: string;
  closed: boolean;
  extends?: TypeExpr;
  /** tag → type (`undefined` for a void member). */
  members: Map<string, TypeExpr | undefined>;
  examples: Examples;
}

interface AliasDef {
  kind: 'alias';
  ns: string;
  name: string;
  type: TypeExpr;
}

type Def = StructDef | UnionDef | AliasDef;

export interface RouteSpec {
  /** `files/copy_v2` (version 1 has no suffix), as the URL path names it. */
  name: string;
  ns: string;
  arg: TypeExpr;
  result: TypeExpr;
  error: TypeExpr;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens of a type expression: identifiers (with dots), strings, numbers, punctuation.

type Token = { kind: 'id' | 'str' | 'num' | 'punct'; text: string };

const isIdChar = (c: string) =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.';

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) {
          const next = text[i + 1]!;
          s += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
          i += 2;
        } else {
          s += text[i++];
        }
      }
      i++;
      out.push({ kind: 'str', text: s });
    } else if ((c >= '0' && c <= '9') || c === '-') {
      let j = i + 1;
      while (j < text.length && ((text[j]! >= '0' && text[j]! <= '9') || text[j] === '.' || text[j] === 'e'))
        j++;
      out.push({ kind: 'num', text: text.slice(i, j) });
      i = j;
    } else if (isIdChar(c)) {
      let j = i + 1;
      while (j < text.length && isIdChar(text[j]!)) j++;
      out.push({ kind: 'id', text: text.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

class TypeParser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.at];
  }

  next(): Token {
    const t = this.tokens[this.at++];
    if (!t) throw new Error('Stone: unexpected end of a type expression');
    return t;
  }

  done(): boolean {
    return this.at >= this.tokens.length;
  }

  type(): TypeExpr {
    const name = this.next();
    if (name.kind !== 'id') throw new Error(`Stone: a type name was expected, not ${name.text}`);
    const t: TypeExpr = { name: name.text, args: [], kwargs: {}, nullable: false };
    if (this.peek()?.text === '(') {
      this.next();
      while (this.peek()?.text !== ')') {
        const first = this.peek()!;
        if (first.kind === 'id' && this.tokens[this.at + 1]?.text === '=') {
          this.at += 2;
          const v = this.next();
          t.kwargs[first.text] =
            v.kind === 'num' ? Number(v.text) : v.kind === 'id' ? v.text === 'true' : v.text;
        } else if (first.kind === 'id') {
          t.args.push(this.type());
        } else {
          this.next();
          t.args.push(first.kind === 'num' ? Number(first.text) : first.text);
        }
        if (this.peek()?.text === ',') this.next();
      }
      this.next();
    }
    if (this.peek()?.text === '?') {
      this.next();
      t.nullable = true;
    }
    return t;
  }
}

export function parseType(text: string): TypeExpr {
  return new TypeParser(tokenize(text)).type();
}

/** An example refers to a type of a namespace the spec set does not have. */
class OutsideTheSpec extends Error {}

// ---------------------------------------------------------------------------------------------------------
// The reader.

const indentOf = (line: string) => {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
};

/** Whether a docstring that starts on this line (at its first `"`) also ends on it. */
function closesString(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return true;
  }
  return false;
}

const firstWord = (s: string) => {
  const space = s.indexOf(' ');
  return space < 0 ? s : s.slice(0, space);
};

export class StoneSpec {
  private readonly defs = new Map<string, Def>();
  readonly routes = new Map<string, RouteSpec>();
  /** Namespaces some file imports but no file given defines (their types are not checked). */
  readonly missingNamespaces = new Set<string>();
  private readonly namespaces = new Set<string>();

  constructor(sources: string[]) {
    const imports = new Set<string>();
    for (const src of sources) this.read(src, imports);
    for (const ns of imports) if (!this.namespaces.has(ns)) this.missingNamespaces.add(ns);
  }

  private read(src: string, imports: Set<string>): void {
    // Lines with docstrings removed (a docstring is a line, or run of lines, starting with `"`).
    const lines: string[] = [];
    const raw = src.split('\n');
    for (let i = 0; i < raw.length; i++) {
      const line = raw[i]!.replace('\r', '');
      const trimmed = line.trim();
      if (trimmed.startsWith('"')) {
        let j = i;
        if (!closesString(trimmed, 1)) {
          j++;
          while (j < raw.length && !closesString(raw[j]!, 0)) j++;
        }
        i = j;
        continue;
      }
      if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('@')) continue;
      lines.push(line);
    }
    let ns = '';
    let i = 0;
    while (i < lines.length) {
      const line = lines[i]!;
      const words = line.trim();
      i++;
      if (indentOf(line) !== 0) continue; // the body of something skipped (annotation, route attrs)
      const keyword = firstWord(words);
      const rest = words.slice(keyword.length).trim();
      // The body: the following lines indented deeper than the header.
      const body: string[] = [];
      while (i < lines.length && indentOf(lines[i]!) > 0) body.push(lines[i++]!);
      if (keyword === 'namespace') {
        ns = rest;
        this.namespaces.add(ns);
      } else if (keyword === 'import') {
        imports.add(rest);
      } else if (keyword === 'alias') {
        const eq = rest.indexOf('=');
        const name = rest.slice(0, eq).trim();
        this.defs.set(`${ns}.${name}`, { kind: 'alias', ns, name, type: parseType(rest.slice(eq + 1)) });
      } else if (keyword === 'struct') {
        this.defs.set(...this.struct(ns, rest, body));
      } else if (keyword === 'union' || keyword === 'union_closed') {
        this.defs.set(...this.union(ns, rest, body, keyword === 'union_closed'));
      } else if (keyword === 'route') {
        const route = this.route(ns, rest);
        this.routes.set(route.name, route);
      }
    }
  }

  private header(rest: string): { name: string; extends?: TypeExpr } {
    const name = firstWord(rest);
    const after = rest.slice(name.length).trim();
    return after.startsWith('extends ')
      ? { name, extends: parseType(after.slice('extends '.length)) }
      : { name };
  }

  /** Member lines at the body's first indentation (deeper lines are docstrings' tails, examples' values). */
  private members(body: string[]): { text: string; nested: string[] }[] {
    const out: { text: string; nested: string[] }[] = [];
    const level = body.length ? indentOf(body[0]!) : 0;
    for (const line of body) {
      if (indentOf(line) === level) out.push({ text: line.trim(), nested: [] });
      else out[out.length - 1]?.nested.push(line);
    }
    return out.filter((m) => firstWord(m.text) !== 'example');
  }

  private examples(body: string[]): Examples {
    const out: Examples = new Map();
    const level = body.length ? indentOf(body[0]!) : 0;
    let current: { name: string; value: string }[] | undefined;
    for (const line of body) {
      const text = line.trim();
      if (indentOf(line) === level) {
        current = firstWord(text) === 'example' ? [] : undefined;
        if (current) out.set(text.slice('example'.length).trim(), current);
      } else if (current) {
        const eq = text.indexOf(' = ');
        if (eq > 0) current.push({ name: text.slice(0, eq), value: text.slice(eq + 3) });
        else current.push({ name: text, value: 'null' });
      }
    }
    return out;
  }

  private struct(ns: string, rest: string, body: string[]): [string, StructDef] {
    const def: StructDef = {
      kind: 'struct',
      ns,
      ...this.header(rest),
      fields: [],
      examples: this.examples(body),
    };
    for (const m of this.members(body)) {
      if (m.text === 'union' || m.text === 'union_closed') {
        def.subtypes = new Map();
        for (const sub of this.members(m.nested)) {
          const tag = firstWord(sub.text);
          def.subtypes.set(tag, parseType(sub.text.slice(tag.length)));
        }
        continue;
      }
      const name = firstWord(m.text);
      const typeText = m.text.slice(name.length);
      const eq = typeText.indexOf(' = ');
      // `=` inside a type's arguments (`String(pattern="…")`) is not a default: look after the last `)`.
      const close = typeText.lastIndexOf(')');
      const hasDefault = eq >= 0 && eq > close;
      def.fields.push({ name, type: parseType(hasDefault ? typeText.slice(0, eq) : typeText), hasDefault });
    }
    return [`${ns}.${def.name}`, def];
  }

  private union(ns: string, rest: string, body: string[], closed: boolean): [string, UnionDef] {
    const def: UnionDef = {
      kind: 'union',
      ns,
      ...this.header(rest),
      closed,
      members: new Map(),
      examples: this.examples(body),
    };
    for (const m of this.members(body)) {
      let tag = firstWord(m.text);
      if (tag.endsWith('*')) tag = tag.slice(0, -1); // the catch-all marker
      const typeText = m.text.slice(firstWord(m.text).length).trim();
      def.members.set(tag, typeText ? parseType(typeText) : undefined);
    }
    return [`${ns}.${def.name}`, def];
  }

  private route(ns: string, rest: string): RouteSpec {
    const open = rest.indexOf('(');
    const id = rest.slice(0, open).trim();
    const colon = id.indexOf(':');
    const base = colon < 0 ? id : id.slice(0, colon);
    const version = colon < 0 ? 1 : Number(id.slice(colon + 1));
    const parser = new TypeParser(tokenize(rest.slice(open + 1)));
    const [arg, result, error] = [0, 1, 2].map(() => {
      const t = parser.type();
      parser.next(); // `,` or `)`
      return t;
    });
    return {
      name: `${ns}/${base}${version > 1 ? `_v${version}` : ''}`,
      ns,
      arg: arg!,
      result: result!,
      error: error!,
    };
  }

  /** The definition a named type refers to, in the namespace `ns`; `undefined` for a built-in or unknown. */
  lookup(name: string, ns: string): Def | undefined {
    return this.defs.get(name.includes('.') ? name : `${ns}.${name}`);
  }

  /** The type of a route's result/error, by route name (`files/list_folder`). */
  route_(name: string): RouteSpec {
    const r = this.routes.get(name);
    if (!r) throw new Error(`no route ${name} in the Stone spec`);
    return r;
  }

  /** The fields of a struct type (through aliases and `extends`, ancestors' first); `undefined` if not a struct. */
  fieldsOf(
    type: TypeExpr,
    ns: string,
  ): { name: string; type: TypeExpr; ns: string; required: boolean }[] | undefined {
    let def = this.lookup(type.name, ns);
    while (def?.kind === 'alias') def = this.lookup(def.type.name, def.ns);
    if (def?.kind !== 'struct') return undefined;
    const own = def.fields.map((f) => ({
      name: f.name,
      type: f.type,
      ns: def.ns,
      required: !f.type.nullable && !f.hasDefault,
    }));
    const parent = def.extends ? this.fieldsOf(def.extends, def.ns) : [];
    return [...(parent ?? []), ...own];
  }

  /** The labels of the examples a struct or union type declares. */
  exampleLabels(type: TypeExpr, ns: string): string[] {
    const def = this.resolveDef(type, ns);
    return def && def.kind !== 'alias' ? [...def.examples.keys()] : [];
  }

  /**
   * The JSON of the example `label` of a struct or union type, as Stone serializes it: literals as they are,
   * a bare name as a void member of the field's union or else the example of that label of the field's type.
   */
  example(type: TypeExpr, ns: string, label: string): unknown {
    const def = this.resolveDef(type, ns);
    if (!def && this.missingNamespaces.has(type.name.split('.')[0]!)) throw new OutsideTheSpec(type.name);
    if (!def || def.kind === 'alias') throw new Error(`no examples for ${type.name}`);
    const lines = def.examples.get(label);
    if (!lines) throw new Error(`${def.name} has no example ${label}`);
    if (def.kind === 'union' || def.subtypes) {
      const [line] = lines;
      const tag = line!.name;
      const member =
        def.kind === 'union' ? this.unionMember(def, tag) : { type: def.subtypes!.get(tag), ns: def.ns };
      if (!member.type || line!.value === 'null') return { '.tag': tag };
      const value = this.exampleValue(member.type, member.ns, line!.value);
      const target = this.resolveDef(member.type, member.ns);
      if (def.kind === 'struct') return { '.tag': tag, ...(value as object) };
      return target?.kind === 'struct' && !target.subtypes
        ? { '.tag': tag, ...(value as object) }
        : { '.tag': tag, [tag]: value };
    }
    const fields = new Map((this.fieldsOf(type, ns) ?? []).map((f) => [f.name, f]));
    const out: Record<string, unknown> = {};
    for (const { name, value } of lines) {
      const field = fields.get(name);
      if (!field) throw new Error(`${def.name} example ${label}: no field ${name}`);
      try {
        const v = this.exampleValue(field.type, field.ns, value);
        if (v !== null) out[name] = v;
      } catch (e) {
        // A field whose type is in a namespace the spec set lacks is left out of the example.
        if (!(e instanceof OutsideTheSpec)) throw e;
      }
    }
    return out;
  }

  private exampleValue(type: TypeExpr, ns: string, text: string): unknown {
    const parser = new TypeParser(tokenize(text));
    const one = (t: TypeExpr, tns: string): unknown => {
      const tok = parser.next();
      if (tok.kind === 'str') return tok.text;
      if (tok.kind === 'num') return Number(tok.text);
      if (tok.text === '[') {
        const item = (this.resolveAlias(t, tns).args[0] as TypeExpr | undefined) ?? t;
        const items: unknown[] = [];
        while (parser.peek()?.text !== ']') {
          items.push(one(item, tns));
          if (parser.peek()?.text === ',') parser.next();
        }
        parser.next();
        return items;
      }
      if (tok.text === 'true' || tok.text === 'false') return tok.text === 'true';
      if (tok.text === 'null') return null;
      const def = this.resolveDef(t, tns);
      if (def?.kind === 'union' && !def.examples.has(tok.text) && this.unionMember(def, tok.text).found)
        return { '.tag': tok.text };
      return this.example(t, tns, tok.text);
    };
    return one(type, ns);
  }

  private resolveAlias(type: TypeExpr, ns: string): TypeExpr {
    const def = this.lookup(type.name, ns);
    return def?.kind === 'alias' ? this.resolveAlias(def.type, def.ns) : type;
  }

  private resolveDef(type: TypeExpr, ns: string): Def | undefined {
    let def = this.lookup(type.name, ns);
    while (def?.kind === 'alias') def = this.lookup(def.type.name, def.ns);
    return def;
  }

  private unionMember(def: UnionDef, tag: string): { found: boolean; type?: TypeExpr; ns: string } {
    if (def.members.has(tag)) return { found: true, type: def.members.get(tag), ns: def.ns };
    const parent = def.extends && this.lookup(def.extends.name, def.ns);
    if (parent?.kind === 'union') return this.unionMember(parent, tag);
    return { found: false, ns: def.ns };
  }

  /** Problems of `value` as a `type` (from namespace `ns`), with JSON paths; empty when it is valid. */
  check(type: TypeExpr, ns: string, value: unknown, path = '$'): string[] {
    return new Checker(this).value(type, ns, value, path);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The checker.

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const INTEGER_RANGES: Record<string, [number, number]> = {
  Int32: [-(2 ** 31), 2 ** 31 - 1],
  UInt32: [0, 2 ** 32 - 1],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
};

/** Whether `value` is written in a strftime `format` made of %Y %m %d %H %M %S and literal characters. */
export function matchesTimestamp(format: string, value: string): boolean {
  let v = 0;
  for (let f = 0; f < format.length; f++) {
    if (format[f] === '%') {
      const width = format[++f] === 'Y' ? 4 : 2;
      for (let k = 0; k < width; k++, v++) {
        const c = value[v];
        if (c === undefined || c < '0' || c > '9') return false;
      }
    } else if (value[v++] !== format[f]) {
      return false;
    }
  }
  return v === value.length && !Number.isNaN(Date.parse(value));
}

class Checker {
  constructor(private readonly spec: StoneSpec) {}

  value(type: TypeExpr, ns: string, value: unknown, path: string): string[] {
    if (value === null) return [`${path}: null (Stone omits an unset optional value)`];
    const at = (problem: string) => [`${path}: ${problem}`];
    const kw = type.kwargs;
    switch (type.name) {
      case 'String': {
        if (typeof value !== 'string') return at(`not a string: ${JSON.stringify(value)}`);
        if (typeof kw.min_length === 'number' && value.length < kw.min_length)
          return at(`shorter than ${kw.min_length}`);
        if (typeof kw.max_length === 'number' && value.length > kw.max_length)
          return at(`longer than ${kw.max_length}`);
        // Stone's patterns are trusted spec text (no nested quantifiers); the values are short.
        if (typeof kw.pattern === 'string' && !new RegExp(`^(?:${kw.pattern})$`).test(value))
          return at(`${JSON.stringify(value)} does not match ${kw.pattern}`);
        return [];
      }
      case 'Boolean':
        return typeof value === 'boolean' ? [] : at(`not a boolean: ${JSON.stringify(value)}`);
      case 'Int32':
      case 'UInt32':
      case 'Int64':
      case 'UInt64': {
        const [lo, hi] = INTEGER_RANGES[type.name]!;
        if (!Number.isInteger(value)) return at(`not an integer: ${JSON.stringify(value)}`);
        const n = value as number;
        const min = typeof kw.min_value === 'number' ? kw.min_value : lo;
        const max = typeof kw.max_value === 'number' ? kw.max_value : hi;
        return n < min || n > max ? at(`${n} outside ${min}..${max}`) : [];
      }
      case 'Float32':
      case 'Float64':
        return typeof value === 'number' ? [] : at(`not a number: ${JSON.stringify(value)}`);
      case 'Timestamp': {
        const format = type.args[0] as string;
        return typeof value === 'string' && matchesTimestamp(format, value)
          ? []
          : at(`${JSON.stringify(value)} is not a timestamp in ${format}`);
      }
      case 'Bytes':
        return typeof value === 'string' ? [] : at('not base64 text');
      case 'Void':
        return at('a value where the type is Void');
      case 'List': {
        if (!Array.isArray(value)) return at('not a list');
        const item = type.args[0] as TypeExpr;
        return value.flatMap((v, i) => this.value(item, ns, v, `${path}[${i}]`));
      }
      case 'Map': {
        if (!isObject(value)) return at('not a map');
        const v = type.args[1] as TypeExpr;
        return Object.entries(value).flatMap(([k, x]) => this.value(v, ns, x, `${path}.${k}`));
      }
    }
    const def = this.spec.lookup(type.name, ns);
    if (!def) {
      const space = type.name.includes('.') ? type.name.slice(0, type.name.indexOf('.')) : ns;
      if (this.spec.missingNamespaces.has(space)) return []; // from a namespace the spec set does not have
      return at(`unknown type ${type.name}`);
    }
    if (def.kind === 'alias') return this.value(def.type, def.ns, value, path);
    if (def.kind === 'union') return this.union(def, value, path);
    return this.struct(def, value, path);
  }

  /** A struct's fields, its ancestors' first. */
  private fields(def: StructDef): { field: Field; ns: string }[] {
    const parent = def.extends && this.spec.lookup(def.extends.name, def.ns);
    const inherited = parent && parent.kind === 'struct' ? this.fields(parent) : [];
    return [...inherited, ...def.fields.map((field) => ({ field, ns: def.ns }))];
  }

  private struct(def: StructDef, value: unknown, path: string, inlineTag?: string): string[] {
    if (!isObject(value)) return [`${path}: not an object (${def.name})`];
    if (def.subtypes) {
      const tag = value['.tag'];
      const sub = typeof tag === 'string' ? def.subtypes.get(tag) : undefined;
      if (!sub) return [`${path}: .tag ${JSON.stringify(tag)} is none of ${def.name}'s subtypes`];
      const subDef = this.spec.lookup(sub.name, def.ns) as StructDef;
      return this.struct(subDef, value, path, tag as string);
    }
    const problems: string[] = [];
    const fields = this.fields(def);
    const known = new Set(fields.map((f) => f.field.name));
    for (const key of Object.keys(value)) {
      if (key === '.tag' && inlineTag !== undefined) {
        if (value[key] !== inlineTag) problems.push(`${path}: .tag is not ${inlineTag}`);
      } else if (!known.has(key)) {
        problems.push(`${path}: ${key} is not a field of ${def.name}`);
      }
    }
    for (const { field, ns } of fields) {
      if (!(field.name in value)) {
        const outside = this.spec.missingNamespaces.has(field.type.name.split('.')[0]!);
        if (!field.type.nullable && !field.hasDefault && !outside)
          problems.push(`${path}: missing ${field.name}`);
        continue;
      }
      problems.push(...this.value(field.type, ns, value[field.name], `${path}.${field.name}`));
    }
    return problems;
  }

  /** A union's members, with its ancestors'. */
  private member(def: UnionDef, tag: string): { found: boolean; type?: TypeExpr; ns: string } {
    if (def.members.has(tag)) return { found: true, type: def.members.get(tag), ns: def.ns };
    const parent = def.extends && this.spec.lookup(def.extends.name, def.ns);
    if (parent && parent.kind === 'union') return this.member(parent, tag);
    return { found: false, ns: def.ns };
  }

  private isOpen(def: UnionDef): boolean {
    if (!def.closed) return true;
    const parent = def.extends && this.spec.lookup(def.extends.name, def.ns);
    return !!parent && parent.kind === 'union' && this.isOpen(parent);
  }

  private union(def: UnionDef, value: unknown, path: string): string[] {
    // Stone reads a void member written as a bare "tag" too, but Dropbox writes {".tag": "tag"}.
    if (typeof value === 'string') return [`${path}: bare ${JSON.stringify(value)}, not {".tag": …}`];
    const tag = isObject(value) ? value['.tag'] : undefined;
    if (typeof tag !== 'string') return [`${path}: no .tag (${def.name})`];
    const m = this.member(def, tag);
    if (!m.found) {
      return tag === 'other' &&
        this.isOpen(def) &&
        (typeof value === 'string' || Object.keys(value as object).length === 1)
        ? []
        : [`${path}: ${JSON.stringify(tag)} is not a member of ${def.name}`];
    }
    const obj = value as Record<string, unknown>;
    if (!m.type) {
      return Object.keys(obj).length === 1 ? [] : [`${path}: void member ${tag} with fields`];
    }
    const target = this.resolve(m.type, m.ns);
    if (target?.def.kind === 'struct' && !target.def.subtypes) {
      // A struct member's fields are inlined next to `.tag`.
      return this.struct(target.def, obj, path, tag);
    }
    const extra = Object.keys(obj).filter((k) => k !== '.tag' && k !== tag);
    const problems = extra.map((k) => `${path}: ${k} is not part of ${def.name}.${tag}`);
    if (!(tag in obj)) {
      if (!m.type.nullable) problems.push(`${path}: missing the value of ${tag}`);
      return problems;
    }
    return [...problems, ...this.value(m.type, m.ns, obj[tag], `${path}.${tag}`)];
  }

  /** Follows aliases to a struct or union definition. */
  private resolve(type: TypeExpr, ns: string): { def: StructDef | UnionDef } | undefined {
    const def = this.spec.lookup(type.name, ns);
    if (!def) return undefined;
    if (def.kind === 'alias') return this.resolve(def.type, def.ns);
    return { def };
  }
}
