import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as root from '../../../src/index.js';
import { BackblazeB2 } from '../../../src/providers/b2/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

const REFERENCE_METHODS = [
  'abortMultipartUpload',
  'addMetadata',
  'addQueryParam',
  'authorize',
  'completeMultipartUpload',
  'config',
  'copyFile',
  'copyPart',
  'createAppKey',
  'createBucket',
  'deleteAppKey',
  'deleteBucket',
  'deleteFile',
  'deleteFileVersion',
  'downloadFile',
  'downloadFileById',
  'getBucketInfo',
  'getDownloadAuthToken',
  'getFileInfo',
  'hideFile',
  'interrupt',
  'listAppKeys',
  'listBuckets',
  'listFiles',
  'listFileVersions',
  'listMultipartUploads',
  'listParts',
  'reset',
  'sendCustomRequest',
  'startMultipartUpload',
  'updateBucket',
  'uploadFile',
  'uploadPart',
];

const REFERENCE_SETTINGS = [
  'AccumulatePages',
  'APIURL',
  'APIVersion',
  'ClientModifiedTime',
  'DownloadAuthToken',
  'DownloadTempFile',
  'DownloadURL',
  'EncryptionIV',
  'EncryptionKey',
  'EncryptionPasswordKDF',
  'FragmentSize',
  'IfRevision',
  'ListWithMetadata',
  'MaxAppKeyResults',
  'MaxPartResults',
  'MaxResults',
  'ProgressAbsolute',
  'ProgressStep',
  'RawRequest',
  'RawResponse',
  'ResumableUploadState',
  'SendMetadataOnCopy',
  'SimpleUploadLimit',
  'TempPath',
  'XChildCount',
  'XChildName',
  'XChildXText',
  'XElement',
  'XParent',
  'XPath',
  'XSubTree',
  'XText',
];

describe('BackblazeB2 class surface, settings and sendCustomRequest', () => {
  let env: Env;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await env.stop();
  });

  test('exported from the package root with the 33 reference methods and the 32 class settings', () => {
    assert.equal(root.BackblazeB2, BackblazeB2);
    assert.equal(REFERENCE_METHODS.length, 33);
    const b2 = new BackblazeB2();
    for (const m of REFERENCE_METHODS)
      assert.equal(typeof (b2 as unknown as Record<string, unknown>)[m], 'function', m);
    assert.equal(REFERENCE_SETTINGS.length, 32);
    for (const s of REFERENCE_SETTINGS) assert.ok(b2.settings.has(s), s);
    assert.equal(b2.config('AccumulatePages'), 'True');
    assert.equal(b2.config('MaxResults'), '-1');
    assert.equal(b2.config('SimpleUploadLimit'), '200000000');
    assert.throws(() => b2.config('MaxPartResults=1001'));
    assert.throws(() => b2.config('FragmentSize=1000'));
    assert.throws(() => b2.config('SimpleUploadLimit=-2'));
    assert.throws(() => b2.config('ClientModifiedTime=yesterday'));
    assert.throws(() => b2.config('NoSuchSetting=1'), /Unknown config setting/);
    assert.throws(() => (b2.metadataCount = -1));
    b2.metadataCount = 2;
    assert.deepEqual(b2.metadata, [
      { name: '', value: '' },
      { name: '', value: '' },
    ]);
    assert.equal(b2.accountMinPartSize, -1);
    assert.throws(() => new BackblazeB2({ nonsense: 1 } as never), /Unknown option/);
    const withOptions = new BackblazeB2({ prefix: 'p/', maxResults: 5, applicationKeyId: 'id' });
    assert.equal(withOptions.prefix, 'p/');
    assert.equal(withOptions.config('MaxResults'), '5');
    assert.equal(withOptions.applicationKeyId, 'id');
  });

  test('sendCustomRequest: GET with query params, POST with a body, HEAD; XPath over the answer; to localFile', async () => {
    const b2 = env.client();
    const bucket = env.bucket();
    await b2.authorize();
    b2.addQueryParam('accountId', b2.accountId);
    b2.addQueryParam('bucketName', bucket.name);
    const got = await b2.sendCustomRequest('', 'b2_list_buckets', '');
    assert.equal(got.status, 200);
    b2.config('XPath=/json/buckets/[1]/bucketId');
    assert.match(b2.config('XText'), new RegExp(bucket.id));
    assert.ok(b2.parsedHeaderCount > 0);
    b2.queryParamCount = 0;

    const body = JSON.stringify({ accountId: b2.accountId, bucketId: bucket.id });
    const path = join(env.dir, 'custom.json');
    await b2.sendCustomRequest('POST', 'b2_list_buckets', body, { localFile: path });
    assert.match(await readFile(path, 'utf8'), new RegExp(bucket.name));
    b2.config('XPath=/json/buckets/[1]/bucketName');
    assert.match(b2.config('XText'), new RegExp(bucket.name));

    b2.addQueryParam('accountId', b2.accountId);
    const head = await b2.sendCustomRequest('HEAD', 'b2_list_buckets', '', { localFile: '' });
    assert.equal(head.status, 200);
    assert.equal(head.body?.length, 0);
    b2.queryParamCount = 0;
    assert.equal((await rejection(b2.sendCustomRequest('PUT', 'b2_list_buckets', ''))).code, 1000);
    assert.equal((await rejection(b2.sendCustomRequest('GET', '../etc/passwd', ''))).code, 1000);
    const bad = await rejection(
      b2.sendCustomRequest('POST', 'b2_get_file_info', JSON.stringify({ fileId: 'nope' })),
    );
    assert.ok(bad.httpStatus === 400 || bad.httpStatus === 404);
  });

  test('transfer events: header, startTransfer, transfer, endTransfer, progress (absolute on a resume), log', async () => {
    const b2 = env.client();
    const bucket = env.bucket();
    const data = Buffer.alloc(300_000, 7);
    await b2.uploadFile(bucket.id, 'events.bin', { data: new Blob([data]).stream() });
    const seen = new Map<string, number>();
    const count = (name: string) => () => seen.set(name, (seen.get(name) ?? 0) + 1);
    for (const name of ['header', 'startTransfer', 'transfer', 'endTransfer'] as const)
      b2.on(name, count(name));
    const progress: Array<[number, number]> = [];
    b2.on('progress', (e) => {
      if (e.direction === 1) progress.push([e.bytesTransferred, e.totalBytes]);
    });
    const logs: string[] = [];
    b2.on('log', (e) => logs.push(e.logType));
    b2.config('LogLevel=2');
    await b2.downloadFile(bucket.name, 'events.bin', { startByte: 100_000, localFile: '' });
    for (const name of ['header', 'startTransfer', 'transfer', 'endTransfer'])
      assert.ok((seen.get(name) ?? 0) > 0, name);
    assert.deepEqual(
      progress[0],
      [100_000, 300_000],
      'ProgressAbsolute counts the bytes of the first attempt',
    );
    assert.deepEqual(progress.at(-1), [300_000, 300_000]);
    assert.ok(logs.length > 0);
  });

  test('interrupt() stops a transfer with 301; the instance is idle afterwards', async () => {
    const b2 = env.client();
    const bucket = env.bucket();
    await b2.authorize();
    env.server.faults.add({ path: 'b2_upload_file', delayMs: 2000 });
    const p = b2.uploadFile(bucket.id, 'slow.bin', { data: Buffer.alloc(1000) });
    setTimeout(() => b2.interrupt(), 100);
    assert.equal((await rejection(p)).code, 301);
    assert.ok(b2.idle);
  });
});
