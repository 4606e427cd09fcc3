import {
  decodeSnapshot,
  type EmulatorServer,
  encodeSnapshot,
  pickFields,
  restoreFields,
  type ServiceEmulator,
} from '../core/index.js';
import type { IssuedTokens } from '../core/oauth/index.js';
import type { Account, AccountOptions } from './account.js';
import { ContentHasher } from './content-hash.js';
import { mountRoutes } from './dispatch.js';
import { formatDropboxError } from './errors.js';
import { fileMetadata } from './metadata.js';
import type { ExportSpec, StoredContent } from './model.js';
import { parsePath } from './paths.js';
import { downloadRoutes, mountTemporaryLinks } from './routes/download.js';
import { filesRoutes } from './routes/files.js';
import { sharingRoutes } from './routes/sharing.js';
import { uploadRoutes } from './routes/upload.js';
import { usersRoutes } from './routes/users.js';
import { DEFAULT_CLIENT, type DropboxEmulatorOptions, DropboxState } from './state.js';

export type { Account, AccountOptions } from './account.js';
export { ContentHasher, contentHashOf } from './content-hash.js';
export { formatDropboxError } from './errors.js';
export { DEFAULT_CLIENT, type DropboxEmulatorOptions } from './state.js';

/** The hosts of the Dropbox API, by the name the emulator server knows them. */
export const DROPBOX_HOSTS = {
  api: 'api.dropboxapi.com',
  content: 'content.dropboxapi.com',
  notify: 'notify.dropboxapi.com',
} as const;

export interface ExportOnlyFileOptions {
  /** The bytes of each export format (`html`, `markdown`, …); the first one is also the file's own content. */
  exports: Record<string, string | Uint8Array>;
  /** The default format (`export_info.export_as`); default: the first of `exports`. */
  exportAs?: string;
  account?: Account;
}

/**
 * The Dropbox API v2 emulator: three hosts (`api` with the RPC routes and the OAuth endpoints, `content`
 * for uploads and downloads, `notify` for longpoll), Dropbox's JSON encodings and errors, a namespace per
 * account with revisions, deletions and a change log, upload sessions in the blob store, shared links.
 *
 * ```ts
 * const server = new EmulatorServer();
 * const dropbox = new DropboxEmulator();
 * dropbox.install(server);
 * await server.start();
 * const { accessToken } = dropbox.issueToken();
 * ```
 */
/** What of an account's Namespace a snapshot keeps (the folder tree with its parent links, revisions, …). */
const NAMESPACE_FIELDS = [
  'id',
  'root',
  'byId',
  'revisions',
  'history',
  'tombstones',
  'changes',
  'usedBytes',
  'revCounter',
  'revSuffix',
];

export class DropboxEmulator implements ServiceEmulator {
  readonly name = 'dropbox';
  private stateRef: DropboxState | undefined;
  private server: EmulatorServer | undefined;

  constructor(private readonly options: DropboxEmulatorOptions = {}) {}

  install(server: EmulatorServer): void {
    const state = new DropboxState(server.blobs, this.options);
    this.stateRef = state;
    this.server = server;
    for (const host of ['api', 'content', 'notify'] as const)
      server.host(host).errorFormatter = formatDropboxError;
    state.oauth.install(server);
    mountRoutes(server, state, [
      ...filesRoutes,
      ...uploadRoutes,
      ...downloadRoutes,
      ...sharingRoutes,
      ...usersRoutes,
    ]);
    mountTemporaryLinks(server, state);
    // Dropbox's own names for its hosts: a client that reaches the emulator under them (through a proxy)
    // gets absolute URLs under them too. Temporary links are dl.dropboxusercontent.com, served by `content`.
    for (const [role, name] of Object.entries(DROPBOX_HOSTS)) server.publicName(role, name);
    server.publicName('dl', 'dl.dropboxusercontent.com', 'content');
    server.publicName('www', 'www.dropbox.com', 'api');
    server.publicName('oauth', 'api.dropbox.com', 'api');
    state.temporaryLinkBase = () => server.publicUrl('dl');
    const sweeper = setInterval(() => state.sessions.sweep(), 60_000);
    sweeper.unref();
    server.onStop(() => {
      clearInterval(sweeper);
      state.endLongpolls();
    });
  }

  /** The emulator's state (accounts, OAuth server, sessions, settings); available after `install`. */
  get state(): DropboxState {
    if (!this.stateRef) throw new Error('DropboxEmulator.install(server) has not been called');
    return this.stateRef;
  }

  /** The default account. */
  get account(): Account {
    return this.state.defaultAccount;
  }

  /**
   * The default account (its files, folders, revisions, deletions, changes, shared links) and the tokens,
   * for `cloudstorage serve --data`. Accounts added with addAccount are not kept.
   */
  saveState(): string {
    const state = this.state;
    const account = state.defaultAccount;
    return encodeSnapshot({
      account: { id: account.id, links: account.links, ns: pickFields(account.ns, NAMESPACE_FIELDS) },
      tokens: state.oauth.tokens.saved(),
    });
  }

  loadState(json: string): void {
    const state = this.state;
    const saved = decodeSnapshot(json) as {
      account: { id: string; links: Map<string, unknown>; ns: Record<string, unknown> };
      tokens: Record<string, unknown>;
    };
    const account = state.defaultAccount;
    // The account keeps its id, so the saved tokens (bound to it) still name it.
    state.accounts.delete(account.id);
    (account as { id: string }).id = saved.account.id;
    state.accounts.set(account.id, account);
    restoreFields(account, { links: saved.account.links });
    restoreFields(account.ns, saved.account.ns);
    restoreFields(state.oauth.tokens, saved.tokens);
  }

  /** Base URLs of the three hosts (after the server started). */
  get urls(): { api: string; content: string; notify: string } {
    const s = this.server!;
    return { api: s.url('api'), content: s.url('content'), notify: s.url('notify') };
  }

  addAccount(options: AccountOptions): Account {
    return this.state.addAccount(options);
  }

  /** Mints an access token (and refresh token) for an account without the browser flow. */
  issueToken(
    options: { account?: Account; scopes?: string[]; lifetimeSeconds?: number; clientId?: string } = {},
  ): IssuedTokens {
    return this.state.oauth.issueToken({
      clientId: options.clientId ?? (this.options.clients?.[0] ?? DEFAULT_CLIENT).clientId,
      userId: (options.account ?? this.account).id,
      ...(options.scopes ? { scopes: options.scopes } : {}),
      ...(options.lifetimeSeconds !== undefined ? { lifetimeSeconds: options.lifetimeSeconds } : {}),
    });
  }

  /** Invalidates every outstanding list/search/link cursor: their next use answers `reset`. */
  resetCursors(): void {
    this.state.cursors.epoch++;
  }

  /** Sets (or clears, with undefined) the `backoff` every longpoll answer carries. */
  setLongpollBackoff(seconds: number | undefined): void {
    this.state.settings.longpollBackoff = seconds;
  }

  /**
   * Creates a "Paper-like" export-only file: `is_downloadable: false`, `export_info`, downloadable only
   * through files/export in the given formats. Returns its FileMetadata.
   */
  async createExportOnlyFile(path: string, options: ExportOnlyFileOptions): Promise<Record<string, unknown>> {
    const account = options.account ?? this.account;
    const formats = Object.keys(options.exports);
    if (formats.length === 0) throw new Error('createExportOnlyFile: give at least one export format');
    const exports = new Map<string, StoredContent>();
    for (const [format, data] of Object.entries(options.exports)) exports.set(format, await this.store(data));
    const spec: ExportSpec = { exportAs: options.exportAs ?? formats[0]!, exportOptions: formats, exports };
    const own = await this.store(options.exports[spec.exportAs] ?? options.exports[formats[0]!]!);
    const parsed = parsePath(path);
    if (parsed === 'malformed' || parsed.kind !== 'path')
      throw new Error(`createExportOnlyFile: bad path ${path}`);
    const node = account.ns.commitFile(
      parsed.parts,
      own,
      { mode: { tag: 'add', value: undefined }, autorename: false, strictConflict: false },
      spec,
    );
    return fileMetadata(account.ns, node);
  }

  private async store(data: string | Uint8Array): Promise<StoredContent> {
    const hasher = new ContentHasher();
    const info = await this.state.blobs.put(typeof data === 'string' ? Buffer.from(data) : data, {
      observers: [(c) => hasher.update(c)],
    });
    return { blobId: info.id, size: info.size, contentHash: hasher.digest() };
  }
}
