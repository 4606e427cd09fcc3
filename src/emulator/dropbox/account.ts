import { randomBytes, randomInt } from 'node:crypto';
import type { BlobStore } from '../core/index.js';
import { type Change, Namespace } from './model.js';

/** How a test or a `serve` user describes the emulated Dropbox account. */
export interface AccountOptions {
  /** `dbid:` + 35 characters (40 in all); generated when absent. */
  accountId?: string;
  email?: string;
  emailVerified?: boolean;
  givenName?: string;
  surname?: string;
  familiarName?: string;
  displayName?: string;
  abbreviatedName?: string;
  /** Default `pro`: basic accounts cannot set link passwords or expiry, as on Dropbox. */
  accountType?: 'basic' | 'pro' | 'business';
  country?: string;
  locale?: string;
  disabled?: boolean;
  isPaired?: boolean;
  /** Quota in bytes (default 2 TB for pro/business, 2 GB for basic). */
  allocated?: number;
  /** Digits; generated when absent. */
  namespaceId?: string;
  /** Team details, used when `accountType` is `business`. */
  team?: { id?: string; name?: string; memberId?: string; allocated?: number };
}

export type RequestedVisibility = 'public' | 'team_only' | 'password';
export type Audience = 'public' | 'team' | 'no_one' | 'password' | 'members';

export interface SharedLink {
  url: string;
  targetId: string;
  createdAt: number;
  requestedVisibility: RequestedVisibility;
  audience: Audience;
  password?: string;
  expires?: number;
  allowDownload: boolean;
  accessLevel: 'viewer' | 'editor';
}

const GB = 1000 ** 3;

export class Account {
  readonly id: string;
  readonly ns: Namespace;
  readonly profile: Required<Omit<AccountOptions, 'team' | 'allocated' | 'namespaceId' | 'accountId'>>;
  readonly team: { id: string; name: string; memberId: string; allocated: number } | undefined;
  /** Shared links by URL, in creation order. */
  readonly links = new Map<string, SharedLink>();

  constructor(
    options: AccountOptions,
    blobs: BlobStore,
    now: () => number,
    onChange: (account: Account, c: Change) => void,
  ) {
    this.id = options.accountId ?? `dbid:AA${randomBytes(27).toString('base64url').slice(0, 33)}`;
    const given = options.givenName ?? 'Franz';
    const surname = options.surname ?? 'Ferdinand';
    const accountType = options.accountType ?? 'pro';
    this.profile = {
      email: options.email ?? 'franz@example.com',
      emailVerified: options.emailVerified ?? true,
      givenName: given,
      surname,
      familiarName: options.familiarName ?? given,
      displayName: options.displayName ?? `${given} ${surname}`,
      abbreviatedName: options.abbreviatedName ?? `${given[0] ?? ''}${surname[0] ?? ''}`,
      accountType,
      country: options.country ?? 'US',
      locale: options.locale ?? 'en',
      disabled: options.disabled ?? false,
      isPaired: options.isPaired ?? false,
    };
    if (accountType === 'business') {
      this.team = {
        id: options.team?.id ?? `dbtid:AA${randomBytes(24).toString('base64url').slice(0, 31)}`,
        name: options.team?.name ?? 'Emulated Team',
        memberId: options.team?.memberId ?? `dbmid:AA${randomBytes(24).toString('base64url').slice(0, 31)}`,
        allocated: options.team?.allocated ?? 5000 * GB,
      };
    }
    const allocated = options.allocated ?? (accountType === 'basic' ? 2 * GB : 2000 * GB);
    const nsId = options.namespaceId ?? String(randomInt(1_000_000_000, 9_999_999_999));
    this.ns = new Namespace(nsId, blobs, now, allocated, (c) => onChange(this, c));
  }

  /** With one namespace per account, the root and the home namespace are the same one. */
  get rootInfo(): Record<string, unknown> {
    return { '.tag': 'user', root_namespace_id: this.ns.id, home_namespace_id: this.ns.id };
  }
}
