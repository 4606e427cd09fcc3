import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ciphertextSize, encryptionSettingsFrom } from '../../../src/core/crypto/index.js';
import { sessionRandomness } from '../../../src/core/transfer/index.js';
import type { Dropbox, DropboxOptions } from '../../../src/providers/dropbox/index.js';
import { wrongPasswordFails } from '../../helpers/rejects.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

const PASSWORD = 'correct horse battery staple';

/** The encryption formats under test: AES-256 in the openssl layout, age (ChaCha20-Poly1305), rclone (XSalsa20-Poly1305). */
const FORMATS: Array<{ name: string; options: DropboxOptions }> = [
  { name: 'AES-256 (openssl layout)', options: { encryptionAlgorithm: 0 } },
  {
    name: 'ChaCha20 (age, authenticated)',
    options: { encryptionAlgorithm: 11, encryptionScryptWorkFactor: 10 },
  },
  { name: 'XSalsa20 (rclone crypt, authenticated)', options: { encryptionAlgorithm: 12 } },
];

function encrypted(options: DropboxOptions = {}): Dropbox {
  return env.client({ encryptionPassword: PASSWORD, ...options });
}

async function rawBytes(path: string): Promise<Buffer> {
  return Buffer.from((await env.client().downloadFile(path)).data!);
}

for (const format of FORMATS) {
  describe(`encryption: ${format.name}`, () => {
    const slug = String(format.options.encryptionAlgorithm);

    test('simple upload from bytes, download to bytes, to a file and to a stream', async () => {
      const c = encrypted(format.options);
      const data = randomBytes(70_000);
      await c.uploadFile(`/enc/${slug}/simple.bin`, { data });
      const stored = await rawBytes(`/enc/${slug}/simple.bin`);
      assert.notDeepEqual(stored.subarray(0, 64), data.subarray(0, 64));
      const settings = encryptionSettingsFrom(c.settings as never, c.encryptionAlgorithm, PASSWORD);
      assert.equal(stored.length, ciphertextSize(settings, data.length));
      assert.deepEqual(Buffer.from((await c.downloadFile(`/enc/${slug}/simple.bin`)).data!), data);
      const file = join(env.dir, `simple-${slug}.bin`);
      await c.downloadFile(`/enc/${slug}/simple.bin`, { localFile: file });
      assert.deepEqual(await readFile(file), data);
      const chunks: Buffer[] = [];
      await c.downloadFile(`/enc/${slug}/simple.bin`, {
        stream: new Writable({
          write(chunk, _e, done) {
            chunks.push(chunk);
            done();
          },
        }),
      });
      assert.deepEqual(Buffer.concat(chunks), data);
    });

    test('session upload from a file, interrupted and resumed by a new instance; same ciphertext continues', async () => {
      const data = randomBytes(200_000);
      const source = join(env.dir, `session-${slug}.bin`);
      await writeFile(source, data);
      const options = {
        ...format.options,
        useResumableUpload: true,
        fragmentSize: 32 * 1024,
        localFile: source,
      };
      const first = encrypted(options);
      first.on('fragmentComplete', (e) => {
        if (e.fragmentNumber === 3) e.interrupt = true;
      });
      assert.equal((await rejection(first.uploadFile(`/enc/${slug}/session.bin`))).code, 606);
      const second = encrypted({
        ...options,
        uploadSessionId: first.uploadSessionId,
        startByte: first.startByte,
      });
      await second.uploadFile(`/enc/${slug}/session.bin`);
      const file = join(env.dir, `session-${slug}.out`);
      await second.downloadFile(`/enc/${slug}/session.bin`, { localFile: file });
      assert.deepEqual(await readFile(file), data);
    });

    test('an interrupted download to a file keeps its ciphertext in DownloadTempFile and resumes from it', async () => {
      const c = encrypted(format.options);
      const data = randomBytes(400_000);
      await c.uploadFile(`/enc/${slug}/resume.bin`, { data });
      const file = join(env.dir, `resume-${slug}.bin`);
      c.config(`TempPath=${env.dir}`);
      const controller = new AbortController();
      const stop = (e: { direction: number; bytesTransferred: number }) => {
        if (e.direction === 1 && e.bytesTransferred > 150_000) controller.abort();
      };
      c.on('transfer', stop);
      const err = await rejection(
        c.downloadFile(`/enc/${slug}/resume.bin`, { localFile: file, signal: controller.signal }),
      );
      assert.equal(err.code, 301);
      c.off('transfer', stop);
      const temp = c.config('DownloadTempFile');
      assert.ok(temp.startsWith(env.dir), `the ciphertext is kept in TempPath (${temp})`);
      assert.equal(existsSync(file), false, 'nothing decrypted yet');
      const have = (await stat(temp)).size;

      // Without DownloadTempFile a resume is impossible (610).
      const other = encrypted(format.options);
      assert.equal(
        (await rejection(other.downloadFile(`/enc/${slug}/resume.bin`, { localFile: file, startByte: have })))
          .code,
        610,
      );

      c.startByte = have;
      await c.downloadFile(`/enc/${slug}/resume.bin`, { localFile: file });
      assert.deepEqual(await readFile(file), data);
      assert.equal(c.config('DownloadTempFile'), '');
      assert.equal(existsSync(temp), false);
    });

    test('the wrong password fails (284) and writes no file', async () => {
      const c = encrypted(format.options);
      const data = randomBytes(5000);
      await c.uploadFile(`/enc/${slug}/wrong.bin`, { data });
      const wrong = env.client({ ...format.options, encryptionPassword: 'not the password' });
      const file = join(env.dir, `wrong-${slug}.bin`);
      const failed = await wrongPasswordFails(
        wrong.downloadFile(`/enc/${slug}/wrong.bin`, { localFile: file }),
        data,
        () => readFile(file),
      );
      // AES-CBC passes a wrong key about once in 256 (no authentication); the other formats never do.
      if (format.options.encryptionAlgorithm !== 0) assert.ok(failed, 'an authenticated format always fails');
      if (failed) assert.equal(existsSync(file), false);
    });
  });
}

describe('encryption: interoperability', () => {
  test('what the class stores with AES-256 is what `openssl enc -d` decrypts, and the other way round', async () => {
    const c = encrypted({ encryptionAlgorithm: 0 });
    const data = randomBytes(33_333);
    await c.uploadFile('/enc/interop.bin', { data });
    const stored = join(env.dir, 'interop.enc');
    await writeFile(stored, await rawBytes('/enc/interop.bin'));
    const plain = execFileSync(
      'openssl',
      ['enc', '-d', '-aes-256-cbc', '-md', 'sha256', '-pass', `pass:${PASSWORD}`, '-in', stored],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    assert.deepEqual(plain, data);

    const mine = join(env.dir, 'by-openssl.enc');
    const input = join(env.dir, 'by-openssl.txt');
    await writeFile(input, data);
    execFileSync(
      'openssl',
      ['enc', '-aes-256-cbc', '-md', 'sha256', '-pass', `pass:${PASSWORD}`, '-in', input, '-out', mine],
      {
        stdio: 'ignore',
      },
    );
    await env.client().uploadFile('/enc/by-openssl.enc', { localFile: mine });
    assert.deepEqual(Buffer.from((await c.downloadFile('/enc/by-openssl.enc')).data!), data);
  });

  test('the salt a session upload writes in the clear is the same under any password (no password oracle)', async () => {
    const c = encrypted({ encryptionAlgorithm: 0, useResumableUpload: true, fragmentSize: 16 * 1024 });
    let sessionId = '';
    c.on('fragmentComplete', (e) => {
      sessionId = e.uploadSessionId ?? sessionId;
    });
    await c.uploadFile('/enc/session-salt.bin', { data: randomBytes(40_000) });
    const stored = await rawBytes('/enc/session-salt.bin');
    assert.equal(stored.subarray(0, 8).toString('latin1'), 'Salted__');
    assert.notEqual(sessionId, '');
    const label = `cloudstorage dropbox upload session ${sessionId}`;
    for (const password of [PASSWORD, 'another password']) {
      const settings = encryptionSettingsFrom(c.settings as never, 0, password);
      const derived = await sessionRandomness(settings, label);
      assert.deepEqual(Buffer.from(derived!.salt!), stored.subarray(8, 16));
    }
  });

  test('the password never appears in logs or errors', async () => {
    const lines: string[] = [];
    const c = encrypted({ encryptionAlgorithm: 0, logLevel: 3 });
    c.on('log', (e) => lines.push(e.message));
    await c.uploadFile('/enc/logged.bin', { data: Buffer.from('secret data') });
    const err = await rejection(c.downloadFile('/enc/missing.bin'));
    lines.push(err.message, String(err.stack));
    assert.ok(lines.length > 5);
    assert.ok(lines.every((l) => !l.includes(PASSWORD)));
  });
});
