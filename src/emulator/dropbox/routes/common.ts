import type { RouteContext } from '../dispatch.js';
import { routeError } from '../errors.js';
import { fileMetadata } from '../metadata.js';
import {
  type CommitOptions,
  type FileRevision,
  LookupFailure,
  type Node,
  RouteFailure,
  type StoredContent,
  WriteFailure,
} from '../model.js';
import { PATTERN, type ParsedPath, parsePath } from '../paths.js';
import { type StoneType, StoneValidationError, str } from '../stone.js';

/**
 * Helpers the route modules share: path argument types (with the two special 400 texts Dropbox uses for
 * `"/"` and for the root), resolving a path argument to a node or a revision, and wrapping model failures
 * in a route's error union.
 */

export interface PathTypeOptions {
  /** For `""` on routes that cannot take the root (get_metadata). */
  rootUnsupported?: boolean;
  /** `"/"` gets "Specify the root folder as an empty string" (routes whose path may be the root). */
  slashIsRoot?: boolean;
}

/** A path field: the Stone pattern check, plus Dropbox's own texts for the root. */
export function pathType(pattern: string, options: PathTypeOptions = {}): StoneType<string> {
  const base = str({ pattern });
  return {
    decode(v) {
      if (v === '' && options.rootUnsupported)
        throw new StoneValidationError('The root folder is unsupported.');
      if (v === '/' && options.slashIsRoot) {
        throw new StoneValidationError('Specify the root folder as an empty string rather than as "/".');
      }
      return base.decode(v);
    },
  };
}

export const revType = () => str({ minLength: 9, pattern: PATTERN.Rev });

export type Resolved = { kind: 'node'; node: Node } | { kind: 'revision'; revision: FileRevision };

/** Resolves a path argument (any form) to a live node or, for `rev:`, a revision; throws LookupFailure. */
export function resolve(ctx: RouteContext<unknown>, value: string): Resolved {
  const parsed = parse(value);
  const ns = ctx.account.ns;
  if (parsed.kind === 'rev') return { kind: 'revision', revision: ns.revisionOf(parsed.rev) };
  return { kind: 'node', node: ns.lookup(parsed) };
}

export function parse(value: string): ParsedPath {
  const parsed = parsePath(value);
  if (parsed === 'malformed') throw LookupFailure.of('malformed_path');
  return parsed;
}

/** The absolute target of a write-path argument; throws WriteFailure (malformed_path, …). */
export function writeTarget(ctx: RouteContext<unknown>, value: string): string[] {
  const parsed = parsePath(value);
  if (parsed === 'malformed' || parsed.kind === 'rev' || parsed.kind === 'root')
    throw WriteFailure.of('malformed_path');
  try {
    return ctx.account.ns.absoluteParts(parsed);
  } catch (e) {
    if (e instanceof LookupFailure) throw WriteFailure.of('malformed_path');
    throw e;
  }
}

/**
 * Runs `body`, turning model failures into the route's 409 error: LookupFailure under `lookupTag`,
 * WriteFailure under `writeTag`, RouteFailure as a top-level tag.
 */
export function withErrors<T>(tags: { lookup?: string; write?: string }, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw translate(tags, e);
  }
}

export async function withErrorsAsync<T>(
  tags: { lookup?: string; write?: string },
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (e) {
    throw translate(tags, e);
  }
}

function translate(tags: { lookup?: string; write?: string }, e: unknown): unknown {
  if (e instanceof LookupFailure && tags.lookup)
    return routeError({ '.tag': tags.lookup, [tags.lookup]: e.error });
  if (e instanceof WriteFailure && tags.write)
    return routeError({ '.tag': tags.write, [tags.write]: e.error });
  if (e instanceof WriteFailure && tags.lookup && !tags.write) {
    return routeError({ '.tag': tags.lookup, [tags.lookup]: { '.tag': 'malformed_path' } });
  }
  if (e instanceof RouteFailure) return routeError({ '.tag': e.tag });
  return e;
}

/**
 * Stores content as the file at `path` and answers its metadata. On failure (a WriteFailure) the content's
 * blob reference is released, so a refused upload or restore leaves nothing behind.
 */
export function commitContent(
  ctx: RouteContext<unknown>,
  path: string,
  content: StoredContent,
  options: CommitOptions,
) {
  try {
    const node = ctx.account.ns.commitFile(writeTarget(ctx, path), content, options);
    return fileMetadata(ctx.account.ns, node);
  } catch (e) {
    void ctx.state.blobs.release(content.blobId);
    throw e;
  }
}
