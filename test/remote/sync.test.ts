/**
 * Copies, syncs and checks between remotes of different kinds, over the adapters on their emulators: a
 * streamed copy across services, a sync with changes and deletions then a run that copies nothing, a
 * dry run, filters, and check finding planted differences.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { hashBytes } from '../../src/core/transfer/hash.js';
import { check, compareFiles, copyFile, pathFilter, sync, walk } from '../../src/remote/index.js';
import type { Remote, UploadResumeState } from '../../src/remote/types.js';
import { patternBytes } from '../helpers/pattern-bytes.js';
import { BACKENDS, type Backend } from './backends.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function put(remote: Remote, path: string, data: Buffer, modTime?: Date) {
  return remote.write(path, Readable.from([data]), { size: data.length, ...(modTime ? { modTime } : {}) });
}

describe('copies and syncs across remotes', () => {
  const started: Backend[] = [];
  const remotes: Remote[] = [];
  before(async () => {
    for (const f of BACKENDS) {
      const b = await f.start();
      started.push(b);
      remotes.push(b.remote);
    }
  });
  after(async () => {
    for (const b of started) await b.stop();
  });

  it('copies a file from each remote to the next, streamed, with its time and hash', async () => {
    const data = patternBytes(200_000, 11);
    const modTime = new Date('2023-06-07T08:09:10.000Z');
    await put(remotes[0]!, 'chain/file.bin', data, modTime);
    for (let i = 1; i < remotes.length; i++) {
      let progress = 0;
      const entry = await copyFile(remotes[i - 1]!, 'chain/file.bin', remotes[i]!, 'chain/file.bin', {
        onProgress: (n) => {
          progress = n;
        },
      });
      assert.equal(entry.size, data.length);
      assert.equal(progress, data.length);
      if (remotes[i]!.features.setModTime) assert.equal(entry.modTime?.getTime(), modTime.getTime());
      assert.ok((await readAll(await remotes[i]!.read('chain/file.bin'))).equals(data), remotes[i]!.name);
      for (const h of remotes[i]!.features.hashes) {
        assert.equal(await remotes[i]!.hash('chain/file.bin', h), hashBytes(h, data));
      }
    }
  });

  for (let i = 0; i < BACKENDS.length; i++) {
    const j = (i + 1) % BACKENDS.length;
    it(`syncs ${BACKENDS[i]!.name} to ${BACKENDS[j]!.name}: changes, deletions, then nothing to do`, async () => {
      const src = remotes[i]!;
      const dst = remotes[j]!;
      const root = `sync-${i}`;
      await put(src, `${root}/a.txt`, Buffer.from('alpha'), new Date('2020-01-01T00:00:00Z'));
      await put(src, `${root}/sub/b.bin`, patternBytes(150_000, 12), new Date('2020-01-02T00:00:00Z'));
      await put(src, `${root}/sub/deeper/c.txt`, Buffer.from('gamma'), new Date('2020-01-03T00:00:00Z'));
      const first = await sync(src, root, dst, root, { transfers: 2 });
      assert.deepEqual(first.errors, []);
      assert.equal(first.copied, 3);
      assert.equal((await check(src, root, dst, root)).same, 3);

      const again = await sync(src, root, dst, root);
      assert.equal(again.copied, 0, JSON.stringify(again.plan.copies.map((c) => [c.path, c.reason])));
      assert.equal(again.deleted, 0);

      // Changes on the source: one file changed (other size), one removed, one added; an extra on the destination.
      await put(src, `${root}/a.txt`, Buffer.from('alpha, longer'), new Date('2021-01-01T00:00:00Z'));
      await src.delete(`${root}/sub/deeper/c.txt`);
      await put(src, `${root}/new.txt`, Buffer.from('new'), new Date('2021-01-02T00:00:00Z'));
      await put(dst, `${root}/extra/x.txt`, Buffer.from('only on the destination'));
      const dry = await sync(src, root, dst, root, { dryRun: true });
      assert.deepEqual(
        dry.plan.copies.map((c) => [c.path, c.reason]),
        [
          ['a.txt', 'different'],
          ['new.txt', 'missing'],
        ],
      );
      assert.deepEqual(
        dry.plan.deletions
          .filter((d) => d.kind === 'file')
          .map((d) => d.path)
          .sort(),
        ['extra/x.txt', 'sub/deeper/c.txt'],
      );
      assert.equal(dry.copied, 0);
      assert.ok(await dst.stat(`${root}/extra/x.txt`), 'a dry run deletes nothing');

      const events: string[] = [];
      const second = await sync(src, root, dst, root, {
        onProgress: (file, total) => {
          if (file.state === 'done') events.push(file.path);
          assert.ok(total.bytes <= total.totalBytes);
        },
      });
      assert.deepEqual(second.errors, []);
      assert.equal(second.copied, 2);
      assert.deepEqual(events.sort(), ['a.txt', 'new.txt']);
      assert.equal(await dst.stat(`${root}/extra/x.txt`), undefined);
      assert.equal(await dst.stat(`${root}/sub/deeper/c.txt`), undefined);
      assert.equal((await readAll(await dst.read(`${root}/a.txt`))).toString(), 'alpha, longer');
      const report = await check(src, root, dst, root);
      assert.deepEqual([report.missingOnDestination, report.missingOnSource, report.different], [[], [], []]);
      assert.equal((await sync(src, root, dst, root)).copied, 0);
    });
  }

  it('check lists what is missing on either side and what differs', async () => {
    const [a, b] = [remotes[0]!, remotes[remotes.length - 1]!];
    await put(a, 'chk/same.txt', Buffer.from('same'));
    await copyFile(a, 'chk/same.txt', b, 'chk/same.txt');
    await put(a, 'chk/only-a.txt', Buffer.from('a'));
    await put(b, 'chk/only-b.txt', Buffer.from('b'));
    await put(a, 'chk/differs.txt', Buffer.from('version one'));
    await put(b, 'chk/differs.txt', Buffer.from('version two'));
    const report = await check(a, 'chk', b, 'chk');
    assert.deepEqual(report.missingOnDestination, ['only-a.txt']);
    assert.deepEqual(report.missingOnSource, ['only-b.txt']);
    assert.deepEqual(
      report.different.map((d) => d.path),
      ['differs.txt'],
    );
    assert.equal(report.same, 1);
    const byContent = await check(a, 'chk', b, 'chk', { byContent: true });
    assert.deepEqual(byContent.different, [{ path: 'differs.txt', by: 'content' }]);
  });

  it('filters by include and exclude globs', async () => {
    const keep = pathFilter({ include: ['*.jpg', 'docs/**'], exclude: ['secret*'] });
    assert.equal(keep('a.jpg'), true);
    assert.equal(keep('deep/in/b.jpg'), true);
    assert.equal(keep('docs/x.txt'), true);
    assert.equal(keep('x.txt'), false);
    assert.equal(keep('secret.jpg'), false);
    assert.equal(keep('deep/.hidden.jpg'), true);
    const src = remotes[0]!;
    const dst = remotes[1]!;
    await put(src, 'flt/a.jpg', Buffer.from('jpg'));
    await put(src, 'flt/b.txt', Buffer.from('txt'));
    await put(src, 'flt/secret.jpg', Buffer.from('no'));
    const result = await sync(src, 'flt', dst, 'flt', { include: ['*.jpg'], exclude: ['secret*'] });
    assert.deepEqual(
      result.plan.copies.map((c) => c.path),
      ['a.jpg'],
    );
    assert.deepEqual([...(await walk(dst, 'flt')).keys()], ['a.jpg']);
  });

  it('removes what is in the way, and leaves files the filters excluded', async () => {
    const src = remotes[0]!;
    const dst = remotes[1]!;
    await put(src, 'way/was-folder', Buffer.from('now a file'));
    await put(src, 'way/was-file/inside.txt', Buffer.from('now in a folder'));
    await put(dst, 'way/was-folder/old.txt', Buffer.from('old'));
    await put(dst, 'way/was-file', Buffer.from('old file'));
    await put(dst, 'way/gone/kept.log', Buffer.from('excluded: never deleted'));
    await put(dst, 'way/gone/removed.txt', Buffer.from('not on the source'));
    const result = await sync(src, 'way', dst, 'way', { exclude: ['*.log'] });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.plan.obstacles.map((o) => [o.path, o.kind]).sort(), [
      ['was-file', 'file'],
      ['was-folder', 'folder'],
    ]);
    assert.equal((await readAll(await dst.read('way/was-folder'))).toString(), 'now a file');
    assert.equal((await readAll(await dst.read('way/was-file/inside.txt'))).toString(), 'now in a folder');
    assert.equal(await dst.stat('way/gone/removed.txt'), undefined);
    assert.ok(await dst.stat('way/gone/kept.log'), 'an excluded file is not deleted, nor its folder');
  });

  it('an interrupted sync run again skips what finished and resumes the large upload in its session', async () => {
    const src = remotes[0]!;
    const index = BACKENDS.findIndex((b) => b.name === 'dropbox');
    const dst = remotes[index]!;
    const large = patternBytes(started[index]!.sessionSize * 4, 51);
    await put(src, 'resume-run/small.txt', Buffer.from('small'));
    await put(src, 'resume-run/z-large.bin', large);
    const saved = new Map<string, UploadResumeState>();
    const stop = new AbortController();
    await assert.rejects(
      sync(src, 'resume-run', dst, 'resume-run', {
        transfers: 1,
        signal: stop.signal,
        onResumeState: (path, state) => {
          if (state) saved.set(path, state);
          else saved.delete(path);
          if (state && state.committed > 0) stop.abort();
        },
      }),
    );
    assert.ok(await dst.stat('resume-run/small.txt'), 'the small file finished before the stop');
    const state = saved.get('z-large.bin');
    assert.ok(state && state.committed > 0);
    const sessions: string[] = [];
    const again = await sync(src, 'resume-run', dst, 'resume-run', {
      resumeStateOf: (path) => saved.get(path),
      onResumeState: (path, s) => {
        if (s) sessions.push(s.session);
        else saved.delete(path);
      },
    });
    assert.deepEqual(
      again.plan.copies.map((c) => c.path),
      ['z-large.bin'],
    );
    assert.ok(
      sessions.length > 0 && sessions.every((s) => s === state.session),
      'resumed in the same session',
    );
    assert.equal(saved.size, 0, 'the state is dropped once the file is done');
    assert.ok((await readAll(await dst.read('resume-run/z-large.bin'))).equals(large));
  });

  it('runs at most `transfers` copies at once', async () => {
    const src = remotes[0]!;
    let running = 0;
    let most = 0;
    const inner = remotes[1]!;
    const counting = Object.create(inner) as Remote;
    counting.write = async (path, data, options) => {
      most = Math.max(most, ++running);
      try {
        return await inner.write(path, data, options);
      } finally {
        running--;
      }
    };
    for (let i = 0; i < 6; i++) await put(src, `limits/f${i}.txt`, Buffer.from(`file ${i}`));
    const result = await sync(src, 'limits', counting, 'limits', { transfers: 2 });
    assert.equal(result.copied, 6);
    assert.ok(most >= 1 && most <= 2, `at most 2 at once; saw ${most}`);
  });

  it('compares by modification time within the coarser precision when no hash is shared', async () => {
    const remote = remotes[0]!;
    const coarse = {
      ...remote,
      features: { ...remote.features, hashes: [], modTimePrecision: 1000 },
    } as Remote;
    const fine = { ...remote, features: { ...remote.features, hashes: [] } } as Remote;
    const e = (ms: number) => ({
      path: 'x',
      name: 'x',
      kind: 'file' as const,
      size: 1,
      hashes: {},
      modTime: new Date(ms),
    });
    assert.deepEqual(await compareFiles(fine, e(1_000_900), coarse, e(1_000_000)), {
      same: true,
      by: 'modTime',
    });
    assert.deepEqual(await compareFiles(fine, e(1_001_000), coarse, e(1_000_000)), {
      same: false,
      by: 'modTime',
    });
    assert.deepEqual(await compareFiles(fine, e(1_000_001), fine, e(1_000_000)), {
      same: false,
      by: 'modTime',
    });
    assert.deepEqual(await compareFiles(fine, { ...e(0), size: 2 }, fine, e(0)), { same: false, by: 'size' });
  });
});
