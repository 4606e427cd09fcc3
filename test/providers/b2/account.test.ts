import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { B2ErrorCode, BackblazeB2 } from '../../../src/providers/b2/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

describe('BackblazeB2 authorize, buckets and application keys', () => {
  let env: Env;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await env.stop();
  });

  test('authorize fills the account properties, APIURL, DownloadURL and the part sizes once per key pair', async () => {
    const b2 = env.client();
    const token = await b2.authorize();
    assert.equal(b2.accountAuthToken, token);
    assert.equal(b2.accountId, env.emulator.accountId);
    assert.match(b2.accountCapabilities, /writeFiles/);
    assert.equal(b2.accountRecPartSize, env.emulator.settings.recommendedPartSize);
    assert.equal(b2.accountMinPartSize, env.emulator.settings.absoluteMinimumPartSize);
    assert.equal(b2.config('APIURL'), env.emulator.urls.api);
    assert.equal(b2.config('DownloadURL'), env.emulator.urls.download);
    assert.equal(b2.config('APIVersion'), 'v2');
    assert.equal(b2.config('FragmentSize'), String(env.emulator.settings.recommendedPartSize));
    assert.equal(b2.config('SimpleUploadLimit'), String(2 * env.emulator.settings.recommendedPartSize));
    // Sticky: a second authorize of the same pair leaves a changed value alone.
    b2.config('FragmentSize=6000000');
    await b2.authorize();
    assert.equal(b2.config('FragmentSize'), '6000000');
    // reset() re-arms it.
    await b2.reset();
    b2.applicationKeyId = env.emulator.accountId;
    b2.applicationKey = env.emulator.masterKey;
    b2.config(`AuthURL=${env.emulator.urls.api}`);
    b2.config('FragmentSize=6000000');
    await b2.authorize();
    assert.equal(b2.config('FragmentSize'), String(env.emulator.settings.recommendedPartSize));
    assert.throws(() => b2.config('APIURL=http://x'), /read-only/);
  });

  test('bad credentials are error 603, and the key never shows in the message', async () => {
    const b2 = env.client({ applicationKey: 'K000NotTheRightSecretAtAll12345' });
    const e = await rejection(b2.authorize());
    assert.equal(e.code, 603);
    assert.doesNotMatch(e.message, /NotTheRightSecret/);
    const empty = new BackblazeB2({ authURL: env.emulator.urls.api });
    assert.equal((await rejection(empty.listBuckets())).code, 603);
    await empty.close();
  });

  test('a method authorizes by itself when there is no token', async () => {
    const b2 = env.client();
    const bucket = env.bucket();
    const buckets = await b2.listBuckets();
    assert.ok(b2.accountAuthToken);
    assert.ok(buckets.some((b) => b.id === bucket.id));
  });

  test('createBucket checks the name first, takes the metadata as bucket info; getBucketInfo, updateBucket with IfRevision, deleteBucket', async () => {
    const b2 = env.client();
    const before = env.server.requestLog.length;
    for (const bad of ['short', 'has_underscore', 'b2-reserved-name', 'x'.repeat(64)]) {
      assert.equal((await rejection(b2.createBucket(bad, 'allPrivate'))).code, 604, bad);
    }
    assert.equal((await rejection(b2.createBucket('good-name-here', 'public'))).code, 1000);
    assert.equal(env.server.requestLog.length, before, 'no request for a refused name');

    b2.addMetadata('color', 'blue');
    b2.addMetadata('shade_2', 'x');
    assert.throws(() => b2.addMetadata('b2-unknown', 'x'), /reserves/);
    assert.throws(() => b2.addMetadata('has space', 'x'));
    const name = `class-bucket-${process.pid}`;
    const id = await b2.createBucket(name, '');
    const events: string[] = [];
    b2.on('bucketList', (e) => events.push(`${e.name}:${e.kind}`));
    b2.on('metadataList', (e) =>
      events.push(`${e.bucketId === id ? 'ok' : 'bad'}:${e.fileId}:${e.name}=${e.value}`),
    );
    b2.metadataCount = 0;
    const info = await b2.getBucketInfo(id);
    assert.equal(info.kind, 'allPrivate');
    assert.deepEqual(b2.metadata.map((m) => `${m.name}=${m.value}`).sort(), ['color=blue', 'shade_2=x']);
    assert.equal(b2.bucketCount, 1);
    assert.ok(events.includes(`${name}:allPrivate`));
    assert.ok(events.includes('ok::color=blue'));

    // Nothing to change: nothing sent.
    const n = env.requests('b2_update_bucket').length;
    assert.equal(await b2.updateBucket(id, '', false), undefined);
    assert.equal(env.requests('b2_update_bucket').length, n);

    b2.config(`IfRevision=${info.revision + 5}`);
    const conflict = await rejection(b2.updateBucket(id, 'allPublic', false));
    assert.equal(conflict.httpStatus, 409);
    b2.config(`IfRevision=${info.revision}`);
    b2.metadataCount = 0;
    b2.addMetadata('only', 'this');
    const updated = await b2.updateBucket(id, 'allPublic', true);
    assert.equal(updated?.kind, 'allPublic');
    assert.ok(updated!.revision > info.revision);
    b2.config('IfRevision=');
    await b2.getBucketInfo(id);
    assert.deepEqual(b2.metadata, [{ name: 'only', value: 'this' }]);
    assert.equal(b2.buckets[0]!.kind, 'allPublic');

    await b2.deleteBucket(id);
    assert.equal((await rejection(b2.getBucketInfo(id))).code, 604);
  });

  test('listBuckets fires bucketList per bucket, metadataList only with ListWithMetadata', async () => {
    const b2 = env.client();
    env.emulator.createBucket(`meta-bucket-${process.pid}`, { bucketInfo: { tag: 'v' } });
    let meta = 0;
    let listed = 0;
    b2.on('metadataList', () => meta++);
    b2.on('bucketList', () => listed++);
    const all = await b2.listBuckets();
    assert.equal(listed, all.length);
    assert.equal(meta, 0);
    b2.config('ListWithMetadata=true');
    await b2.listBuckets();
    assert.ok(meta >= 1);
  });

  test('application keys: create (secret once), list with its marker and page size, iterate, delete', async () => {
    const b2 = env.client();
    const bucket = env.bucket();
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const text = await b2.createAppKey(
        `key-${i}`,
        'listFiles,readFiles',
        bucket.id,
        i === 0 ? 'photos/' : '',
        i === 1 ? 3600 : 0,
      );
      const [id, secret] = text.split('\n');
      assert.ok(id && secret);
      created.push(id!);
    }
    assert.equal(
      (await rejection(b2.createAppKey('bad-key', 'listFiles', '', 'prefix/', 0))).code,
      1000,
      'a prefix needs a bucket',
    );
    b2.config('MaxAppKeyResults=2');
    const seen: string[] = [];
    b2.on('appKeyList', (e) => seen.push(e.keyId));
    const first = await b2.listAppKeys();
    assert.equal(first.keys.length, 2);
    assert.notEqual(b2.appKeyMarker, '');
    while (b2.appKeyMarker) await b2.listAppKeys();
    assert.ok(b2.appKeyCount >= 3, 'pages accumulate');
    for (const id of created) assert.ok(seen.includes(id));
    assert.ok(!seen.includes(env.emulator.accountId), 'the master key is not listed');
    const k0 = b2.appKeys.find((k) => k.id === created[0])!;
    assert.equal(k0.allowedBucketId, bucket.id);
    assert.equal(k0.allowedPrefix, 'photos/');
    assert.equal(k0.expirationTime, -1);
    assert.ok(b2.appKeys.find((k) => k.id === created[1])!.expirationTime > Date.now());
    assert.equal(k0.capabilities, 'listFiles,readFiles');

    const iterated: string[] = [];
    for await (const k of b2.iterateAppKeys()) iterated.push(k.id);
    for (const id of created) assert.ok(iterated.includes(id));

    await b2.deleteAppKey(created[2]!);
    b2.appKeyMarker = '';
    b2.config('MaxAppKeyResults=-1');
    await b2.listAppKeys();
    assert.ok(!b2.appKeys.some((k) => k.id === created[2]));
  });

  test('a restricted key sees its one bucket and is refused what it may not do', async () => {
    const own = env.bucket();
    const other = env.bucket();
    const key = env.emulator.createKey({
      capabilities: ['listBuckets', 'listFiles'],
      bucketIds: [own.id],
      namePrefix: 'docs/',
    });
    const b2 = env.client({ applicationKeyId: key.applicationKeyId, applicationKey: key.applicationKey });
    await b2.authorize();
    assert.equal(b2.accountAllowedBucketId, own.id);
    assert.equal(b2.accountAllowedBucketName, own.name);
    assert.equal(b2.accountAllowedPrefix, 'docs/');
    const buckets = await b2.listBuckets();
    assert.deepEqual(
      buckets.map((b) => b.id),
      [own.id],
    );
    // The key's prefix goes into the prefix property of a listing.
    await b2.listFiles(own.id);
    assert.equal(b2.prefix, 'docs/');
    const refused = await rejection(b2.listFiles(other.id));
    assert.equal(refused.code, 601);
    assert.equal(refused.b2Code, 'unauthorized');
    const noWrite = await rejection(b2.uploadFile(own.id, 'docs/a.txt', { data: Buffer.from('x') }));
    assert.equal(noWrite.code, 601);
    assert.equal((await rejection(b2.createBucket('some-new-bucket-x', ''))).code, 601);
  });

  test('an expired account token is renewed in the middle of a job; one that cannot be renewed is 700', async () => {
    const b2 = env.client();
    const bucket = env.bucket();
    await b2.authorize();
    const firstToken = b2.accountAuthToken;
    await b2.uploadFile(bucket.id, 'one.txt', { data: Buffer.from('one') });
    env.emulator.expireAllTokens();
    await b2.uploadFile(bucket.id, 'two.txt', { data: Buffer.from('two') });
    assert.notEqual(b2.accountAuthToken, firstToken, 'authorized again');
    const page = await b2.listFiles(bucket.id);
    assert.deepEqual(
      page.files.map((f) => f.name),
      ['one.txt', 'two.txt'],
    );

    // The key itself is gone: authorizing again cannot help.
    const key = env.emulator.createKey({ capabilities: ['listBuckets', 'listFiles'] });
    const short = env.client({ applicationKeyId: key.applicationKeyId, applicationKey: key.applicationKey });
    await short.listBuckets();
    await b2.deleteAppKey(key.applicationKeyId);
    env.emulator.expireAllTokens();
    const e = await rejection(short.listFiles(bucket.id));
    assert.equal(e.code, B2ErrorCode.AuthTokenExpired);
  });
});
