/**
 * Box's official TypeScript SDK (box-typescript-sdk-gen) against the Box emulator: every call goes through
 * the SDK's own request building, response validation (its deserializers reject shapes that do not match
 * Box's schema) and redirect/retry logic, and every result is checked for the right data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BoxClient } from 'box-typescript-sdk-gen';
import { dateTimeFromString, dateTimeToString } from 'box-typescript-sdk-gen/internal';
import { type BoxHarness, pseudoRandomBytes, startBox } from './helpers.js';

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const stream = (b: Buffer) => Readable.from([b]);

/** The names of search results (the SDK types them as a union of two result shapes). */
function resultNames(results: unknown): string[] {
  return (results as { entries: Array<{ name: string }> }).entries.map((e) => e.name);
}

/**
 * Awaits an SDK call that must fail with a Box API error of this status and code; returns the error's
 * `context_info`. (The SDK's error object loses its response details, so the body is read from the
 * harness's interceptor.)
 */
async function expectBoxError(
  h: BoxHarness,
  call: Promise<unknown>,
  status: number,
  code?: string,
): Promise<Record<string, unknown>> {
  let failed = false;
  try {
    await call;
  } catch (e) {
    failed = true;
    assert.match((e as Error).message, new RegExp(`^${status} `));
  }
  assert.ok(failed, `expected a ${status} error`);
  const last = h.lastResponse();
  assert.equal(last?.status, status);
  const body = last?.data as {
    type: string;
    status: number;
    code: string;
    context_info?: Record<string, unknown>;
  };
  if (body === undefined && code === undefined) return {};
  assert.equal(body.type, 'error');
  assert.equal(body.status, status);
  if (code !== undefined) assert.equal(body.code, code);
  return body.context_info ?? {};
}

async function readAll(s: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe('Box SDK against the emulator', () => {
  let h: BoxHarness;
  let client: BoxClient;

  before(async () => {
    h = await startBox();
    client = h.sdk();
  });
  after(() => h.close());

  async function upload(name: string, content: Buffer, parentId = '0') {
    const files = await client.uploads.uploadFile({
      attributes: { name, parent: { id: parentId } },
      file: stream(content),
    });
    assert.equal(files.totalCount, 1);
    return files.entries![0]!;
  }

  it('authenticates with client credentials (enterprise subject) and reads users/me', async () => {
    const me = await client.users.getUserMe();
    assert.equal(me.type, 'user');
    assert.equal(me.id, h.box.store.owner.id);
    assert.equal(me.login, 'user@example.com');
    assert.equal(typeof me.spaceAmount, 'number');
    const full = await client.users.getUserMe({
      fields: ['role', 'enterprise', 'my_tags', 'max_upload_size', 'space_used', 'status'],
    });
    assert.equal(full.role, 'admin');
    assert.equal(full.enterprise?.id, h.box.store.enterprise.id);
    assert.deepEqual(full.myTags, []);
    assert.equal(full.status, 'active');
    assert.equal(full.maxUploadSize, h.box.store.owner.maxUploadSize);
    // `fields` returns only what was asked for (plus type and id).
    assert.equal(full.login, undefined);
  });

  it('reads the root folder and lists folders with offset and marker paging', async () => {
    const root = await client.folders.getFolderById('0');
    assert.equal(root.id, '0');
    assert.equal(root.name, 'All Files');
    const parent = await client.folders.createFolder({ name: 'paging', parent: { id: '0' } });
    const names = ['b.txt', 'a.txt', 'C.txt'];
    for (const n of names) await upload(n, Buffer.from(n), parent.id);
    await client.folders.createFolder({ name: 'zsub', parent: { id: parent.id } });

    const all = await client.folders.getFolderItems(parent.id);
    assert.equal(all.totalCount, 4);
    // Folders first, then files by name (case-insensitive).
    assert.deepEqual(
      all.entries!.map((e) => e.name),
      ['zsub', 'a.txt', 'b.txt', 'C.txt'],
    );

    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.folders.getFolderItems(parent.id, {
        queryParams: { usemarker: true, limit: 3, ...(marker ? { marker } : {}) },
      });
      seen.push(...page.entries!.map((e) => e.name!));
      marker = page.nextMarker ?? undefined;
    } while (marker);
    assert.deepEqual(seen, ['zsub', 'a.txt', 'b.txt', 'C.txt']);

    const second = await client.folders.getFolderItems(parent.id, { queryParams: { offset: 1, limit: 2 } });
    assert.deepEqual(
      second.entries!.map((e) => e.name),
      ['a.txt', 'b.txt'],
    );
  });

  it('uploads a small file (Content-MD5 = SHA-1) and downloads it byte for byte through the redirect', async () => {
    const content = pseudoRandomBytes(300_000, 7);
    const file = await upload('random.bin', content);
    assert.equal(file.sha1, sha1(content));
    assert.equal(file.size, content.length);
    assert.equal(file.parent?.id, '0');
    const bytes = await readAll(await client.downloads.downloadFile(file.id));
    assert.ok(bytes.equals(content));
    const url = await client.downloads.getDownloadFileUrl(file.id);
    assert.ok(url.startsWith(h.box.urls.download));
    // The signed URL works without a token.
    const direct = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.ok(direct.equals(content));
  });

  it('uploads a 25 MB file with chunkedUploads.uploadBigFile and gets the same bytes back', async () => {
    const size = 25 * 1024 * 1024 + 12_345;
    const content = pseudoRandomBytes(size, 99);
    const file = await client.chunkedUploads.uploadBigFile(stream(content), 'big.bin', size, '0');
    assert.equal(file.name, 'big.bin');
    assert.equal(file.size, size);
    assert.equal(file.sha1, sha1(content));
    const bytes = await readAll(await client.downloads.downloadFile(file.id));
    assert.equal(bytes.length, size);
    assert.equal(sha1(bytes), sha1(content));
    // The session's part blobs are gone once committed.
    for (const s of h.box.uploadSessions.values()) assert.equal(s.parts.size, 0);
  });

  it('copies, moves and renames files and folders', async () => {
    const src = await client.folders.createFolder({ name: 'src', parent: { id: '0' } });
    const dst = await client.folders.createFolder({ name: 'dst', parent: { id: '0' } });
    const content = Buffer.from('copy me');
    const file = await upload('orig.txt', content, src.id);

    const copy = await client.files.copyFile(file.id, { parent: { id: dst.id }, name: 'copy.txt' });
    assert.equal(copy.parent?.id, dst.id);
    assert.equal(copy.name, 'copy.txt');
    assert.notEqual(copy.id, file.id);
    assert.equal(copy.sha1, file.sha1);
    assert.ok((await readAll(await client.downloads.downloadFile(copy.id))).equals(content));

    const folderCopy = await client.folders.copyFolder(src.id, { parent: { id: dst.id }, name: 'src-copy' });
    const inside = await client.folders.getFolderItems(folderCopy.id);
    assert.deepEqual(
      inside.entries!.map((e) => e.name),
      ['orig.txt'],
    );

    const moved = await client.files.updateFileById(file.id, {
      requestBody: { parent: { id: dst.id }, name: 'moved.txt' },
    });
    assert.equal(moved.parent?.id, dst.id);
    assert.equal(moved.name, 'moved.txt');
    assert.deepEqual(
      moved.pathCollection?.entries.map((e) => e.name),
      ['All Files', 'dst'],
    );
    const renamed = await client.folders.updateFolderById(src.id, {
      requestBody: { name: 'source', description: 'the source folder', syncState: 'synced' as never },
    });
    assert.equal(renamed.name, 'source');
    assert.equal(renamed.description, 'the source folder');
    const synced = await client.folders.getFolderById(src.id, { queryParams: { fields: ['sync_state'] } });
    assert.equal(synced.syncState, 'synced');

    // A name clash is Box's 409 item_name_in_use, with the conflicting item.
    const context = await expectBoxError(
      h,
      client.files.copyFile(copy.id, { parent: { id: dst.id } }),
      409,
      'item_name_in_use',
    );
    assert.equal((context.conflicts as Array<{ id: string }>)[0]?.id, copy.id);
  });

  it('trashes, lists, restores and purges files and folders', async () => {
    const file = await upload('trash-me.txt', Buffer.from('bye'));
    await client.files.deleteFileById(file.id);
    const fromTrash = await client.trashedFiles.getTrashedFileById(file.id);
    assert.equal(fromTrash.id, file.id);
    assert.equal(fromTrash.itemStatus, 'trashed');
    const stillReadable = await client.files.getFileById(file.id);
    assert.equal(stillReadable.itemStatus, 'trashed');
    const trash = await client.trashedItems.getTrashedItems();
    assert.ok(trash.entries!.some((e) => e.id === file.id));

    const restored = await client.trashedFiles.restoreFileFromTrash(file.id);
    assert.equal(restored.id, file.id);
    assert.equal((await client.files.getFileById(file.id)).itemStatus, 'active');

    const folder = await client.folders.createFolder({ name: 'trash-folder', parent: { id: '0' } });
    await upload('inner.txt', Buffer.from('x'), folder.id);
    // (The SDK does not read the body of DELETE answers; the code is checked in the HTTP tests.)
    await expectBoxError(h, client.folders.deleteFolderById(folder.id), 400);
    await client.folders.deleteFolderById(folder.id, { queryParams: { recursive: true } });
    await expectBoxError(h, client.folders.getFolderById(folder.id), 404);
    const trashedFolder = await client.trashedFolders.getTrashedFolderById(folder.id);
    assert.equal(trashedFolder.name, 'trash-folder');
    const back = await client.trashedFolders.restoreFolderFromTrash(folder.id);
    assert.equal(back.id, folder.id);
    assert.equal((await client.folders.getFolderItems(folder.id)).totalCount, 1);

    await client.files.deleteFileById(file.id);
    await client.trashedFiles.deleteTrashedFileById(file.id);
    await expectBoxError(h, client.trashedFiles.getTrashedFileById(file.id), 404, 'not_found');
    await expectBoxError(h, client.files.getFileById(file.id), 404, 'not_found');
  });

  it('creates, reads, updates and removes shared links', async () => {
    const file = await upload('shared.txt', Buffer.from('shared content'));
    const added = await client.sharedLinksFiles.addShareLinkToFile(
      file.id,
      { sharedLink: { access: 'open', password: 'Secret123@', permissions: { canDownload: true } } },
      { fields: 'shared_link' },
    );
    assert.equal(added.sharedLink?.access, 'open');
    assert.equal(added.sharedLink?.isPasswordEnabled, true);
    assert.ok(added.sharedLink?.url);
    const read = await client.sharedLinksFiles.getSharedLinkForFile(file.id, { fields: 'shared_link' });
    assert.equal(read.sharedLink?.url, added.sharedLink?.url);
    const updated = await client.sharedLinksFiles.updateSharedLinkOnFile(
      file.id,
      { sharedLink: { access: 'collaborators' } },
      { fields: 'shared_link' },
    );
    assert.equal(updated.sharedLink?.access, 'collaborators');
    assert.equal(updated.sharedLink?.url, added.sharedLink?.url);
    await client.sharedLinksFiles.removeSharedLinkFromFile(
      file.id,
      { sharedLink: null as never },
      { fields: 'shared_link' },
    );
    const after = await client.sharedLinksFiles.getSharedLinkForFile(file.id, { fields: 'shared_link' });
    assert.equal(after.sharedLink, undefined);
  });

  it('reads and writes global properties and enterprise-template metadata', async () => {
    const file = await upload('meta.txt', Buffer.from('m'));
    assert.equal((await client.fileMetadata.getFileMetadata(file.id)).entries!.length, 0);
    const created = await client.fileMetadata.createFileMetadataById(file.id, 'global', 'properties', {
      abc: 'xyz',
    });
    assert.equal(created.template, 'properties');
    assert.equal(created.scope, 'global');
    assert.equal(created.version, 0);
    await client.fileMetadata.updateFileMetadataById(file.id, 'global', 'properties', [
      { op: 'replace', path: '/abc', value: 'bar' },
      { op: 'add', path: '/n', value: '1' },
    ]);
    const props = await client.fileMetadata.getFileMetadataById(file.id, 'global', 'properties');
    assert.equal(props.extraData?.abc, 'bar');
    assert.equal(props.extraData?.n, '1');
    assert.equal(props.version, 1);

    const templateKey = 'customerInfo';
    const template = await client.metadataTemplates.createMetadataTemplate({
      scope: 'enterprise',
      displayName: 'Customer info',
      templateKey,
      fields: [
        { type: 'string', key: 'name', displayName: 'name' },
        { type: 'float', key: 'age', displayName: 'age' },
        { type: 'date', key: 'birthDate', displayName: 'birthDate' },
        { type: 'enum', key: 'country', displayName: 'country', options: [{ key: 'US' }, { key: 'CA' }] },
        {
          type: 'multiSelect',
          key: 'sports',
          displayName: 'sports',
          options: [{ key: 'tennis' }, { key: 'golf' }],
        },
      ],
    });
    assert.equal(template.templateKey, templateKey);
    assert.equal(template.fields!.length, 5);
    const fetched = await client.metadataTemplates.getMetadataTemplate('enterprise', templateKey);
    assert.equal(fetched.id, template.id);

    const instance = await client.fileMetadata.createFileMetadataById(file.id, 'enterprise', templateKey, {
      name: 'John',
      age: 23,
      birthDate: '2001-01-03T02:20:50.520Z',
      country: 'US',
      sports: ['tennis'],
    });
    assert.equal(instance.template, templateKey);
    assert.equal(instance.extraData?.name, 'John');
    assert.equal(instance.scope, `enterprise_${h.box.store.enterprise.id}`);
    // A value of the wrong type is refused (schema_validation_failed), and nothing changes.
    await expectBoxError(
      h,
      client.fileMetadata.createFileMetadataById(file.id, 'enterprise', templateKey, { name: 'Jim' }),
      409,
      'tuple_already_exists',
    );
    const updated = await client.fileMetadata.updateFileMetadataById(file.id, 'enterprise', templateKey, [
      { op: 'test', path: '/name', value: 'John' },
      { op: 'replace', path: '/name', value: 'Jack' },
      { op: 'replace', path: '/sports', value: ['golf', 'tennis'] },
    ]);
    assert.equal(updated.extraData?.name, 'Jack');
    assert.deepEqual(updated.extraData?.sports, ['golf', 'tennis']);
    // An update is atomic: a value outside the enum refuses the whole patch.
    await expectBoxError(
      h,
      client.fileMetadata.updateFileMetadataById(file.id, 'enterprise', templateKey, [
        { op: 'replace', path: '/name', value: 'Jim' },
        { op: 'replace', path: '/country', value: 'FR' },
      ]),
      400,
      'schema_validation_failed',
    );
    assert.equal(
      (await client.fileMetadata.getFileMetadataById(file.id, 'enterprise', templateKey)).extraData?.name,
      'Jack',
    );
    const all = await client.fileMetadata.getFileMetadata(file.id);
    assert.equal(all.entries!.length, 2);
    await client.fileMetadata.deleteFileMetadataById(file.id, 'enterprise', templateKey);
    await expectBoxError(
      h,
      client.fileMetadata.getFileMetadataById(file.id, 'enterprise', templateKey),
      404,
      'instance_not_found',
    );

    const folder = await client.folders.createFolder({ name: 'meta-folder', parent: { id: '0' } });
    await client.folderMetadata.createFolderMetadataById(folder.id, 'global', 'properties', { k: 'v' });
    const fm = await client.folderMetadata.getFolderMetadataById(folder.id, 'global', 'properties');
    assert.equal(fm.extraData?.k, 'v');
    assert.equal(fm.parent, `folder_${folder.id}`);
    await client.metadataTemplates.deleteMetadataTemplate('enterprise', templateKey);
    await expectBoxError(h, client.metadataTemplates.getMetadataTemplate('enterprise', templateKey), 404);
  });

  it('lists, promotes, deletes and restores file versions', async () => {
    const v1 = Buffer.from('version one');
    const v2 = Buffer.from('version two, longer');
    const file = await upload('versions.txt', v1);
    const second = await client.uploads.uploadFileVersion(file.id, {
      attributes: { name: 'versions-renamed.txt' },
      file: stream(v2),
    });
    assert.equal(second.entries![0]!.name, 'versions-renamed.txt');
    assert.equal(second.entries![0]!.sha1, sha1(v2));
    const versions = await client.fileVersions.getFileVersions(file.id);
    assert.equal(versions.totalCount, 1);
    const old = versions.entries![0]!;
    assert.equal(old.sha1, sha1(v1));
    // The old version can still be downloaded.
    assert.ok(
      (
        await readAll(await client.downloads.downloadFile(file.id, { queryParams: { version: old.id } }))
      ).equals(v1),
    );
    await client.fileVersions.promoteFileVersion(file.id, {
      requestBody: { id: old.id, type: 'file_version' },
    });
    const promoted = await client.files.getFileById(file.id);
    assert.equal(promoted.name, 'versions.txt');
    assert.equal(promoted.size, v1.length);
    assert.equal((await client.fileVersions.getFileVersions(file.id)).totalCount, 2);

    await client.fileVersions.deleteFileVersionById(file.id, old.id);
    const trashed = await client.fileVersions.getFileVersionById(file.id, old.id, {
      queryParams: { fields: ['trashed_at', 'trashed_by', 'restored_at'] },
    });
    assert.ok(trashed.trashedAt);
    await client.fileVersions.updateFileVersionById(file.id, old.id, {
      requestBody: { trashedAt: null as never },
    });
    const restored = await client.fileVersions.getFileVersionById(file.id, old.id, {
      queryParams: { fields: ['trashed_at', 'restored_at'] },
    });
    assert.equal(restored.trashedAt, undefined);
    assert.ok(restored.restoredAt);
  });

  it('locks and unlocks a file, and creates an expiring embed link', async () => {
    const file = await upload('lock.txt', Buffer.from('lock'));
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const locked = await client.files.updateFileById(file.id, {
      requestBody: {
        lock: { access: 'lock', expiresAt: dateTimeFromString(expires), isDownloadPrevented: true },
      },
      queryParams: { fields: ['lock'] },
    });
    assert.ok(locked.lock);
    assert.equal(locked.lock?.isDownloadPrevented, true);
    assert.equal(
      Date.parse(dateTimeToString(locked.lock!.expiredAt!)),
      Math.floor(Date.parse(expires) / 1000) * 1000,
    );
    const unlocked = await client.files.updateFileById(file.id, {
      requestBody: { lock: null as never },
      queryParams: { fields: ['lock'] },
    });
    assert.equal(unlocked.lock, undefined);
    const embed = await client.files.getFileById(file.id, {
      queryParams: { fields: ['expiring_embed_link'] },
    });
    assert.ok(embed.expiringEmbedLink?.url?.includes('/preview/expiring_embed/'));
  });

  it('searches by name, content, type, extension and ancestor folder', async () => {
    const folder = await client.folders.createFolder({ name: 'search-root', parent: { id: '0' } });
    await upload('quarterly-report.txt', Buffer.from('numbers and more numbers'), folder.id);
    await upload('notes.md', Buffer.from('the zebra crossing is in the quarterly plan'), folder.id);
    await upload('elsewhere-quarterly.pdf', Buffer.from('%PDF-1.4'), '0');

    const byName = await client.search.searchForContent({
      query: 'quarterly',
      ancestorFolderIds: [folder.id],
    });
    const names = resultNames(byName).sort();
    assert.deepEqual(names, ['notes.md', 'quarterly-report.txt']);
    const byContent = await client.search.searchForContent({
      query: 'zebra',
      contentTypes: ['file_content'],
    });
    assert.deepEqual(resultNames(byContent), ['notes.md']);
    const byExt = await client.search.searchForContent({
      query: 'quarterly',
      fileExtensions: ['pdf'],
      type: 'file',
    });
    assert.deepEqual(resultNames(byExt), ['elsewhere-quarterly.pdf']);
    const folders = await client.search.searchForContent({ query: 'search-root', type: 'folder' });
    assert.equal((folders as { totalCount?: number }).totalCount, 1);
  });

  it('gets thumbnails (real PNG) and follows the placeholder redirect for other types', async () => {
    const image = await upload('photo.png', pseudoRandomBytes(1000, 3));
    const png = await readAll(
      await client.files.getFileThumbnailById(image.id, 'png', { queryParams: { minWidth: 64 } }),
    );
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 64);
    const jpg = await readAll(
      await client.files.getFileThumbnailById(image.id, 'jpg', { queryParams: { minWidth: 160 } }),
    );
    assert.deepEqual([...jpg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const other = await upload('archive.xyz', Buffer.from('no preview'));
    const placeholder = await readAll(await client.files.getFileThumbnailById(other.id, 'png'));
    assert.equal(placeholder.subarray(1, 4).toString('latin1'), 'PNG');
  });

  it('runs the pre-flight check and refuses a name in use', async () => {
    const content = pseudoRandomBytes(4096, 5);
    const files = await client.uploads.uploadWithPreflightCheck({
      attributes: { name: 'preflight.bin', size: content.length, parent: { id: '0' } },
      file: stream(content),
    });
    assert.equal(files.entries![0]!.size, content.length);
    await expectBoxError(
      h,
      client.uploads.uploadWithPreflightCheck({
        attributes: { name: 'preflight.bin', size: content.length, parent: { id: '0' } },
        file: stream(content),
      }),
      409,
      'item_name_in_use',
    );
  });

  it('refreshes its token after a 401 and retries after a 429, as the SDK is built to', async () => {
    const before = h.server.requestLog.length;
    h.server.faults.add({ path: '/2.0/users/me', expiredToken: true });
    h.server.faults.add({ path: '/2.0/folders/0', status: 429, retryAfter: 0 });
    const me = await client.users.getUserMe();
    assert.equal(me.id, h.box.store.owner.id);
    assert.equal((await client.folders.getFolderById('0')).id, '0');
    const log = h.server.requestLog.slice(before);
    assert.ok(
      log.some((e) => e.path === '/oauth2/token' && e.status === 200),
      'the SDK asked for a new token',
    );
    assert.deepEqual(
      log.filter((e) => e.path === '/2.0/folders/0').map((e) => e.status),
      [429, 200],
    );
  });
});
