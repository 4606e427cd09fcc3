import { randomInt } from 'node:crypto';
import type { BlobStore, EmulatorRequest } from '../core/index.js';
import {
  OAuthAuthorizationServer,
  type OAuthClientRegistration,
  type TokenCheck,
} from '../core/oauth/index.js';
import { Account, type AccountOptions } from './account.js';
import { CursorCodec } from './cursors.js';
import type { Change } from './model.js';
import { UploadSessions } from './sessions.js';

/** Everything configurable about the emulated Dropbox. */
export interface DropboxEmulatorOptions {
  /** The default account (the one the consent page signs in). */
  account?: AccountOptions;
  /** OAuth apps; default: one confidential app `emulator-app-key` / `emulator-app-secret`, loopback redirects. */
  clients?: OAuthClientRegistration[];
  /** Show no consent page: approve at once (tests). */
  autoApprove?: boolean;
  /** Access token lifetime (Dropbox: 4 h). */
  accessTokenLifetimeSeconds?: number;
  /** Upload session lifetime (Dropbox: 7 days). */
  sessionLifetimeMs?: number;
  /** `backoff` (seconds) added to every longpoll answer; default none. */
  longpollBackoff?: number;
  /**
   * Milliseconds one second of a longpoll `timeout` lasts (default 1000). Tests shorten waits with it while
   * the 30–480 s validation of the argument stays as on Dropbox.
   */
  longpollMsPerSecond?: number;
  /** Largest request body of upload routes (Dropbox: 150 MiB). */
  maxRequestBytes?: number;
  /** Page size of list_shared_links (Dropbox does not document it). */
  sharedLinksPageSize?: number;
  /** Clock (ms since the epoch) for timestamps, token and session expiry. */
  now?: () => number;
}

export const DEFAULT_CLIENT: OAuthClientRegistration = {
  clientId: 'emulator-app-key',
  clientSecret: 'emulator-app-secret',
  name: 'Emulator app',
  redirectUris: [
    'http://127.0.0.1',
    'http://localhost',
    'http://127.0.0.1/callback',
    'http://localhost/callback',
  ],
};

export const MiB = 1024 * 1024;

interface Waiter {
  account: Account;
  matches: (c: Change) => boolean;
  done: (changed: boolean) => void;
}

/** The emulator's state, shared by every route. */
export class DropboxState {
  readonly accounts = new Map<string, Account>();
  readonly defaultAccount: Account;
  readonly oauth: OAuthAuthorizationServer;
  readonly sessions: UploadSessions;
  readonly cursors = new CursorCodec();
  readonly now: () => number;
  readonly settings: {
    longpollBackoff: number | undefined;
    longpollMsPerSecond: number;
    maxRequestBytes: number;
    sharedLinksPageSize: number;
  };
  /** Temporary download links (get_temporary_link): token -> rev and expiry. */
  readonly temporaryLinks = new Map<string, { accountId: string; rev: string; expiresAt: number }>();
  /** The base URL of temporary links for the request being handled (set at install). */
  temporaryLinkBase: () => string = () => {
    throw new Error('the Dropbox emulator is not started');
  };
  private readonly waiters = new Set<Waiter>();
  private readonly uids = new Map<string, string>();

  constructor(
    readonly blobs: BlobStore,
    options: DropboxEmulatorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.settings = {
      longpollBackoff: options.longpollBackoff,
      longpollMsPerSecond: options.longpollMsPerSecond ?? 1000,
      maxRequestBytes: options.maxRequestBytes ?? 150 * MiB,
      sharedLinksPageSize: options.sharedLinksPageSize ?? 200,
    };
    this.sessions = new UploadSessions(blobs, this.now, options.sessionLifetimeMs ?? 7 * 24 * 3600 * 1000);
    this.defaultAccount = this.addAccount(options.account ?? {});
    this.oauth = new OAuthAuthorizationServer({
      authorizePath: '/oauth2/authorize',
      tokenPath: '/oauth2/token',
      authorizeHost: 'api',
      tokenHost: 'api',
      serviceName: 'Dropbox',
      clients: options.clients ?? [DEFAULT_CLIENT],
      autoApprove: options.autoApprove,
      accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 14_400,
      rotateRefreshTokens: false,
      // Only token_access_type=offline earns a refresh token on Dropbox.
      issueRefreshToken: (q) => q.get('token_access_type') === 'offline',
      accessTokenPrefix: 'sl.',
      tokenType: 'bearer',
      user: { id: this.defaultAccount.id, name: this.defaultAccount.profile.displayName },
      allowPublicClients: true,
      tokenResponseExtras: (c) =>
        c.grantType === 'authorization_code' ? { uid: this.uidOf(c.subject), account_id: c.subject } : {},
      now: this.now,
    });
  }

  addAccount(options: AccountOptions): Account {
    const account = new Account(options, this.blobs, this.now, (a, c) => this.notify(a, c));
    if (this.accounts.has(account.id)) throw new Error(`account ${account.id} exists already`);
    this.accounts.set(account.id, account);
    return account;
  }

  /** The numeric `uid` Dropbox returns next to `account_id` in token responses. */
  uidOf(accountId: string): string {
    const uid = this.uids.get(accountId) ?? String(randomInt(10_000_000, 999_999_999));
    this.uids.set(accountId, uid);
    return uid;
  }

  /**
   * The bearer token of a request, checked by the emulator's OAuth server: from the Authorization header,
   * or (content routes) the `authorization` URL parameter. Fault injection can make a good token expired.
   */
  verifyAccess(req: EmulatorRequest, token: string | undefined): TokenCheck {
    const check = this.oauth.verifyToken(token);
    if (check.ok && req.fault?.expiredToken) {
      return { ok: false, reason: 'expired', description: 'The access token expired.' };
    }
    return check;
  }

  // ---- longpoll ----

  /** Resolves true as soon as a change matching `matches` happens, false after `ms`. */
  waitForChange(
    account: Account,
    matches: (c: Change) => boolean,
    ms: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = { account, matches, done: (changed) => done(changed) };
      const timer = setTimeout(() => done(false), ms);
      const onAbort = () => done(false);
      const done = (changed: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        resolve(changed);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private notify(account: Account, change: Change): void {
    for (const w of [...this.waiters]) if (w.account === account && w.matches(change)) w.done(true);
  }

  /** Ends every longpoll with "no changes" (emulator shutdown). */
  endLongpolls(): void {
    for (const w of [...this.waiters]) w.done(false);
  }
}
