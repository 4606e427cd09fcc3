/**
 * What only some adapters do, beyond the common contract: B2's buckets as the first path element and its
 * folders that are only names, Drive's Google-native documents, and the local disk leaving nothing behind
 * when a write fails.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { hashBytes } from '../../src/core/transfer/hash.js';
import { B2Remote } from '../../src/remote/b2.js';
import { GoogleDriveRemote } from '../../src/remote/googledrive.js';
import { LocalRemote } from '../../src/remote/local.js';
import { planSync, sync } from '../../src/remote/sync.js';
import type { Entry, Remote } from '../../src/remote/types.js';
import { patternBytes } from '../helpers/pattern-bytes.js';
import { type Env as B2Env, startEnv as startB2Env } from '../providers/b2/helpers.js';
import { type Env as DriveEnv, startEnv as startDriveEnv } from '../providers/googledrive/helpers.js';

async function listed(remote: Remote, path: string, recursive = false): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of remote.list(path, { recursive })) out.push(e);
  return out;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('B2: buckets and name-only folders', () => {
  let env: B2Env;
  let remote: B2Remote;
  before(async () => {
    env = await startB2Env();
    remote = new B2Remote(env.client());
  });
  after(async () => {
    await env.stop();
  });

  it('lists buckets at the root and makes one for mkdir or a first write', async () => {
    const existing = env.bucket();
    await remote.mkdir('made-by-mkdir-bucket');
    await remote.write('made-by-write-bucket/a/b.txt', Readable.from([Buffer.from('b')]), { size: 1 });
    const names = (await listed(remote, '')).map((e) => [e.kind, e.path]);
    for (const name of [existing.name, 'made-by-mkdir-bucket', 'made-by-write-bucket']) {
      assert.ok(
        names.some(([k, p]) => k === 'folder' && p === name),
        name,
      );
    }
    assert.deepEqual(
      (await listed(remote, 'made-by-write-bucket', true)).map((e) => [e.kind, e.path]),
      [
        ['folder', 'made-by-write-bucket/a'],
        ['file', 'made-by-write-bucket/a/b.txt'],
      ],
    );
  });

  it('folders below a bucket are names only: mkdir makes nothing, .bzEmpty markers are not listed', async () => {
    const { name, id } = env.bucket();
    await remote.mkdir(`${name}/empty/folder`);
    assert.equal(await remote.stat(`${name}/empty`), undefined);
    const b2 = env.client();
    await b2.uploadFile(id, 'console/.bzEmpty', { data: new Uint8Array(0) });
    await b2.uploadFile(id, 'console/kept.txt', { data: Buffer.from('kept') });
    assert.deepEqual(
      (await listed(remote, `${name}/console`)).map((e) => e.name),
      ['kept.txt'],
    );
    await assert.rejects(remote.rmdir(`${name}/console`), /not empty/);
    await remote.delete(`${name}/console/kept.txt`);
    await remote.rmdir(`${name}/console`);
    await remote.rmdir(name);
    assert.equal(await remote.stat(name), undefined);
  });

  it('keeps a large file’s SHA-1 as large_file_sha1, and links private files with a download authorization', async () => {
    const b2 = env.client();
    await b2.authorize();
    b2.config('FragmentSize=5242880');
    b2.config('SimpleUploadLimit=5242880');
    const large = new B2Remote(b2);
    const { name } = env.bucket('allPrivate');
    const data = patternBytes(11 * 1024 * 1024, 41);
    const sha1 = hashBytes('sha1', data);
    const entry = await large.write(`${name}/large.bin`, Readable.from([data]), {
      size: data.length,
      hashes: { sha1 },
    });
    assert.equal(entry.hashes.sha1, sha1);
    const withoutHash = await large.write(`${name}/large2.bin`, Readable.from([data]), { size: data.length });
    assert.deepEqual(withoutHash.hashes, {}, 'B2 itself has no SHA-1 for a large file');
    const url = await large.link(`${name}/large.bin`);
    assert.match(url, /\?Authorization=/);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(hashBytes('sha1', Buffer.from(await response.arrayBuffer())), sha1);
    const withoutToken = await fetch(url.slice(0, url.indexOf('?')));
    assert.equal(withoutToken.status, 401);
    const part = await readAll(
      await large.read(`${name}/large.bin`, { offset: 5 * 1024 * 1024 - 3, length: 10 }),
    );
    assert.ok(part.equals(data.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 7)));
  });
});

describe('Google Drive: native documents', () => {
  let env: DriveEnv;
  let remote: GoogleDriveRemote;
  let dir: string;
  before(async () => {
    env = await startDriveEnv();
    remote = new GoogleDriveRemote(env.client());
    dir = await mkdtemp(join(tmpdir(), 'remote-drive-'));
  });
  after(async () => {
    await env.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists a Google Doc with size 0 and its type; a sync skips it unless asked', async () => {
    await remote.write('docs/plain.txt', Readable.from([Buffer.from('plain')]), { size: 5 });
    const folder = await remote.stat('docs');
    const drive = env.client();
    await drive.uploadFile('Notes', 'application/vnd.google-apps.document', {
      data: Buffer.from('<p>notes</p>'),
      metadata: { name: 'Notes', parentIds: folder!.id! },
    });
    const doc = (await listed(remote, 'docs')).find((e) => e.name === 'Notes');
    assert.equal(doc?.size, 0);
    assert.equal(doc?.mimeType, 'application/vnd.google-apps.document');
    const local = new LocalRemote(dir);
    const result = await sync(remote, 'docs', local, 'docs');
    assert.deepEqual(
      result.plan.copies.map((c) => c.path),
      ['plain.txt'],
    );
    const asked = await planSync(remote, 'docs', local, 'docs', { includeNativeDocs: true });
    assert.deepEqual(
      asked.copies.map((c) => c.path),
      ['Notes'],
    );
  });
});

describe('local disk: a failed write leaves nothing', () => {
  it('neither the file nor a temporary file is left when the data fails midway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remote-local-fail-'));
    try {
      const local = new LocalRemote(dir);
      await local.write('keep.txt', Readable.from([Buffer.from('old content')]));
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(64 * 1024, 1));
          this.destroy(new Error('the source broke'));
        },
      });
      await assert.rejects(local.write('keep.txt', failing), /the source broke/);
      await assert.rejects(
        local.write(
          'new/file.txt',
          Readable.from(
            (async function* () {
              yield Buffer.from('x');
              throw new Error('the source broke too');
            })(),
          ),
        ),
        /broke too/,
      );
      assert.equal((await readAll(await local.read('keep.txt'))).toString(), 'old content');
      assert.deepEqual((await readdir(dir)).sort(), ['keep.txt', 'new']);
      assert.deepEqual(await readdir(join(dir, 'new')), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
