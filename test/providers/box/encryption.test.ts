/**
 * Client-side encryption through the Box class on every path: simple and resumable uploads (including a
 * resume by a new instance), downloads to bytes, to a file (with DownloadTempFile resume) and to a stream.
 * AES-256 in the openssl layout is checked with `openssl enc -d`; age (ChaCha20-Poly1305) and rclone
 * (XSalsa20-Poly1305) are authenticated: a wrong password is error 284.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ciphertextSize, encryptionSettingsFrom } from '../../../src/core/crypto/index.js';
import { ErrorCode } from '../../../src/core/errors.js';
import type { Box, BoxOptions } from '../../../src/providers/box/index.js';
import { wrongPasswordFails } from '../../helpers/rejects.js';
import { type BoxEnv, rejectsWithCode, sha1, startBoxEnv } from './helpers.js';

const PART = 64 * 1024;

/** How many descriptors this process holds open on `path` once pending closes have run (Linux /proc). */
async function descriptorsOn(path: string): Promise<number> {
  let count = 0;
  for (let round = 0; round < 50; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    count = 0;
    for (const fd of await readdir('/proc/self/fd')) {
      if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) count++;
    }
    if (count === 0) return 0;
  }
  return count;
}

function opensslDecrypt(data: Uint8Array, password: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', ['enc', '-d', '-aes-256-cbc', '-md', 'sha256', '-pass', `pass:${password}`]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c) => out.push(c));
    p.stderr.on('data', (c) => err.push(c));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(Buffer.concat(err).toString())),
    );
    p.stdin.end(data);
  });
}

const FORMATS = [
  { name: 'AES-256, openssl layout', algorithm: 0, authenticated: false },
  { name: 'ChaCha20-Poly1305, age', algorithm: 11, authenticated: true },
  { name: 'XSalsa20-Poly1305, rclone crypt', algorithm: 12, authenticated: true },
] as const;

describe('Box class: encryption', () => {
  let env: BoxEnv;
  before(async () => {
    // Small upload sessions, so that resumable uploads of small files take several parts.
    env = await startBoxEnv({ config: { minChunkedUploadSize: 100_000, partSizeFor: () => PART } });
  });
  after(() => env.close());

  const make = (algorithm: number, extra: BoxOptions = {}) =>
    env.box({
      encryptionAlgorithm: algorithm,
      encryptionPassword: 'correct horse',
      encryptionScryptWorkFactor: 10,
      minResumableUploadSize: 100_000,
      ...extra,
    });

  for (const format of FORMATS) {
    describe(format.name, () => {
      const plain = randomBytes(700_001);

      it('simple upload from bytes, download to bytes and to a stream; Box stores only ciphertext', async () => {
        const box = make(format.algorithm);
        box.config('HashSimpleUploads=true');
        const id = await box.uploadFile(`simple-${format.algorithm}.bin`, '', { data: plain });
        const info = await box.getResourceInfo(id);
        const settings = encryptionSettingsFrom(box.settings, format.algorithm, 'correct horse');
        assert.equal(info.size, ciphertextSize(settings, plain.length));
        // The hash sent (Content-MD5) is the ciphertext's, and Box agrees.
        assert.equal(
          env.server.requestLog.filter((e) => e.path === '/api/2.0/files/content').at(-1)!.headers[
            'content-md5'
          ],
          info.hash,
        );
        const back = await box.downloadFile(id);
        assert.ok(Buffer.from(back.data!).equals(plain));
        const raw = Buffer.from((await env.box().downloadFile(id)).data!);
        assert.equal(sha1(raw), info.hash);
        assert.ok(!raw.includes(plain.subarray(0, 64)), 'no plaintext on the server');
        if (format.algorithm === 0)
          assert.ok((await opensslDecrypt(raw, 'correct horse')).equals(plain), 'openssl enc -d reads it');
        const sink = new PassThrough();
        const chunks: Buffer[] = [];
        sink.on('data', (c) => chunks.push(c));
        await box.downloadFile(id, { stream: sink });
        assert.ok(Buffer.concat(chunks).equals(plain));

        const wrong = make(format.algorithm, { encryptionPassword: 'wrong horse' });
        const failed = await wrongPasswordFails(wrong.downloadFile(id), plain, (b) => Buffer.from(b.data!));
        if (format.authenticated) assert.ok(failed, 'an authenticated format always fails');
        // Resuming an encrypted download into bytes is impossible (609).
        await rejectsWithCode(box.downloadFile(id, { startByte: 10 }), ErrorCode.CannotResume);
      });

      it('resumable upload interrupted, resumed by a new instance, downloaded to a file', async () => {
        const path = join(env.dir, `plain-${format.algorithm}.bin`);
        await writeFile(path, plain);
        const first = make(format.algorithm, { useResumableUpload: true, localFile: path });
        let parts = 0;
        first.on('fragmentComplete', (e) => {
          if (++parts === 3) e.interrupt = true;
        });
        await rejectsWithCode(
          first.uploadFile(`resumable-${format.algorithm}.bin`, ''),
          ErrorCode.UploadAborted,
        );
        assert.ok(first.resumeUrl);
        const second = make(format.algorithm, {
          useResumableUpload: true,
          localFile: path,
          resumeUrl: first.resumeUrl,
        });
        await second.pollUploadStatus();
        assert.ok(second.startByte >= PART);
        const log = env.server.requestLog.length;
        const id = await second.uploadFile(`resumable-${format.algorithm}.bin`, '');
        const sent = env.server.requestLog.slice(log).filter((e) => e.method === 'PUT').length;
        const settings = encryptionSettingsFrom(second.settings, format.algorithm, 'correct horse');
        const total = Math.ceil(ciphertextSize(settings, plain.length) / PART);
        assert.ok(sent < total, `only the missing parts went up again (${sent} of ${total})`);
        const out = join(env.dir, `resumable-${format.algorithm}.out`);
        await second.downloadFile(id, { localFile: out });
        assert.ok((await readFile(out)).equals(plain), 'the resumed encrypted upload decrypts to the file');
        if (format.algorithm === 0) {
          const raw = Buffer.from((await env.box().downloadFile(id)).data!);
          assert.ok((await opensslDecrypt(raw, 'correct horse')).equals(plain));
        }
      });
    });
  }

  it('a stopped encrypted session upload closes the local file it was reading', async () => {
    // Bigger than the read-ahead, so that the file is still being read when the upload stops.
    const path = join(env.dir, 'stopped-upload.bin');
    await writeFile(path, randomBytes(8 * 1024 * 1024));
    const box = make(0, { useResumableUpload: true, localFile: path });
    box.on('fragmentComplete', (e) => {
      e.interrupt = true;
    });
    await rejectsWithCode(box.uploadFile('stopped-upload.bin', ''), ErrorCode.UploadAborted);
    assert.equal(await descriptorsOn(path), 0, 'no descriptor left open on the source file');
    await box.abortUpload();
  });

  it('resumes an interrupted encrypted download through DownloadTempFile (AES and age)', async () => {
    for (const algorithm of [0, 11]) {
      const plain = randomBytes(2 * 1024 * 1024 + 3);
      const box = make(algorithm, { tempPath: env.dir });
      const id = await box.uploadFile(`download-${algorithm}.bin`, '', { data: plain });
      const target = join(env.dir, `download-${algorithm}.out`);
      box.localFile = target;
      const stop = (e: { direction: number; bytesTransferred: number }) => {
        if (e.direction === 1 && e.bytesTransferred > 512 * 1024) box.interrupt();
      };
      box.on('transfer', stop);
      await rejectsWithCode(box.downloadFile(id), ErrorCode.Interrupted);
      box.off('transfer', stop);
      const temp = box.config('DownloadTempFile');
      assert.ok(temp.startsWith(env.dir), `DownloadTempFile is in TempPath: ${temp}`);
      await assert.rejects(stat(target), 'nothing is written to localFile before decryption');
      const partial = (await stat(temp)).size;
      assert.ok(partial > 0);

      // Without DownloadTempFile the resume is 610.
      const other = make(algorithm, { localFile: target, startByte: partial });
      await rejectsWithCode(other.downloadFile(id), ErrorCode.EncryptedResumeNeedsTempFile);

      box.startByte = partial;
      await box.downloadFile(id);
      assert.ok((await readFile(target)).equals(plain), 'byte for byte');
      assert.equal(box.config('DownloadTempFile'), '');
      await assert.rejects(stat(temp), 'the temporary ciphertext is removed');
      assert.equal(
        (await readdir(env.dir)).filter((n) => n.endsWith('.encrypted.part')).length,
        0,
        'no temporary file is left',
      );
      box.startByte = 0;
      // overwrite is off: 608 before any download.
      await rejectsWithCode(box.downloadFile(id), ErrorCode.LocalFileExists);
    }
  });

  it('encrypts with a raw EncryptionKey / EncryptionIV too', async () => {
    const box = env.box({ encryptionKey: 'ab'.repeat(32), encryptionIV: 'cd'.repeat(16) });
    const plain = Buffer.from('raw key and iv');
    const id = await box.uploadFile('raw.bin', '', { data: plain });
    assert.ok(Buffer.from((await box.downloadFile(id)).data!).equals(plain));
    const stored = Buffer.from((await env.box().downloadFile(id)).data!);
    assert.equal(stored.length, 16);
    assert.ok(!stored.equals(plain));
  });

  it('rejects bad encryption settings before any request', async () => {
    const before = env.server.requestLog.length;
    const box: Box = env.box({ encryptionKey: 'abcd' });
    await rejectsWithCode(box.uploadFile('x', '', { data: Buffer.from('x') }), ErrorCode.InvalidArgument);
    assert.equal(env.server.requestLog.length, before);
  });
});
