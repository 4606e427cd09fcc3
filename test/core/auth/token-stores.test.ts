import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CallbackTokenStore,
  FileTokenStore,
  MemoryTokenStore,
  type TokenRecord,
} from '../../../src/core/auth/index.js';
import { rejection } from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudstorage-token-stores-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (n: number): TokenRecord => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: 1_800_000_000_000 + n,
  issuedAt: 1_799_999_996_400 + n,
  scope: 'files.read',
  tokenType: 'bearer',
  extra: { account_id: `dbid:${n}` },
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('FileTokenStore', () => {
  test('creates the file with mode 0600 (whatever the umask) in a 0700 directory, and reads it back', async () => {
    const path = join(dir, 'new', 'sub', 'tokens.json');
    const store = new FileTokenStore(path);
    assert.equal(await store.get(), undefined);
    const old = process.umask(0);
    try {
      await store.set(record(1));
    } finally {
      process.umask(old);
    }
    assert.equal(await mode(path), 0o600);
    assert.equal(await mode(join(dir, 'new', 'sub')), 0o700);
    assert.deepEqual(await store.get(), record(1));
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), record(1));
  });

  test('writes atomically: a new file renamed over the old one, no temporary file left', async () => {
    const path = join(dir, 'atomic', 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set(record(1));
    const before = await stat(path);
    await store.set(record(2));
    const after = await stat(path);
    assert.notEqual(after.ino, before.ino, 'replaced by rename, not rewritten in place');
    assert.equal(await mode(path), 0o600);
    assert.deepEqual(await readdir(join(dir, 'atomic')), ['tokens.json']);
    assert.deepEqual(await store.get(), record(2));
  });

  test('a failed write leaves the old file whole and no temporary file', async () => {
    const path = join(dir, 'failed', 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set(record(1));
    // A value JSON cannot encode makes the write fail half-way.
    const bad = { ...record(2), extra: { n: 1n } } as unknown as TokenRecord;
    const err = await rejection(store.set(bad));
    assert.equal(err.code, 611);
    assert.deepEqual(await store.get(), record(1));
    assert.deepEqual(await readdir(join(dir, 'failed')), ['tokens.json']);
  });

  test('concurrent writes never leave a torn file', async () => {
    const path = join(dir, 'concurrent', 'tokens.json');
    const stores = Array.from({ length: 4 }, () => new FileTokenStore(path));
    await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 4]!.set(record(i))));
    const final = await stores[0]!.get();
    assert.ok(final);
    assert.deepEqual(final, record(Number(final.accessToken.slice('access-'.length))));
    assert.deepEqual(await readdir(join(dir, 'concurrent')), ['tokens.json']);
  });

  test('refuses a file that others can read, or narrows it to 0600 when asked', async () => {
    const path = join(dir, 'wide', 'tokens.json');
    await new FileTokenStore(path).set(record(1));
    await chmod(path, 0o644);
    const err = await rejection(new FileTokenStore(path).get());
    assert.equal(err.code, 611);
    assert.match(err.message, /chmod 600/);
    assert.match(err.message, /mode 644/);
    assert.equal(await mode(path), 0o644, 'refusing leaves the file alone');
    const fixing = new FileTokenStore(path, { fixPermissions: true });
    assert.deepEqual(await fixing.get(), record(1));
    assert.equal(await mode(path), 0o600);
  });

  test('a file that is not a token record is a clear error; clear() removes the file', async () => {
    const path = join(dir, 'garbage', 'tokens.json');
    const store = new FileTokenStore(path);
    await store.set(record(1));
    await writeFile(path, 'not json', { mode: 0o600 });
    const err = await rejection(store.get());
    assert.equal(err.code, 611);
    assert.match(err.message, /not a token record/);
    await store.clear();
    assert.equal(await store.get(), undefined);
    await store.clear();
  });

  test('withRefreshLock: one holder at a time across store instances', async () => {
    const path = join(dir, 'lock', 'tokens.json');
    const a = new FileTokenStore(path);
    const b = new FileTokenStore(path);
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const aEntered = new Promise<void>((r) => {
      entered = r;
    });
    const first = a.withRefreshLock(async () => {
      events.push('a in');
      entered();
      await held;
      events.push('a out');
    });
    await aEntered;
    const second = b.withRefreshLock(async () => {
      events.push('b in');
    });
    // b polls the lock file while a holds it.
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events, ['a in']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(events, ['a in', 'a out', 'b in']);
    assert.deepEqual(await readdir(join(dir, 'lock')), [], 'the lock file is removed');
  });

  test('a stale lock file is taken over; a live one times out with a clear error', async () => {
    const path = join(dir, 'stale', 'tokens.json');
    await new FileTokenStore(path).set(record(1));
    await writeFile(`${path}.lock`, '99999\n');
    const old = new Date(Date.now() - 120_000);
    await utimes(`${path}.lock`, old, old);
    assert.equal(await new FileTokenStore(path).withRefreshLock(async () => 'ran'), 'ran');

    await writeFile(`${path}.lock`, '99999\n');
    const err = await rejection(
      new FileTokenStore(path, { lockTimeoutMs: 150 }).withRefreshLock(async () => 'ran'),
    );
    assert.equal(err.code, 611);
    assert.match(err.message, /lock/);
  });
});

describe('MemoryTokenStore', () => {
  test('keeps copies, and its lock runs callers one after another', async () => {
    const store = new MemoryTokenStore();
    const r = record(1);
    await store.set(r);
    r.accessToken = 'changed outside';
    assert.equal((await store.get())?.accessToken, 'access-1');
    const order: number[] = [];
    await Promise.all(
      [3, 1, 2].map((delay, i) =>
        store.withRefreshLock(async () => {
          order.push(i);
          await new Promise((res) => setTimeout(res, delay * 10));
          order.push(i);
        }),
      ),
    );
    assert.deepEqual(order, [0, 0, 1, 1, 2, 2]);
    await store.clear();
    assert.equal(await store.get(), undefined);
  });
});

describe('CallbackTokenStore', () => {
  test('save on every set, load once, clear', async () => {
    const saved: TokenRecord[] = [];
    let loads = 0;
    let cleared = 0;
    const store = new CallbackTokenStore({
      save: (r) => {
        saved.push(r);
      },
      load: () => {
        loads++;
        return record(7);
      },
      clear: () => {
        cleared++;
      },
    });
    assert.deepEqual(await store.get(), record(7));
    assert.deepEqual(await store.get(), record(7));
    assert.equal(loads, 1);
    await store.set(record(8));
    assert.deepEqual(saved, [record(8)]);
    assert.deepEqual(await store.get(), record(8));
    await store.clear();
    assert.equal(cleared, 1);
    assert.equal(await store.get(), undefined);
  });
});
