import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { openInSystemBrowser } from '../core/auth/browser.js';
import { FileTokenStore } from '../core/auth/stores/file.js';
import type { BrowserLauncher } from '../core/auth/types.js';
import type { RemoteConfig } from './config-file.js';
import { UsageError } from './errors.js';

/**
 * The kinds of remote `config add` knows, and their options, declared once: the flags of `config add`, the
 * validation of a config entry, `config show`'s masking and the class options all read this table.
 */
export interface OptionSpec {
  /** The flag without dashes, also the key in the config file. */
  flag: string;
  help: string;
  /** Masked by `config show`. */
  secret?: boolean;
  required?: boolean;
  /** The constructor option of the service class it becomes. */
  classOption: string;
  /** Not required when this other option is given (a sign-in that brings its own credentials). */
  optionalWith?: string;
  /** A local file: stored as an absolute path, so the remote works from any folder. */
  path?: boolean;
}

export interface Backend {
  type: 'box' | 'dropbox' | 'googledrive' | 'b2';
  description: string;
  /** How `config add` signs in: the browser + loopback OAuth flow, or an application key. */
  signIn: 'oauth' | 'key';
  options: OptionSpec[];
}

const clientId: OptionSpec = {
  flag: 'client-id',
  help: 'the OAuth client id of your app',
  required: true,
  classOption: 'oAuthClientId',
};
const clientSecret: OptionSpec = {
  flag: 'client-secret',
  help: 'the OAuth client secret of your app',
  secret: true,
  classOption: 'oAuthClientSecret',
};
const authUrl: OptionSpec = {
  flag: 'auth-url',
  help: 'the authorization endpoint (for an emulator)',
  classOption: 'oAuthServerAuthUrl',
};
const tokenUrl: OptionSpec = {
  flag: 'token-url',
  help: 'the token endpoint (for an emulator)',
  classOption: 'oAuthServerTokenUrl',
};

export const BACKENDS: Record<Backend['type'], Backend> = {
  box: {
    type: 'box',
    description: 'Box (OAuth 2.0 browser sign-in, or a JWT app with --jwt)',
    signIn: 'oauth',
    options: [
      { ...clientId, optionalWith: 'jwt' },
      clientSecret,
      {
        flag: 'jwt',
        help: "sign in as a JWT app, no browser: the config.json of Box's developer console (keep it private)",
        classOption: 'jwtConfigFile',
        path: true,
      },
      { flag: 'api-url', help: 'the API base URL (for an emulator: …/2.0)', classOption: 'apiUrl' },
      {
        flag: 'upload-url',
        help: 'the upload base URL (for an emulator: …/api/2.0)',
        classOption: 'uploadUrl',
      },
    ],
  },
  dropbox: {
    type: 'dropbox',
    description: 'Dropbox (OAuth 2.0, browser sign-in)',
    signIn: 'oauth',
    options: [
      clientId,
      clientSecret,
      { flag: 'api-url', help: 'the RPC host URL (api.dropboxapi.com)', classOption: 'apiBaseUrl' },
      {
        flag: 'content-url',
        help: 'the content host URL (content.dropboxapi.com)',
        classOption: 'contentBaseUrl',
      },
      {
        flag: 'notify-url',
        help: 'the long-poll host URL (notify.dropboxapi.com)',
        classOption: 'notifyBaseUrl',
      },
      authUrl,
      tokenUrl,
    ],
  },
  googledrive: {
    type: 'googledrive',
    description: 'Google Drive (OAuth 2.0 browser sign-in, or a service account with --service-account)',
    signIn: 'oauth',
    options: [
      { ...clientId, optionalWith: 'service-account' },
      clientSecret,
      {
        flag: 'service-account',
        help: 'sign in as a service account, no browser: its JSON key file (keep it private)',
        classOption: 'serviceAccountKeyFile',
        path: true,
      },
      { flag: 'api-url', help: 'the Drive API base URL (…/drive/v3)', classOption: 'apiUrl' },
      { flag: 'upload-url', help: 'the upload base URL (…/upload/drive/v3)', classOption: 'uploadUrl' },
      authUrl,
      tokenUrl,
    ],
  },
  b2: {
    type: 'b2',
    description: 'Backblaze B2 (application key id + key); buckets are the first path element',
    signIn: 'key',
    options: [
      { flag: 'key-id', help: 'the application key id', required: true, classOption: 'applicationKeyId' },
      {
        flag: 'key',
        help: 'the application key',
        required: true,
        secret: true,
        classOption: 'applicationKey',
      },
      {
        flag: 'auth-url',
        help: 'the b2_authorize_account base URL (for an emulator)',
        classOption: 'authURL',
      },
    ],
  },
};

/** Every flag of every backend, once (for `config add`'s options and help). */
export function allOptionSpecs(): OptionSpec[] {
  const seen = new Map<string, OptionSpec & { types: string[] }>();
  for (const b of Object.values(BACKENDS)) {
    for (const o of b.options) {
      const known = seen.get(o.flag);
      if (known) known.types.push(b.type);
      else seen.set(o.flag, { ...o, types: [b.type] });
    }
  }
  return [...seen.values()].map((o) => ({ ...o, help: `${o.help} [${o.types.join(', ')}]` }));
}

export function backendFor(type: string): Backend {
  const b = BACKENDS[type as Backend['type']];
  if (!b)
    throw new UsageError(`Unknown remote type "${type}": choose one of ${Object.keys(BACKENDS).join(', ')}.`);
  return b;
}

/** Checks the options given for a type: unknown ones and missing required ones are usage errors. */
export function checkOptions(type: string, options: Record<string, string>): Record<string, string> {
  const backend = backendFor(type);
  for (const flag of Object.keys(options)) {
    if (!backend.options.some((o) => o.flag === flag))
      throw new UsageError(
        `--${flag} is not an option of ${type} remotes; they take ${backend.options.map((o) => `--${o.flag}`).join(', ')}.`,
      );
  }
  for (const o of backend.options) {
    if (o.required && !options[o.flag] && !(o.optionalWith && options[o.optionalWith]))
      throw new UsageError(
        `A ${type} remote needs --${o.flag} (${o.help})${o.optionalWith ? `, or --${o.optionalWith}` : ''}.`,
      );
  }
  const checked = { ...options };
  for (const o of backend.options) {
    const value = checked[o.flag];
    if (o.path && value) checked[o.flag] = resolvePath(value);
  }
  return checked;
}

/** The options as `config show` prints them: secrets masked, only their length's order of magnitude shown. */
export function maskedOptions(remote: RemoteConfig): Record<string, string> {
  const backend = backendFor(remote.type);
  const out: Record<string, string> = {};
  for (const [flag, value] of Object.entries(remote.options)) {
    const spec = backend.options.find((o) => o.flag === flag);
    out[flag] = spec?.secret ? '*** (set)' : value;
  }
  return out;
}

/**
 * The constructor options of the service class for a config entry. OAuth remotes keep their tokens in a
 * FileTokenStore at `tokenFile` (refreshes are serialised across processes by its lock).
 */
export function classOptions(
  remote: RemoteConfig,
  wiring: { tokenFile: string; openBrowser: BrowserLauncher },
): Record<string, unknown> {
  const backend = backendFor(remote.type);
  const options: Record<string, unknown> = {};
  for (const o of backend.options) {
    const value = remote.options[o.flag];
    if (value !== undefined && value !== '') options[o.classOption] = value;
  }
  if (backend.signIn === 'oauth') {
    options.tokenStore = new FileTokenStore(wiring.tokenFile);
    options.openBrowser = wiring.openBrowser;
  }
  return options;
}

/** Applies a remote's `--setting` values to its class instance; a bad one is a usage error. */
export function applySettings(
  client: { config(s: string): unknown; close(): Promise<void> },
  remote: RemoteConfig,
) {
  for (const [name, value] of Object.entries(remote.settings ?? {})) {
    try {
      client.config(`${name}=${value}`);
    } catch (e) {
      void client.close();
      throw new UsageError(
        `The setting ${name}=${value} of this ${remote.type} remote: ${(e as Error).message}`,
      );
    }
  }
}

/**
 * The browser that sign-in opens: the command in `BROWSER` (as `git`, `gh` and xdg-open read it; the URL is
 * its last argument), else the platform's opener. When neither works the OAuth client prints the URL.
 */
export function browserFromEnvironment(env: NodeJS.ProcessEnv = process.env): BrowserLauncher {
  const command = env.BROWSER?.trim();
  if (!command) return openInSystemBrowser;
  const [program, ...args] = command.split(/\s+/);
  return (url) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(program!, [...args, url], { stdio: 'ignore' });
      // A browser may stay open as long as it likes: it never keeps the command from exiting.
      child.unref();
      const timer = setTimeout(() => resolve(), 3000);
      timer.unref();
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`${program} exited with ${code}`));
      });
    });
}
