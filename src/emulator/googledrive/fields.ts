import { invalidParameter } from './errors.js';
import { SCHEMAS } from './schemas.js';

/**
 * Drive's `fields` partial-response masks: a comma list of selectors; `a/b` selects inside an object,
 * `a(b,c)` selects several names inside it (or inside each element of an array), `*` selects everything
 * at its level. A mask is parsed once into a tree; names are checked against the resource's schema.
 */
export type FieldMask = Map<string, FieldMask | true>;

/** Parses a mask; throws Drive's 400 `invalidParameter` (location `fields`) when it is malformed. */
export function parseFields(text: string): FieldMask {
  let pos = 0;
  const fail = (why: string): never => {
    throw invalidParameter(`Invalid field selection ${text}: ${why}`, 'fields');
  };
  const skipSpaces = () => {
    while (pos < text.length && text[pos] === ' ') pos++;
  };
  const name = (): string => {
    skipSpaces();
    const start = pos;
    if (text[pos] === '*') {
      pos++;
      return '*';
    }
    while (pos < text.length && /[A-Za-z0-9_.$-]/.test(text[pos]!)) pos++;
    if (pos === start) fail(`a field name is expected at position ${start}`);
    return text.slice(start, pos);
  };
  const merge = (into: FieldMask, key: string, sub: FieldMask | true) => {
    const had = into.get(key);
    if (had === true || sub === true) into.set(key, true);
    else if (had) for (const [k, v] of sub) merge(had, k, v);
    else into.set(key, sub);
  };
  const list = (depth: number): FieldMask => {
    const out: FieldMask = new Map();
    for (;;) {
      // One selector: a path of names, then an optional parenthesised sub-list.
      const path = [name()];
      while (text[pos] === '/') {
        pos++;
        path.push(name());
      }
      skipSpaces();
      let leaf: FieldMask | true = true;
      if (text[pos] === '(') {
        pos++;
        leaf = list(depth + 1);
        if (text[pos] !== ')') fail('a ")" is missing');
        pos++;
        skipSpaces();
      }
      let node: FieldMask | true = leaf;
      for (let i = path.length - 1; i > 0; i--) node = new Map([[path[i]!, node]]);
      merge(out, path[0]!, node);
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (pos >= text.length || (depth > 0 && text[pos] === ')')) return out;
      fail(`unexpected "${text[pos]}" at position ${pos}`);
    }
  };
  if (text.trim() === '') fail('the mask is empty');
  return list(0);
}

/** Checks the names of a mask against a schema of the discovery document (unknown schemas: anything goes). */
export function checkFields(mask: FieldMask, schema: string | null, text: string): void {
  const props = schema ? SCHEMAS[schema] : undefined;
  if (!props) return;
  for (const [key, sub] of mask) {
    if (key === '*') continue;
    if (!(key in props)) throw invalidParameter(`Invalid field selection ${key}`, 'fields');
    if (sub !== true) checkFields(sub, props[key] ?? null, text);
  }
}

/** The part of `value` the mask selects (arrays: each element). */
export function applyFields(value: unknown, mask: FieldMask | true): unknown {
  if (mask === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => applyFields(v, mask));
  const all = mask.get('*');
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = mask.get(key) ?? all;
    if (sub === undefined || v === undefined) continue;
    out[key] = applyFields(v, sub);
  }
  return out;
}
