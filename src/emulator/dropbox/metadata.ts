import type { FileNode, FileRevision, FolderNode, Namespace, Node, Tombstone } from './model.js';
import { formatTimestamp } from './stone.js';

/**
 * The `files.Metadata` family on the wire. Fields come in Dropbox's order; optional fields that are unset
 * are omitted (Stone never sends `null`). `.tag` is written only where the declared type is the polymorphic
 * `Metadata` (listings, get_metadata, delete/copy/move results), not where it is `FileMetadata` itself
 * (upload, download result header, list_revisions).
 */
export interface MetadataOptions {
  tag?: boolean;
  /** `include_restorable_info`: add `is_restorable`. */
  restorable?: boolean;
  /** `include_has_explicit_shared_members`: add the flag (always false here: nothing is shared with members). */
  explicitSharedMembers?: boolean;
}

type Json = Record<string, unknown>;

/** A file revision's metadata, at the path the revision was written to (or at `at`, the live path). */
export function revisionMetadata(
  r: FileRevision,
  options: MetadataOptions = {},
  at?: { name: string; pathDisplay: string },
): Json {
  const name = at?.name ?? r.name;
  const pathDisplay = at?.pathDisplay ?? r.pathDisplay;
  const out: Json = options.tag ? { '.tag': 'file' } : {};
  Object.assign(out, {
    name,
    path_lower: pathDisplay.toLowerCase(),
    path_display: pathDisplay,
    id: r.fileId,
    client_modified: formatTimestamp(r.clientModified),
    server_modified: formatTimestamp(r.serverModified),
    rev: r.rev,
    size: r.size,
    is_downloadable: !r.export,
  });
  if (r.export) out.export_info = { export_as: r.export.exportAs, export_options: r.export.exportOptions };
  if (options.explicitSharedMembers) out.has_explicit_shared_members = false;
  out.content_hash = r.contentHash;
  if (options.restorable) out.is_restorable = true;
  return out;
}

export function fileMetadata(ns: Namespace, node: FileNode, options: MetadataOptions = {}): Json {
  return revisionMetadata(node.rev, options, { name: node.name, pathDisplay: ns.pathDisplay(node) });
}

export function folderMetadata(ns: Namespace, node: FolderNode, options: MetadataOptions = {}): Json {
  const pathDisplay = ns.pathDisplay(node);
  return {
    ...(options.tag ? { '.tag': 'folder' } : {}),
    name: node.name,
    path_lower: pathDisplay.toLowerCase(),
    path_display: pathDisplay,
    id: node.id,
  };
}

export function nodeMetadata(ns: Namespace, node: Node, options: MetadataOptions = { tag: true }): Json {
  return node.kind === 'file' ? fileMetadata(ns, node, options) : folderMetadata(ns, node, options);
}

export function deletedMetadata(
  t: Pick<Tombstone, 'name' | 'pathDisplay'>,
  options: MetadataOptions = {},
): Json {
  return {
    '.tag': 'deleted',
    name: t.name,
    path_lower: t.pathDisplay.toLowerCase(),
    path_display: t.pathDisplay,
    ...(options.restorable ? { is_restorable: 'kind' in t && t.kind === 'file' } : {}),
  };
}
