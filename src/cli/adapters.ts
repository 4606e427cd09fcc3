import type { BrowserLauncher } from '../core/auth/types.js';
import { LocalRemote } from '../remote/local.js';
import type { Remote } from '../remote/types.js';
import { applySettings, backendFor, classOptions } from './backends.js';
import type { RemoteConfig } from './config-file.js';

/** A service class instance, and the common-interface remote over it. */
export interface OpenedClient {
  client: { authorize(): Promise<unknown>; close(): Promise<void> };
  remote(name: string): Remote;
}

/**
 * The class and adapter of one service, loaded when a command first needs that service: a command that
 * touches one service does not load the other three (start-up time and memory).
 */
async function load(type: string, options: Record<string, unknown>) {
  switch (backendFor(type).type) {
    case 'box': {
      const [{ Box }, { BoxRemote }] = await Promise.all([
        import('../providers/box/index.js'),
        import('../remote/box.js'),
      ]);
      const client = new Box(options);
      return { client, remote: (name: string) => new BoxRemote(client, { name }) };
    }
    case 'dropbox': {
      const [{ Dropbox }, { DropboxRemote }] = await Promise.all([
        import('../providers/dropbox/index.js'),
        import('../remote/dropbox.js'),
      ]);
      const client = new Dropbox(options);
      return { client, remote: (name: string) => new DropboxRemote(client, { name }) };
    }
    case 'googledrive': {
      const [{ GoogleDrive }, { GoogleDriveRemote }] = await Promise.all([
        import('../providers/googledrive/index.js'),
        import('../remote/googledrive.js'),
      ]);
      const client = new GoogleDrive(options);
      return { client, remote: (name: string) => new GoogleDriveRemote(client, { name }) };
    }
    case 'b2': {
      const [{ BackblazeB2 }, { B2Remote }] = await Promise.all([
        import('../providers/b2/index.js'),
        import('../remote/b2.js'),
      ]);
      const client = new BackblazeB2(options);
      return { client, remote: (name: string) => new B2Remote(client, { name }) };
    }
  }
}

/** The service class for a config entry (its options and settings applied), and its remote. */
export async function openClient(
  entry: RemoteConfig,
  wiring: { tokenFile: string; openBrowser: BrowserLauncher },
): Promise<OpenedClient> {
  const opened = await load(entry.type, classOptions(entry, wiring));
  applySettings(opened.client, entry);
  return opened;
}

/** The common-interface remote for a config entry or a local root. */
export const openRemote = {
  local(root: string): Remote {
    return new LocalRemote(root, { name: 'local disk' });
  },
  async configured(
    name: string,
    entry: RemoteConfig,
    wiring: { tokenFile: string; openBrowser: BrowserLauncher },
  ): Promise<Remote> {
    return (await openClient(entry, wiring)).remote(`${name}:`);
  },
};
