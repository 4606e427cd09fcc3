import { Box } from '../providers/box/index.js';
import { Dropbox } from '../providers/dropbox/index.js';
import { GoogleDrive } from '../providers/googledrive/index.js';
import { B2Remote } from '../remote/b2.js';
import { BoxRemote } from '../remote/box.js';
import { DropboxRemote } from '../remote/dropbox.js';
import { GoogleDriveRemote } from '../remote/googledrive.js';
import { LocalRemote } from '../remote/local.js';
import type { Remote } from '../remote/types.js';
import { createClient } from './backends.js';
import type { RemoteConfig } from './config-file.js';

/** The common-interface remote for a config entry or a local root. */
export const openRemote = {
  local(root: string): Remote {
    return new LocalRemote(root, { name: 'local disk' });
  },
  configured(name: string, entry: RemoteConfig, wiring: Parameters<typeof createClient>[1]): Remote {
    const client = createClient(entry, wiring);
    const named = { name: `${name}:` };
    if (client instanceof Box) return new BoxRemote(client, named);
    if (client instanceof Dropbox) return new DropboxRemote(client, named);
    if (client instanceof GoogleDrive) return new GoogleDriveRemote(client, named);
    return new B2Remote(client, named);
  },
};
