import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { classify } from '../../../src/providers/dropbox/addressing.js';
import { Dropbox } from '../../../src/providers/dropbox/index.js';
import { formatDate } from '../../../src/providers/dropbox/mapping.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

/** The reference class's 25 methods, camelCased. */
const METHODS = [
  'addQueryParam',
  'authorize',
  'calcAuthorization',
  'config',
  'copyResource',
  'createFolder',
  'createLink',
  'deleteResource',
  'downloadFile',
  'getAccountInfo',
  'getCurrentChangeMarker',
  'getResourceInfo',
  'interrupt',
  'listChanges',
  'listResources',
  'listRevisions',
  'listSharedLinks',
  'moveResource',
  'reset',
  'restoreResource',
  'revokeLink',
  'search',
  'sendCustomRequest',
  'uploadFile',
  'waitForChanges',
];

/** The Dropbox config settings of the reference, with their defaults as config() reads them. */
const SETTINGS: Record<string, string> = {
  AccountHomeNamespace: '',
  AccountHomePath: '',
  AccountRootNamespace: '',
  AccumulatePages: 'True',
  AllowCopySharedFolders: 'False',
  AllowFolderDownloads: 'False',
  AllowOwnershipTransfers: 'False',
  ClientModifiedTime: '',
  CreateLinkExpiration: '',
  CreateLinkPassword: '',
  CreateLinkVisibility: '0',
  DateFormat: 'yyyy-MM-ddTHH:mm:ssZ',
  DownloadTempFile: '',
  EncryptionIV: '',
  EncryptionKey: '',
  EncryptionPasswordKDF: '0',
  FragmentSize: '10485760',
  IfRevision: '',
  IncludeDeleted: 'False',
  IncludeMounted: 'True',
  ListRevisionsMode: '0',
  MaxResults: '-1',
  MaxRevisionResults: '-1',
  MaxSearchResults: '-1',
  MuteFileUploads: 'False',
  PermanentlyDelete: 'False',
  ProgressAbsolute: 'True',
  ProgressStep: '1',
  RecurseSubfolders: 'False',
  RenameIfExists: 'False',
  TempPath: '',
  ThumbnailFormat: '0',
  ThumbnailMode: '0',
  ThumbnailSize: '1',
};

describe('the class surface', () => {
  test('every reference method exists', () => {
    const d = new Dropbox();
    for (const m of METHODS) assert.equal(typeof (d as unknown as Record<string, unknown>)[m], 'function', m);
  });

  test('every Dropbox config setting, with the reference default; names are case-insensitive', () => {
    const d = new Dropbox();
    for (const [name, value] of Object.entries(SETTINGS)) assert.equal(d.config(name), value, name);
    assert.equal(d.config('fragmentsize'), '10485760');
    d.config('accumulatepages=no');
    assert.equal(d.config('AccumulatePages'), 'False');
    assert.throws(() => d.config('NoSuchSetting=1'), /Unknown config setting/);
  });

  test('bounds: -1 or the documented range; FragmentSize up to 150 MiB', () => {
    const d = new Dropbox();
    d.config('MaxResults=2000');
    assert.throws(() => d.config('MaxResults=2001'), /between 1 and 2000/);
    assert.throws(() => d.config('MaxResults=0'), /between 1 and 2000/);
    d.config('MaxResults=-1');
    assert.throws(() => d.config('MaxSearchResults=1001'));
    assert.throws(() => d.config('ThumbnailSize=9'));
    assert.throws(() => d.config('CreateLinkVisibility=3'));
    assert.throws(() => d.config('ListRevisionsMode=3'));
    d.config(`FragmentSize=${150 * 1024 * 1024}`);
    assert.throws(() => d.config(`FragmentSize=${150 * 1024 * 1024 + 1}`), /between/);
    assert.throws(() => d.config('CreateLinkExpiration=soon'), /ISO 8601/);
    assert.throws(() => d.config('ApiBaseUrl=not a url'), /URL/);
  });

  test('settings and properties as constructor options; unknown options are refused', () => {
    const d = new Dropbox({
      maxResults: 10,
      renameIfExists: true,
      useResumableUpload: true,
      downloadType: 2,
      searchKind: 1,
      startByte: 5,
    });
    assert.equal(d.config('MaxResults'), '10');
    assert.equal(d.config('RenameIfExists'), 'True');
    assert.equal(d.useResumableUpload, true);
    assert.equal(d.downloadType, 2);
    assert.equal(d.searchKind, 1);
    assert.equal(d.startByte, 5);
    assert.throws(() => new Dropbox({ noSuchOption: 1 } as never), /Unknown option/);
    // An option given as undefined keeps the default, as every other option does.
    const u = new Dropbox({ downloadType: undefined, uploadSessionId: undefined, resourceMarker: undefined });
    assert.equal(u.downloadType, 0);
    assert.equal(u.uploadSessionId, '');
    assert.equal(u.resourceMarker, '');
  });

  test('the reference defaults of the properties', () => {
    const d = new Dropbox();
    assert.equal(d.timeout, 60);
    assert.equal(d.overwrite, false);
    assert.equal(d.useResumableUpload, false);
    assert.equal(d.downloadType, 0);
    assert.equal(d.uploadSessionId, '');
    assert.equal(d.resourceCount, 0);
    assert.equal(d.sharedLinkCount, 0);
    assert.equal(d.account.totalSpace, -1);
    assert.equal(d.account.teamUsedSpace, -1);
    assert.equal(d.oAuthServerAuthUrl === '' || d.oAuthServerAuthUrl.startsWith('https://'), true);
    assert.equal(d.idle, true);
  });
});

describe('addressing', () => {
  test('paths, ids, id-relative paths, revisions, namespaces and the root', () => {
    assert.deepEqual(classify(''), { kind: 'root', value: '' });
    assert.deepEqual(classify('/'), { kind: 'root', value: '' });
    assert.deepEqual(classify('/a/b.txt'), { kind: 'path', value: '/a/b.txt' });
    assert.deepEqual(classify('/a/b/'), { kind: 'path', value: '/a/b' });
    assert.deepEqual(classify('a/b.txt'), { kind: 'path', value: '/a/b.txt' });
    assert.deepEqual(classify('id:abc'), { kind: 'id', value: 'id:abc' });
    assert.deepEqual(classify('id:abc/'), { kind: 'id', value: 'id:abc' });
    assert.deepEqual(classify('id:abc/x/y.txt'), { kind: 'idPath', value: 'id:abc/x/y.txt' });
    assert.deepEqual(classify('rev:a1c10ce0dd78'), { kind: 'rev', value: 'rev:a1c10ce0dd78' });
    assert.deepEqual(classify('ns:123/x'), { kind: 'ns', value: 'ns:123/x' });
  });

  test('DateFormat tokens', () => {
    const t = '2024-01-02T03:04:05Z';
    assert.equal(formatDate(t, 'yyyy-MM-ddTHH:mm:ssZ'), t);
    assert.equal(formatDate(t, 'dd/MM/yyyy hh:mm:ss.fff'), '02/01/2024 03:04:05.000');
    assert.equal(formatDate('', 'yyyy'), '');
  });
});

describe('instance state', () => {
  test('idle is false while a call runs; interrupt() stops an upload in progress (resumable later)', async () => {
    const c = env.client({ useResumableUpload: true, fragmentSize: 64 * 1024 });
    let sawBusy = false;
    c.on('fragmentComplete', (e) => {
      sawBusy ||= !c.idle;
      if (e.fragmentNumber === 2) c.interrupt();
    });
    const data = Buffer.alloc(640 * 1024, 7);
    const err = await rejection(c.uploadFile('/state/interrupted.bin', { data }));
    assert.equal(err.code, 301);
    assert.ok(sawBusy);
    assert.equal(c.idle, true);
    assert.ok(c.startByte >= 2 * 64 * 1024);
    await c.uploadFile('/state/interrupted.bin', { data });
    assert.equal((await c.getResourceInfo('/state/interrupted.bin')).size, data.length);
  });

  test('per-call options leave the instance properties alone', async () => {
    const c = env.client();
    c.localFile = '/this/file/does/not/exist';
    await c.uploadFile('/state/per-call.txt', { data: Buffer.from('per call') });
    const result = await c.downloadFile('/state/per-call.txt', { localFile: '' });
    assert.equal(Buffer.from(result.data!).toString(), 'per call');
    assert.equal(c.localFile, '/this/file/does/not/exist');
  });

  test('concurrent uploads and downloads on one instance do not mix', async () => {
    const c = env.client({ useResumableUpload: true, fragmentSize: 10_000 });
    const payloads = [0, 1, 2, 3].map((i) => Buffer.alloc(55_000 + i * 1000, i + 1));
    await Promise.all(payloads.map((p, i) => c.uploadFile(`/state/concurrent-${i}.bin`, { data: p })));
    const back = await Promise.all(payloads.map((_, i) => c.downloadFile(`/state/concurrent-${i}.bin`)));
    for (const [i, b] of back.entries()) assert.deepEqual(Buffer.from(b.data!), payloads[i]);
  });

  test('an upload started while another one is sending does not take its session for a resume', async () => {
    const c = env.client({ useResumableUpload: true, fragmentSize: 10_000 });
    const a = Buffer.alloc(80_000, 7);
    const b = Buffer.alloc(30_000, 9);
    let second: Promise<string> | undefined;
    const onFragment = () => {
      // A is under way: its session shows in uploadSessionId/startByte when B starts.
      second ??= c.uploadFile('/state/staggered-b.bin', { data: b });
    };
    c.on('fragmentComplete', onFragment);
    await c.uploadFile('/state/staggered-a.bin', { data: a });
    await second;
    c.off('fragmentComplete', onFragment);
    assert.deepEqual(Buffer.from((await c.downloadFile('/state/staggered-a.bin')).data!), a);
    assert.deepEqual(Buffer.from((await c.downloadFile('/state/staggered-b.bin')).data!), b);
    assert.equal(c.uploadSessionId, '');
    assert.equal(c.startByte, 0);
  });

  test('a download during an upload does not start at the startByte of the upload', async () => {
    const c = env.client({ useResumableUpload: true, fragmentSize: 10_000 });
    const existing = Buffer.alloc(50_000, 3);
    await c.uploadFile('/state/read-meanwhile.bin', { data: existing });
    let download: Promise<{ data?: Uint8Array }> | undefined;
    const onFragment = () => {
      download ??= c.downloadFile('/state/read-meanwhile.bin');
    };
    c.on('fragmentComplete', onFragment);
    await c.uploadFile('/state/being-written.bin', { data: Buffer.alloc(60_000, 4) });
    c.off('fragmentComplete', onFragment);
    assert.deepEqual(Buffer.from((await download!).data!), existing);
  });

  test('reset() returns the class to its initial state', async () => {
    const c = env.client();
    await c.listResources('');
    c.config('MaxResults=5');
    c.searchKind = 1;
    c.changeMarker = 'x';
    await c.reset();
    assert.equal(c.resourceCount, 0);
    assert.equal(c.changeMarker, '');
    assert.equal(c.searchKind, 0);
    assert.equal(c.config('MaxResults'), '-1');
  });
});
