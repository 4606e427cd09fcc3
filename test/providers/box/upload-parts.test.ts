/**
 * Box upload sessions one call at a time (methods beyond the reference): two instances share one session
 * and send its parts out of order, the parts are listed, the session committed with the whole file's
 * SHA-1, the file downloaded and compared; the same part sent twice is one part; abort discards a session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { type BoxEnv, rejectsWithCode, sha1, startBoxEnv } from './helpers.js';

const PART = 64 * 1024;

describe('Box class: upload sessions part by part', () => {
  let env: BoxEnv;

  before(async () => {
    env = await startBoxEnv({ config: { minChunkedUploadSize: 100_000, partSizeFor: () => PART } });
  });
  after(() => env.close());

  const partsOf = (data: Buffer, partSize: number) =>
    Array.from({ length: Math.ceil(data.length / partSize) }, (_, i) => ({
      offset: i * partSize,
      bytes: data.subarray(i * partSize, (i + 1) * partSize),
    }));

  it('takes parts from several instances in any order and commits them into one file', async () => {
    const data = randomBytes(5 * PART + 1234);
    const folder = await env.box().createFolder('parts', '');
    const session = await env.box().createUploadSession('shared.bin', folder, data.length);
    assert.equal(session.partSize, PART);
    assert.equal(session.totalParts, 6);
    assert.match(session.sessionUrl, /\/files\/upload_sessions\/[0-9A-F]+$/);

    const [a, b] = [env.box(), env.box()];
    const parts = partsOf(data, session.partSize).reverse();
    const sent = await Promise.all(
      parts.map((p, i) =>
        (i % 2 ? a : b).uploadSessionPart(session.sessionUrl, p.offset, data.length, p.bytes),
      ),
    );
    assert.deepEqual(
      sent.map((p) => p.sha1),
      parts.map((p) => sha1(p.bytes)),
    );

    const listed = await a.listUploadSessionParts(session.sessionUrl);
    assert.deepEqual(
      listed.map((p) => p.offset),
      [0, 1, 2, 3, 4, 5].map((i) => i * PART),
    );
    const status = await b.getUploadSession(session.sessionUrl);
    assert.equal(status.session.totalParts, 6);
    assert.equal(status.parts.length, 6);

    const modifiedAt = new Date('2024-05-06T07:08:09Z');
    const id = await a.commitUploadSession(session.sessionUrl, listed, sha1(data), { modifiedAt });
    assert.match(id, /^f:\d+$/);
    const info = await b.getResourceInfo(id);
    assert.equal(info.size, data.length);
    assert.equal(info.hash, sha1(data));
    assert.equal(Date.parse(info.clientModifiedTime), modifiedAt.getTime());
    const back = await b.downloadFile(id, {});
    assert.ok(Buffer.from(back.data!).equals(data), 'the committed file is the data, byte for byte');
  });

  it('takes a part sent twice once, refuses other bytes for its range, checks its arguments, and aborts', async () => {
    const data = randomBytes(2 * PART + 10);
    const box = env.box();
    const session = await box.createUploadSession('twice.bin', '', data.length);
    const [first, second] = partsOf(data, PART);
    await box.uploadSessionPart(session.sessionUrl, first!.offset, data.length, first!.bytes);
    await box.uploadSessionPart(session.sessionUrl, first!.offset, data.length, first!.bytes);
    await assert.rejects(
      box.uploadSessionPart(session.sessionUrl, first!.offset, data.length, randomBytes(PART)),
      (e: Error & { httpStatus?: number }) => e.httpStatus === 409,
      'other bytes for a range Box already holds are refused',
    );
    await box.uploadSessionPart(session.sessionUrl, second!.offset, data.length, second!.bytes);
    const listed = await box.listUploadSessionParts(session.sessionUrl);
    assert.equal(listed.length, 2, 'one entry per offset');
    assert.equal(listed[0]!.sha1, sha1(first!.bytes));

    await rejectsWithCode(
      box.commitUploadSession(session.sessionUrl, listed, 'not-a-sha1'),
      ErrorCode.InvalidArgument,
    );
    await rejectsWithCode(
      box.uploadSessionPart(session.sessionUrl, 2 * PART, data.length, randomBytes(PART)),
      ErrorCode.InvalidArgument,
    );

    await box.abortUploadSession(session.sessionUrl);
    await rejectsWithCode(box.listUploadSessionParts(session.sessionUrl), ErrorCode.CannotResume);
    await box.abortUploadSession(session.sessionUrl);
  });

  it('opens a session for a new version of a file', async () => {
    const box = env.box();
    const id = await box.uploadFile('versioned.bin', '', { data: randomBytes(100) });
    const data = randomBytes(2 * PART + 5);
    const session = await box.createUploadSession('', '', data.length, { fileId: id });
    const sent = await Promise.all(
      partsOf(data, PART).map((p) =>
        box.uploadSessionPart(session.sessionUrl, p.offset, data.length, p.bytes),
      ),
    );
    assert.equal(await box.commitUploadSession(session.sessionUrl, sent, sha1(data)), id);
    assert.equal((await box.getResourceInfo(id)).hash, sha1(data));
  });
});
