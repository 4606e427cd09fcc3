import { BoxRemote } from '../remote/box.js';
import { LocalRemote } from '../remote/local.js';
import type { Remote } from '../remote/types.js';
import { createClient } from './backends.js';
import type { RemoteConfig } from './config-file.js';
import { CommandError } from './errors.js';

/** The common-interface remote for a config entry or a local root. */
export const openRemote = {
  local(root: string): Remote {
    return new LocalRemote(root, { name: 'local disk' });
  },
  configured(name: string, entry: RemoteConfig, wiring: Parameters<typeof createClient>[1]): Remote {
    const client = createClient(entry, wiring);
    if (entry.type === 'box') return new BoxRemote(client as never, { name: `${name}:` });
    void client.close();
    throw new CommandError(`${name}: ${entry.type} remotes are not available in this build yet.`);
  },
};
