/**
 * The encrypting remote judged by rclone itself: rclone, with a crypt remote (filename_encryption = off)
 * over the same local folder, reads what CryptRemote wrote (content, sizes, times) and CryptRemote reads
 * what rclone wrote, whole and from an offset. A wrong password is a clear error, not garbage.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { CryptRemote, rcloneCiphertextSize, rclonePlaintextSize } from '../../src/remote/crypt.js';
import { LocalRemote } from '../../src/remote/local.js';
import { sync } from '../../src/remote/sync.js';
import { run } from '../core/crypto/helpers.js';
import { patternBytes } from '../helpers/pattern-bytes.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

for (const password2 of [undefined, 'the second password']) {
  describe(`CryptRemote and rclone crypt ${password2 ? 'with' : 'without'} password2`, () => {
    let dir: string;
    let store: string;
    let config: string;
    let remote: CryptRemote;
    const password = 'correct horse battery staple';
    const rclone = (args: string[], input?: Uint8Array) =>
      run('rclone', ['--config', config, ...args], input);

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'crypt-rclone-'));
      store = join(dir, 'store');
      config = join(dir, 'rclone.conf');
      const obscure = async (p: string) => (await run('rclone', ['obscure', p])).stdout.toString().trim();
      const lines = [
        '[secret]',
        'type = crypt',
        `remote = ${store}`,
        'filename_encryption = off',
        'directory_name_encryption = false',
        `password = ${await obscure(password)}`,
        ...(password2 ? [`password2 = ${await obscure(password2)}`] : []),
      ];
      await writeFile(config, `${lines.join('\n')}\n`, { mode: 0o600 });
      const local = new LocalRemote(store);
      await local.mkdir('');
      remote = new CryptRemote(local, { password, ...(password2 ? { password2 } : {}) });
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('rclone reads what CryptRemote wrote: content, size and modification time', async () => {
      const data = patternBytes(3 * 65536 + 1234, 21);
      const modTime = new Date('2022-02-03T04:05:06.789Z');
      await remote.write('docs/report.pdf', Readable.from([data]), { size: data.length, modTime });
      await remote.write('docs/empty.txt', Readable.from([]), { size: 0 });
      const stored = await readFile(join(store, 'docs', 'report.pdf.bin'));
      assert.equal(stored.length, rcloneCiphertextSize(data.length));
      assert.equal(stored.includes(data.subarray(0, 64)), false, 'the content is not stored in clear');
      const cat = await rclone(['cat', 'secret:docs/report.pdf']);
      assert.equal(cat.code, 0, cat.stderr);
      assert.ok(cat.stdout.equals(data));
      const ls = await rclone(['lsjson', '-R', '--files-only', 'secret:']);
      assert.equal(ls.code, 0, ls.stderr);
      const listed = (
        JSON.parse(ls.stdout.toString()) as Array<{ Path: string; Size: number; ModTime: string }>
      )
        .map((e) => ({ path: e.Path, size: e.Size, ms: new Date(e.ModTime).getTime() }))
        .sort((a, b) => (a.path < b.path ? -1 : 1));
      assert.deepEqual(
        listed.map((e) => [e.path, e.size]),
        [
          ['docs/empty.txt', 0],
          ['docs/report.pdf', data.length],
        ],
      );
      assert.equal(listed[1]!.ms, modTime.getTime());
    });

    it('CryptRemote reads what rclone wrote, whole and from an offset', async () => {
      const data = patternBytes(5 * 65536 + 77, 22);
      const r = await rclone(['rcat', 'secret:from-rclone/data.bin'], data);
      assert.equal(r.code, 0, r.stderr);
      const entry = await remote.stat('from-rclone/data.bin');
      assert.equal(entry?.size, data.length);
      assert.ok((await readAll(await remote.read('from-rclone/data.bin'))).equals(data));
      for (const [offset, length] of [
        [0, 10],
        [65536, 65536],
        [65535, 2],
        [200_000, 50_000],
        [5 * 65536, 77],
        [5 * 65536 + 76, 1000],
      ] as const) {
        const part = await readAll(await remote.read('from-rclone/data.bin', { offset, length }));
        assert.ok(part.equals(data.subarray(offset, offset + length)), `${offset}+${length}`);
      }
      assert.deepEqual(
        await (async () => {
          const names: string[] = [];
          for await (const e of remote.list('', { recursive: true })) names.push(`${e.kind} ${e.path}`);
          return names.sort();
        })(),
        [
          'file docs/empty.txt',
          'file docs/report.pdf',
          'file from-rclone/data.bin',
          'folder docs',
          'folder from-rclone',
        ],
      );
    });

    it('a sync into the encrypted remote is what rclone sees, and a re-run copies nothing', async () => {
      const plainDir = join(dir, 'plain');
      const plain = new LocalRemote(plainDir);
      for (let i = 0; i < 4; i++) {
        await plain.write(`tree/f${i}.bin`, Readable.from([patternBytes(40_000 * i + 1, 30 + i)]));
      }
      assert.equal((await sync(plain, 'tree', remote, 'synced')).copied, 4);
      const check = await rclone(['check', join(plainDir, 'tree'), 'secret:synced', '--download']);
      assert.equal(check.code, 0, check.stderr);
      assert.equal((await sync(plain, 'tree', remote, 'synced')).copied, 0);
    });

    it('a wrong password is error 284, not garbage', async () => {
      const wrong = new CryptRemote(new LocalRemote(store), { password: 'not the password' });
      await assert.rejects(readAll(await wrong.read('docs/report.pdf')), (e: Error & { code?: number }) => {
        assert.equal(e.code, ErrorCode.DecryptionFailed, e.message);
        return true;
      });
    });
  });
}

describe('rclone crypt sizes', () => {
  it('plaintext and ciphertext sizes are inverse, and impossible sizes are refused', () => {
    for (const size of [0, 1, 65535, 65536, 65537, 3 * 65536, 1_000_000]) {
      assert.equal(rclonePlaintextSize(rcloneCiphertextSize(size)), size);
    }
    assert.equal(rclonePlaintextSize(10), undefined);
    assert.equal(rclonePlaintextSize(32 + 16), undefined, 'a block with a tag and no byte');
  });
});
