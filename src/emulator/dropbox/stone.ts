/**
 * Stone, Dropbox's interface language, on the wire: a strict decoder for route arguments (the server side
 * rejects unknown fields, wrong types, values outside ranges, strings that miss their pattern — with the
 * same wording as Stone's own validators, because those texts come back in Dropbox's 400 answers), and the
 * small encoding helpers for results (timestamps, header-safe JSON).
 *
 * A decoded union is `{ tag, value }`; a struct is a plain object with defaults filled in and absent
 * optional fields left `undefined`.
 */

/** A value did not validate; `parents` is the field path, outermost first once complete. */
export class StoneValidationError extends Error {
  private readonly parents: string[] = [];

  addParent(name: string): this {
    this.parents.unshift(name);
    return this;
  }

  override toString(): string {
    return this.parents.length ? `${this.parents.join('.')}: ${this.message}` : this.message;
  }
}

export interface StoneType<T> {
  decode(value: unknown): T;
  /** Struct types whose value is inlined in a union member (`{".tag":"x", ...fields}`). */
  readonly inlineInUnion?: boolean;
  /** What an absent value means, for types that have one (structs without required fields). */
  defaultValue?(): T;
}

export interface Tagged<V = unknown> {
  tag: string;
  value: V;
}

/** How Python's `%r` would show a value: Stone's messages are produced by Python. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Stone's `generic_type_name`. */
export function typeName(v: unknown): string {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'string';
  if (v === null || v === undefined) return 'null';
  return 'object';
}

const fail = (message: string): never => {
  throw new StoneValidationError(message);
};

export interface StringOptions {
  minLength?: number;
  maxLength?: number;
  /** The Stone pattern, as written in the spec (it is quoted back in error messages). */
  pattern?: string;
}

export function str(options: StringOptions = {}): StoneType<string> {
  const re = options.pattern === undefined ? undefined : new RegExp(`^(?:${options.pattern})$`, 'u');
  return {
    decode(v) {
      if (typeof v !== 'string') return fail(`'${pyStr(v)}' expected to be a string, got ${typeName(v)}`);
      const length = [...v].length;
      if (options.maxLength !== undefined && length > options.maxLength) {
        fail(`'${v}' must be at most ${options.maxLength} characters, got ${length}`);
      }
      if (options.minLength !== undefined && length < options.minLength) {
        fail(`'${v}' must be at least ${options.minLength} characters, got ${length}`);
      }
      if (re && options.pattern !== undefined && !re.test(v))
        fail(`'${v}' did not match pattern '${options.pattern}'`);
      return v;
    },
  };
}

/** Python's `str()` of a JSON value (used in the "expected to be a string" message). */
function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

export function bool(): StoneType<boolean> {
  return {
    decode(v) {
      if (typeof v !== 'boolean') fail(`${pyRepr(v)} is not a valid boolean`);
      return v as boolean;
    },
  };
}

const UINT64_MAX = 2n ** 64n - 1n;

export function int(min: number | bigint, max: number | bigint): StoneType<number> {
  return {
    decode(v) {
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`expected integer, got ${typeName(v)}`);
      if (BigInt(v) < BigInt(min) || BigInt(v) > BigInt(max))
        fail(`${v} is not within range [${min}, ${max}]`);
      return v;
    },
  };
}

export const uint32 = (min = 0, max = 2 ** 32 - 1) => int(min, max);
export const uint64 = (min: number | bigint = 0, max: number | bigint = UINT64_MAX) => int(min, max);
export const int64 = () => int(-(2n ** 63n), 2n ** 63n - 1n);

export function float64(min?: number, max?: number): StoneType<number> {
  return {
    decode(v) {
      if (typeof v !== 'number') return fail(`expected real number, got ${typeName(v)}`);
      if (min !== undefined && v < min) fail(`${v.toFixed(6)} is not greater than ${min.toFixed(6)}`);
      if (max !== undefined && v > max) fail(`${v.toFixed(6)} is not less than ${max.toFixed(6)}`);
      return v;
    },
  };
}

/** `common.DropboxTimestamp`: `%Y-%m-%dT%H:%M:%SZ`, decoded to a Date. */
export function timestamp(): StoneType<Date> {
  return {
    decode(v) {
      const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(v) : null;
      const date = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
      if (!m || !date || Number.isNaN(date.getTime()) || date.getUTCDate() !== +m[3]! || +m[4]! > 23) {
        if (typeof v !== 'string') return fail(`strptime() argument 1 must be str, not ${typeName(v)}`);
        return fail(`time data ${pyRepr(v)} does not match format '%Y-%m-%dT%H:%M:%SZ'`);
      }
      return date;
    },
  };
}

export function list<T>(
  item: StoneType<T>,
  options: { minItems?: number; maxItems?: number } = {},
): StoneType<T[]> {
  return {
    decode(v) {
      if (!Array.isArray(v)) return fail(`expected list, got ${typeName(v)}`);
      if (options.maxItems !== undefined && v.length > options.maxItems) {
        fail(`${pyRepr(v)} has more than ${options.maxItems} items`);
      }
      if (options.minItems !== undefined && v.length < options.minItems) {
        fail(`${pyRepr(v)} has fewer than ${options.minItems} items`);
      }
      return v.map((x) => item.decode(x));
    },
  };
}

// ---- structs ----

type FieldSpec<T> =
  | { kind: 'required'; type: StoneType<T> }
  | { kind: 'default'; type: StoneType<T>; value: T }
  | { kind: 'optional'; type: StoneType<T> };

/** A field that must be present. */
export const required = <T>(type: StoneType<T>): FieldSpec<T> => ({ kind: 'required', type });
/** A field with a default value (absent: the default). */
export const withDefault = <T>(type: StoneType<T>, value: T): FieldSpec<T> => ({
  kind: 'default',
  type,
  value,
});
/** A nullable field (absent or null: undefined). */
export const optional = <T>(type: StoneType<T>): FieldSpec<T | undefined> =>
  ({ kind: 'optional', type }) as FieldSpec<T | undefined>;

type FieldValue<F> = F extends FieldSpec<infer T> ? T : never;
export type StructOf<F extends Record<string, FieldSpec<unknown>>> = { [K in keyof F]: FieldValue<F[K]> };

export function struct<F extends Record<string, FieldSpec<unknown>>>(fields: F): StoneType<StructOf<F>> {
  const hasRequired = Object.values(fields).some((f) => f.kind === 'required');
  const build = (obj: Record<string, unknown>): StructOf<F> => {
    for (const key of Object.keys(obj)) {
      if (!(key in fields) && !key.startsWith('.tag')) fail(`unknown field '${key}'`);
    }
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(fields)) {
      const raw = obj[name];
      if (name in obj && !(spec.kind === 'optional' && raw === null)) {
        try {
          out[name] = spec.type.decode(raw);
        } catch (e) {
          if (e instanceof StoneValidationError) e.addParent(name);
          throw e;
        }
      } else if (spec.kind === 'default') {
        out[name] = spec.value;
      } else if (spec.kind === 'optional') {
        out[name] = undefined;
      } else {
        fail(`missing required field '${name}'`);
      }
    }
    return out as StructOf<F>;
  };
  return {
    inlineInUnion: true,
    decode(v) {
      if ((v === null || v === undefined) && !hasRequired) return build({});
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return fail(`expected object, got ${typeName(v)}`);
      return build(v as Record<string, unknown>);
    },
    defaultValue: hasRequired ? undefined : () => build({}),
  };
}

// ---- unions ----

/** A union member: `null` for a void member, else the value's type; `nullable` allows a missing value. */
export type Member = null | StoneType<unknown> | { nullable: StoneType<unknown> };

/** Marks a union member whose value may be absent. */
export const nullableMember = (type: StoneType<unknown>): Member => ({ nullable: type });

// The value's type depends on the tag, which only the handler can narrow.
// biome-ignore lint/suspicious/noExplicitAny: see above
export function union(members: Record<string, Member>): StoneType<Tagged<any>> {
  return {
    decode(v) {
      if (typeof v === 'string') {
        if (!(v in members)) return fail(`unknown tag '${v}'`);
        const m = members[v]!;
        if (m !== null && !('nullable' in m)) fail(`expected object for '${v}', got symbol`);
        return { tag: v, value: undefined };
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        return fail(`expected string or object, got ${typeName(v)}`);
      }
      const obj = v as Record<string, unknown>;
      if (!('.tag' in obj)) return fail("missing '.tag' key");
      const tag = obj['.tag'];
      if (typeof tag !== 'string') return fail(`tag must be string, got ${typeName(tag)}`);
      if (!(tag in members)) return fail(`unknown tag '${tag}'`);
      const m = members[tag]!;
      if (m === null) {
        if (tag in obj && obj[tag] !== null) fail(`expected null, got ${typeName(obj[tag])}`);
        for (const key of Object.keys(obj))
          if (key !== tag && key !== '.tag') fail(`unexpected key '${key}'`);
        return { tag, value: undefined };
      }
      const nullable = 'nullable' in m;
      const type = 'nullable' in m ? m.nullable : m;
      const wrap = <T>(f: () => T): T => {
        try {
          return f();
        } catch (e) {
          if (e instanceof StoneValidationError) e.addParent(tag);
          throw e;
        }
      };
      if (type.inlineInUnion) {
        if (nullable && Object.keys(obj).length === 1) return { tag, value: undefined };
        const { '.tag': _ignored, ...fields } = obj;
        return { tag, value: wrap(() => type.decode(fields)) };
      }
      for (const key of Object.keys(obj)) if (key !== tag && key !== '.tag') fail(`unexpected key '${key}'`);
      if (!(tag in obj) || obj[tag] === null) {
        if (nullable) return { tag, value: undefined };
        return fail(`missing '${tag}' key`);
      }
      return { tag, value: wrap(() => type.decode(obj[tag])) };
    },
  };
}

/** A route argument of type Void: `null`, or nothing at all. */
export const voidArg: StoneType<null> = {
  decode(v) {
    if (v !== null && v !== undefined) fail('expected null, got value');
    return null;
  },
};

// ---- encoding helpers ----

/** A `common.DropboxTimestamp`: whole seconds, UTC, `Z`. */
export function formatTimestamp(d: Date | number): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON made safe for an HTTP header: DEL and every non-ASCII UTF-16 unit as a `\uXXXX` escape. */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A union value on the wire: a void member as `{".tag"}`, others nested under their tag. */
export function tagged(tag: string, value?: unknown): Record<string, unknown> {
  return value === undefined ? { '.tag': tag } : { '.tag': tag, [tag]: value };
}
