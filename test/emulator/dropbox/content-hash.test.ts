import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ContentHasher, contentHashOf } from '../../../src/emulator/dropbox/index.js';
import { apiResult, content, type Harness, rpc, startHarness } from './helpers.js';

/**
 * The emulator's content_hash against an independent implementation: rclone's Dropbox hasher
 * (`rclone hashsum dropbox`), on the sizes where 4 MiB blocking can go wrong.
 */

const run = promisify(execFile);
const MiB = 1024 * 1024;

describe('Dropbox content_hash', () => {
  let h: Harness;
  let dir: string;
  const files: Record<string, Buffer> = {
    'empty.bin': Buffer.alloc(0),
    'one.bin': Buffer.from([0x41]),
    'block.bin': randomBytes(4 * MiB),
    'block-plus-one.bin': randomBytes(4 * MiB + 1),
    'twenty.bin': randomBytes(20 * 1000 * 1000 + 12345),
  };
  let rclone: Record<string, string>;

  before(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'dbx-hash-'));
    for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
    const { stdout } = await run('rclone', ['hashsum', '--config', '/dev/null', 'dropbox', dir]);
    rclone = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [hash, name] = line.split(/\s+/);
          return [name!, hash!];
        }),
    );
    assert.equal(Object.keys(rclone).length, Object.keys(files).length);
  });
  after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of Object.keys(files)) {
    it(`matches rclone for ${name}`, async () => {
      const data = files[name]!;
      const up = await content(h, 'files/upload', { path: `/hash/${name}` }, { body: data });
      assert.equal(up.status, 200);
      assert.equal(up.json().size, data.length);
      assert.equal(up.json().content_hash, rclone[name]);
      const meta = (await rpc(h, 'files/get_metadata', { path: `/hash/${name}` })).json();
      assert.equal(meta.content_hash, rclone[name]);
      const down = await content(h, 'files/download', { path: `/hash/${name}` });
      assert.equal(apiResult(down).content_hash, rclone[name]);
      assert.ok(down.body.equals(data));
    });
  }

  it('gives the same hash for a session upload, whatever the chunking', async () => {
    const data = files['twenty.bin']!;
    const start = await content(h, 'files/upload_session/start', {}, { body: data.subarray(0, 3 * MiB + 7) });
    const id = start.json().session_id;
    let offset = 3 * MiB + 7;
    for (const size of [5 * MiB - 7, 1, 8 * MiB]) {
      const r = await content(
        h,
        'files/upload_session/append_v2',
        { cursor: { session_id: id, offset } },
        { body: data.subarray(offset, offset + size) },
      );
      assert.equal(r.status, 200, r.text);
      offset += size;
    }
    const done = await content(
      h,
      'files/upload_session/finish',
      { cursor: { session_id: id, offset }, commit: { path: '/hash/session.bin' } },
      { body: data.subarray(offset) },
    );
    assert.equal(done.json().content_hash, rclone['twenty.bin']);
  });

  it('agrees with the published worked examples when fed in odd pieces', () => {
    const vectors: Array<[Buffer, string]> = [
      [Buffer.from('hello world'), 'bc62d4b80d9e36da29c16c5d4d9f11731f36052c72401a76c23c0fb5a9b74423'],
      [Buffer.alloc(4194303, 'A'), '647c8627d70f7a7d13ce96b1e7710a771a55d41a62c3da490d92e56044d311fa'],
      [Buffer.alloc(4194304, 'A'), 'd4d63bac5b866c71620185392a8a6218ac1092454a2d16f820363b69852befa3'],
      [Buffer.alloc(4194305, 'A'), '8f553da8d00d0bf509d8470e242888be33019c20c0544811f5b2b89e98360b92'],
      [Buffer.alloc(8388608, 'A'), 'e08b3ba1f538804075c5f939accdeaa9efc7b5c01865c94a41e78ca6550a88e7'],
    ];
    for (const [data, expected] of vectors) {
      assert.equal(contentHashOf(data), expected);
      const hasher = new ContentHasher();
      for (let i = 0; i < data.length; i += 999_983) hasher.update(data.subarray(i, i + 999_983));
      assert.equal(hasher.digest(), expected);
    }
  });
});
