/**
 * Downloads: the local file is replaced only by a complete, correctly decrypted file; interrupted
 * encrypted downloads resume through DownloadTempFile + StartByte; the chunked authenticated formats
 * resume from a plaintext offset without any temporary file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  CiphertextTempFile,
  createDecryptStream,
  createEncryptStream,
  openSeekableDecryption,
  seekableHeadBytes,
  writeFileAtomic,
} from '../../../src/core/crypto/index.js';
import { ErrorCode, isCloudStorageError } from '../../../src/core/errors.js';
import { encrypt, random, through } from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-crypto-download-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hasCode = (code: number) => (e: unknown) => isCloudStorageError(e) && e.code === code;
const FAST = { scryptWorkFactor: 10 };

describe('writeFileAtomic', () => {
  it('replaces the local file only when decryption succeeds', async () => {
    const target = join(dir, 'report.pdf');
    await writeFile(target, 'previous content');
    const s = { algorithm: 11, password: 'right', ...FAST };
    const plain = random(300_000);
    const sealed = await encrypt(s, plain);
    const wrong = { ...s, password: 'wrong' };
    await assert.rejects(
      writeFileAtomic(target, Readable.from([sealed]), [createDecryptStream(wrong)]),
      hasCode(ErrorCode.DecryptionFailed),
    );
    const tampered = Buffer.from(sealed);
    tampered[200_000]! ^= 4;
    await assert.rejects(
      writeFileAtomic(target, Readable.from([tampered]), [createDecryptStream(s)]),
      hasCode(ErrorCode.DecryptionFailed),
    );
    assert.equal(await readFile(target, 'utf8'), 'previous content');
    assert.deepEqual(await readdir(dir), ['report.pdf'], 'no temporary file is left behind');
    await writeFileAtomic(target, Readable.from([sealed]), [createDecryptStream(s)]);
    assert.deepEqual(await readFile(target), plain);
  });

  it('refuses to replace an existing file when overwrite is false', async () => {
    const target = join(dir, 'keep.txt');
    await writeFile(target, 'mine');
    await assert.rejects(
      writeFileAtomic(target, Readable.from([Buffer.from('x')]), [], { overwrite: false }),
      hasCode(ErrorCode.LocalFileExists),
    );
    assert.equal(await readFile(target, 'utf8'), 'mine');
  });
});

describe('CiphertextTempFile (DownloadTempFile + StartByte)', () => {
  it('keeps the partial ciphertext when interrupted and resumes from it', async () => {
    const work = await mkdtemp(join(dir, 'resume-'));
    const temp = await mkdtemp(join(dir, 'temppath-'));
    const localFile = join(work, 'data.bin');
    const s = { algorithm: 9, password: 'twofish pw' };
    const plain = random(500_000);
    const sealed = await encrypt(s, plain);

    // First attempt: 123,457 bytes arrive, then the connection drops.
    const first = await CiphertextTempFile.open({ localFile, tempPath: temp });
    assert.equal(first.offset, 0);
    await new Promise<void>((resolve) => first.writable().end(sealed.subarray(0, 123_457), resolve));
    const downloadTempFile = await first.keep();
    assert.ok(downloadTempFile.startsWith(temp));
    const startByte = (await stat(downloadTempFile)).size;
    assert.equal(startByte, 123_457);
    await assert.rejects(stat(localFile), 'nothing is written to localFile yet');

    // Second attempt: DownloadTempFile and StartByte set, the rest of the ciphertext arrives.
    const second = await CiphertextTempFile.open({ localFile, tempPath: temp, downloadTempFile, startByte });
    assert.equal(second.offset, startByte);
    await new Promise<void>((resolve) => second.writable().end(sealed.subarray(startByte), resolve));
    await second.decryptTo(s);
    assert.deepEqual(await readFile(localFile), plain);
    assert.deepEqual(await readdir(temp), [], 'the ciphertext file is removed after decryption');
  });

  it('needs DownloadTempFile to resume, and a StartByte equal to its size', async () => {
    const localFile = join(dir, 'x.bin');
    await assert.rejects(
      CiphertextTempFile.open({ localFile, startByte: 10 }),
      hasCode(ErrorCode.EncryptedResumeNeedsTempFile),
    );
    const partial = join(dir, 'partial.part');
    await writeFile(partial, random(100));
    await assert.rejects(
      CiphertextTempFile.open({ localFile, downloadTempFile: partial, startByte: 99 }),
      (e: unknown) => hasCode(ErrorCode.CannotResume)(e) && /set StartByte to 100/.test((e as Error).message),
    );
    await assert.rejects(
      CiphertextTempFile.open({ localFile, downloadTempFile: join(dir, 'missing'), startByte: 5 }),
      hasCode(ErrorCode.CannotResume),
    );
  });

  it('leaves localFile alone and keeps the ciphertext when decryption fails', async () => {
    const work = await mkdtemp(join(dir, 'fail-'));
    const localFile = join(work, 'out.bin');
    await writeFile(localFile, 'old');
    const s = { algorithm: 12, password: 'pw' };
    const sealed = await encrypt(s, random(100_000));
    sealed[50_000]! ^= 1;
    const t = await CiphertextTempFile.open({ localFile });
    await new Promise<void>((resolve) => t.writable().end(sealed, resolve));
    await assert.rejects(t.decryptTo(s), hasCode(ErrorCode.DecryptionFailed));
    assert.equal(await readFile(localFile, 'utf8'), 'old');
    assert.equal((await stat(t.path)).size, sealed.length);
    await t.discard();
    assert.deepEqual(await readdir(work), ['out.bin']);
  });
});

describe('resuming the chunked formats without a temporary file', () => {
  for (const settings of [
    { algorithm: 11, password: 'age pw', ...FAST },
    { algorithm: 12, password: 'rclone pw', rclonePassword2: 'salt' },
  ]) {
    it(`algorithm ${settings.algorithm}: decrypts from any plaintext offset`, async () => {
      const plain = random(3 * 65_536 + 777);
      const sealed = await encrypt(settings, plain);
      const head = sealed.subarray(0, seekableHeadBytes(settings));
      const seek = await openSeekableDecryption(settings, head);
      assert.equal(seek.plaintextSize(sealed.length), plain.length);
      for (const offset of [0, 1, 65_535, 65_536, 65_537, 131_072, 150_000, plain.length - 1, plain.length]) {
        const { ciphertextOffset } = seek.rangeFor(offset);
        const rest = sealed.subarray(ciphertextOffset);
        const out = await through(seek.createDecryptStream(offset, { ciphertextSize: rest.length }), rest);
        assert.deepEqual(out, plain.subarray(offset), `offset ${offset}`);
      }
    });

    it(`algorithm ${settings.algorithm}: an interrupted download continues into the partial file`, async () => {
      const plain = random(400_000);
      const sealed = await encrypt(settings, plain);
      const localFile = join(dir, `partial-${settings.algorithm}.bin`);
      // The first attempt stopped after 170,001 plaintext bytes had been written (all authenticated).
      await writeFile(localFile, plain.subarray(0, 170_001));
      const startByte = (await stat(localFile)).size;
      const seek = await openSeekableDecryption(settings, sealed.subarray(0, seekableHeadBytes(settings)));
      const { ciphertextOffset } = seek.rangeFor(startByte);
      // "Range: bytes=<ciphertextOffset>-"
      const rest = await through(seek.createDecryptStream(startByte), sealed.subarray(ciphertextOffset));
      await writeFile(localFile, rest, { flag: 'a' });
      assert.deepEqual(await readFile(localFile), plain);
    });

    it(`algorithm ${settings.algorithm}: checks the password and the data when seeking`, async () => {
      const sealed = await encrypt(settings, random(200_000));
      const head = sealed.subarray(0, seekableHeadBytes(settings));
      const wrong = { ...settings, password: 'not it' };
      const seekWrong = openSeekableDecryption(wrong, head).then((seek) => {
        const { ciphertextOffset } = seek.rangeFor(70_000);
        return through(seek.createDecryptStream(70_000), sealed.subarray(ciphertextOffset));
      });
      await assert.rejects(seekWrong, hasCode(ErrorCode.DecryptionFailed));
      const seek = await openSeekableDecryption(settings, head);
      const { ciphertextOffset } = seek.rangeFor(70_000);
      const bad = Buffer.from(sealed.subarray(ciphertextOffset));
      bad[10]! ^= 1;
      await assert.rejects(
        through(seek.createDecryptStream(70_000), bad),
        hasCode(ErrorCode.DecryptionFailed),
      );
      // A last chunk too short to hold even its tag: no complete file has this size.
      const impossible = seek.payloadOffset + 2 * (65_536 + 16) + 10;
      assert.throws(() => seek.plaintextSize(impossible), hasCode(ErrorCode.DecryptionFailed));
    });
  }

  it('is refused for the openssl layout, which resumes through DownloadTempFile', async () => {
    await assert.rejects(
      openSeekableDecryption({ algorithm: 0, password: 'x' }, Buffer.alloc(16)),
      hasCode(ErrorCode.InvalidArgument),
    );
  });

  it('re-creates the identical ciphertext for an upload resumed with the same randomness', async () => {
    const s = { algorithm: 12, password: 'pw' };
    const data = random(300_000);
    const first = createEncryptStream(s);
    const sealed = await through(first, data);
    const nonce = sealed.subarray(8, 32);
    const again = await through(createEncryptStream(s, { randomness: { nonce } }), data);
    assert.deepEqual(again, sealed);
  });
});
