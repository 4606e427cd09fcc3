import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackblazeB2 } from '../../../src/providers/b2/index.js';
import { type Env, randomData, rejection, startEnv } from './helpers.js';

const MiB = 1024 * 1024;

describe('BackblazeB2 listings, file versions, copies and the multipart methods', () => {
  let env: Env;
  let b2: BackblazeB2;
  let bucket: { id: string; name: string };
  before(async () => {
    env = await startEnv();
    b2 = env.client();
    bucket = env.bucket();
    for (const name of [
      'photos/alice.jpg',
      'photos/cats/fluffy.jpg',
      'photos/cats/mittens.jpg',
      'photos/dogs/spot.jpg',
      'photos/lilly.jpg',
      'readme.txt',
    ]) {
      await b2.uploadFile(bucket.id, name, { data: Buffer.from(name) });
    }
  });
  after(async () => {
    await env.stop();
  });

  test('listFiles pages with fileMarker and MaxResults, accumulating; delimiter rolls up folders', async () => {
    b2.config('MaxResults=2');
    const events: string[] = [];
    const onFile = (e: { name: string }) => events.push(e.name);
    b2.on('fileList', onFile);
    try {
      const first = await b2.listFiles(bucket.id);
      assert.equal(first.files.length, 2);
      assert.notEqual(b2.fileMarker, '');
      while (b2.fileMarker) await b2.listFiles(bucket.id);
      assert.equal(b2.fileCount, 6);
      assert.equal(events.length, 6);
      // The next call after the last page starts a new listing: the collection is replaced.
      await b2.listFiles(bucket.id);
      assert.equal(b2.fileCount, 2);
      b2.fileMarker = '';
      b2.config('AccumulatePages=false');
      await b2.listFiles(bucket.id);
      await b2.listFiles(bucket.id);
      assert.equal(b2.fileCount, 2, 'without accumulation each page replaces the collection');
    } finally {
      b2.off('fileList', onFile);
      b2.config('MaxResults=-1');
      b2.config('AccumulatePages=true');
      b2.fileMarker = '';
    }
    b2.prefix = 'photos/';
    b2.delimiter = '/';
    try {
      const page = await b2.listFiles(bucket.id);
      assert.deepEqual(
        page.files.map((f) => `${f.kind} ${f.name}`),
        ['upload photos/alice.jpg', 'folder photos/cats/', 'folder photos/dogs/', 'upload photos/lilly.jpg'],
      );
      const folder = page.files[1]!;
      assert.equal(folder.id, '');
      assert.equal(folder.size, 0);
      assert.equal(folder.sha1Hash, '');
      assert.equal(folder.createdTime, 0);
      const iterated: string[] = [];
      for await (const f of b2.iterateFiles(bucket.id)) iterated.push(f.name);
      assert.deepEqual(
        iterated,
        page.files.map((f) => f.name),
      );
    } finally {
      b2.prefix = '';
      b2.delimiter = '';
    }
  });

  test('versions, hide markers, listFileVersions with its two-part marker, getFileInfo, deleteFileVersion', async () => {
    const b = env.bucket();
    const v1 = await b2.uploadFile(b.id, 'doc.txt', { data: Buffer.from('one') });
    const v2 = await b2.uploadFile(b.id, 'doc.txt', { data: Buffer.from('two') });
    await b2.uploadFile(b.id, 'other.txt', { data: Buffer.from('other') });
    const hide = await b2.hideFile(b.id, 'doc.txt');
    assert.deepEqual(
      (await b2.listFiles(b.id)).files.map((f) => f.name),
      ['other.txt'],
      'hidden from listFiles',
    );
    b2.fileMarker = '';
    assert.equal((await rejection(b2.downloadFile(b.name, 'doc.txt'))).code, 604, 'hidden by name');

    b2.config('MaxResults=1');
    try {
      const seen: string[] = [];
      do {
        const page = await b2.listFileVersions(b.id);
        for (const f of page.files) seen.push(`${f.kind}:${f.id}`);
      } while (b2.versionMarker);
      assert.deepEqual(seen, [`hide:${hide}`, `upload:${v2}`, `upload:${v1}`, seen[3]]);
      assert.match(seen[3]!, /^upload:/);
      assert.equal(b2.fileCount, 4);
    } finally {
      b2.config('MaxResults=-1');
    }
    const marker = await b2.getFileInfo(hide);
    assert.equal(marker.kind, 'hide');
    assert.equal(marker.contentType, 'application/x-bz-hide-marker');
    assert.equal(marker.sha1Hash, '');
    assert.equal(b2.fileCount, 1);

    await b2.deleteFileVersion(hide);
    const back = await b2.downloadFile(b.name, 'doc.txt');
    assert.equal(Buffer.from(back.data!).toString(), 'two', 'deleting the marker unhides');
    await b2.deleteFileVersion(v2, { fileName: 'doc.txt' });
    assert.equal(Buffer.from((await b2.downloadFile(b.name, 'doc.txt')).data!).toString(), 'one');
    const versions: string[] = [];
    for await (const f of b2.iterateFileVersions(b.id)) versions.push(f.id);
    assert.ok(!versions.includes(v2) && versions.includes(v1));
  });

  test('deleteFile removes every version oldest first, an unfinished upload too, and leaves the collection alone', async () => {
    const b = env.bucket();
    const ids = [];
    for (const text of ['a', 'b', 'c'])
      ids.push(await b2.uploadFile(b.id, 'many.txt', { data: Buffer.from(text) }));
    await b2.hideFile(b.id, 'many.txt');
    await b2.uploadFile(b.id, 'many.txt.keep', { data: Buffer.from('keep') });
    const pending = await b2.startMultipartUpload(b.id, 'many.txt');
    b2.files = [];
    let events = 0;
    b2.on('fileList', () => events++);
    const before = env.server.requestLog.length;
    const count = await b2.deleteFile(b.id, 'many.txt');
    assert.equal(count >= 4, true);
    const deletes = env.server.requestLog
      .slice(before)
      .filter((e) => e.path.endsWith('b2_delete_file_version') || e.path.endsWith('b2_cancel_large_file'));
    assert.ok(deletes.length >= 4);
    assert.equal(b2.fileCount, 0);
    assert.equal(events, 0);
    const left: string[] = [];
    for await (const f of b2.iterateFileVersions(b.id)) left.push(f.name);
    assert.deepEqual(left, ['many.txt.keep']);
    assert.equal(
      (await rejection(b2.listParts(pending))).httpStatus,
      400,
      'the unfinished upload was cancelled',
    );
    assert.equal((await rejection(b2.deleteFile(b.id, 'many.txt'))).code, 604);
    void ids;
  });

  test('copyFile: whole, a range, and with SendMetadataOnCopy replacing the metadata', async () => {
    const b = env.bucket();
    b2.metadataCount = 0;
    b2.addMetadata('origin', 'source');
    const src = await b2.uploadFile(b.id, 'src.txt', {
      data: Buffer.from('0123456789'),
      contentType: 'text/x-source',
    });
    b2.metadataCount = 0;
    const whole = await b2.copyFile(src, '', 'copy.txt');
    const info = await b2.getFileInfo(whole);
    assert.equal(info.contentType, 'text/x-source');
    assert.deepEqual(b2.metadata, [{ name: 'origin', value: 'source' }]);
    b2.metadataCount = 0;

    b2.range = '2-5';
    let part: string;
    try {
      part = await b2.copyFile(src, b.id, 'range.txt');
    } finally {
      b2.range = '';
    }
    assert.equal(Buffer.from((await b2.downloadFileById(part)).data!).toString(), '2345');
    b2.config('SendMetadataOnCopy=true');
    b2.config('ClientModifiedTime=1600000000000');
    b2.addMetadata('origin', 'replaced');
    try {
      const replaced = await b2.copyFile(src, '', 'replaced.txt');
      const r = await b2.getFileInfo(replaced);
      assert.equal(r.modifiedTime, 1600000000000);
      assert.equal(b2.metadata.find((m) => m.name === 'origin')?.value, 'replaced');
    } finally {
      b2.config('SendMetadataOnCopy=false');
      b2.config('ClientModifiedTime=');
      b2.metadataCount = 0;
    }
  });

  test('multipart methods: start, uploadPart, copyPart, listParts with its marker, listMultipartUploads, complete, abort', async () => {
    const b = env.bucket();
    const source = randomData(6 * MiB);
    const srcId = await b2.uploadFile(b.id, 'part-source.bin', { data: source });
    b2.contentType = 'application/x-parts';
    const id = await b2.startMultipartUpload(b.id, 'assembled.bin');
    b2.contentType = '';
    const p1 = randomData(5 * MiB + 7);
    b2.resourceData = p1;
    const part1 = await b2.uploadPart(id, 1);
    assert.equal(part1.partNumber, 1);
    assert.equal(part1.size, p1.length);
    b2.range = `0-${5 * MiB}`;
    try {
      await b2.copyPart(srcId, id, 2);
    } finally {
      b2.range = '';
    }
    const p3 = Buffer.from('the end');
    await b2.uploadPart(id, 3, { data: p3 });
    b2.resourceData = undefined;
    assert.equal((await rejection(b2.uploadPart(id, 10001, { data: p3 }))).code, 1000);

    const unfinished = await b2.listMultipartUploads(b.id);
    assert.deepEqual(
      unfinished.files.map((f) => `${f.kind}:${f.id}`),
      [`start:${id}`],
    );
    b2.fileMarker = '';

    b2.config('MaxPartResults=2');
    const listed: number[] = [];
    b2.on('partList', (e) => listed.push(e.partNumber));
    try {
      await b2.listParts(id);
      assert.equal(b2.partMarker, '3');
      await b2.listParts(id);
      assert.equal(b2.partMarker, '');
      assert.deepEqual(
        b2.parts.map((p) => p.partNumber),
        [1, 2, 3],
      );
      assert.deepEqual(listed, [1, 2, 3]);
    } finally {
      b2.config('MaxPartResults=-1');
    }
    const parts: number[] = [];
    for await (const p of b2.iterateParts(id)) parts.push(p.size);
    assert.deepEqual(parts, [p1.length, 5 * MiB + 1, p3.length]);

    const listedBefore = listed.length;
    const done = await b2.completeMultipartUpload(id);
    assert.equal(done, id, 'the file keeps the multipart id');
    assert.equal(listed.length, listedBefore, 'no partList events from complete');
    const got = Buffer.from((await b2.downloadFileById(id)).data!);
    assert.ok(got.equals(Buffer.concat([p1, source.subarray(0, 5 * MiB + 1), p3])));
    assert.equal((await b2.getFileInfo(id)).contentType, 'application/x-parts');

    const gap = await b2.startMultipartUpload(b.id, 'gap.bin');
    await b2.uploadPart(gap, 2, { data: p3 });
    assert.match((await rejection(b2.completeMultipartUpload(gap))).message, /no part 1/);
    await b2.abortMultipartUpload(gap);
    b2.fileMarker = '';
    assert.deepEqual((await b2.listMultipartUploads(b.id)).files, []);
  });

  test('ListWithMetadata fires metadataList during listings, never filling the metadata collection', async () => {
    const b = env.bucket();
    b2.metadataCount = 0;
    b2.addMetadata('k', 'v');
    await b2.uploadFile(b.id, 'meta.txt', { data: Buffer.from('m') });
    b2.metadataCount = 0;
    const got: string[] = [];
    b2.on('metadataList', (e) => got.push(`${e.name}=${e.value}`));
    await b2.listFiles(b.id);
    assert.deepEqual(got, []);
    b2.config('ListWithMetadata=true');
    try {
      await b2.listFiles(b.id);
      assert.deepEqual(got, ['k=v']);
      assert.equal(b2.metadataCount, 0);
    } finally {
      b2.config('ListWithMetadata=false');
    }
  });
});
