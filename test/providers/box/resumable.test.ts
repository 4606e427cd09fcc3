/**
 * Resumable uploads of the Box class through Box upload sessions, against the emulator with Box's own
 * limits (20,000,000-byte minimum, 8 MiB parts): a file over 100 MB sent in parallel parts, stopped
 * midway through fragmentComplete's interrupt, resumed by a new instance from resumeUrl and
 * pollUploadStatus, then downloaded and compared byte for byte.
 */
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { type BoxEnv, randomFile, rejectsWithCode, sha1File, startBoxEnv } from './helpers.js';

const MiB = 1024 * 1024;
const PART = 8 * MiB;

/** Compares two files chunk by chunk. */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fa, fb] = [await open(a), await open(b)];
  try {
    const [ba, bb] = [Buffer.alloc(MiB), Buffer.alloc(MiB)];
    for (let position = 0; ; position += MiB) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, MiB, position), fb.read(bb, 0, MiB, position)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
      if (ra.bytesRead === 0) return true;
    }
  } finally {
    await fa.close();
    await fb.close();
  }
}

/** Counts the upload-part PUTs in flight at once (seen from the client, through undici's diagnostics). */
function watchParts() {
  let inFlight = 0;
  let max = 0;
  const live = new Set<object>();
  const onSend = (m: unknown) => {
    const { request } = m as { request: { method: string; path: string } };
    if (request.method !== 'PUT' || !request.path.includes('upload_sessions')) return;
    live.add(request);
    max = Math.max(max, ++inFlight);
  };
  const onDone = (m: unknown) => {
    const { request } = m as { request: object };
    if (live.delete(request)) inFlight--;
  };
  dc.subscribe('undici:client:sendHeaders', onSend);
  dc.subscribe('undici:request:trailers', onDone);
  dc.subscribe('undici:request:error', onDone);
  return {
    get max() {
      return max;
    },
    stop() {
      dc.unsubscribe('undici:client:sendHeaders', onSend);
      dc.unsubscribe('undici:request:trailers', onDone);
      dc.unsubscribe('undici:request:error', onDone);
    },
  };
}

describe('Box class: resumable uploads', () => {
  let env: BoxEnv;

  before(async () => {
    env = await startBoxEnv();
  });
  after(() => env.close());

  const partPuts = (from: number) =>
    env.server.requestLog.slice(from).filter((e) => e.method === 'PUT' && e.path.includes('upload_sessions'));

  it('uploads a file over 100 MB in parallel parts, interrupted midway and resumed by a new instance', async () => {
    const size = 105 * MiB + 12_345;
    const path = join(env.dir, 'big.bin');
    const digest = await randomFile(path, size);
    const totalParts = Math.ceil(size / PART);
    const folder = await env.box().createFolder('big', '');

    const first = env.box({ useResumableUpload: true, localFile: path });
    first.config('UploadConcurrency=3');
    const fragments: Array<{ n: number; count: number }> = [];
    first.on('fragmentComplete', (e) => {
      fragments.push({ n: e.fragmentNumber, count: e.fragmentCount });
      if (fragments.length === 6) e.interrupt = true;
    });
    const watch = watchParts();
    const log0 = env.server.requestLog.length;
    const stopped = await rejectsWithCode(first.uploadFile('big.bin', folder), ErrorCode.UploadAborted);
    watch.stop();
    assert.match(stopped.message, /resume/i);
    assert.ok(watch.max > 1 && watch.max <= 3, `parts in flight at once: ${watch.max}`);
    assert.ok(fragments.every((f) => f.count === totalParts));
    assert.match(first.resumeUrl, /\/files\/upload_sessions\/[0-9A-F]+$/);
    assert.equal(first.config('UploadFragmentSize'), String(PART), 'the part size Box chose');
    assert.ok(first.startByte > 0 && first.startByte < size && first.startByte % PART === 0);
    const sessionId = first.resumeUrl.split('/').at(-1)!;
    // A part whose body had reached the server when the upload stopped may still be stored after the
    // rejection (Box itself would do the same): this counts what was there at least.
    const uploaded = env.emulator.uploadSessions.get(sessionId)!.parts.size;
    assert.ok(uploaded >= 6 && uploaded < totalParts, `${uploaded} parts on the server`);
    // Every part: the size Box mandates (the last one shorter), with its SHA-1 digest.
    for (const put of partPuts(log0)) {
      assert.match(String(put.headers.digest), /^sha=[A-Za-z0-9+/]{27}=$/);
      const [, a, b, total] = /^bytes (\d+)-(\d+)\/(\d+)$/
        .exec(String(put.headers['content-range']))!
        .map(Number);
      assert.equal(total, size);
      assert.equal(a! % PART, 0);
      assert.ok(b! - a! + 1 === PART || b === size - 1);
    }

    // A new instance: resumeUrl, then pollUploadStatus, then the same upload again.
    const second = env.box({ useResumableUpload: true, localFile: path, resumeUrl: first.resumeUrl });
    await second.pollUploadStatus();
    // At least where the first stopped: more when a part stored after the rejection closed a gap.
    assert.ok(second.startByte >= first.startByte && second.startByte % PART === 0);
    assert.equal(second.config('UploadFragmentSize'), String(PART));
    assert.ok(Date.parse(second.config('UploadExpDate')) > Date.now());
    const progress: number[] = [];
    second.on('progress', (e) => progress.push(e.bytesTransferred));
    const log1 = env.server.requestLog.length;
    const id = await second.uploadFile('big.bin', folder);
    assert.match(id, /^f:\d+$/);
    // Only missing parts are sent: fewer still when a part stored after the rejection was listed too.
    const resent = partPuts(log1).length;
    assert.ok(resent >= 1 && resent <= totalParts - uploaded, `${resent} parts sent by the resume`);
    assert.ok(progress[0]! >= uploaded * PART - PART, 'progress counts what was uploaded before');
    assert.equal(progress.at(-1), size);
    const commit = env.server.requestLog.slice(log1).find((e) => e.path.endsWith('/commit'))!;
    assert.match(String(commit.headers.digest), /^sha=/);
    assert.equal(Buffer.from(String(commit.headers.digest).slice(4), 'base64').toString('hex'), digest);
    assert.equal(second.resumeUrl, '', 'a finished upload clears resumeUrl');
    assert.equal(second.startByte, 0);

    const info = await second.getResourceInfo(id);
    assert.equal(info.size, size);
    assert.equal(info.hash, digest, 'the committed file has the SHA-1 of the local file');
    const copy = join(env.dir, 'big.copy');
    await second.downloadFile(id, { localFile: copy });
    assert.equal(await sha1File(copy), digest);
    assert.ok(await sameBytes(path, copy), 'the download is byte-for-byte the local file');
  });

  it('abortUpload discards the session; a resume then is error 609', async () => {
    const path = join(env.dir, 'abort.bin');
    await randomFile(path, 20_000_000);
    const box = env.box({ useResumableUpload: true, localFile: path });
    box.on('fragmentComplete', (e) => {
      e.interrupt = true;
    });
    await rejectsWithCode(box.uploadFile('abort.bin', ''), ErrorCode.UploadAborted);
    const sessionId = box.resumeUrl.split('/').at(-1)!;
    assert.ok(env.emulator.uploadSessions.has(sessionId));
    const url = box.resumeUrl;
    await box.abortUpload();
    assert.equal(box.resumeUrl, '');
    assert.ok(!env.emulator.uploadSessions.has(sessionId));
    box.resumeUrl = url;
    box.removeAllListeners('fragmentComplete');
    await rejectsWithCode(box.pollUploadStatus(), ErrorCode.CannotResume);
    await rejectsWithCode(box.uploadFile('abort.bin', ''), ErrorCode.CannotResume);
    box.resumeUrl = '';
    await rejectsWithCode(box.abortUpload(), ErrorCode.CannotResume);
  });

  it('resuming with other data is error 609, not a corrupt file', async () => {
    const a = join(env.dir, 'a.bin');
    const b = join(env.dir, 'b.bin');
    await randomFile(a, 20_000_000);
    await randomFile(b, 20_000_000);
    const box = env.box({ useResumableUpload: true, localFile: a });
    box.on('fragmentComplete', (e) => {
      e.interrupt = true;
    });
    await rejectsWithCode(box.uploadFile('changed.bin', ''), ErrorCode.UploadAborted);
    box.removeAllListeners('fragmentComplete');
    const err = await rejectsWithCode(
      box.uploadFile('changed.bin', '', { localFile: b }),
      ErrorCode.CannotResume,
    );
    assert.match(err.message, /differs from the local data/);
    // Another size does not fit the session (per-call data wins over the instance's localFile).
    await rejectsWithCode(
      box.uploadFile('changed.bin', '', { data: Buffer.alloc(30_000_000) }),
      ErrorCode.CannotResume,
    );
    await box.abortUpload();
  });

  it('runs concurrent resumable uploads on one instance without mixing their sessions', async () => {
    const [a, b] = [join(env.dir, 'concurrent-a.bin'), join(env.dir, 'concurrent-b.bin')];
    const [da, db] = [await randomFile(a, 20_000_000), await randomFile(b, 21_000_000)];
    const box = env.box({ useResumableUpload: true });
    // B starts once A's session is on the instance (resumeUrl): B must not take it for one to resume.
    let startB: (() => void) | undefined;
    const aHasSession = new Promise<void>((resolve) => {
      startB = resolve;
    });
    box.once('fragmentComplete', () => startB!());
    const uploadA = box.uploadFile('concurrent-a.bin', '', { localFile: a });
    await aHasSession;
    assert.notEqual(box.resumeUrl, '');
    const uploadB = box.uploadFile('concurrent-b.bin', '', { localFile: b });
    const [ia, ib] = await Promise.all([uploadA, uploadB]);
    assert.equal((await box.getResourceInfo(ia)).hash, da);
    assert.equal((await box.getResourceInfo(ib)).hash, db);
    assert.equal(box.resumeUrl, '');
  });

  it('sends files under the session minimum as simple uploads, and new versions through sessions', async () => {
    const box = env.box({ useResumableUpload: true });
    const log0 = env.server.requestLog.length;
    const small = await box.uploadFile('small.bin', '', { data: Buffer.alloc(19_999_999, 1) });
    const paths = env.server.requestLog.slice(log0).map((e) => e.path);
    assert.ok(paths.includes('/api/2.0/files/content'));
    assert.ok(!paths.some((p) => p.includes('upload_sessions')));

    const path = join(env.dir, 'version.bin');
    const digest = await randomFile(path, 20_000_000);
    await box.getResourceInfo(small);
    const log1 = env.server.requestLog.length;
    // Box may answer the commit with 202 + Retry-After while it assembles the parts: the class waits.
    env.emulator.config.commitAcceptedResponses = 1;
    await box.updateResource(small, { localFile: path });
    env.emulator.config.commitAcceptedResponses = 0;
    const commits = env.server.requestLog.slice(log1).filter((e) => e.path.endsWith('/commit'));
    assert.deepEqual(
      commits.map((e) => e.status),
      [202, 201],
    );
    assert.ok(env.server.requestLog.slice(log1).some((e) => /\/files\/\d+\/upload_sessions$/.test(e.path)));
    const info = await box.getResourceInfo(small);
    assert.equal(info.hash, digest);
    await box.listVersions(small);
    assert.equal(box.resources.length, 1);
  });
});
