import { BoxEmulator, DEFAULT_BOX_CLIENT } from './box/index.js';
import type { ServiceEmulator } from './core/index.js';
import type { OAuthClientRegistration } from './core/oauth/index.js';
import { DEFAULT_CLIENT as DEFAULT_DROPBOX_CLIENT, DropboxEmulator } from './dropbox/index.js';
import { DEFAULT_GOOGLE_CLIENT, GoogleDriveEmulator } from './googledrive/index.js';

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
  googledrive: { create: (o) => new GoogleDriveEmulator(o), defaultClient: DEFAULT_GOOGLE_CLIENT },
};
