/**
 * The soak: many transfers of mixed kinds and sizes through an emulator that faults a seeded share of
 * requests with every kind of fault a service shows (5xx, 429 with Retry-After, an expired token, resets at
 * any byte of the request or the answer, drops before and after the server committed, stalls, early answers
 * with the body unread). Every transfer must finish by itself, and every outcome is checked once the faults
 * stop: the service's content hash, exactly one file per name, no partial local file, no leftover session.
 *
 * SOAK_TRANSFERS and SOAK_SEED choose the size and the run (`npm run soak` runs thousands); the suite runs
 * a few hundred per service.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EmulatorServer,
  type FaultedRequest,
  type FaultSpec,
  seededRandom,
} from '../../src/emulator/core/index.js';

/** One service under soak: its uploads, downloads and what it holds, through the class under test. */
export interface SoakTarget {
  server: EmulatorServer;
  /** Uploads `data` as a new file `name`; a session (resumable/large) upload when `session`. Returns its id. */
  upload(name: string, data: Buffer, options: { session: boolean; encrypted: boolean }): Promise<string>;
  /** Downloads file `id` to the local path `path` (decrypting when `encrypted`). */
  download(id: string, path: string, options: { encrypted: boolean }): Promise<void>;
  /** Every file the soak folder holds: name → ids and the service's content hash of each. */
  files(): Promise<Map<string, Array<{ id: string; hash: string }>>>;
  /** The service's content hash of bytes as stored. */
  hash(data: Buffer): string;
  /** Upload sessions (large files) still open on the service: should be none. */
  openSessions(): Promise<number>;
  /** The sizes a session upload takes (the service's part sizes make some sizes pointless). */
  sessionSizes: { min: number; max: number };
  /** Paths no request may be faulted on (the OAuth token endpoint, where a lost rotation is final). */
  spared?: RegExp;
}

export interface SoakOptions {
  transfers: number;
  seed: number;
  /** Share of requests faulted. */
  rate: number;
  /** Transfers in flight at once. */
  concurrency: number;
}

export function soakOptions(defaults: { transfers: number }): SoakOptions {
  return {
    transfers: Number(process.env.SOAK_TRANSFERS ?? defaults.transfers),
    seed: Number(process.env.SOAK_SEED ?? 20261203),
    rate: Number(process.env.SOAK_FAULT_RATE ?? 0.1),
    concurrency: Number(process.env.SOAK_CONCURRENCY ?? 4),
  };
}

/**
 * An access token is not expired the moment it is issued: an expired-token fault is drawn only for a token
 * first seen at least this long ago (else a request that just refreshed would meet a second one at once,
 * which no service does and the client rightly treats as final).
 */
const TOKEN_MIN_AGE_MS = 2000;

/**
 * The soak's random faults: {@link pickFault}, except that an expired-token fault goes only to a token in
 * use for a while (`observe` sees every request, faulted or not).
 */
export function faultPicker(now: () => number = Date.now): {
  observe(request: FaultedRequest): void;
  pick(random: () => number, request: FaultedRequest): FaultSpec;
} {
  const firstSeen = new Map<string, number>();
  const tokenOf = (request: FaultedRequest) => String(request.headers.authorization ?? '');
  return {
    observe(request) {
      const token = tokenOf(request);
      if (!firstSeen.has(token)) firstSeen.set(token, now());
    },
    pick(random, request) {
      const spec = pickFault(random);
      if (!spec.expiredToken) return spec;
      const age = now() - (firstSeen.get(tokenOf(request)) ?? now());
      return age >= TOKEN_MIN_AGE_MS ? spec : { status: 503 };
    },
  };
}

/** Every kind of fault, as the services fail; `random` picks one and its byte offset. */
export function pickFault(random: () => number): FaultSpec {
  const at = () => Math.floor(random() * 64 * 1024);
  const kinds: Array<() => FaultSpec> = [
    () => ({ status: 500 }),
    () => ({ status: 503 }),
    () => ({ status: 429, retryAfter: 0 }),
    () => ({ status: 503, closeUnread: true }),
    () => ({ expiredToken: true }),
    () => ({ resetAfterBytes: at() }),
    () => ({ resetRequestAfterBytes: at() }),
    () => ({ resetConnection: true }),
    () => ({ drop: 'before' }),
    () => ({ drop: 'after' }),
    () => ({ stall: 'after' }),
    () => ({ stallAfterBytes: at() }),
  ];
  return kinds[Math.floor(random() * kinds.length)]!();
}

interface Planned {
  name: string;
  data: Buffer;
  session: boolean;
  encrypted: boolean;
  /** Downloaded again after the upload. */
  download: boolean;
}

/** Sizes from 0 B to a few MiB, most of them small, as files are. */
function sizeOf(random: () => number, session: { min: number; max: number } | undefined): number {
  if (session) return session.min + Math.floor(random() * (session.max - session.min));
  const r = random();
  if (r < 0.05) return 0;
  if (r < 0.5) return Math.floor(random() * 64 * 1024);
  if (r < 0.9) return Math.floor(random() * 1024 * 1024);
  return Math.floor(random() * 3 * 1024 * 1024);
}

function bytes(random: () => number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size + 3);
  for (let i = 0; i < size; i += 4) out.writeUInt32LE(Math.floor(random() * 0x100000000), i);
  return out.subarray(0, size);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface SoakReport {
  transfers: number;
  uploads: number;
  downloads: number;
  faults: number;
  requests: number;
}

/** What a listing holds, grouped by name: every copy's id and stored hash. */
export async function holdings<T>(
  items: AsyncIterable<T>,
  describe: (item: T) => { name: string; id: string; hash: string } | undefined,
): Promise<Map<string, Array<{ id: string; hash: string }>>> {
  const held = new Map<string, Array<{ id: string; hash: string }>>();
  for await (const item of items) {
    const d = describe(item);
    if (d) held.set(d.name, [...(held.get(d.name) ?? []), { id: d.id, hash: d.hash }]);
  }
  return held;
}

/** The soak of one service in the suite: its report, with a check that the faults did happen. */
export async function soakService(label: string, target: SoakTarget, transfers = 200): Promise<SoakReport> {
  const report = await soak(target, soakOptions({ transfers }));
  assert.ok(report.faults > report.requests * 0.05, `${report.faults} faults in ${report.requests} requests`);
  console.log(`soak ${label}: ${JSON.stringify(report)}`);
  return report;
}

/** Runs the soak against a target; throws on the first transfer that did not finish by itself. */
export async function soak(target: SoakTarget, options: SoakOptions): Promise<SoakReport> {
  const random = seededRandom(options.seed);
  const plan: Planned[] = [];
  for (let i = 0; i < options.transfers; i++) {
    const session = random() < 0.15;
    const encrypted = random() < 0.2;
    const size = sizeOf(random, session ? target.sessionSizes : undefined);
    plan.push({
      name: `soak-${i}.bin`,
      data: bytes(random, size),
      session,
      encrypted,
      // Encrypted files (whose stored hash is of ciphertext) and session uploads (B2 keeps no SHA-1 of a
      // large file) are always read back.
      download: encrypted || session || random() < 0.6,
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'cloudstorage-soak-'));
  const requestsBefore = target.server.requestLog.length;
  const picker = faultPicker();
  target.server.faults.randomly({
    rate: options.rate,
    seed: options.seed ^ 0x5eed,
    pick: picker.pick,
    applies: (req) => {
      picker.observe(req);
      return !target.spared?.test(req.path);
    },
  });
  const ids = new Map<string, string>();
  let downloads = 0;
  try {
    let next = 0;
    const worker = async () => {
      while (next < plan.length) {
        const t = plan[next++]!;
        const where = `${t.name} (${t.data.length} B${t.session ? ', session' : ''}${t.encrypted ? ', encrypted' : ''})`;
        let id: string;
        try {
          id = await target.upload(t.name, t.data, { session: t.session, encrypted: t.encrypted });
        } catch (e) {
          throw new Error(`upload of ${where} did not finish by itself: ${(e as Error).message}`, {
            cause: e,
          });
        }
        ids.set(t.name, id);
        if (!t.download) continue;
        const path = join(dir, t.name);
        try {
          await target.download(id, path, { encrypted: t.encrypted });
        } catch (e) {
          throw new Error(`download of ${where} did not finish by itself: ${(e as Error).message}`, {
            cause: e,
          });
        }
        assert.equal(sha256(await readFile(path)), sha256(t.data), `downloaded ${where}`);
        await rm(path);
        downloads++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const faults = target.server.faults.drawn;
    target.server.faults.randomly(undefined);
    const requests = target.server.requestLog.length - requestsBefore;

    // Every outcome, with the faults off.
    assert.deepEqual(await readdir(dir), [], 'no partial local file');
    const held = await target.files();
    for (const t of plan) {
      const copies = held.get(t.name) ?? [];
      assert.equal(copies.length, 1, `exactly one file ${t.name}, not ${copies.length}`);
      assert.equal(copies[0]!.id, ids.get(t.name), `${t.name} is the file the upload returned`);
      const stored = copies[0]!.hash;
      if (!t.encrypted && (stored !== '' || !t.session))
        assert.equal(stored, target.hash(t.data), `${t.name} holds the bytes sent`);
    }
    assert.equal(await target.openSessions(), 0, 'no leftover upload session');
    return { transfers: plan.length, uploads: plan.length, downloads, faults, requests };
  } finally {
    target.server.faults.randomly(undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
