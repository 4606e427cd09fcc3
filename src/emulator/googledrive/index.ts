import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  decodeSnapshot,
  type EmulatorServer,
  encodeSnapshot,
  pickFields,
  restoreFields,
  type ServiceEmulator,
} from '../core/index.js';
import type { IssuedTokens, OAuthAuthorizationServer, OAuthClientRegistration } from '../core/oauth/index.js';
import { createGoogleOAuthServer, installGoogleOAuthExtras, type ServiceAccountRecord } from './auth.js';
import type { DriveContext } from './context.js';
import { formatDriveError } from './errors.js';
import { detectMimeType } from './formats.js';
import {
  type DriveRestrictions,
  type DriveUser,
  type FileRecord,
  FOLDER_MIME,
  GOOGLE_APPS_PREFIX,
  isGoogleNative,
  type PermissionRole,
  type SharedDriveRecord,
} from './model.js';
import { newRevisionId } from './operations.js';
import { installAboutRoutes } from './routes/about.js';
import { installChangeRoutes } from './routes/changes.js';
import { createDrive, installDriveRoutes } from './routes/drives.js';
import { installFileRoutes } from './routes/files.js';
import { installPermissionRoutes } from './routes/permissions.js';
import { installRevisionRoutes } from './routes/revisions.js';
import { installUploadRoutes, UploadSessions } from './routes/upload.js';
import { type DriveSettings, DriveState, defaultSettings, newFileId } from './state.js';

export { formatDriveError } from './errors.js';
export { applyFields, parseFields } from './fields.js';
export type { DriveUser, FileRecord, SharedDriveRecord } from './model.js';
export { FILE_QUERY_FIELDS, parseQuery, tokenize } from './query.js';
export type { DriveSettings } from './state.js';

/** The real hosts, by the name the emulator server knows them. */
export const GOOGLE_DRIVE_HOSTS = {
  api: 'www.googleapis.com',
  accounts: 'accounts.google.com',
  oauth2: 'oauth2.googleapis.com',
} as const;

/** The OAuth client registered when the options name none (for `cloudstorage serve` and tests). */
export const DEFAULT_GOOGLE_CLIENT: OAuthClientRegistration = {
  clientId: 'googledrive-emulator-client.apps.googleusercontent.com',
  clientSecret: 'googledrive-emulator-client-secret',
  name: 'Google Drive emulator client',
  redirectUris: [
    'http://127.0.0.1',
    'http://localhost',
    'http://127.0.0.1/callback',
    'http://localhost/callback',
    'urn:ietf:wg:oauth:2.0:oob',
  ],
};

export interface GoogleDriveEmulatorOptions {
  /** The signed-in user (the consent page's, and the owner of seeded files). */
  user?: { emailAddress?: string; displayName?: string };
  clients?: OAuthClientRegistration[];
  /** Skip the consent page (approve at once). */
  autoApprove?: boolean;
  /** Access token lifetime (Google: 3599 s). */
  accessTokenLifetimeSeconds?: number;
  settings?: Partial<DriveSettings>;
  /** Clock for the data, the sessions and the tokens. */
  now?: () => number;
}

export interface SeedFile {
  name: string;
  /** The parent folder (an id, `root`, `appDataFolder` or a shared drive id); default My Drive. */
  parent?: string;
  mimeType?: string;
  content?: string | Uint8Array | Readable;
  /** The owner's email (default: the signed-in user); someone else's file is shared as `sharedWith` says. */
  owner?: string;
  /** Permissions to add: users by email, or `anyone`. */
  sharedWith?: Array<{
    emailAddress?: string;
    type?: 'user' | 'group' | 'domain' | 'anyone';
    role: PermissionRole;
    domain?: string;
  }>;
  description?: string;
  starred?: boolean;
  properties?: Record<string, string>;
  appProperties?: Record<string, string>;
  createdTime?: string | number;
  modifiedTime?: string | number;
  trashed?: boolean;
  /** Flag as malware: alt=media then needs acknowledgeAbuse=true. */
  abusive?: boolean;
}

/**
 * A local Google Drive (API v3) on three loopback hosts: `api` (www.googleapis.com: `/drive/v3/...`,
 * `/upload/drive/v3/...`, the `/uc` download links), `accounts` (accounts.google.com: the consent page at
 * `/o/oauth2/v2/auth`) and `oauth2` (oauth2.googleapis.com: `/token`, `/revoke`, `/tokeninfo`). State lives
 * in memory, file bytes in the server's blob store.
 *
 * ```ts
 * const server = new EmulatorServer();
 * const drive = new GoogleDriveEmulator();
 * drive.install(server);
 * await server.start();
 * const { accessToken } = drive.issueToken();
 * // rootUrl for @googleapis/drive: drive.urls.api + '/'
 * ```
 */
/** What of the DriveState a snapshot keeps. */
const DRIVE_STATE_FIELDS = ['users', 'files', 'drives', 'changes', 'seq'];

export class GoogleDriveEmulator implements ServiceEmulator {
  readonly name = 'googledrive';
  private installed:
    | { server: EmulatorServer; ctx: DriveContext; sessions: UploadSessions; me: DriveUser }
    | undefined;

  /** Service accounts by email (lower case). */
  private readonly serviceAccounts = new Map<string, ServiceAccountRecord>();

  constructor(private readonly options: GoogleDriveEmulatorOptions = {}) {}

  install(server: EmulatorServer): void {
    const now = this.options.now ?? Date.now;
    const state = new DriveState(server.blobs, { ...defaultSettings(), ...this.options.settings }, now);
    const me = state.addUser(
      this.options.user?.emailAddress ?? 'user@example.com',
      this.options.user?.displayName ?? 'Emulated User',
    );
    const oauth = createGoogleOAuthServer({
      clients: this.options.clients ?? [DEFAULT_GOOGLE_CLIENT],
      user: me,
      serviceAccounts: this.serviceAccounts,
      // A service account owns its own Drive (made on first sign-in); a delegated user must exist already.
      userFor: (email) =>
        this.serviceAccounts.has(email.toLowerCase())
          ? state.addUser(email, email.split('@')[0]!)
          : state.users.get(email.toLowerCase()),
      tokenUrls: () =>
        ['/token', '/o/oauth2/token']
          .map((p) => `${server.publicUrl('oauth2')}${p}`)
          .concat(
            `${server.publicUrl('accounts')}/o/oauth2/token`,
            `${server.publicUrl('api')}/oauth2/v4/token`,
          ),
      autoApprove: this.options.autoApprove,
      accessTokenLifetimeSeconds: this.options.accessTokenLifetimeSeconds,
      now,
    });
    const api = server.host('api');
    const accounts = server.host('accounts');
    const oauth2 = server.host('oauth2');
    for (const host of [api, accounts, oauth2]) host.errorFormatter = formatDriveError;
    const ctx: DriveContext = { state, oauth, server };
    oauth.install(server);
    installGoogleOAuthExtras(server, oauth, (subject) => state.userByPermissionId(subject)?.emailAddress);
    const sessions = new UploadSessions(ctx);
    installUploadRoutes(api.router, ctx, sessions);
    installAboutRoutes(api.router, ctx);
    installChangeRoutes(api.router, ctx);
    installDriveRoutes(api.router, ctx);
    installPermissionRoutes(api.router, ctx);
    installRevisionRoutes(api.router, ctx);
    installFileRoutes(api.router, ctx);
    const sweeper = setInterval(() => void sessions.sweep(), 60_000);
    sweeper.unref();
    server.onStop(async () => {
      clearInterval(sweeper);
      await sessions.clear();
    });
    this.installed = { server, ctx, sessions, me };
  }

  private get parts() {
    if (!this.installed) throw new Error('GoogleDriveEmulator: install() it on an EmulatorServer first');
    return this.installed;
  }

  get state(): DriveState {
    return this.parts.ctx.state;
  }

  get oauth(): OAuthAuthorizationServer {
    return this.parts.ctx.oauth;
  }

  /** Settings tests may change at run time (export limit, session lifetime, quota, incompleteSearch). */
  get settings(): DriveSettings {
    return this.state.settings;
  }

  /** Live resumable upload sessions by upload_id. */
  get uploadSessions(): UploadSessions['sessions'] {
    return this.parts.sessions.sessions;
  }

  /** The signed-in user. */
  get user(): DriveUser {
    return this.parts.me;
  }

  /** Users, files, shared drives, changes and tokens, for `cloudstorage serve --data`. */
  saveState(): string {
    const { ctx } = this.need();
    return encodeSnapshot({
      state: pickFields(ctx.state, DRIVE_STATE_FIELDS),
      tokens: ctx.oauth.tokens.saved(),
    });
  }

  loadState(json: string): void {
    const { ctx } = this.need();
    const saved = decodeSnapshot(json) as { state: Record<string, unknown>; tokens: Record<string, unknown> };
    restoreFields(ctx.state, saved.state);
    restoreFields(ctx.oauth.tokens, saved.tokens);
  }

  private need() {
    if (!this.installed) throw new Error('GoogleDriveEmulator: install() it on an EmulatorServer first');
    return this.installed;
  }

  /** Base URLs of the hosts (after `server.start()`); uploads go to the api host, as on Google. */
  get urls(): { api: string; upload: string; accounts: string; oauth2: string } {
    const s = this.parts.server;
    return { api: s.url('api'), upload: s.url('api'), accounts: s.url('accounts'), oauth2: s.url('oauth2') };
  }

  /** Another user (an owner of files shared with the signed-in user, a permission target). */
  addUser(emailAddress: string, displayName?: string): DriveUser {
    return this.state.addUser(emailAddress, displayName ?? emailAddress.split('@')[0]!);
  }

  /**
   * Registers a service account and the public keys of its JSON keys (by `private_key_id`), as Google
   * Cloud's console does when it creates a key; `domainWideDelegation` lets it act for the domain's users.
   * Registering an account again adds keys. It owns its own Drive from its first sign-in.
   */
  addServiceAccount(account: {
    clientEmail: string;
    publicKeys: Array<{ id: string; pem: string }>;
    domainWideDelegation?: boolean;
  }): void {
    const email = account.clientEmail.toLowerCase();
    const known = this.serviceAccounts.get(email);
    if (known) {
      known.keys.push(...account.publicKeys);
      if (account.domainWideDelegation !== undefined)
        known.domainWideDelegation = account.domainWideDelegation;
      return;
    }
    this.serviceAccounts.set(email, {
      clientEmail: account.clientEmail,
      clientId: String(100_000_000_000_000_000_000n + BigInt(`0x${randomBytes(8).toString('hex')}`)),
      keys: [...account.publicKeys],
      domainWideDelegation: account.domainWideDelegation ?? false,
    });
  }

  /** Deletes one key of a service account (its assertions then fail as Google's do for a deleted key). */
  deleteServiceAccountKey(clientEmail: string, keyId: string): void {
    const account = this.serviceAccounts.get(clientEmail.toLowerCase());
    if (account) account.keys = account.keys.filter((k) => k.id !== keyId);
  }

  /**
   * Creates a key for a service account (registering the account when new) and returns the JSON key file
   * Google's console would download, with `token_uri` pointing at this emulator (after `server.start()`).
   */
  createServiceAccountKey(
    clientEmail: string,
    options: { domainWideDelegation?: boolean } = {},
  ): Record<string, string> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const keyId = randomBytes(20).toString('hex');
    this.addServiceAccount({ clientEmail, publicKeys: [{ id: keyId, pem: publicKey }], ...options });
    const account = this.serviceAccounts.get(clientEmail.toLowerCase())!;
    return {
      type: 'service_account',
      project_id: clientEmail.split('@')[1]?.split('.')[0] ?? 'emulated-project',
      private_key_id: keyId,
      private_key: privateKey,
      client_email: clientEmail,
      client_id: account.clientId,
      auth_uri: `${this.parts.server.publicUrl('accounts')}/o/oauth2/auth`,
      token_uri: `${this.parts.server.publicUrl('oauth2')}/token`,
    };
  }

  /** Mints tokens for the signed-in user (or `user`, an email), without the browser flow. */
  issueToken(
    options: {
      user?: string;
      scopes?: string[];
      lifetimeSeconds?: number;
      clientId?: string;
      refreshToken?: boolean;
    } = {},
  ): IssuedTokens {
    const user = options.user ? this.state.user(options.user) : this.user;
    return this.oauth.issueToken({
      clientId: options.clientId ?? (this.options.clients?.[0] ?? DEFAULT_GOOGLE_CLIENT).clientId,
      userId: user.permissionId,
      scopes: options.scopes ?? ['https://www.googleapis.com/auth/drive'],
      ...(options.lifetimeSeconds !== undefined ? { lifetimeSeconds: options.lifetimeSeconds } : {}),
      ...(options.refreshToken !== undefined ? { refreshToken: options.refreshToken } : {}),
    });
  }

  /** Seeds a file (binary content, a folder, or a Google-native document with `mimeType` google-apps.*). */
  async addFile(seed: SeedFile): Promise<FileRecord> {
    const { state } = this;
    const owner = seed.owner ? state.user(seed.owner) : this.user;
    const mimeType = seed.mimeType ?? detectMimeType(seed.name, undefined);
    const parentId = seed.parent ? state.resolveId(seed.parent, owner) : owner.rootId;
    const parent = state.files.get(parentId);
    if (!parent) throw new Error(`addFile: no parent ${seed.parent}`);
    const now = state.now();
    const f = state.blankFile(newFileId(), seed.name, mimeType, now, parent.driveId ? undefined : owner);
    f.parents = [parent.id];
    f.driveId = parent.driveId;
    f.description = seed.description;
    f.starred = seed.starred ?? false;
    f.properties = { ...seed.properties };
    f.appProperties = { ...seed.appProperties };
    f.abusive = seed.abusive ?? false;
    if (isGoogleNative(mimeType)) {
      f.native = { text: contentText(seed.content), revisionId: newRevisionId() };
    } else if (mimeType !== FOLDER_MIME && !mimeType.startsWith(GOOGLE_APPS_PREFIX)) {
      const rev = await state.storeRevision(
        { source: seed.content ?? '', mimeType, originalFilename: seed.name },
        owner,
      );
      state.pushRevision(f, rev);
      f.originalFilename = seed.name;
    }
    for (const s of seed.sharedWith ?? []) {
      const type = s.type ?? (s.emailAddress ? 'user' : 'anyone');
      const u = s.emailAddress ? state.user(s.emailAddress) : undefined;
      f.permissions.push({
        id: u?.permissionId ?? (type === 'anyone' ? 'anyoneWithLink' : `${s.domain}-domain`),
        type,
        role: s.role,
        ...(u ? { emailAddress: u.emailAddress, displayName: u.displayName } : {}),
        ...(s.domain ? { domain: s.domain, allowFileDiscovery: false } : {}),
        ...(type === 'anyone' ? { allowFileDiscovery: false } : {}),
      });
      if (u && u !== owner) {
        f.sharedWithMeTime = now;
        f.sharingUser = owner.emailAddress;
      }
    }
    if (seed.createdTime !== undefined) f.createdTime = new Date(seed.createdTime).getTime();
    f.modifiedTime = seed.modifiedTime !== undefined ? new Date(seed.modifiedTime).getTime() : f.modifiedTime;
    if (seed.trashed) {
      f.explicitlyTrashed = true;
      f.trashedTime = now;
      f.trashingUser = owner.emailAddress;
    }
    f.version = 1;
    state.insert(f);
    return f;
  }

  /** Seeds a folder. */
  addFolder(name: string, parent?: string, owner?: string): Promise<FileRecord> {
    return this.addFile({
      name,
      mimeType: FOLDER_MIME,
      ...(parent ? { parent } : {}),
      ...(owner ? { owner } : {}),
    });
  }

  /** Seeds a Google-native file: `kind` document (text), spreadsheet (CSV), presentation, drawing… */
  addGoogleDoc(name: string, kind: string, text: string, parent?: string): Promise<FileRecord> {
    return this.addFile({
      name,
      mimeType: `${GOOGLE_APPS_PREFIX}${kind}`,
      content: text,
      ...(parent ? { parent } : {}),
    });
  }

  /** Seeds a shared drive; the signed-in user is its organizer, `members` join it. */
  addSharedDrive(
    name: string,
    options: {
      members?: Array<{ emailAddress: string; role: PermissionRole }>;
      restrictions?: Partial<DriveRestrictions>;
      organizer?: string;
    } = {},
  ): SharedDriveRecord {
    const organizer = options.organizer ? this.state.user(options.organizer) : this.user;
    const d = createDrive(this.parts.ctx, organizer, name, `seed-${newFileId()}`, {
      ...(options.restrictions ? { restrictions: options.restrictions } : {}),
    });
    for (const m of options.members ?? []) {
      const u = this.state.user(m.emailAddress);
      d.members.push({
        id: u.permissionId,
        type: 'user',
        role: m.role,
        emailAddress: u.emailAddress,
        displayName: u.displayName,
      });
    }
    return d;
  }

  /**
   * Arms Drive's throttling answer for the next `times` matching requests: 403 `userRateLimitExceeded`
   * (default) or `rateLimitExceeded` with domain `usageLimits`, or 429. Returns the fault id.
   */
  rateLimit(
    options: {
      reason?:
        | 'userRateLimitExceeded'
        | 'rateLimitExceeded'
        | 'dailyLimitExceeded'
        | 'sharingRateLimitExceeded';
      status?: 403 | 429;
      times?: number;
      path?: string | RegExp;
      method?: string;
      retryAfter?: number;
    } = {},
  ): number {
    const status = options.status ?? 403;
    const reason = options.reason ?? (status === 429 ? 'rateLimitExceeded' : 'userRateLimitExceeded');
    const message = reason === 'userRateLimitExceeded' ? 'User Rate Limit Exceeded' : 'Rate Limit Exceeded';
    return this.parts.server.faults.add({
      status,
      times: options.times ?? 1,
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.method ? { method: options.method } : {}),
      ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
      host: 'api',
      body: {
        error: {
          code: status,
          message,
          errors: [{ message, domain: 'usageLimits', reason }],
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    });
  }
}

function contentText(content: SeedFile['content']): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  if (content instanceof Uint8Array) return Buffer.from(content).toString('utf8');
  throw new Error('addFile: the content of a Google-native file is text (a string or bytes), not a stream');
}
