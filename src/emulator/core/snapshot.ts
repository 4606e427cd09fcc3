/**
 * The state of an emulator as JSON, so `cloudstorage serve --data DIR` keeps files, folders and tokens
 * across restarts. The state is records in Maps (with Sets, Dates, bytes, records shared between two maps,
 * parent links): `encodeSnapshot` writes each object once and refers to it by number after that, so shared
 * records stay shared and cycles are fine. Objects of a class come back with that class's prototype when
 * the class is named in `classes`; any other class, or a function, is refused when saving (a snapshot
 * that would come back wrong is worse than none).
 */

type Encoded =
  | null
  | boolean
  | number
  | string
  | Encoded[]
  | { $ref: number }
  | { $undefined: true }
  | { $date: number }
  | { $bytes: string }
  | { $id: number; $map: Array<[Encoded, Encoded]> }
  | { $id: number; $set: Encoded[] }
  | { $id: number; $array: Encoded[] }
  | { $id: number; $class?: string; $object: Record<string, Encoded> };

export type ClassRegistry = Record<string, { prototype: object }>;

export function encodeSnapshot(value: unknown, classes: ClassRegistry = {}): string {
  const ids = new Map<object, number>();
  const known = new Map<object, string>(Object.entries(classes).map(([name, c]) => [c.prototype, name]));
  const encode = (v: unknown, where: string): Encoded => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $undefined: true };
    if (v === undefined) return { $undefined: true };
    if (typeof v !== 'object') throw new Error(`snapshot: cannot keep a ${typeof v} at ${where}`);
    if (v instanceof Date) return { $date: v.getTime() };
    if (v instanceof Uint8Array)
      return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    const seen = ids.get(v);
    if (seen !== undefined) return { $ref: seen };
    const $id = ids.size;
    ids.set(v, $id);
    if (v instanceof Map)
      return {
        $id,
        $map: [...v].map(([k, x], i) => [
          encode(k, `${where}[key ${i}]`),
          encode(x, `${where}.get(${String(k)})`),
        ]),
      };
    if (v instanceof Set) return { $id, $set: [...v].map((x, i) => encode(x, `${where}[${i}]`)) };
    if (Array.isArray(v)) return { $id, $array: v.map((x, i) => encode(x, `${where}[${i}]`)) };
    const proto = Object.getPrototypeOf(v);
    const $class = proto === Object.prototype || proto === null ? undefined : known.get(proto);
    if (proto !== Object.prototype && proto !== null && $class === undefined)
      throw new Error(
        `snapshot: cannot keep an instance of ${proto?.constructor?.name ?? 'a class'} at ${where}`,
      );
    const $object: Record<string, Encoded> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'function') throw new Error(`snapshot: cannot keep the function at ${where}.${k}`);
      $object[k] = encode(x, `${where}.${k}`);
    }
    return $class ? { $id, $class, $object } : { $id, $object };
  };
  return JSON.stringify(encode(value, 'state'));
}

export function decodeSnapshot(text: string, classes: ClassRegistry = {}): unknown {
  const objects = new Map<number, unknown>();
  const decode = (e: Encoded): unknown => {
    if (e === null || typeof e !== 'object') return e;
    if (Array.isArray(e)) return e.map(decode);
    if ('$ref' in e) {
      if (!objects.has(e.$ref)) throw new Error(`snapshot: reference ${e.$ref} before its object`);
      return objects.get(e.$ref);
    }
    if ('$undefined' in e) return undefined;
    if ('$date' in e) return new Date(e.$date);
    if ('$bytes' in e) return Buffer.from(e.$bytes, 'base64');
    if ('$map' in e) {
      const m = new Map();
      objects.set(e.$id, m);
      for (const [k, v] of e.$map) m.set(decode(k), decode(v));
      return m;
    }
    if ('$set' in e) {
      const s = new Set();
      objects.set(e.$id, s);
      for (const v of e.$set) s.add(decode(v));
      return s;
    }
    if ('$array' in e) {
      const a: unknown[] = [];
      objects.set(e.$id, a);
      for (const v of e.$array) a.push(decode(v));
      return a;
    }
    const cls = e.$class === undefined ? undefined : classes[e.$class];
    if (e.$class !== undefined && !cls) throw new Error(`snapshot: unknown class ${e.$class}`);
    const o = Object.create(cls ? cls.prototype : Object.prototype) as Record<string, unknown>;
    objects.set(e.$id, o);
    for (const [k, v] of Object.entries(e.$object)) o[k] = decode(v);
    return o;
  };
  return decode(JSON.parse(text) as Encoded);
}

/**
 * Puts saved values back into a live object: a Map or Set field is emptied and refilled (the emulator's
 * routes hold the same Map); an array's items are replaced; anything else is assigned. Fields missing from the snapshot stay as they are.
 */
export function restoreFields(target: object, saved: Record<string, unknown>): void {
  const t = target as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved)) {
    const live = t[k];
    if (live instanceof Map && v instanceof Map) {
      live.clear();
      for (const [a, b] of v) live.set(a, b);
    } else if (live instanceof Set && v instanceof Set) {
      live.clear();
      for (const a of v) live.add(a);
    } else if (Array.isArray(live) && Array.isArray(v)) live.splice(0, live.length, ...v);
    else t[k] = v;
  }
}

/** The named fields of an object (private ones included), for `encodeSnapshot`. */
export function pickFields(source: object, names: readonly string[]): Record<string, unknown> {
  const s = source as Record<string, unknown>;
  return Object.fromEntries(names.map((n) => [n, s[n]]));
}
