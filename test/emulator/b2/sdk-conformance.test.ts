import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { B2Emulator } from '../../../src/emulator/b2/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';

/**
 * Backblaze's most used Node client, `backblaze-b2` (v2 API over axios), against the emulator. It has no
 * endpoint option: authorize takes an `axiosOverride` for its request, which is where the emulator's
 * authorize URL goes; every later call uses the `apiUrl` / `downloadUrl` the emulator answered.
 */

type AxiosReply<T = Record<string, unknown>> = { status: number; data: T; headers: Record<string, string> };
type Sdk = Record<string, (args?: unknown, more?: unknown) => Promise<AxiosReply>> & {
  accountId: string;
  apiUrl: string;
  downloadUrl: string;
  authorizationToken: string;
};
const B2 = createRequire(import.meta.url)('backblaze-b2') as new (options: Record<string, unknown>) => Sdk;

const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

/** The SDK rejects with axios errors; this gives B2's error body of one. */
async function b2ErrorOf(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (e) {
    // Downloads ask for an ArrayBuffer, so their error body arrives as bytes.
    const data = (e as { response?: { data?: unknown } }).response?.data;
    if (data instanceof ArrayBuffer || data instanceof Uint8Array)
      return JSON.parse(Buffer.from(data as Uint8Array).toString());
    if (data) return data as { status: number; code: string };
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('backblaze-b2 npm client against the B2 emulator', () => {
  let server: EmulatorServer;
  let emulator: B2Emulator;
  let b2: Sdk;
  let bucketId: string;
  const bucketName = 'sdk-conformance';

  const authorizeUrl = () => `${emulator.urls.api}/b2api/v2/b2_authorize_account`;
  const client = async (applicationKeyId: string, applicationKey: string) => {
    const c = new B2({ applicationKeyId, applicationKey, retry: { retries: 0 } });
    await c.authorize({ axiosOverride: { url: authorizeUrl() } });
    return c;
  };

  before(async () => {
    server = new EmulatorServer();
    emulator = new B2Emulator();
    emulator.install(server);
    await server.start();
    b2 = await client(emulator.accountId, emulator.masterKey);
  });
  after(() => server.stop());

  it('authorizes and points itself at the emulator', () => {
    assert.equal(b2.accountId, emulator.accountId);
    assert.equal(b2.apiUrl, emulator.urls.api);
    assert.equal(b2.downloadUrl, emulator.urls.download);
    assert.match(b2.authorizationToken, /^4_/);
  });

  it('creates, lists, gets and updates buckets', async () => {
    const created = await b2.createBucket!({ bucketName, bucketType: 'allPrivate' });
    bucketId = created.data.bucketId as string;
    assert.equal(created.data.bucketName, bucketName);
    const dup = await b2ErrorOf(
      b2.createBucket!({ bucketName: bucketName.toUpperCase(), bucketType: 'allPrivate' }),
    );
    assert.deepEqual([dup.status, dup.code], [400, 'duplicate_bucket_name']);
    const listed = await b2.listBuckets!();
    assert.deepEqual(
      (listed.data.buckets as Array<{ bucketName: string }>).map((b) => b.bucketName),
      [bucketName],
    );
    const got = await b2.getBucket!({ bucketName });
    assert.equal((got.data.buckets as Array<{ bucketId: string }>)[0]!.bucketId, bucketId);
    const updated = await b2.updateBucket!({ bucketId, bucketType: 'allPublic' });
    assert.equal(updated.data.bucketType, 'allPublic');
    assert.equal(updated.data.revision, (created.data.revision as number) + 1);
    await b2.updateBucket!({ bucketId, bucketType: 'allPrivate' });
  });

  it('uploads through an upload URL, with file info, and reads it back by id and by name', async () => {
    const url = (await b2.getUploadUrl!({ bucketId })).data as {
      uploadUrl: string;
      authorizationToken: string;
    };
    assert.ok(url.uploadUrl.startsWith(emulator.urls.upload));
    const data = Buffer.from('the quick brown fox jumps over the lazy dog');
    const up = await b2.uploadFile!({
      uploadUrl: url.uploadUrl,
      uploadAuthToken: url.authorizationToken,
      fileName: 'notes/fox & friends.txt',
      data,
      info: { author: 'Zoë Ünicode', src_last_modified_millis: '1700000000000' },
    });
    assert.equal(up.data.contentSha1, sha1(data));
    assert.equal(up.data.contentType, 'text/plain');
    assert.deepEqual(up.data.fileInfo, { author: 'Zoë Ünicode', src_last_modified_millis: '1700000000000' });
    const fileId = up.data.fileId as string;

    const byId = await b2.downloadFileById!({ fileId, responseType: 'arraybuffer' });
    assert.deepEqual(Buffer.from(byId.data as unknown as ArrayBuffer), data);
    assert.equal(byId.headers['x-bz-content-sha1'], sha1(data));
    assert.equal(decodeURIComponent(byId.headers['x-bz-info-author']!), 'Zoë Ünicode');
    const byName = await b2.downloadFileByName!({
      bucketName,
      fileName: 'notes/fox & friends.txt',
      responseType: 'arraybuffer',
      axios: { headers: { Range: 'bytes=4-8' } },
    });
    assert.equal(byName.status, 206);
    assert.equal(Buffer.from(byName.data as unknown as ArrayBuffer).toString(), 'quick');
    assert.equal(byName.headers['x-bz-file-id'], fileId);

    const info = await b2.getFileInfo!({ fileId });
    assert.equal(info.data.fileName, 'notes/fox & friends.txt');
    assert.equal(info.data.contentLength, data.length);
  });

  it('refuses an upload whose SHA-1 does not match', async () => {
    const url = (await b2.getUploadUrl!({ bucketId })).data as {
      uploadUrl: string;
      authorizationToken: string;
    };
    const err = await b2ErrorOf(
      b2.uploadFile!({
        uploadUrl: url.uploadUrl,
        uploadAuthToken: url.authorizationToken,
        fileName: 'bad.bin',
        data: Buffer.from('abc'),
        hash: sha1('abd'),
      }),
    );
    assert.deepEqual([err.status, err.code], [400, 'bad_request']);
  });

  it('runs a large file: start, part URL, parts, list parts, finish; and cancels another', async () => {
    const min = emulator.settings.absoluteMinimumPartSize;
    const part1 = randomBytes(min);
    const part2 = randomBytes(1234);
    const started = await b2.startLargeFile!({ bucketId, fileName: 'big/large.bin' });
    assert.equal(started.data.action, 'start');
    const fileId = started.data.fileId as string;
    const partUrl = (await b2.getUploadPartUrl!({ fileId })).data as {
      uploadUrl: string;
      authorizationToken: string;
    };
    for (const [n, data] of [part1, part2].entries()) {
      const r = await b2.uploadPart!({
        partNumber: n + 1,
        uploadUrl: partUrl.uploadUrl,
        uploadAuthToken: partUrl.authorizationToken,
        data,
      });
      assert.equal(r.data.contentSha1, sha1(data));
    }
    const parts = await b2.listParts!({ fileId });
    assert.deepEqual(
      (parts.data.parts as Array<{ partNumber: number; contentLength: number }>).map((p) => [
        p.partNumber,
        p.contentLength,
      ]),
      [
        [1, part1.length],
        [2, part2.length],
      ],
    );
    const finished = await b2.finishLargeFile!({ fileId, partSha1Array: [sha1(part1), sha1(part2)] });
    assert.equal(finished.data.action, 'upload');
    assert.equal(finished.data.contentLength, part1.length + part2.length);
    const back = await b2.downloadFileById!({ fileId, responseType: 'arraybuffer' });
    assert.ok(Buffer.from(back.data as unknown as ArrayBuffer).equals(Buffer.concat([part1, part2])));

    const other = await b2.startLargeFile!({ bucketId, fileName: 'big/cancelled.bin' });
    const cancelled = await b2.cancelLargeFile!({ fileId: other.data.fileId });
    assert.equal(cancelled.data.fileName, 'big/cancelled.bin');
    const err = await b2ErrorOf(b2.getUploadPartUrl!({ fileId: other.data.fileId }));
    assert.equal(err.status, 400);
  });

  it('lists names with prefix and delimiter, and versions after a hide', async () => {
    const names = await b2.listFileNames!({ bucketId, delimiter: '/', prefix: '' });
    assert.deepEqual(
      (names.data.files as Array<{ fileName: string; action: string }>).map((f) => [f.action, f.fileName]),
      [
        ['folder', 'big/'],
        ['folder', 'notes/'],
      ],
    );
    const inNotes = await b2.listFileNames!({ bucketId, prefix: 'notes/', delimiter: '/' });
    assert.deepEqual(
      (inNotes.data.files as Array<{ fileName: string }>).map((f) => f.fileName),
      ['notes/fox & friends.txt'],
    );
    const hidden = await b2.hideFile!({ bucketId, fileName: 'notes/fox & friends.txt' });
    assert.equal(hidden.data.action, 'hide');
    const after = await b2.listFileNames!({ bucketId, prefix: 'notes/' });
    assert.deepEqual(after.data.files, []);
    const versions = await b2.listFileVersions!({ bucketId });
    assert.deepEqual(
      (versions.data.files as Array<{ fileName: string; action: string }>).map((f) => [f.fileName, f.action]),
      [
        ['big/large.bin', 'upload'],
        ['notes/fox & friends.txt', 'hide'],
        ['notes/fox & friends.txt', 'upload'],
      ],
    );
    const err = await b2ErrorOf(
      b2.downloadFileByName!({
        bucketName,
        fileName: 'notes/fox & friends.txt',
        responseType: 'arraybuffer',
      }),
    );
    assert.deepEqual([err.status, err.code], [404, 'not_found']);
    // Deleting the hide marker brings the file back.
    await b2.deleteFileVersion!({ fileId: hidden.data.fileId, fileName: 'notes/fox & friends.txt' });
    const again = await b2.listFileNames!({ bucketId, prefix: 'notes/' });
    assert.equal((again.data.files as unknown[]).length, 1);
  });

  it('gives download authorizations that work by name within their prefix only', async () => {
    const auth = await b2.getDownloadAuthorization!({
      bucketId,
      fileNamePrefix: 'notes/',
      validDurationInSeconds: 60,
    });
    const token = auth.data.authorizationToken as string;
    const base = `${b2.downloadUrl}/file/${bucketName}`;
    const ok = await fetch(
      `${base}/notes/fox%20%26%20friends.txt?Authorization=${encodeURIComponent(token)}`,
    );
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'the quick brown fox jumps over the lazy dog');
    const refused = await fetch(`${base}/big/large.bin`, { headers: { Authorization: token } });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'unauthorized');
  });

  it('creates, lists and deletes keys; a restricted key is refused other buckets and prefixes', async () => {
    const other = await b2.createBucket!({ bucketName: 'sdk-other-bucket', bucketType: 'allPrivate' });
    const created = await b2.createKey!({
      capabilities: ['listBuckets', 'listFiles', 'readFiles', 'writeFiles'],
      keyName: 'notes-only',
      bucketId,
      namePrefix: 'notes/',
    });
    assert.equal(created.data.bucketId, bucketId);
    assert.match(created.data.applicationKey as string, /^K/);
    const keys = await b2.listKeys!();
    assert.deepEqual(
      (keys.data.keys as Array<{ keyName: string }>).map((k) => k.keyName),
      ['notes-only'],
    );
    const restricted = await client(
      created.data.applicationKeyId as string,
      created.data.applicationKey as string,
    );
    const listed = await restricted.listFileNames!({ bucketId, prefix: 'notes/' });
    assert.equal((listed.data.files as unknown[]).length, 1);
    const wrongPrefix = await b2ErrorOf(restricted.listFileNames!({ bucketId, prefix: 'big/' }));
    assert.deepEqual([wrongPrefix.status, wrongPrefix.code], [401, 'unauthorized']);
    const wrongBucket = await b2ErrorOf(restricted.getUploadUrl!({ bucketId: other.data.bucketId }));
    assert.deepEqual([wrongBucket.status, wrongBucket.code], [401, 'unauthorized']);
    const noCapability = await b2ErrorOf(restricted.listKeys!());
    assert.deepEqual([noCapability.status, noCapability.code], [401, 'unauthorized']);

    await b2.deleteKey!({ applicationKeyId: created.data.applicationKeyId });
    assert.deepEqual((await b2.listKeys!()).data.keys, []);
    const revoked = await b2ErrorOf(restricted.listFileNames!({ bucketId, prefix: 'notes/' }));
    assert.equal(revoked.status, 401);
  });

  it('deletes every version and then the bucket', async () => {
    const versions = await b2.listFileVersions!({ bucketId, maxFileCount: 1000 });
    for (const f of versions.data.files as Array<{ fileId: string; fileName: string }>)
      await b2.deleteFileVersion!({ fileId: f.fileId, fileName: f.fileName });
    const deleted = await b2.deleteBucket!({ bucketId });
    assert.equal(deleted.data.bucketName, bucketName);
    const err = await b2ErrorOf(b2.getUploadUrl!({ bucketId }));
    assert.deepEqual([err.status, err.code], [400, 'bad_bucket_id']);
  });
});
