import type { EmulatorRequest, EmulatorServer } from '../core/index.js';

/**
 * The absolute URL of one of the emulator's hosts as the client can reach it: the host name the request
 * was sent to (its `Host` header), with the port of the wanted host. So a client that reached the emulator
 * as `localhost` gets `localhost` URLs back, and one behind a port mapping keeps its host name.
 */
export function hostUrl(server: EmulatorServer, req: EmulatorRequest, wanted: string): string {
  const own = new URL(server.url(req.host));
  const target = new URL(server.url(wanted));
  const seen = requestHost(req);
  if (!seen) return target.origin;
  if (wanted === req.host) return `${own.protocol}//${seen.host}`;
  return `${own.protocol}//${seen.hostname}:${target.port}`;
}

/** The request's `Host` header, parsed; undefined when absent or malformed. */
function requestHost(req: EmulatorRequest): URL | undefined {
  const header = req.headers.host;
  if (!header || /[\s/?#@\\]/.test(header)) return undefined;
  try {
    return new URL(`http://${header}`);
  } catch {
    return undefined;
  }
}
