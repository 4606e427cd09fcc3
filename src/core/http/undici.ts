import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * undici's `Agent` and `Pool`, loaded from their own modules rather than the package's index. The index
 * also loads `fetch`, `WebSocket`, `EventSource`, the mock, cache and interceptor layers, none of which the
 * HTTP client uses: importing it costs about 65 ms of CPU and 9 MiB of memory more in every process (see
 * docs/BENCHMARKS.md). As the index does, the request API (`request`, `stream`, …) is put on
 * `Dispatcher.prototype`.
 *
 * These module paths are undici's layout, not its public API: package.json pins undici to one version, and
 * when the paths cannot be loaded (another layout), the index is used instead, so an update can only cost
 * the saving, not break the client.
 */
function load(): Pick<typeof Undici, 'Agent' | 'Pool'> {
  const require = createRequire(import.meta.url);
  try {
    const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
    const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
    const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as typeof Undici.Dispatcher;
    const api = require('undici/lib/api/index.js') as object;
    if (typeof Agent !== 'function' || typeof Pool !== 'function' || typeof Dispatcher !== 'function') {
      throw new Error('unexpected undici layout');
    }
    if (!('request' in Dispatcher.prototype)) Object.assign(Dispatcher.prototype, api);
    if (typeof (Agent.prototype as { request?: unknown }).request !== 'function') {
      throw new Error('unexpected undici layout');
    }
    return { Agent, Pool };
  } catch {
    const undici = require('undici') as typeof Undici;
    return { Agent: undici.Agent, Pool: undici.Pool };
  }
}

export const { Agent, Pool } = load();
export type Agent = Undici.Agent;
export type Pool = Undici.Pool;
