import { CloudStorageError, ErrorCode, invalidArgument } from './errors.js';

/**
 * The `config('Name=Value')` / `config('Name')` mechanism of the reference classes.
 *
 * Settings are declared once, as a table of {@link SettingSpec}s keyed by their exact reference name. The
 * same table gives the typed constructor options (`MaxResults` -> `maxResults`), so the two stay in step.
 * Core declares the settings every client has ({@link coreSettings}); each provider spreads them into its
 * own table and adds its own.
 */
export type SettingKind = 'bool' | 'int' | 'string';

export interface SettingSpec<T extends boolean | number | string = boolean | number | string> {
  kind: SettingKind;
  default: T;
  /** Inclusive bounds for ints. `allowed` lists extra values outside the bounds (e.g. -1 = server default). */
  min?: number;
  max?: number;
  allowed?: readonly T[];
  /** Read-only settings are computed or filled by the class; setting them is an error. */
  readOnly?: boolean;
  /** Indexed settings are read as `Name[i]`. */
  indexed?: boolean;
  /**
   * Extra validation; returns a message when the value is wrong. Declared as a method so that a table of
   * specific specs (`SettingSpec<number>`, …) is assignable to {@link SettingTable}.
   */
  validate?(value: T): string | undefined;
  /**
   * For a reference setting that cannot work on Node: why. Setting any value but the default (or one of
   * `supported`) fails with error 601 and this reason, never as an unknown name.
   */
  notSupported?: { why: string; supported?: readonly T[] };
  /** Another name of a setting (`MaskSensitive` for `MaskSensitiveData`): reads and writes go there. */
  aliasOf?: string;
  description: string;
}

export const bool = (def: boolean, description: string, extra: Partial<SettingSpec<boolean>> = {}) =>
  ({ kind: 'bool', default: def, description, ...extra }) as SettingSpec<boolean>;
export const int = (def: number, description: string, extra: Partial<SettingSpec<number>> = {}) =>
  ({ kind: 'int', default: def, description, ...extra }) as SettingSpec<number>;
export const str = (def: string, description: string, extra: Partial<SettingSpec<string>> = {}) =>
  ({ kind: 'string', default: def, description, ...extra }) as SettingSpec<string>;
export const readOnly = (description: string, extra: Partial<SettingSpec<string>> = {}) =>
  ({ kind: 'string', default: '', description, readOnly: true, ...extra }) as SettingSpec<string>;

export type SettingTable = Record<string, SettingSpec>;
type ValueOf<S> =
  S extends SettingSpec<infer T> ? (T extends boolean ? boolean : T extends number ? number : string) : never;

/** Typed constructor options for a setting table: every writable setting, lower-camel-cased. */
export type SettingOptions<S extends SettingTable> = {
  [K in keyof S as S[K]['readOnly'] extends true ? never : Uncapitalize<K & string>]?: ValueOf<S[K]>;
};

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

/** Formats a value the way `config('Name')` returns it. */
function format(value: boolean | number | string): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** A computed reader for a read-only (or live) setting; `index` is given for indexed settings. */
export type SettingReader = (index?: number) => string;

/**
 * The settings of one client instance: the values set so far, the table they are checked against, and
 * the readers the class installs for computed settings (StatusCode, XText, RawRequest, …).
 */
export class Settings<S extends SettingTable> {
  private readonly values = new Map<string, boolean | number | string>();
  private readonly byLowerName = new Map<string, string>();
  private readonly readers = new Map<string, SettingReader>();
  private readonly writers = new Map<string, (value: string, index?: number) => void>();

  constructor(
    readonly table: S,
    options: SettingOptions<S> = {},
  ) {
    for (const name of Object.keys(table)) this.byLowerName.set(name.toLowerCase(), name);
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      const name = this.resolve(key);
      this.set(name as keyof S & string, value as ValueOf<S[keyof S]>);
    }
  }

  /** The exact name of a setting, from any casing; throws for an unknown name. */
  resolve(name: string): string {
    const exact = this.byLowerName.get(name.trim().toLowerCase());
    if (!exact) {
      throw invalidArgument(
        `Unknown config setting "${name}". Known settings: ${Object.keys(this.table).sort().join(', ')}.`,
      );
    }
    const target = this.table[exact]?.aliasOf;
    return target && this.table[target] ? target : exact;
  }

  has(name: string): boolean {
    return this.byLowerName.has(name.trim().toLowerCase());
  }

  /** Installs a computed reader: `config(name)` and `get(name)` call it instead of the stored value. */
  defineReader(name: keyof S & string, reader: SettingReader): void {
    this.readers.set(name, reader);
  }

  /**
   * Installs a hook that handles writes of a setting (for settings that act, like OAuthWebServerActive).
   * Indexed settings (`OAuthParamName[i]=x`) can only be written through a writer; it gets the index.
   */
  defineWriter(name: keyof S & string, writer: (value: string, index?: number) => void): void {
    this.writers.set(name, writer);
  }

  get<K extends keyof S & string>(name: K): ValueOf<S[K]> {
    const reader = this.readers.get(name);
    const spec = this.table[name]!;
    if (reader) {
      const text = reader();
      return this.coerce(name, spec, text) as ValueOf<S[K]>;
    }
    return (this.values.has(name) ? this.values.get(name) : spec.default) as ValueOf<S[K]>;
  }

  /** Sets a typed value, checked against the table. */
  set<K extends keyof S & string>(name: K, value: ValueOf<S[K]>, internal = false): void {
    const target = this.table[name]?.aliasOf;
    if (target && this.table[target]) {
      this.set(target as K, value, internal);
      return;
    }
    const spec = this.table[name];
    if (!spec) throw invalidArgument(`Unknown config setting "${name}".`);
    if (spec.readOnly && !internal) throw invalidArgument(`Config setting ${name} is read-only.`);
    const checked = this.check(name, spec, value);
    this.values.set(name, checked);
  }

  /** Forgets a value so the setting reads its default again. */
  clear(name: keyof S & string): void {
    this.values.delete(name);
  }

  reset(): void {
    this.values.clear();
  }

  /**
   * `config('Name=Value')` sets and returns ''; `config('Name')` (or `config('Name[i]')`) reads.
   * Names are matched case-insensitively.
   */
  config(configurationString: string): string {
    const eq = configurationString.indexOf('=');
    if (eq >= 0) {
      const rawName = configurationString.slice(0, eq);
      const rawValue = configurationString.slice(eq + 1);
      const indexed = /^\s*([A-Za-z0-9_]+)\s*\[\s*(\d+)\s*\]\s*$/.exec(rawName);
      const name = this.resolve(indexed ? indexed[1]! : rawName) as keyof S & string;
      const spec = this.table[name]!;
      if (spec.readOnly) throw invalidArgument(`Config setting ${name} is read-only.`);
      const writer = this.writers.get(name);
      const value = this.coerce(name, spec, rawValue);
      if (spec.indexed || indexed) {
        if (!spec.indexed) throw invalidArgument(`Config setting ${name} takes no index.`);
        if (!indexed) throw invalidArgument(`Config setting ${name} needs an index: ${name}[i]=value.`);
        if (!writer) throw invalidArgument(`Config setting ${name}[i] cannot be set.`);
        writer(rawValue, Number(indexed[2]));
        return '';
      }
      if (writer) writer(rawValue);
      this.values.set(name, value);
      return '';
    }
    const m = /^\s*([A-Za-z0-9_]+)\s*(?:\[\s*(\d+)\s*\])?\s*$/.exec(configurationString);
    if (!m)
      throw invalidArgument(`Malformed config string "${configurationString}": use "Name" or "Name=Value".`);
    const name = this.resolve(m[1]!) as keyof S & string;
    const spec = this.table[name]!;
    const index = m[2] !== undefined ? Number(m[2]) : undefined;
    if (spec.indexed && index === undefined)
      throw invalidArgument(`Config setting ${name} needs an index: ${name}[i].`);
    if (!spec.indexed && index !== undefined) throw invalidArgument(`Config setting ${name} takes no index.`);
    const reader = this.readers.get(name);
    if (reader) return reader(index);
    return format(this.get(name));
  }

  private coerce(name: string, spec: SettingSpec, text: string): boolean | number | string {
    switch (spec.kind) {
      case 'bool': {
        const b = parseBool(text);
        if (b === undefined) throw invalidArgument(`${name} takes True/False, 1/0 or Yes/No; got "${text}".`);
        return this.check(name, spec, b);
      }
      case 'int': {
        const t = text.trim();
        if (!/^[-+]?\d+$/.test(t)) throw invalidArgument(`${name} takes a whole number; got "${text}".`);
        return this.check(name, spec, Number(t));
      }
      default:
        return this.check(name, spec, text);
    }
  }

  private check(name: string, spec: SettingSpec, value: unknown): boolean | number | string {
    const expected = spec.kind === 'bool' ? 'boolean' : spec.kind === 'int' ? 'number' : 'string';
    if (typeof value !== expected) throw invalidArgument(`${name} takes a ${expected}; got ${typeof value}.`);
    if (spec.kind === 'int') {
      const n = value as number;
      if (!Number.isInteger(n)) throw invalidArgument(`${name} takes a whole number; got ${n}.`);
      const allowed = (spec.allowed as readonly number[] | undefined)?.includes(n) ?? false;
      if (
        !allowed &&
        ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
      ) {
        const extra = spec.allowed?.length ? ` (or ${spec.allowed.join(', ')})` : '';
        throw invalidArgument(
          `${name} must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}${extra}; got ${n}.`,
        );
      }
    } else if (
      spec.kind === 'string' &&
      spec.allowed &&
      !(spec.allowed as readonly string[]).includes(value as string)
    ) {
      throw invalidArgument(`${name} must be one of ${spec.allowed.join(', ')}; got "${value}".`);
    }
    const problem = spec.validate?.(value as never);
    if (problem) throw invalidArgument(`${name}: ${problem}`);
    const unsupported = spec.notSupported;
    if (
      unsupported &&
      value !== spec.default &&
      !(unsupported.supported as readonly unknown[] | undefined)?.includes(value)
    ) {
      throw new CloudStorageError(
        ErrorCode.UnsupportedOperation,
        `${name}=${format(value as boolean | number | string)} is not supported on Node.js: ${unsupported.why} See docs/SETTINGS.md.`,
      );
    }
    return value as boolean | number | string;
  }
}
