/**
 * RFC 6902 JSON Patch over plain JSON values, applied to a copy: the caller gets the new document or an
 * error, never a half-applied change (Box applies metadata updates atomically, in order).
 */

export class JsonPatchError extends Error {
  constructor(
    message: string,
    /** `invalid`: the operation itself is malformed; `failed`: a test failed or a path does not exist. */
    readonly kind: 'invalid' | 'failed',
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks the shape of a patch document (an array of operation objects). */
export function parsePatch(body: unknown): PatchOperation[] {
  if (!Array.isArray(body))
    throw new JsonPatchError('The body must be an array of JSON Patch operations', 'invalid');
  return body.map((raw, i) => {
    const op = raw as Record<string, unknown>;
    if (typeof op !== 'object' || op === null || !OPS.has(op.op as string)) {
      throw new JsonPatchError(`Operation ${i} has no valid "op"`, 'invalid');
    }
    if (typeof op.path !== 'string') throw new JsonPatchError(`Operation ${i} has no "path"`, 'invalid');
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      throw new JsonPatchError(`Operation ${i} (${op.op}) needs a "value"`, 'invalid');
    }
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      throw new JsonPatchError(`Operation ${i} (${op.op}) needs a "from"`, 'invalid');
    }
    return op as unknown as PatchOperation;
  });
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`"${pointer}" is not a JSON pointer`, 'invalid');
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The container and the last token of a pointer (the document root has no parent). */
function parentOf(doc: Json, pointer: string): { parent: Json; key: string } {
  const ts = tokens(pointer);
  if (ts.length === 0)
    throw new JsonPatchError('Operations on the whole document are not supported', 'invalid');
  let node: Json = doc;
  for (const t of ts.slice(0, -1)) {
    node = child(node, t, pointer);
  }
  return { parent: node, key: ts[ts.length - 1]! };
}

function child(node: Json, token: string, pointer: string): Json {
  if (Array.isArray(node)) {
    const i = Number(token);
    if (!/^\d+$/.test(token) || i >= node.length)
      throw new JsonPatchError(`Path ${pointer} does not exist`, 'failed');
    return node[i]!;
  }
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, token)) return node[token]!;
  throw new JsonPatchError(`Path ${pointer} does not exist`, 'failed');
}

function get(doc: Json, pointer: string): Json {
  let node = doc;
  for (const t of tokens(pointer)) node = child(node, t, pointer);
  return node;
}

function add(doc: Json, pointer: string, value: Json): void {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(key === '-' || /^\d+$/.test(key)) || i > parent.length) {
      throw new JsonPatchError(`Path ${pointer} is out of range`, 'failed');
    }
    parent.splice(i, 0, value);
  } else if (parent !== null && typeof parent === 'object') {
    parent[key] = value;
  } else {
    throw new JsonPatchError(`Path ${pointer} does not exist`, 'failed');
  }
}

function remove(doc: Json, pointer: string): Json {
  const { parent, key } = parentOf(doc, pointer);
  const old = child(parent, key, pointer);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as Record<string, Json>)[key];
  return old;
}

/** Applies the operations in order to a copy of `doc`; throws {@link JsonPatchError} on the first failure. */
export function applyPatch<T extends Record<string, unknown>>(doc: T, ops: PatchOperation[]): T {
  const out = clone(doc) as unknown as Json;
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        add(out, op.path, clone(op.value) as Json);
        break;
      case 'remove':
        remove(out, op.path);
        break;
      case 'replace':
        remove(out, op.path);
        add(out, op.path, clone(op.value) as Json);
        break;
      case 'move': {
        if (op.path.startsWith(`${op.from!}/`))
          throw new JsonPatchError('Cannot move a value into itself', 'invalid');
        const value = remove(out, op.from!);
        add(out, op.path, value);
        break;
      }
      case 'copy':
        add(out, op.path, clone(get(out, op.from!)));
        break;
      case 'test':
        if (!equal(get(out, op.path), op.value))
          throw new JsonPatchError(`Test failed at ${op.path}`, 'failed');
        break;
    }
  }
  return out as unknown as T;
}
