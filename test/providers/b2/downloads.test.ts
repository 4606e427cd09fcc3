import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { BackblazeB2 } from '../../../src/providers/b2/index.js';
import { startTamperProxy } from '../dropbox/helpers.js';
import { type Env, randomData, rejection, sameFile, startEnv } from './helpers.js';

const MiB = 1024 * 1024;

describe('BackblazeB2 downloads', () => {
  let env: Env;
  let b2: BackblazeB2;
  let bucket: { id: string; name: string };
  let data: Buffer;
  let fileId: string;
  before(async () => {
    env = await startEnv();
    b2 = env.client();
    bucket = env.bucket();
    data = randomData(3 * MiB + 333);
    fileId = await b2.uploadFile(bucket.id, 'dir/data file.bin', { data });
  });
  after(async () => {
    await env.stop();
  });

  test('by name and by id, to bytes, a file and a stream; the file info comes from the headers', async () => {
    const byName = await b2.downloadFile(bucket.name, 'dir/data file.bin');
    assert.ok(Buffer.from(byName.data!).equals(data));
    assert.ok(Buffer.from(b2.fileData as Uint8Array).equals(data));
    assert.equal(byName.file.id, fileId);
    assert.equal(byName.file.name, 'dir/data file.bin');
    assert.equal(byName.file.size, data.length);
    assert.ok(b2.parsedHeaders.some((h) => h.field.toLowerCase() === 'x-bz-file-id'));

    const path = join(env.dir, 'by-id.bin');
    await b2.downloadFileById(fileId, { localFile: path });
    assert.ok((await readFile(path)).equals(data));
    assert.equal((await rejection(b2.downloadFileById(fileId, { localFile: path }))).code, 608);
    await b2.downloadFileById(fileId, { localFile: path, overwrite: true });

    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    await b2.downloadFileById(fileId, { stream: sink });
    assert.ok(Buffer.concat(chunks).equals(data));
    assert.equal((await rejection(b2.downloadFile(bucket.name, 'nothing-here'))).code, 604);
  });

  test('range, and startByte moving the range on', async () => {
    b2.range = '10-19';
    try {
      const part = await b2.downloadFileById(fileId);
      assert.ok(Buffer.from(part.data!).equals(data.subarray(10, 20)));
      const moved = await b2.downloadFileById(fileId, { startByte: 5 });
      assert.ok(Buffer.from(moved.data!).equals(data.subarray(15, 20)));
    } finally {
      b2.range = '';
    }
    const tail = await b2.downloadFile(bucket.name, 'dir/data file.bin', { range: `${data.length - 4}-` });
    assert.ok(Buffer.from(tail.data!).equals(data.subarray(data.length - 4)));
    assert.equal((await rejection(b2.downloadFileById(fileId, { range: 'abc' }))).code, 1000);
  });

  test('an interrupted download leaves the partial file; startByte resumes it, checked by SHA-1', async () => {
    const path = join(env.dir, 'partial.bin');
    b2.config('MaxRetries=0');
    env.server.faults.add({ path: '/file/', resetAfterBytes: MiB + 17 });
    try {
      await rejection(b2.downloadFile(bucket.name, 'dir/data file.bin', { localFile: path }));
    } finally {
      b2.config('MaxRetries=3');
    }
    const have = (await stat(path)).size;
    assert.ok(have > 0 && have < data.length, `partial file of ${have} bytes`);
    const resumed = await b2.downloadFile(bucket.name, 'dir/data file.bin', {
      localFile: path,
      startByte: have,
    });
    assert.equal(resumed.bytesReceived, data.length - have);
    assert.ok((await readFile(path)).equals(data));
    // A broken connection midway is resumed by the class itself.
    const path2 = join(env.dir, 'auto.bin');
    env.server.faults.add({ path: 'b2_download_file_by_id', resetAfterBytes: 2 * MiB });
    await b2.downloadFileById(fileId, { localFile: path2 });
    assert.ok((await readFile(path2)).equals(data));
  });

  test('a download whose bytes do not match the SHA-1 is 612 and leaves no file', async () => {
    const proxy = await startTamperProxy(env.emulator.urls.download);
    const real = b2.config('DownloadURL');
    b2.config(`DownloadURL=${proxy.url}`);
    try {
      proxy.arm({ path: /b2_download_file_by_id/, body: 'response', at: 1000 });
      const path = join(env.dir, 'corrupt.bin');
      const errors: number[] = [];
      b2.once('error', (e) => errors.push(e.errorCode));
      const e = await rejection(b2.downloadFileById(fileId, { localFile: path }));
      assert.equal(e.code, 612);
      assert.equal(proxy.corrupted, 1);
      assert.ok(!existsSync(path));
      assert.deepEqual(errors, [612]);
    } finally {
      b2.config(`DownloadURL=${real}`);
      await proxy.close();
    }
  });

  test('DownloadAuthToken with DownloadURL reads another account’s file by name; an expired one is 701', async () => {
    const other = env.emulator.addAccount();
    const owner = env.client({ applicationKeyId: other.accountId, applicationKey: other.masterKey });
    const privateBucket = `other-private-${process.pid}`;
    const otherBucket = await owner.createBucket(privateBucket, 'allPrivate');
    await owner.uploadFile(otherBucket, 'shared/report.txt', { data: Buffer.from('for you') });
    await owner.uploadFile(otherBucket, 'secret/report.txt', { data: Buffer.from('not for you') });
    const token = await owner.getDownloadAuthToken(otherBucket, 'shared/', 3600);
    assert.equal((await rejection(owner.getDownloadAuthToken(otherBucket, '', 0))).code, 1000);

    await b2.authorize();
    assert.equal(
      (await rejection(b2.downloadFile(privateBucket, 'shared/report.txt'))).code,
      601,
      'not with our own key',
    );
    const saved = b2.config('DownloadURL');
    b2.config(`DownloadAuthToken=${token}`);
    b2.config(`DownloadURL=${owner.config('DownloadURL')}`);
    try {
      const got = await b2.downloadFile(privateBucket, 'shared/report.txt');
      assert.equal(Buffer.from(got.data!).toString(), 'for you');
      assert.equal((await rejection(b2.downloadFile(privateBucket, 'secret/report.txt'))).code, 701);
      env.emulator.expireAllTokens();
      assert.equal((await rejection(b2.downloadFile(privateBucket, 'shared/report.txt'))).code, 701);
    } finally {
      b2.config('DownloadAuthToken=');
      b2.config(`DownloadURL=${saved}`);
    }
  });

  test('a public bucket downloads by name without readFiles', async () => {
    const pub = env.bucket('allPublic');
    await b2.uploadFile(pub.id, 'open.txt', { data: Buffer.from('public') });
    const key = env.emulator.createKey({ capabilities: ['listBuckets'] });
    const reader = env.client({ applicationKeyId: key.applicationKeyId, applicationKey: key.applicationKey });
    assert.equal(Buffer.from((await reader.downloadFile(pub.name, 'open.txt')).data!).toString(), 'public');
    const path = join(env.dir, 'public.txt');
    await writeFile(path, 'old');
    await reader.downloadFile(pub.name, 'open.txt', { localFile: path, overwrite: true });
    assert.equal(await readFile(path, 'utf8'), 'public');
    void sameFile;
  });
});
