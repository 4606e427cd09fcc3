import {
  decodeSnapshot,
  type EmulatorServer,
  encodeSnapshot,
  pickFields,
  restoreFields,
  type ServiceEmulator,
} from '../core/index.js';
import type {
  IssueTokenOptions,
  OAuthAuthorizationServer,
  OAuthClientRegistration,
} from '../core/oauth/index.js';
import { createBoxOAuthServer } from './auth.js';
import { type BoxContext, type BoxEmulatorConfig, defaultConfig } from './context.js';
import { boxErrorFormatter, unauthorized } from './errors.js';
import type { EnterpriseRecord, UserRecord } from './model.js';
import { DownloadSigner, installDownloadRoutes } from './routes/downloads.js';
import { installItemRoutes } from './routes/items.js';
import { MetadataService } from './routes/metadata.js';
import { installSearchRoutes } from './routes/search.js';
import { UploadSessions } from './routes/sessions.js';
import { installThumbnailRoutes } from './routes/thumbnails.js';
import { installUploadRoutes } from './routes/uploads.js';
import { installUserRoutes } from './routes/users.js';
import { installVersionRoutes } from './routes/versions.js';
import { type EmulatorUrls, Shapes } from './shapes.js';
import { BoxStore, userRecord } from './state.js';

export type { BoxEmulatorConfig } from './context.js';
export { defaultPartSize } from './context.js';
export type { EmulatorUrls } from './shapes.js';

/** The client registered when the options name none (handy for `cloudstorage serve` and tests). */
export const DEFAULT_BOX_CLIENT: OAuthClientRegistration = {
  clientId: 'box-emulator-client-id',
  clientSecret: 'box-emulator-client-secret',
  redirectUris: [
    'http://127.0.0.1',
    'http://localhost',
    'http://127.0.0.1/callback',
    'http://localhost/callback',
  ],
  name: 'Box emulator client',
};

export interface BoxEmulatorOptions {
  /** The account's user (the owner of everything, and the enterprise's service account). */
  user?: Partial<UserRecord>;
  enterprise?: Partial<EnterpriseRecord>;
  /** Registered OAuth apps; default {@link DEFAULT_BOX_CLIENT}. */
  clients?: OAuthClientRegistration[];
  /** Skip the consent page (approve at once). */
  autoApprove?: boolean;
  accessTokenLifetimeSeconds?: number;
  config?: Partial<BoxEmulatorConfig>;
  /** Clock for the data (timestamps, session and link expiry) and the tokens. */
  now?: () => number;
}

/**
 * A local Box (API 2.0) on three loopback hosts: `api` (`/2.0/...`, `/oauth2/token`, the authorize page at
 * `/api/oauth2/authorize`), `upload` (`/api/2.0/files/content`, upload sessions) and `download` (the signed
 * URLs that `GET /2.0/files/{id}/content` redirects to, and thumbnail placeholders). State lives in memory,
 * file bytes in the server's blob store.
 */
export class BoxEmulator implements ServiceEmulator {
  readonly name = 'box';
  readonly config: BoxEmulatorConfig;
  private installed:
    | { server: EmulatorServer; ctx: BoxContext; sessions: UploadSessions; metadata: MetadataService }
    | undefined;

  constructor(private readonly options: BoxEmulatorOptions = {}) {
    this.config = { ...defaultConfig(), ...options.config };
  }

  install(server: EmulatorServer): void {
    const now = this.options.now ?? Date.now;
    const owner = userRecord(now(), this.options.user);
    const enterprise: EnterpriseRecord = {
      id: '1000001',
      name: 'Emulated Enterprise',
      ...this.options.enterprise,
    };
    const store = new BoxStore(server.blobs, owner, enterprise, now);
    const oauth = createBoxOAuthServer({
      clients: this.options.clients ?? [DEFAULT_BOX_CLIENT],
      owner,
      enterprise,
      users: store.users,
      tokenUrls: () => [
        `${server.publicUrl('api')}/oauth2/token`,
        `${server.publicUrl('api')}/api/oauth2/token`,
      ],
      autoApprove: this.options.autoApprove,
      accessTokenLifetimeSeconds: this.options.accessTokenLifetimeSeconds,
      now,
    });
    const api = server.host('api');
    const upload = server.host('upload');
    const download = server.host('download');
    for (const host of [api, upload, download]) host.errorFormatter = boxErrorFormatter;
    // Box's own names for its hosts: a client that reaches the emulator under them (through a proxy) gets
    // every absolute URL under them too; shared links and web pages are app.box.com, served by `api`.
    server.publicName('api', 'api.box.com');
    server.publicName('upload', 'upload.box.com');
    server.publicName('download', 'dl.boxcloud.com');
    server.publicName('app', 'app.box.com', 'api');
    server.publicName('account', 'account.box.com', 'api');
    const urls = (): EmulatorUrls => ({
      api: server.publicUrl('api'),
      upload: server.publicUrl('upload'),
      download: server.publicUrl('download'),
      app: server.publicUrl('app'),
    });
    const signer = new DownloadSigner(now, () => this.config.downloadUrlLifetimeMs);
    const trees = new Map<string, BoxContext>();
    const shapesFor = (tree: BoxStore) => {
      const shapes = new Shapes(tree, urls, this.config.timezoneOffsetMinutes, (file) =>
        signer.sign(file.id, file.versions.at(-1)!.id),
      );
      tree.renderConflict = (item) => shapes.conflict(item);
      return shapes;
    };
    const ctx: BoxContext = {
      store,
      blobs: server.blobs,
      config: this.config,
      oauth,
      urls,
      signDownload: (fileId, versionId) => signer.sign(fileId, versionId),
      shapes: shapesFor(store),
      forUser: (userId) => {
        if (userId === owner.id) return ctx;
        const user = store.users.get(userId);
        // Never someone else's tree for a user that is gone.
        if (!user) throw unauthorized();
        let tree = trees.get(userId);
        if (!tree) {
          const userStore = new BoxStore(server.blobs, user, enterprise, now, store);
          tree = { ...ctx, store: userStore, shapes: shapesFor(userStore) };
          trees.set(userId, tree);
        }
        return tree;
      },
      allStores: () => [store, ...[...trees.values()].map((t) => t.store)],
    };

    oauth.install(server);
    const sessions = new UploadSessions(ctx);
    const metadata = new MetadataService(ctx);
    installUploadRoutes(api.router, upload.router, ctx);
    sessions.install(upload.router);
    installDownloadRoutes(api.router, download.router, ctx, signer);
    installThumbnailRoutes(api.router, download.router, ctx);
    installVersionRoutes(api.router, ctx);
    metadata.install(api.router);
    installItemRoutes(api.router, ctx);
    installSearchRoutes(api.router, ctx);
    installUserRoutes(api.router, ctx);
    server.onStop(() => sessions.clear());
    this.installed = { server, ctx, sessions, metadata };
  }

  /** Items (files, folders, versions, trash), users and tokens, for `cloudstorage serve --data`. */
  saveState(): string {
    const { ctx } = this.state;
    return encodeSnapshot({
      store: pickFields(ctx.store, STORE_FIELDS),
      tokens: ctx.oauth.tokens.saved(),
    });
  }

  loadState(json: string): void {
    const { ctx } = this.state;
    const saved = decodeSnapshot(json) as { store: Record<string, unknown>; tokens: Record<string, unknown> };
    restoreFields(ctx.store, saved.store);
    restoreFields(ctx.oauth.tokens, saved.tokens);
  }

  private get state() {
    if (!this.installed) throw new Error('BoxEmulator: install() it on an EmulatorServer first');
    return this.installed;
  }

  /** The in-memory data (items, users), for tests that look behind the API. */
  get store(): BoxStore {
    return this.state.ctx.store;
  }

  get oauth(): OAuthAuthorizationServer {
    return this.state.ctx.oauth;
  }

  /** Live upload sessions by id. */
  get uploadSessions(): UploadSessions['sessions'] {
    return this.state.sessions.sessions;
  }

  /** Base URLs of the three hosts (after `server.start()`); `app` (shared links, pages) is the api listener. */
  get urls(): EmulatorUrls & { oauth2: string } {
    const u = this.state.ctx.urls();
    return { ...u, oauth2: `${u.api}/api/oauth2` };
  }

  /**
   * Registers an app (client id and secret) and the public keys its JWT assertions are signed for, by
   * `kid`, as the developer console's "Add a Public Key" does. Registering an app again adds keys to it.
   */
  registerJwtApp(app: {
    clientId: string;
    clientSecret: string;
    publicKeys: Array<{ id: string; pem: string }>;
    name?: string;
  }): void {
    const known = this.oauth.client(app.clientId);
    if (known) {
      known.publicKeys = [...(known.publicKeys ?? []), ...app.publicKeys];
      return;
    }
    this.oauth.registerClient({
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUris: [],
      publicKeys: [...app.publicKeys],
      ...(app.name ? { name: app.name } : {}),
    });
  }

  /** Removes one public key of an app (its assertions then fail with an unknown `kid`). */
  removePublicKey(clientId: string, keyId: string): void {
    const client = this.oauth.client(clientId);
    if (client?.publicKeys) client.publicKeys = client.publicKeys.filter((k) => k.id !== keyId);
  }

  /** Mints an access token for the account's user (or another user), without the OAuth flow. */
  issueToken(options: Partial<IssueTokenOptions> = {}): string {
    const clientId = options.clientId ?? (this.options.clients?.[0] ?? DEFAULT_BOX_CLIENT).clientId;
    return this.oauth.issueToken({ ...options, clientId, userId: options.userId ?? this.store.owner.id })
      .accessToken;
  }
}

/** What of the BoxStore a snapshot keeps (the counters keep new ids from meeting old ones). */
const STORE_FIELDS = ['items', 'users', 'ids'] as const;
