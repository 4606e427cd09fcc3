export { type BlobHash, type BlobInfo, BlobStore, BlobTooLargeError, type PutOptions } from './blob-store.js';
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

import type { EmulatorServer } from './server.js';

/**
 * A service emulator (Box, Dropbox, …) plugs into an {@link EmulatorServer}: it declares the hosts it
 * needs, adds its routes and error format, and keeps its own state.
 */
export interface ServiceEmulator {
  readonly name: string;
  install(server: EmulatorServer): void;
}
