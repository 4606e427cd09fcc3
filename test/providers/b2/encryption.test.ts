import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BackblazeB2 } from '../../../src/providers/b2/index.js';
import { wrongPasswordFails } from '../../helpers/rejects.js';
import { type Env, randomData, rejection, startEnv } from './helpers.js';

const MiB = 1024 * 1024;

describe('BackblazeB2 client-side encryption', () => {
  let env: Env;
  let b2: BackblazeB2;
  let bucket: { id: string; name: string };
  before(async () => {
    env = await startEnv();
    b2 = env.client();
    await b2.authorize();
    b2.config('FragmentSize=5242880');
    b2.config('SimpleUploadLimit=6000000');
    bucket = env.bucket();
  });
  after(async () => {
    await env.stop();
  });

  for (const [algorithm, label] of [
    [0, 'AES'],
    [11, 'ChaCha'],
  ] as const) {
    test(`${label}: a simple upload is stored encrypted and decrypts back, to bytes and to a file`, async () => {
      const data = randomData(200_000);
      b2.encryptionAlgorithm = algorithm;
      b2.encryptionPassword = 'correct horse battery staple';
      try {
        const id = await b2.uploadFile(bucket.id, `enc-${label}.bin`, { data });
        const stored = (await b2.getFileInfo(id)).size;
        assert.notEqual(stored, data.length, 'B2 holds the ciphertext');
        const back = await b2.downloadFileById(id);
        assert.ok(Buffer.from(back.data!).equals(data));
        const path = join(env.dir, `enc-${label}.out`);
        await b2.downloadFile(bucket.name, `enc-${label}.bin`, { localFile: path });
        assert.ok((await readFile(path)).equals(data));
        assert.equal(b2.config('DownloadTempFile'), '');
      } finally {
        b2.encryptionPassword = '';
        b2.encryptionAlgorithm = 0;
      }
      // Without the password: the ciphertext.
      const raw = await b2.downloadFile(bucket.name, `enc-${label}.bin`);
      assert.ok(!Buffer.from(raw.data!).subarray(0, 1000).equals(data.subarray(0, 1000)));
      b2.encryptionPassword = 'wrong password';
      try {
        const failed = await wrongPasswordFails(
          b2.downloadFile(bucket.name, `enc-${label}.bin`),
          data,
          (r) => Buffer.from(r.data!),
          [284, 612],
        );
        if (label === 'ChaCha') assert.ok(failed, 'age is authenticated: a wrong password always fails');
      } finally {
        b2.encryptionPassword = '';
      }
    });
  }

  test('an encrypted large upload goes in parts, resumes with the same ciphertext, and decrypts back', async () => {
    const data = randomData(14 * MiB);
    const path = join(env.dir, 'enc-large.bin');
    await writeFile(path, data);
    b2.encryptionPassword = 'large secret';
    b2.config('UploadConcurrency=1');
    const stop = (e: { fragmentNumber: number; interrupt: boolean }) => {
      if (e.fragmentNumber === 1) e.interrupt = true;
    };
    b2.on('fragmentComplete', stop);
    try {
      assert.equal(
        (await rejection(b2.uploadFile(bucket.id, 'enc-large.bin', { localFile: path }))).code,
        606,
      );
      b2.off('fragmentComplete', stop);
      b2.config('UploadConcurrency=4');
      const before = env.server.requestLog.filter((e) => e.path.includes('b2_upload_part')).length;
      const id = await b2.uploadFile(bucket.id, 'enc-large.bin', { localFile: path });
      const sent = env.server.requestLog
        .filter((e) => e.path.includes('b2_upload_part'))
        .slice(before)
        .map((e) => Number(e.headers['x-bz-part-number']))
        .sort();
      assert.deepEqual(sent, [2, 3], 'part 1 matched by SHA-1: same ciphertext');
      const out = join(env.dir, 'enc-large.out');
      await b2.downloadFileById(id, { localFile: out });
      assert.ok((await readFile(out)).equals(data));
    } finally {
      b2.off('fragmentComplete', stop);
      b2.encryptionPassword = '';
      b2.config('UploadConcurrency=4');
    }
  });

  test('an interrupted encrypted download keeps the ciphertext in DownloadTempFile; DownloadTempFile + startByte resume it', async () => {
    const data = randomData(3 * MiB);
    b2.encryptionPassword = 'resume me';
    b2.config(`TempPath=${env.dir}`);
    try {
      const id = await b2.uploadFile(bucket.id, 'enc-resume.bin', { data });
      const out = join(env.dir, 'enc-resume.out');
      b2.config('MaxRetries=0');
      env.server.faults.add({ path: 'b2_download_file_by_id', resetAfterBytes: MiB });
      try {
        await rejection(b2.downloadFileById(id, { localFile: out }));
      } finally {
        b2.config('MaxRetries=3');
      }
      const temp = b2.config('DownloadTempFile');
      assert.notEqual(temp, '');
      assert.ok(!existsSync(out), 'nothing decrypted yet');
      const have = (await stat(temp)).size;
      assert.equal(
        (await rejection(b2.downloadFileById(id, { localFile: out, startByte: have + 1 }))).code,
        609,
      );
      b2.config('DownloadTempFile=');
      assert.equal((await rejection(b2.downloadFileById(id, { localFile: out, startByte: have }))).code, 610);
      b2.config(`DownloadTempFile=${temp}`);
      await b2.downloadFileById(id, { localFile: out, startByte: have });
      assert.ok((await readFile(out)).equals(data));
      assert.ok(!existsSync(temp));
      assert.equal(b2.config('DownloadTempFile'), '');
      assert.equal(
        (await rejection(b2.downloadFileById(id, { startByte: 10 }))).code,
        609,
        'no resume into memory',
      );
      assert.equal((await rejection(b2.downloadFileById(id, { range: '0-10' }))).code, 601);
    } finally {
      b2.encryptionPassword = '';
    }
  });
});
