import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import type { GoogleDriveFragmentCompleteEvent } from '../../../src/providers/googledrive/index.js';
import { startTamperProxy } from '../../helpers/tamper-proxy.js';
import { type Env, read, rejection, sameFile, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

const KiB = 1024;
const MiB = 1024 * KiB;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** The requests to a path since `since` (an index into the emulator's request log). */
function requests(since: number, path: string) {
  return env.server.requestLog.slice(since).filter((e) => e.path === path);
}

describe('simple uploads (multipart and media)', () => {
  test('multipart from resourceData, a local file, a Node stream and a web stream: bytes, name and MD5 come back', async () => {
    const d = env.client();
    const bytes = randomBytes(50_000);
    const since = env.server.requestLog.length;
    d.resourceData = bytes;
    const id = await d.uploadFile('bytes.bin', '');
    assert.ok(id);
    const sent = requests(since, '/upload/drive/v3/files');
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.query, /uploadType=multipart/);
    assert.match(String(sent[0]!.headers['content-type']), /^multipart\/related; boundary=/);
    assert.deepEqual(await read(d, id), bytes);
    const [info] = await d.getResourceInfo(id);
    assert.equal(info!.name, 'bytes.bin');
    assert.equal(info!.md5Checksum, md5(bytes));
    assert.equal(info!.size, bytes.length);

    const local = join(env.dir, 'local.txt');
    await writeFile(local, bytes.subarray(0, 4321));
    d.localFile = local;
    const fromFile = await d.uploadFile('local.txt', '');
    d.localFile = '';
    assert.deepEqual(await read(d, fromFile), bytes.subarray(0, 4321));
    assert.equal((await d.getResourceInfo(fromFile))[0]!.mimeType, 'text/plain');

    const fromStream = await d.uploadFile('stream.bin', '', {
      data: Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]),
    });
    assert.deepEqual(await read(d, fromStream), bytes);
    const fromWeb = await d.uploadFile('web.bin', '', {
      data: new Blob([bytes]).stream(),
      size: bytes.length,
    });
    assert.deepEqual(await read(d, fromWeb), bytes);
  });

  test('resources[0] metadata goes along (description, parents, times); the arguments win over it', async () => {
    const d = env.client();
    const folder = await d.createFolder('meta-target', '');
    d.resourceCount = 0;
    d.resourceCount = 1;
    Object.assign(d.resources[0]!, {
      name: 'ignored.txt',
      description: 'from resources[0]',
      parentIds: folder,
      modifiedTime: '2021-02-03T04:05:06.000Z',
      starred: true,
    });
    const id = await d.uploadFile('meta.txt', 'text/plain', { data: Buffer.from('metadata') });
    const [info] = await d.getResourceInfo(id);
    assert.equal(info!.name, 'meta.txt');
    assert.equal(info!.description, 'from resources[0]');
    assert.equal(info!.parentIds, folder);
    assert.equal(info!.modifiedTime, '2021-02-03T04:05:06.000Z');
    assert.equal(info!.starred, true);
    assert.equal(info!.mimeType, 'text/plain');
  });

  test('an empty name is a media upload (the bytes alone)', async () => {
    const d = env.client();
    d.resourceCount = 0;
    const since = env.server.requestLog.length;
    const id = await d.uploadFile('', '', { data: Buffer.from('media only') });
    assert.match(requests(since, '/upload/drive/v3/files')[0]!.query, /uploadType=media/);
    assert.equal((await read(d, id)).toString(), 'media only');
  });

  test('a Google MIME type converts: the file becomes a Google Doc that exports its text', async () => {
    const d = env.client();
    d.resourceCount = 0;
    const id = await d.uploadFile('notes.txt', 'application/vnd.google-apps.document', {
      data: Buffer.from('Converted text'),
    });
    const [info] = await d.getResourceInfo(id);
    assert.equal(info!.mimeType, 'application/vnd.google-apps.document');
    assert.equal(info!.md5Checksum, '');
    assert.match((await read(d, id, 'text/plain')).toString(), /Converted text/);
  });

  test('bytes corrupted on the way: Drive stores other bytes than sent, error 612', async () => {
    const proxy = await startTamperProxy(env.origin);
    try {
      const d = env.client({ uploadUrl: `${proxy.url}/upload/drive/v3` });
      proxy.arm({ path: /^\/upload\/drive\/v3\/files/, body: 'request', at: 600 });
      const err = await rejection(d.uploadFile('corrupt.bin', '', { data: randomBytes(5000) }));
      assert.equal(proxy.corrupted, 1);
      assert.equal(err.code, 612);
      assert.match(err.message, /not what was sent/);
    } finally {
      await proxy.close();
    }
  });

  test('403 userRateLimitExceeded is sent again after a backoff; another 403 is not', async () => {
    const d = env.client();
    const throttled = {
      error: {
        code: 403,
        message: 'User Rate Limit Exceeded',
        errors: [
          { domain: 'usageLimits', reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' },
        ],
      },
    };
    env.server.faults.add({ path: '/upload/drive/v3/files', status: 403, body: throttled, times: 2 });
    const since = env.server.requestLog.length;
    const id = await d.uploadFile('throttled.txt', '', { data: Buffer.from('after two 403s') });
    assert.deepEqual(
      requests(since, '/upload/drive/v3/files').map((e) => e.status),
      [403, 403, 200],
    );
    assert.equal((await read(d, id)).toString(), 'after two 403s');

    const forbidden = {
      error: {
        code: 403,
        message: 'no',
        errors: [{ domain: 'global', reason: 'insufficientFilePermissions' }],
      },
    };
    env.server.faults.add({ path: '/upload/drive/v3/files', status: 403, body: forbidden });
    const since2 = env.server.requestLog.length;
    const err = await rejection(d.uploadFile('denied.txt', '', { data: Buffer.from('x') }));
    assert.equal(err.code, 601);
    assert.equal(err.providerCode, 'insufficientFilePermissions');
    assert.equal(requests(since2, '/upload/drive/v3/files').length, 1);

    env.server.faults.add({ path: '/upload/drive/v3/files', status: 429, retryAfter: 0 });
    const since3 = env.server.requestLog.length;
    await d.uploadFile('after-429.txt', '', { data: Buffer.from('y') });
    assert.deepEqual(
      requests(since3, '/upload/drive/v3/files').map((e) => e.status),
      [429, 200],
    );
  });
});

describe('resumable uploads', () => {
  test('chunks of FragmentSize (multiples of 256 KiB) with Content-Range, fragmentComplete per chunk', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 256 * KiB });
    const bytes = randomBytes(256 * KiB * 3 + 1000);
    const events: GoogleDriveFragmentCompleteEvent[] = [];
    d.on('fragmentComplete', (e) => events.push({ ...e }));
    const since = env.server.requestLog.length;
    const id = await d.uploadFile('chunks.bin', '', { data: bytes });
    assert.deepEqual(await read(d, id), bytes);
    assert.deepEqual(
      events.map((e) => [e.fragmentNumber, e.fragmentCount, e.startByte]),
      [
        [1, 4, 256 * KiB],
        [2, 4, 512 * KiB],
        [3, 4, 768 * KiB],
      ],
    );
    const puts = env.server.requestLog.slice(since).filter((e) => e.method === 'PUT');
    assert.deepEqual(
      puts.map((e) => e.headers['content-range']),
      [
        `bytes 0-262143/${bytes.length}`,
        `bytes 262144-524287/${bytes.length}`,
        `bytes 524288-786431/${bytes.length}`,
        `bytes 786432-${bytes.length - 1}/${bytes.length}`,
      ],
    );
    assert.deepEqual(
      puts.map((e) => e.status),
      [308, 308, 308, 200],
    );
    assert.equal(d.resumeUrl, '', 'a finished upload leaves no session behind');
    assert.equal(d.startByte, 0);
  });

  test('progress events: from the start to 100%, also when a resumed upload counts what was sent before', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 256 * KiB });
    const bytes = randomBytes(256 * KiB * 2 + 10);
    const seen: Array<{ direction: number; percentDone: number; bytesTransferred: number }> = [];
    d.on('progress', (e) => seen.push({ ...e }));
    await d.uploadFile('progress.bin', '', { data: bytes });
    const up = seen.filter((e) => e.direction === 0);
    assert.ok(up.length >= 2);
    assert.equal(up.at(-1)!.percentDone, 100);
    assert.equal(up.at(-1)!.bytesTransferred, bytes.length);
  });

  test('two resumable uploads at once on one instance do not mix their sessions', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 256 * KiB });
    const a = randomBytes(256 * KiB * 3 + 5);
    const b = randomBytes(256 * KiB * 2 + 9);
    const [ia, ib] = await Promise.all([
      d.uploadFile('both-a.bin', '', { data: a }),
      d.uploadFile('both-b.bin', '', { data: b }),
    ]);
    assert.deepEqual(await read(d, ia), a);
    assert.deepEqual(await read(d, ib), b);
    assert.equal(d.resumeUrl, '');
  });

  test('FragmentSize must be a multiple of 256 KiB', () => {
    const d = env.client();
    assert.throws(() => d.config('FragmentSize=300000'), /multiple of 262144/);
    d.config('FragmentSize=524288');
    assert.equal(d.config('FragmentSize'), '524288');
  });

  test('a stream of unknown size: chunks with /*, then the total', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 256 * KiB });
    const bytes = randomBytes(512 * KiB);
    const since = env.server.requestLog.length;
    const id = await d.uploadFile('unknown.bin', '', { data: Readable.from([bytes]) });
    assert.deepEqual(await read(d, id), bytes);
    const ranges = env.server.requestLog
      .slice(since)
      .filter((e) => e.method === 'PUT')
      .map((e) => e.headers['content-range']);
    assert.deepEqual(ranges.slice(0, 2), ['bytes 0-262143/*', 'bytes 262144-524287/*']);
    assert.equal(ranges.at(-1), `bytes */${bytes.length}`);
  });

  test('interrupted from fragmentComplete (606), resumed by the same instance from resumeUrl + startByte', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 256 * KiB });
    const bytes = randomBytes(256 * KiB * 4);
    const stop = (e: GoogleDriveFragmentCompleteEvent) => {
      if (e.fragmentNumber === 2) e.interrupt = true;
    };
    d.on('fragmentComplete', stop);
    d.resourceData = bytes;
    const err = await rejection(d.uploadFile('interrupted.bin', ''));
    assert.equal(err.code, 606);
    assert.ok(d.resumeUrl);
    assert.equal(d.startByte, 512 * KiB);
    d.off('fragmentComplete', stop);
    const id = await d.uploadFile('interrupted.bin', '');
    assert.deepEqual(await read(d, id), bytes);
  });

  test('a file over 100 MB interrupted midway, resumed by a NEW instance (getUploadStatus), byte for byte', async () => {
    const size = 104 * MiB + 12_345;
    const source = join(env.dir, 'big.bin');
    const out = createWriteStream(source);
    for (let written = 0; written < size; ) {
      const block = randomBytes(Math.min(4 * MiB, size - written));
      written += block.length;
      if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    out.end();
    await finished(out);

    const first = env.client({ useResumableUpload: true, fragmentSize: 8 * MiB, localFile: source });
    first.on('fragmentComplete', (e) => {
      if (e.startByte >= 48 * MiB) e.interrupt = true;
    });
    const err = await rejection(first.uploadFile('big.bin', ''));
    assert.equal(err.code, 606);
    const resumeUrl = first.resumeUrl;
    assert.ok(resumeUrl);
    await first.close();

    // Another process knows only the session URL: it asks Drive how far the upload got.
    const second = env.client({
      useResumableUpload: true,
      fragmentSize: 8 * MiB,
      localFile: source,
      resumeUrl,
    });
    const status = await second.getUploadStatus();
    assert.equal(status.complete, false);
    assert.equal(second.startByte, 48 * MiB);
    const since = env.server.requestLog.length;
    const id = await second.uploadFile('big.bin', '');
    const ranges = env.server.requestLog
      .slice(since)
      .filter((e) => e.method === 'PUT' && e.headers['content-length'] !== '0')
      .map((e) => String(e.headers['content-range']));
    assert.ok(ranges[0]!.startsWith(`bytes ${48 * MiB}-`), `resumed at 48 MiB, not from 0: ${ranges[0]}`);

    const copy = join(env.dir, 'big.copy');
    await second.downloadFile(id, '', { localFile: copy });
    assert.ok(await sameFile(source, copy));
  });

  test('an expired or unknown session is 609 with advice', async () => {
    const d = env.client({ useResumableUpload: true });
    d.resumeUrl = `${env.origin}/upload/drive/v3/files?uploadType=resumable&upload_id=nope`;
    d.startByte = 262_144;
    const err = await rejection(d.uploadFile('gone.bin', '', { data: randomBytes(600_000) }));
    assert.equal(err.code, 609);
    assert.match(err.message, /Clear resumeUrl and startByte/);
  });

  test('a session URL on another host is refused (the token is not sent there)', async () => {
    const d = env.client({ useResumableUpload: true });
    d.resumeUrl = 'http://127.0.0.2:1/upload?upload_id=x';
    const err = await rejection(d.getUploadStatus());
    assert.equal(err.code, 609);
    assert.match(err.message, /not sent there/);
  });

  test('a broken connection in a chunk: the class asks the session and goes on', async () => {
    const d = env.client({ useResumableUpload: true, fragmentSize: 256 * KiB });
    const bytes = randomBytes(256 * KiB * 3);
    env.server.faults.add({ method: 'PUT', path: '/upload/drive/v3/files', resetConnection: true });
    const id = await d.uploadFile('reset.bin', '', { data: bytes });
    assert.deepEqual(await read(d, id), bytes);
  });
});

describe('encrypted uploads', () => {
  test('simple and resumable uploads encrypt; downloads decrypt; Drive holds ciphertext', async () => {
    const d = env.client({ encryptionPassword: 'correct horse', fragmentSize: 256 * KiB });
    const bytes = randomBytes(700_000);
    const simple = await d.uploadFile('enc-simple.bin', '', { data: bytes });
    const stored = await read(env.client(), simple);
    assert.notDeepEqual(stored.subarray(0, 100), bytes.subarray(0, 100));
    assert.deepEqual(await read(d, simple), bytes);

    d.useResumableUpload = true;
    const resumable = await d.uploadFile('enc-resumable.bin', '', { data: bytes });
    assert.deepEqual(await read(d, resumable), bytes);
  });

  test('an explicit EncryptionKey / EncryptionIV (hex) round-trips, and another key does not decrypt', async () => {
    const key = randomBytes(32).toString('hex');
    const iv = randomBytes(16).toString('hex');
    const d = env.client({ encryptionKey: key, encryptionIV: iv });
    const bytes = randomBytes(100_000);
    const id = await d.uploadFile('raw-key.bin', '', { data: bytes });
    assert.deepEqual(await read(d, id), bytes);
    const other = env.client({ encryptionKey: randomBytes(32).toString('hex'), encryptionIV: iv });
    const wrong = await read(other, id).catch((e: { code?: number }) => e);
    assert.ok(!(wrong instanceof Buffer) || !wrong.equals(bytes));
  });

  test('an encrypted resumable upload resumed by a new instance gives the same ciphertext', async () => {
    const bytes = randomBytes(256 * KiB * 4 + 77);
    const local = join(env.dir, 'enc-resume.bin');
    await writeFile(local, bytes);
    const options = {
      encryptionPassword: 'pw',
      useResumableUpload: true,
      fragmentSize: 256 * KiB,
      localFile: local,
    };
    const first = env.client(options);
    first.on('fragmentComplete', (e) => {
      if (e.fragmentNumber === 2) e.interrupt = true;
    });
    assert.equal((await rejection(first.uploadFile('enc-resume.bin', ''))).code, 606);
    const second = env.client({ ...options, resumeUrl: first.resumeUrl });
    await second.getUploadStatus();
    const id = await second.uploadFile('enc-resume.bin', '');
    assert.deepEqual(await read(second, id), bytes);
  });
});
