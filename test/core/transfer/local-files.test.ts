/**
 * Local files the library creates: created exclusively, never through a symbolic link planted at the path
 * (a link pointing outside the folder must not make a download write there), replaced by renaming over the
 * link itself, and decrypted output private to the user (0600) whatever the umask.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { AtomicFile, createExclusive } from '../../../src/core/atomic-file.js';
import { CiphertextTempFile, createEncryptStream } from '../../../src/core/crypto/index.js';
import { ErrorCode, isCloudStorageError } from '../../../src/core/errors.js';
import { deliverBody, openDownloadSink } from '../../../src/core/transfer/index.js';

let root: string;
/** The folder downloads go to. */
let dir: string;
/** Outside `dir`: where a planted link points. */
let outside: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-local-files-'));
  dir = join(root, 'downloads');
  outside = join(root, 'outside');
  await Promise.all([mkdir(dir), mkdir(outside)]);
});
after(() => rm(root, { recursive: true, force: true }));

const hasCode = (code: number) => (e: unknown) => isCloudStorageError(e) && e.code === code;
let n = 0;
/** A link at a fresh path in `dir` pointing to a fresh path outside it (made to exist with `content`). */
async function plantLink(content?: string): Promise<{ link: string; victim: string }> {
  n++;
  const victim = join(outside, `victim-${n}`);
  if (content !== undefined) await writeFile(victim, content);
  const link = join(dir, `file-${n}.bin`);
  await symlink(victim, link);
  return { link, victim };
}

async function download(path: string, overwrite: boolean, data = 'downloaded'): Promise<void> {
  const sink = await openDownloadSink({ kind: 'file', path, overwrite });
  await new Promise<void>((resolve, reject) =>
    sink.writable.end(Buffer.from(data), (e?: Error | null) => (e ? reject(e) : resolve())),
  );
  await sink.commit();
}

async function isLinkTo(path: string, target: string): Promise<boolean> {
  return (await lstat(path)).isSymbolicLink() && (await readlink(path)) === target;
}

describe('download sinks and a symbolic link planted at the target', () => {
  it('overwrite off, a dangling link: 608, nothing is created where it points', async () => {
    const { link, victim } = await plantLink();
    await assert.rejects(download(link, false), hasCode(ErrorCode.LocalFileExists));
    assert.equal(existsSync(victim), false, 'the link was followed');
    assert.ok(await isLinkTo(link, victim));
  });

  it('overwrite off, a link to a file: 608, the file is untouched', async () => {
    const { link, victim } = await plantLink('precious');
    await assert.rejects(download(link, false), hasCode(ErrorCode.LocalFileExists));
    assert.equal(await readFile(victim, 'utf8'), 'precious');
  });

  it('overwrite on: the link itself is replaced by the downloaded file, never what it points to', async () => {
    for (const content of ['precious', undefined]) {
      const { link, victim } = await plantLink(content);
      await download(link, true);
      assert.ok((await lstat(link)).isFile(), 'the target is a plain file now');
      assert.equal(await readFile(link, 'utf8'), 'downloaded');
      if (content === undefined) assert.equal(existsSync(victim), false, 'the dangling link was followed');
      else assert.equal(await readFile(victim, 'utf8'), 'precious');
    }
  });

  it('deliverBody (whole answers such as thumbnails) refuses the link too', async () => {
    const { link, victim } = await plantLink();
    await assert.rejects(
      deliverBody(Readable.from([Buffer.from('thumb')]), { kind: 'file', path: link, overwrite: false }),
      hasCode(ErrorCode.LocalFileExists),
    );
    assert.equal(existsSync(victim), false);
  });

  it('a resumed download does not append through a link', async () => {
    const { link, victim } = await plantLink('precious');
    await assert.rejects(
      openDownloadSink({ kind: 'file', path: link, overwrite: false }, 'precious'.length),
      hasCode(ErrorCode.LocalFileError),
    );
    assert.equal(await readFile(victim, 'utf8'), 'precious');
  });
});

describe('AtomicFile', () => {
  it('without overwrite, a dangling link at the target is an existing file (608)', async () => {
    const { link, victim } = await plantLink();
    await assert.rejects(AtomicFile.open(link, { overwrite: false }), hasCode(ErrorCode.LocalFileExists));
    // Planted while the file is being written: the commit refuses it as well.
    const target = join(dir, 'late.bin');
    const file = await AtomicFile.open(target, { overwrite: false });
    file.stream.write('new');
    await symlink(victim, target);
    await assert.rejects(file.commit(), hasCode(ErrorCode.LocalFileExists));
    assert.equal(existsSync(victim), false);
    assert.ok(await isLinkTo(target, victim));
    assert.equal(existsSync(file.tempPath), false, 'the temporary file is removed');
  });

  it('a temporary file on another file system (TempPath) still replaces the link, not its target', async (t) => {
    const shm = '/dev/shm';
    if (!existsSync(shm) || (await stat(shm)).dev === (await stat(dir)).dev) {
      t.skip('needs /dev/shm on another file system than the temporary folder');
      return;
    }
    const tempDir = await mkdtemp(join(shm, 'cs-local-files-'));
    try {
      const { link, victim } = await plantLink('precious');
      const file = await AtomicFile.open(link, { overwrite: true, tempDir });
      await new Promise<void>((resolve) => file.stream.end('replaced', () => resolve()));
      await file.commit();
      assert.equal(await readFile(victim, 'utf8'), 'precious', 'the copy went through the link');
      assert.ok((await lstat(link)).isFile());
      assert.equal(await readFile(link, 'utf8'), 'replaced');
      // And without overwrite, the copy is exclusive.
      const other = await plantLink();
      const exclusive = await AtomicFile.open(join(dir, 'excl.bin'), { overwrite: false, tempDir });
      await symlink(other.victim, join(dir, 'excl.bin'));
      await new Promise<void>((resolve) => exclusive.stream.end('x', () => resolve()));
      await assert.rejects(exclusive.commit(), hasCode(ErrorCode.LocalFileExists));
      assert.equal(existsSync(other.victim), false);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
  });

  it('temporary files are created exclusively, under random names', async () => {
    const { link, victim } = await plantLink();
    await assert.rejects(createExclusive(link), { code: 'EEXIST' });
    await writeFile(join(dir, 'exists.txt'), 'mine');
    await assert.rejects(createExclusive(join(dir, 'exists.txt')), { code: 'EEXIST' });
    assert.equal(await readFile(join(dir, 'exists.txt'), 'utf8'), 'mine');
    assert.equal(existsSync(victim), false);
    const a = await AtomicFile.open(join(dir, 'same.bin'));
    const b = await AtomicFile.open(join(dir, 'same.bin'));
    assert.notEqual(a.tempPath, b.tempPath);
    assert.ok((await lstat(a.tempPath)).isFile());
    await Promise.all([a.abort(), b.abort()]);
  });
});

describe('decrypted output', () => {
  it('is created with mode 0600, and so is the ciphertext kept on disk, even with umask 0', async () => {
    const previous = process.umask(0);
    try {
      const settings = { algorithm: 11, password: 'pw', scryptWorkFactor: 10 };
      const plain = Buffer.from('secret plaintext '.repeat(1000));
      const chunks: Buffer[] = [];
      const enc = createEncryptStream(settings);
      enc.on('data', (c: Buffer) => chunks.push(c));
      await new Promise<void>((resolve, reject) => {
        enc.once('end', resolve);
        enc.once('error', reject);
        enc.end(plain);
      });
      const localFile = join(dir, 'decrypted.txt');
      const temp = await CiphertextTempFile.open({ localFile });
      assert.equal((await stat(temp.path)).mode & 0o777, 0o600);
      await new Promise<void>((resolve) => temp.writable().end(Buffer.concat(chunks), () => resolve()));
      await temp.decryptTo(settings);
      assert.deepEqual(await readFile(localFile), plain);
      assert.equal((await stat(localFile)).mode & 0o777, 0o600);
      // Replacing an existing file gives the same mode.
      const again = await CiphertextTempFile.open({ localFile });
      await new Promise<void>((resolve) => again.writable().end(Buffer.concat(chunks), () => resolve()));
      await again.decryptTo(settings, { overwrite: true });
      assert.equal((await stat(localFile)).mode & 0o777, 0o600);
    } finally {
      process.umask(previous);
    }
  });
});
