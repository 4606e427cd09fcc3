export {
  type BlobHash,
  type BlobIndex,
  type BlobInfo,
  BlobStore,
  BlobTooLargeError,
  type PutOptions,
} from './blob-store.js';
export {
  type ArmedFault,
  type FaultedRequest,
  FaultInjector,
  type FaultSpec,
  type RandomFaults,
  type RequestOutcome,
  seededRandom,
} from './faults.js';
export { contentDisposition } from './headers.js';
export { type PublicRole, publicBaseUrl, type RequestOrigin, requestOrigin } from './public-url.js';
export {
  DRAIN_LIMIT,
  type DrainLimit,
  EmulatorHost,
  type EmulatorRequest,
  EmulatorServer,
  type EmulatorServerOptions,
  type ErrorFormatter,
  HttpError,
  LOOPBACK,
  parseRange,
  type RequestLogEntry,
  type RouteHandler,
  Router,
  sendJson,
  sendStream,
} from './server.js';
export { type ClassRegistry, decodeSnapshot, encodeSnapshot, pickFields, restoreFields } from './snapshot.js';

import type { EmulatorServer } from './server.js';

/**
 * A service emulator (Box, Dropbox, …) plugs into an {@link EmulatorServer}: it declares the hosts it
 * needs, adds its routes and error format, and keeps its own state.
 */
export interface ServiceEmulator {
  readonly name: string;
  install(server: EmulatorServer): void;
  /**
   * The state worth keeping across restarts (files, folders, accounts, tokens) as JSON, after `install`;
   * `loadState` puts it back into a freshly installed emulator whose blob store holds the same blobs.
   */
  saveState?(): string;
  loadState?(json: string): void;
}
