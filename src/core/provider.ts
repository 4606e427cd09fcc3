import { lstat } from 'node:fs/promises';
import type { Settings, SettingTable } from './config.js';
import type { EncryptionSettings } from './crypto/index.js';
import { invalidArgument } from './errors.js';
import type { HttpClient } from './http/index.js';
import type { Redactor } from './redact.js';

/**
 * The pieces every provider class is built from (see docs/PROVIDERS.md). A provider class is a thin
 * dispatcher; each area module (listing, uploads, downloads, …) is a set of functions that take the
 * provider's context first. The context extends this one with the service's own API object and state.
 */
export interface ProviderContext<Client, S extends SettingTable> {
  /** The class instance: its public properties and collections, and `emit`. */
  client: Client;
  /** The instance's HTTP client (for transfers that do not go through the service's JSON API object). */
  http: HttpClient;
  settings: Settings<S>;
  redactor: Redactor;
  /** The encryption settings in force for one call (validated; secrets registered with the redactor). */
  encryption(overrides?: { encryptionAlgorithm?: number; encryptionPassword?: string }): EncryptionSettings;
  /** Keeps a JSON body for the XPath settings. */
  rememberJson(text: string): void;
}

/**
 * Splits constructor options into the class's own properties (assigned after `super()`) and the rest (the
 * settings and core options `CloudClient` takes). An option given as `undefined` keeps the default.
 */
export function takeOwnOptions<P extends object>(
  options: object,
  names: ReadonlyArray<keyof P & string>,
): { own: Partial<P>; rest: Record<string, unknown> } {
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...options };
  for (const name of names) {
    if (rest[name] !== undefined) own[name] = rest[name];
    delete rest[name];
  }
  return { own: own as Partial<P>, rest };
}

/**
 * Puts one page of a listing into a collection and fires the collection's event for each item. With
 * accumulation on, a page that continues a listing is appended; otherwise the page replaces the collection.
 */
export function publishPage<T>(
  target: { get(): T[]; set(items: T[]): void },
  page: readonly T[],
  options: { continuing: boolean; accumulate: boolean; emit?: (item: T) => void },
): void {
  if (options.continuing && options.accumulate) target.set([...target.get(), ...page]);
  else target.set([...page]);
  if (options.emit) for (const item of page) options.emit(item);
}

/**
 * A new size for a collection (`resourceCount = n`): truncates, or adds blank entries to fill in; a size
 * that is not a whole number ≥ 0 is error 600, not silently ignored.
 */
export function resizeCollection<T>(list: T[], n: number, blank: () => T, what: string): T[] {
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`${what} must be a whole number ≥ 0; got ${n}.`);
  const out = list.slice(0, n);
  while (out.length < n) out.push(blank());
  return out;
}

/**
 * Checks a value against an enumerated property or option (`downloadType`, `searchKind`, …) and returns it;
 * anything else is error 600 naming the values allowed.
 */
export function enumValue<T extends number | string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  meanings?: Readonly<Record<string, string>>,
): T {
  if (allowed.includes(value as T)) return value as T;
  const list = allowed.map((v) => (meanings?.[String(v)] ? `${v} (${meanings[String(v)]})` : String(v)));
  throw invalidArgument(`${what} must be one of ${list.join(', ')}; got ${JSON.stringify(value)}.`);
}

/** Whether something (a file, a folder, a link) is at a local path; follows no symbolic link. */
export async function localPathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
