import { readOnly, type Settings, type SettingTable, str } from './config.js';
import { invalidArgument } from './errors.js';

/**
 * Navigation over a JSON document with the reference classes' XPath accessor syntax.
 *
 * The document root is `/json`. A path is a series of accessors separated by `/`, absolute (starting with
 * `/`) or relative to the current element:
 *   name          the first child with that name (`*`: the first child)
 *   [i]           the i-th child, counting from 1 as XPath does
 *   name[i]       the i-th child with that name
 *   [last()]      the last child; [last()-i] the one i before it
 *   .  ..         the current element; its parent
 * Object members are children named by their key; array items are children with an empty name.
 *
 * Reading an element: `text` is a scalar's text (strings unquoted) or, for objects and arrays, their compact
 * JSON; `subTree` is always the compact JSON of the element. `childName(i)` / `childText(i)` count from 0,
 * like every indexed setting of the reference classes.
 */
interface Node {
  name: string;
  value: unknown;
  /** Position among its parent's children. */
  position: number;
}

type Step = { kind: 'self' } | { kind: 'parent' } | { kind: 'child'; name: string | undefined; index: Index };
type Index = { from: 'first'; n: number } | { from: 'last'; n: number };

function children(value: unknown): Node[] {
  if (Array.isArray(value)) return value.map((v, position) => ({ name: '', value: v, position }));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([name, v], position) => ({
      name,
      value: v,
      position,
    }));
  }
  return [];
}

function parseStep(text: string): Step {
  if (text === '.') return { kind: 'self' };
  if (text === '..') return { kind: 'parent' };
  const m = /^([^[\]]*)(?:\[\s*(?:(\d+)|last\(\)\s*(?:-\s*(\d+))?)\s*\])?$/.exec(text);
  if (!m)
    throw invalidArgument(
      `XPath accessor "${text}" is not valid: use name, [i], name[i], [last()], [last()-i], . or ..`,
    );
  const name = m[1] === '' || m[1] === '*' ? undefined : m[1];
  if (m[2] !== undefined) {
    const n = Number(m[2]);
    if (n < 1) throw invalidArgument(`XPath index [${n}] is not valid: indices count from 1.`);
    return { kind: 'child', name, index: { from: 'first', n } };
  }
  if (text.includes('last()')) return { kind: 'child', name, index: { from: 'last', n: Number(m[3] ?? 0) } };
  if (m[1] === '') throw invalidArgument(`XPath accessor "${text}" is empty.`);
  return { kind: 'child', name, index: { from: 'first', n: 1 } };
}

function formatStep(node: Node, siblings: Node[]): string {
  if (node.name === '') return `[${node.position + 1}]`;
  const same = siblings.filter((s) => s.name === node.name);
  if (same.length === 1) return node.name;
  return `${node.name}[${same.findIndex((s) => s.position === node.position) + 1}]`;
}

export class JsonXPath {
  /** Chain from the root to the current element (the root node is named `json`). */
  private chain: Node[];

  constructor(private readonly document: unknown) {
    this.chain = [{ name: 'json', value: document, position: 0 }];
  }

  /** Parses JSON text; a body that is not JSON is a clear error. */
  static parse(text: string): JsonXPath {
    try {
      return new JsonXPath(JSON.parse(text));
    } catch {
      throw invalidArgument('The response is not JSON, so XPath cannot navigate it.');
    }
  }

  /** The canonical absolute path of the current element. */
  get path(): string {
    let out = '/json';
    for (let i = 1; i < this.chain.length; i++) {
      out += `/${formatStep(this.chain[i]!, children(this.chain[i - 1]!.value))}`;
    }
    return out;
  }

  /** Moves to `path` (absolute or relative). On error the current element does not change. */
  set path(path: string) {
    const p = path.trim();
    let chain = p.startsWith('/') ? [] : [...this.chain];
    const parts = p.split('/').filter((s, i) => !(s === '' && i === 0));
    if (p.startsWith('/')) {
      if (parts[0] !== 'json')
        throw invalidArgument(`XPath "${path}" must start at the document root /json.`);
      chain = [{ name: 'json', value: this.document, position: 0 }];
      parts.shift();
    }
    for (const part of parts) {
      if (part === '') continue;
      const step = parseStep(part);
      if (step.kind === 'self') continue;
      if (step.kind === 'parent') {
        if (chain.length <= 1) throw invalidArgument(`XPath "${path}" goes above the document root.`);
        chain.pop();
        continue;
      }
      const all = children(chain[chain.length - 1]!.value);
      const candidates = step.name === undefined ? all : all.filter((c) => c.name === step.name);
      const i = step.index.from === 'first' ? step.index.n - 1 : candidates.length - 1 - step.index.n;
      const next = candidates[i];
      if (!next)
        throw invalidArgument(`XPath "${path}" does not exist in the document (no match for "${part}").`);
      chain.push(next);
    }
    this.chain = chain;
  }

  private get current(): Node {
    return this.chain[this.chain.length - 1]!;
  }

  get element(): string {
    return this.current.name;
  }

  get text(): string {
    return textOf(this.current.value);
  }

  get subTree(): string {
    return JSON.stringify(this.current.value) ?? '';
  }

  /** The path of the parent element ('' at the root). */
  get parent(): string {
    if (this.chain.length <= 1) return '';
    const saved = this.chain;
    this.chain = this.chain.slice(0, -1);
    const p = this.path;
    this.chain = saved;
    return p;
  }

  get childCount(): number {
    return children(this.current.value).length;
  }

  childName(i: number): string {
    return this.child(i).name;
  }

  childText(i: number): string {
    return textOf(this.child(i).value);
  }

  private child(i: number): Node {
    const c = children(this.current.value)[i];
    if (!c)
      throw invalidArgument(`Child index ${i} is out of range: the element has ${this.childCount} children.`);
    return c;
  }
}

function textOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The XPath settings of a class, under a prefix ('' for the response, 'OAuthJWT' for the token payload). */
export function xpathSettingTable<P extends string>(prefix: P) {
  const what = prefix === '' ? 'the last JSON response' : 'the JWT access token payload';
  return {
    [`${prefix}XPath`]: str('', `Path of the current element in ${what}.`),
    [`${prefix}XElement`]: readOnly('Name of the current element.'),
    [`${prefix}XText`]: readOnly('Text of the current element.'),
    [`${prefix}XParent`]: readOnly('Path of the parent of the current element.'),
    [`${prefix}XSubTree`]: readOnly('JSON of the current element.'),
    [`${prefix}XChildCount`]: readOnly('Number of children of the current element.'),
    [`${prefix}XChildName`]: readOnly('Name of the i-th child (from 0).', { indexed: true }),
    [`${prefix}XChildXText`]: readOnly('Text of the i-th child (from 0).', { indexed: true }),
  } as Record<
    `${P}${'XPath' | 'XElement' | 'XText' | 'XParent' | 'XSubTree' | 'XChildCount' | 'XChildName' | 'XChildXText'}`,
    ReturnType<typeof str>
  >;
}

export const xpathSettings = xpathSettingTable('');

/**
 * Wires the XPath settings of `prefix` to a document source: setting `XPath` moves the cursor, the read-only
 * settings read from it. `source` returns the current JSON text ('' when there is none).
 */
export function installXPath<S extends SettingTable>(
  settings: Settings<S>,
  prefix: string,
  source: () => string,
): void {
  let cursor: { text: string; nav: JsonXPath } | undefined;
  const nav = (): JsonXPath => {
    const text = source();
    if (!text) throw invalidArgument(`There is no document to navigate with ${prefix}XPath yet.`);
    if (!cursor || cursor.text !== text) cursor = { text, nav: JsonXPath.parse(text) };
    return cursor.nav;
  };
  const name = (n: string) => `${prefix}${n}` as keyof S & string;
  settings.defineWriter(name('XPath'), (path) => {
    nav().path = path;
  });
  settings.defineReader(name('XPath'), () =>
    cursor && cursor.text === source() ? cursor.nav.path : '/json',
  );
  settings.defineReader(name('XElement'), () => nav().element);
  settings.defineReader(name('XText'), () => nav().text);
  settings.defineReader(name('XParent'), () => nav().parent);
  settings.defineReader(name('XSubTree'), () => nav().subTree);
  settings.defineReader(name('XChildCount'), () => String(nav().childCount));
  settings.defineReader(name('XChildName'), (i) => nav().childName(i ?? 0));
  settings.defineReader(name('XChildXText'), (i) => nav().childText(i ?? 0));
}
