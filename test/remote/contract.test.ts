/**
 * The contract of the common interface (src/remote/types.ts), run against every adapter on its emulator
 * and against the local disk: the same calls must give the same answers whatever the service.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { hashBytes } from '../../src/core/transfer/hash.js';
import { isRemoteNotFound } from '../../src/remote/errors.js';
import type { Entry, Remote, UploadResumeState } from '../../src/remote/types.js';
import { patternBytes } from '../helpers/pattern-bytes.js';
import { type Backend, CONTRACT_BACKENDS } from './backends.js';

/** A stream of `data` in chunks of 16 KiB (a real stream, not one buffer). */
function streamOf(data: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 16 * 1024) chunks.push(data.subarray(at, at + 16 * 1024));
  return Readable.from(chunks);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listed(remote: Remote, path: string, recursive = false): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of remote.list(path, { recursive })) out.push(e);
  return out;
}

async function rejectsCode(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: number }) => {
    assert.equal(e.code, code, e.message);
    return true;
  });
}

async function rejectsNotFound(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isRemoteNotFound(e), String(e));
    return true;
  });
}

for (const factory of CONTRACT_BACKENDS) {
  describe(`remote contract: ${factory.name}`, () => {
    let backend: Backend;
    let remote: Remote;
    before(async () => {
      backend = await factory.start();
      remote = backend.remote;
    });
    after(async () => {
      await backend?.stop();
    });

    it('writes a file of known size, and stat, list, read and hash give it back', async () => {
      const data = patternBytes(70_000, 1);
      const modTime = new Date('2024-03-04T05:06:07.000Z');
      let progress = 0;
      const written = await remote.write('docs/a.bin', streamOf(data), {
        size: data.length,
        modTime,
        onProgress: (n) => {
          progress = n;
        },
      });
      assert.equal(written.path, 'docs/a.bin');
      assert.equal(written.name, 'a.bin');
      assert.equal(written.kind, 'file');
      assert.equal(written.size, data.length);
      assert.equal(progress, data.length);
      const entry = await remote.stat('docs/a.bin');
      assert.ok(entry);
      assert.equal(entry.size, data.length);
      if (remote.features.setModTime) assert.equal(entry.modTime?.getTime(), modTime.getTime());
      for (const name of remote.features.hashes) {
        assert.equal(await remote.hash('docs/a.bin', name), hashBytes(name, data), name);
        if (entry.hashes[name] !== undefined) assert.equal(entry.hashes[name], hashBytes(name, data), name);
      }
      assert.deepEqual(
        (await listed(remote, 'docs')).map((e) => [e.path, e.kind, e.size]),
        [['docs/a.bin', 'file', data.length]],
      );
      assert.ok((await readAll(await remote.read('docs/a.bin'))).equals(data));
      const part = await readAll(await remote.read('docs/a.bin', { offset: 1000, length: 5000 }));
      assert.ok(part.equals(data.subarray(1000, 6000)));
      const tail = await readAll(await remote.read('docs/a.bin', { offset: 69_000 }));
      assert.ok(tail.equals(data.subarray(69_000)));
      assert.equal((await readAll(await remote.read('docs/a.bin', { offset: 70_000 }))).length, 0);
      assert.equal((await readAll(await remote.read('docs/a.bin', { offset: 10, length: 0 }))).length, 0);
    });

    it('writes a stream of unknown size, and replaces a file', async () => {
      const first = patternBytes(30_000, 2);
      await remote.write('unknown/b.bin', streamOf(first));
      const second = patternBytes(12_345, 3);
      const replaced = await remote.write('unknown/b.bin', streamOf(second));
      assert.equal(replaced.size, second.length);
      assert.ok((await readAll(await remote.read('unknown/b.bin'))).equals(second));
      assert.equal((await listed(remote, 'unknown')).length, 1);
    });

    it('writes a file past the session / large-file threshold, reporting its resume state', async () => {
      const size = Number.isFinite(backend.sessionSize) ? backend.sessionSize * 3 + 777 : 300_000;
      const data = patternBytes(size, 4);
      const states: UploadResumeState[] = [];
      const entry = await remote.write('big/c.bin', streamOf(data), {
        size,
        hashes: { sha1: hashBytes('sha1', data) },
        onResumeState: (s) => states.push(s),
      });
      assert.equal(entry.size, size);
      assert.ok((await readAll(await remote.read('big/c.bin'))).equals(data));
      if (remote.features.resumableUploads) {
        assert.ok(states.length > 0, 'a session upload reports its state');
        assert.ok(states.every((s) => s.session !== ''));
        assert.ok(states.some((s) => s.committed > 0));
      }
      for (const name of remote.features.hashes) {
        assert.equal(await remote.hash('big/c.bin', name), hashBytes(name, data), name);
      }
    });

    it('resumes an interrupted large upload from its resume state', async (t) => {
      if (!remote.features.resumableUploads) return t.skip('no resumable uploads');
      const size = backend.sessionSize * 4;
      const data = patternBytes(size, 5);
      const stop = new AbortController();
      let state: UploadResumeState | undefined;
      await assert.rejects(
        remote.write('resume/d.bin', streamOf(data), {
          size,
          signal: stop.signal,
          onResumeState: (s) => {
            state = s;
            if (s.committed > 0) stop.abort();
          },
        }),
      );
      assert.ok(state && state.committed > 0 && state.committed < size, JSON.stringify(state));
      assert.equal(await remote.stat('resume/d.bin'), undefined, 'nothing is there before the upload ends');
      const saved = state;
      const resumed: UploadResumeState[] = [];
      const entry = await remote.write('resume/d.bin', streamOf(data), {
        size,
        resume: saved,
        onResumeState: (s) => resumed.push(s),
      });
      assert.equal(entry.size, size);
      assert.ok(resumed.length > 0);
      assert.ok(
        resumed.every((s) => s.session === saved.session),
        'the upload went on in the interrupted session',
      );
      assert.ok((await readAll(await remote.read('resume/d.bin'))).equals(data));
    });

    it('makes and removes folders; lists a tree depth first', async () => {
      await remote.mkdir('tree/x/y');
      await remote.mkdir('tree/x/y');
      await remote.write('tree/x/f1', streamOf(patternBytes(10, 6)), { size: 10 });
      await remote.write('tree/x/y/f2', streamOf(patternBytes(20, 7)), { size: 20 });
      if (remote.features.emptyFolders) {
        await remote.mkdir('tree/empty');
        assert.equal((await remote.stat('tree/empty'))?.kind, 'folder');
      }
      const all = (await listed(remote, 'tree', true)).map((e) => e.path);
      const expected = ['tree/x', 'tree/x/f1', 'tree/x/y', 'tree/x/y/f2'];
      if (remote.features.emptyFolders) expected.unshift('tree/empty');
      assert.deepEqual([...all].sort(), [...expected].sort());
      for (const e of all) {
        const parent = e.slice(0, e.lastIndexOf('/'));
        if (parent !== 'tree') assert.ok(all.indexOf(parent) < all.indexOf(e), `${parent} before ${e}`);
      }
      if (remote.features.emptyFolders) {
        await remote.rmdir('tree/empty');
        assert.equal(await remote.stat('tree/empty'), undefined);
        await assert.rejects(remote.rmdir('tree/x'), /not empty/);
      }
      await remote.delete('tree/x/f1');
      assert.equal(await remote.stat('tree/x/f1'), undefined);
      await remote.purge('tree');
      assert.equal(await remote.stat('tree/x/y/f2'), undefined);
      assert.equal(await remote.stat('tree'), undefined);
    });

    it('copies and moves files and folders inside the remote', async () => {
      const data = patternBytes(5000, 8);
      await remote.write('cm/src.bin', streamOf(data), { size: data.length });
      if (remote.features.serverSideCopy) {
        const copied = await remote.copy('cm/src.bin', 'cm/sub/copy.bin');
        assert.equal(copied.path, 'cm/sub/copy.bin');
        assert.equal(copied.size, data.length);
        assert.ok((await readAll(await remote.read('cm/sub/copy.bin'))).equals(data));
      } else {
        await rejectsCode(remote.copy('cm/src.bin', 'cm/sub/copy.bin'), ErrorCode.UnsupportedOperation);
      }
      if (remote.features.serverSideMove) {
        const moved = await remote.move('cm/src.bin', 'cm/moved/renamed.bin');
        assert.equal(moved.path, 'cm/moved/renamed.bin');
        assert.equal(await remote.stat('cm/src.bin'), undefined);
        assert.ok((await readAll(await remote.read('cm/moved/renamed.bin'))).equals(data));
        await remote.move('cm/moved', 'cm/folder2');
        assert.equal(await remote.stat('cm/moved/renamed.bin'), undefined);
        assert.equal((await remote.stat('cm/folder2/renamed.bin'))?.size, data.length);
      }
      await remote.purge('cm');
    });

    it('tells the quota and makes public links where the service has them', async () => {
      const quota = await remote.about();
      for (const v of Object.values(quota)) assert.ok(typeof v === 'number' && v >= 0);
      await remote.write('links/l.txt', streamOf(Buffer.from('link me')), { size: 7 });
      if (remote.features.publicLinks) {
        const url = await remote.link('links/l.txt');
        assert.match(url, /^https?:\/\//);
      } else {
        await rejectsCode(remote.link('links/l.txt'), ErrorCode.UnsupportedOperation);
      }
    });

    it('reports missing paths as RemoteNotFound and undefined stats', async () => {
      assert.equal(await remote.stat('nowhere/none.txt'), undefined);
      assert.equal(await remote.stat('none.txt'), undefined);
      await rejectsNotFound(remote.read('nowhere/none.txt'));
      await rejectsNotFound(remote.delete('none.txt'));
      await rejectsNotFound(remote.hash('none.txt', 'sha1'));
      await rejectsNotFound((async () => listed(remote, 'nowhere'))());
      if (remote.features.emptyFolders) await rejectsNotFound(remote.rmdir('nowhere'));
    });

    it('refuses paths that leave the root or hold control characters', async () => {
      for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a/\u0001b', 'a\\b']) {
        await rejectsCode(remote.stat(bad), ErrorCode.InvalidArgument);
        await rejectsCode(remote.write(bad, streamOf(Buffer.from('x'))), ErrorCode.InvalidArgument);
      }
    });
  });
}
