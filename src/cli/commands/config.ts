import { FileTokenStore } from '../../core/auth/stores/file.js';
import { openClient } from '../adapters.js';
import { backendFor, checkOptions, maskedOptions } from '../backends.js';
import { checkRemoteName, type RemoteConfig, removeTokens, saveConfig, tokenPath } from '../config-file.js';
import { CommandError, UsageError } from '../errors.js';
import type { Session } from '../session.js';

/**
 * `config add NAME TYPE [--option value…]`: checks the options, signs in (the browser + loopback flow for
 * OAuth services, b2_authorize_account for B2 keys), and only then writes the remote into the config file,
 * so a failed sign-in leaves neither a remote nor tokens behind.
 */
export async function configAdd(
  session: Session,
  name: string,
  type: string,
  given: Record<string, string>,
  flags: { settings?: string[] },
): Promise<void> {
  checkRemoteName(name);
  const backend = backendFor(type);
  const options = checkOptions(type, given);
  // A JWT app or a service account signs in with its key file: no browser.
  const byKeyFile = backend.options.some((o) => o.path && options[o.flag]);
  const config = await session.loadConfig();
  if (config.remotes[name])
    throw new UsageError(
      `There is already a remote "${name}": remove it with "cloudstorage config remove ${name}" first.`,
    );
  const entry: RemoteConfig = { type: backend.type, options };
  if (flags.settings?.length) entry.settings = parseSettings(flags.settings);
  const tokenFile = tokenPath(session.configFile, name);
  await removeTokens(session.configFile, name);
  const { client } = await openClient(entry, {
    tokenFile,
    openBrowser: session.openBrowser,
  });
  try {
    if (backend.signIn === 'oauth' && !byKeyFile)
      session.out.notice(`Signing in to ${type}: a browser opens (or the URL to open is printed).`);
    await client.authorize();
  } catch (e) {
    await removeTokens(session.configFile, name);
    const reason = e instanceof Error ? e.message : String(e);
    throw new CommandError(`Signing in to ${type} failed, so "${name}" was not added: ${reason}`);
  } finally {
    await client.close();
  }
  config.remotes[name] = entry;
  await saveConfig(session.configFile, config);
  session.out.notice(`Added remote "${name}" (${type}) to ${session.configFile}.`, { remote: name, type });
}

/** `--setting Name=Value` pairs (the service class's config settings). */
function parseSettings(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new UsageError(`--setting ${pair}: write it as Name=Value (a config setting of the class).`);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

export async function configList(session: Session): Promise<void> {
  const config = await session.loadConfig();
  const names = Object.keys(config.remotes).sort();
  if (session.options.json) {
    session.out.data(JSON.stringify(names.map((n) => ({ name: n, type: config.remotes[n]!.type }))));
    return;
  }
  for (const n of names) session.out.data(`${`${n}:`.padEnd(20)} ${config.remotes[n]!.type}`);
}

export async function configShow(session: Session, name: string): Promise<void> {
  const config = await session.loadConfig();
  const entry = config.remotes[name];
  if (!entry) throw new UsageError(`There is no remote "${name}"; "cloudstorage config list" shows them.`);
  const backend = backendFor(entry.type);
  const shown: Record<string, unknown> = { name, type: entry.type, ...maskedOptions(entry) };
  for (const [setting, value] of Object.entries(entry.settings ?? {})) shown[`setting ${setting}`] = value;
  if (backend.signIn === 'oauth') {
    const tokens = await new FileTokenStore(tokenPath(session.configFile, name)).get().catch(() => undefined);
    shown.tokens = tokens
      ? `stored${tokens.refreshToken ? ' (with a refresh token)' : ''}${tokens.expiresAt ? `, access token until ${new Date(tokens.expiresAt).toISOString()}` : ''}`
      : 'none: run config remove and config add to sign in again';
  }
  for (const [key, value] of Object.entries(shown)) session.out.data(`${`${key}:`.padEnd(16)} ${value}`);
}

export async function configRemove(session: Session, name: string): Promise<void> {
  const config = await session.loadConfig();
  if (!config.remotes[name])
    throw new UsageError(`There is no remote "${name}"; "cloudstorage config list" shows them.`);
  delete config.remotes[name];
  await saveConfig(session.configFile, config);
  await removeTokens(session.configFile, name);
  session.out.notice(`Removed remote "${name}" and its tokens.`, { remote: name });
}
