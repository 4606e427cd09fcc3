/**
 * Dropbox path arguments: the Stone patterns of each path alias (quoted back verbatim in 400 answers), and
 * the parse of a value that passed its pattern into root / path / `id:` (optionally with a relative path) /
 * `rev:` / `ns:` forms, with the component rules that make a path `malformed_path` or a name
 * `disallowed_name`.
 */
export const PATTERN = {
  Path: '/(.|[\\r\\n])*',
  PathOrId: '/(.|[\\r\\n])*|id:.*|(ns:[0-9]+(/(.|[\\r\\n])*)?)',
  PathR: '(/(.|[\\r\\n])*)?|(ns:[0-9]+(/(.|[\\r\\n])*)?)',
  PathROrId: '(/(.|[\\r\\n])*)?|id:.*|(ns:[0-9]+(/(.|[\\r\\n])*)?)',
  ReadPath: '(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/(.|[\\r\\n])*)?)',
  WritePath: '(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)',
  WritePathOrId: '(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)|(id:.*)',
  Rev: '[0-9a-f]+',
} as const;

export type ParsedPath =
  | { kind: 'root' }
  | { kind: 'path'; parts: string[] }
  | { kind: 'id'; id: string; parts: string[] }
  | { kind: 'rev'; rev: string }
  | { kind: 'ns'; ns: string; parts: string[] };

/** Dropbox refuses to store these names (its desktop clients never sync them). */
const DISALLOWED = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

export const MAX_NAME_LENGTH = 255;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a single name is unusable, or undefined when it is fine. */
export function checkName(name: string, forWrite: boolean): 'malformed_path' | 'disallowed_name' | undefined {
  if (name === '' || name === '.' || name === '..') return 'malformed_path';
  if ([...name].length > MAX_NAME_LENGTH) return 'malformed_path';
  // Backslash, DEL, other C0 controls, lone surrogates and trailing spaces are not valid in Dropbox names.
  if (/[\\\u0000-\u001f\u007f]/.test(name.replace(/\r$/, '')) || LONE_SURROGATE.test(name))
    return 'malformed_path';
  if (/ $/.test(name)) return 'malformed_path';
  if (forWrite && DISALLOWED.has(name.toLowerCase())) return 'disallowed_name';
  return undefined;
}

function splitParts(rest: string): string[] | 'malformed' {
  if (rest === '') return [];
  if (!rest.startsWith('/')) return 'malformed';
  const parts = rest.slice(1).split('/');
  return parts.some((p) => checkName(p, false) !== undefined) ? 'malformed' : parts;
}

/** Parses a path argument that already matched its Stone pattern. */
export function parsePath(value: string): ParsedPath | 'malformed' {
  if (value === '') return { kind: 'root' };
  if (value.startsWith('/')) {
    const parts = splitParts(value);
    return parts === 'malformed' ? parts : { kind: 'path', parts };
  }
  if (value.startsWith('rev:')) return { kind: 'rev', rev: value.slice(4) };
  if (value.startsWith('ns:')) {
    const m = /^ns:([0-9]+)(.*)$/s.exec(value);
    if (!m) return 'malformed';
    const parts = splitParts(m[2]!);
    return parts === 'malformed' ? parts : { kind: 'ns', ns: m[1]!, parts };
  }
  if (value.startsWith('id:')) {
    const slash = value.indexOf('/');
    const id = slash < 0 ? value : value.slice(0, slash);
    if (id.length <= 3) return 'malformed';
    const parts = splitParts(slash < 0 ? '' : value.slice(slash));
    return parts === 'malformed' ? parts : { kind: 'id', id, parts };
  }
  return 'malformed';
}

/** Splits a name into base and extension the way Dropbox numbers copies: `a.txt` -> `a`, `.txt`. */
export function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

export const lower = (s: string) => s.toLowerCase();
