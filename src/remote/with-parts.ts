import { B2Remote } from './b2.js';
import { b2PartUploads } from './b2-parts.js';
import { BoxRemote } from './box.js';
import { boxPartUploads } from './box-parts.js';
import { type PartUploads, partUploadsOf, withPartUploads } from './parts.js';
import type { Remote } from './types.js';

/**
 * The remote with its service's part uploads attached (Box upload sessions, B2 large files), when it has
 * none yet; other remotes as they are. (Until the adapters attach their own `parts`.)
 */
export function withServiceParts(remote: Remote): Remote {
  if (partUploadsOf(remote)) return remote;
  let parts: PartUploads | undefined;
  if (remote instanceof BoxRemote) parts = boxPartUploads(remote.box, remote);
  else if (remote instanceof B2Remote) parts = b2PartUploads(remote.b2, remote);
  return parts ? withPartUploads(remote, parts) : remote;
}
