import { B2Emulator, DEFAULT_B2_ACCOUNT } from './b2/index.js';
import { BoxEmulator, DEFAULT_BOX_CLIENT } from './box/index.js';
import type { ServiceEmulator } from './core/index.js';
import type { OAuthClientRegistration } from './core/oauth/index.js';
import { DEFAULT_CLIENT as DEFAULT_DROPBOX_CLIENT, DropboxEmulator } from './dropbox/index.js';
import { DEFAULT_GOOGLE_CLIENT, GoogleDriveEmulator } from './googledrive/index.js';

export { B2Emulator } from './b2/index.js';
export { BoxEmulator } from './box/index.js';
export * from './core/index.js';
export { DropboxEmulator } from './dropbox/index.js';
export { GoogleDriveEmulator } from './googledrive/index.js';

/** The service emulators `cloudstorage serve` can start, with the OAuth app each registers by default. */
export const SERVICE_EMULATORS: Record<
  string,
  { create: (options: { autoApprove?: boolean }) => ServiceEmulator; defaultClient: OAuthClientRegistration }
> = {
  box: { create: (o) => new BoxEmulator(o), defaultClient: DEFAULT_BOX_CLIENT },
  dropbox: { create: (o) => new DropboxEmulator(o), defaultClient: DEFAULT_DROPBOX_CLIENT },
  // B2 has no OAuth: its "client" is the default account, shown as its id (the master key id) and master key.
  b2: {
    create: () => new B2Emulator(),
    defaultClient: {
      clientId: DEFAULT_B2_ACCOUNT.accountId,
      clientSecret: DEFAULT_B2_ACCOUNT.masterKey,
      redirectUris: [],
      name: 'B2 emulator default account (application key id and master key)',
    },
  },
  googledrive: { create: (o) => new GoogleDriveEmulator(o), defaultClient: DEFAULT_GOOGLE_CLIENT },
};
