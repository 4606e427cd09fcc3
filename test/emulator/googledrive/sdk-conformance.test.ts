import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type drive_v3, drive as driveClient } from '@googleapis/drive';
import { OAuth2Client } from 'google-auth-library';
import { request } from 'undici';
import { EmulatorServer } from '../../../src/emulator/core/index.js';
import { DEFAULT_GOOGLE_CLIENT, GoogleDriveEmulator } from '../../../src/emulator/googledrive/index.js';

/**
 * Google's official Node client (`@googleapis/drive`, with `google-auth-library` for OAuth) against the
 * emulator: `rootUrl` points the API at it, the OAuth2 client's `endpoints` point the token flow at it.
 * Where this client and our reading of the docs disagree, the client wins.
 */

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const FOLDER = 'application/vnd.google-apps.folder';

/** The Drive error reason of a rejected client call (gaxios keeps the body in `response.data`). */
function reason(e: unknown): string | undefined {
  return (e as { response?: { data?: { error?: { errors?: Array<{ reason?: string }> } } } }).response?.data
    ?.error?.errors?.[0]?.reason;
}

async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

describe('@googleapis/drive against the Drive emulator', () => {
  let server: EmulatorServer;
  let emulator: GoogleDriveEmulator;
  let auth: OAuth2Client;
  let drive: drive_v3.Drive;
  let media: { rootUrl: string };
  const redirectUri = 'http://127.0.0.1:53682/callback';

  before(async () => {
    server = new EmulatorServer();
    emulator = new GoogleDriveEmulator({ autoApprove: true });
    emulator.install(server);
    await server.start();
    const urls = emulator.urls;
    auth = new OAuth2Client({
      clientId: DEFAULT_GOOGLE_CLIENT.clientId,
      clientSecret: DEFAULT_GOOGLE_CLIENT.clientSecret!,
      redirectUri,
      endpoints: {
        oauth2AuthBaseUrl: `${urls.accounts}/o/oauth2/v2/auth`,
        oauth2TokenUrl: `${urls.oauth2}/token`,
        oauth2RevokeUrl: `${urls.oauth2}/revoke`,
        tokenInfoUrl: `${urls.oauth2}/tokeninfo`,
      },
    });
    // The authorization code flow with PKCE and access_type=offline, as an installed app runs it.
    const { codeVerifier, codeChallenge } = await auth.generateCodeVerifierAsync();
    const authorizeUrl = auth.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: ['https://www.googleapis.com/auth/drive'],
      code_challenge_method: 'S256' as never,
      code_challenge: codeChallenge!,
      state: 'xyz',
    });
    const consent = await request(authorizeUrl, { method: 'GET' });
    await consent.body.text();
    assert.equal(consent.statusCode, 302);
    const back = new URL(consent.headers.location as string);
    assert.equal(back.searchParams.get('state'), 'xyz');
    const { tokens } = await auth.getToken({ code: back.searchParams.get('code')!, codeVerifier });
    assert.match(tokens.access_token ?? '', /^ya29\./);
    assert.ok(tokens.refresh_token, 'access_type=offline gives a refresh token');
    auth.setCredentials(tokens);
    drive = driveClient({ version: 'v3', auth, rootUrl: `${urls.api}/` });
    // The client builds media upload URLs from the per-call rootUrl only (the global one rewrites the
    // metadata URL), so media calls name it again.
    media = { rootUrl: `${urls.api}/` };
  });
  after(() => server.stop());

  it('refreshes the access token with the refresh token (Google keeps the refresh token)', async () => {
    const before = auth.credentials.access_token;
    const refreshToken = auth.credentials.refresh_token;
    const { credentials } = await auth.refreshAccessToken();
    assert.notEqual(credentials.access_token, before);
    assert.equal(credentials.refresh_token, refreshToken);
    auth.setCredentials(credentials);
    const info = await auth.getTokenInfo(credentials.access_token!);
    assert.equal(info.email, 'user@example.com');
    assert.ok(info.scopes.includes('https://www.googleapis.com/auth/drive'));
  });

  it('about.get with fields', async () => {
    const { data } = await drive.about.get({
      fields: 'user(emailAddress,displayName),storageQuota,maxUploadSize,exportFormats',
    });
    assert.equal(data.user?.emailAddress, 'user@example.com');
    assert.equal(typeof data.storageQuota?.usage, 'string');
    assert.ok(data.exportFormats?.['application/vnd.google-apps.document']?.includes('application/pdf'));
    assert.deepEqual(Object.keys(data).sort(), ['exportFormats', 'maxUploadSize', 'storageQuota', 'user']);
  });

  let folderId: string;
  let fileId: string;
  const content = randomBytes(50_000);

  it('creates a folder, uploads with media only and with metadata (multipart), from a stream', async () => {
    const folder = await drive.files.create({
      requestBody: { name: 'Conformance', mimeType: FOLDER },
      fields: 'id,mimeType',
    });
    folderId = folder.data.id!;
    assert.equal(folder.data.mimeType, FOLDER);
    const simple = await drive.files.create(
      {
        media: { mimeType: 'text/plain', body: 'simple body' },
        fields: 'id,name,size,md5Checksum',
      },
      media,
    );
    assert.equal(simple.data.size, '11');
    assert.equal(simple.data.md5Checksum, md5(Buffer.from('simple body')));
    const multi = await drive.files.create(
      {
        requestBody: { name: 'data.bin', parents: [folderId], appProperties: { app: 'yes' } },
        media: {
          mimeType: 'application/octet-stream',
          body: Readable.from([content.subarray(0, 20_000), content.subarray(20_000)]),
        },
        fields: 'id,name,parents,size,md5Checksum,sha256Checksum,appProperties',
      },
      media,
    );
    fileId = multi.data.id!;
    assert.deepEqual(multi.data.parents, [folderId]);
    assert.equal(multi.data.size, String(content.length));
    assert.equal(multi.data.md5Checksum, md5(content));
    assert.equal(multi.data.sha256Checksum, createHash('sha256').update(content).digest('hex'));
    assert.deepEqual(multi.data.appProperties, { app: 'yes' });
  });

  it('uploads resumably from a stream with the client transport (308 + Range between chunks)', async () => {
    const data = randomBytes(256 * 1024 * 3 + 777);
    const init = await auth.request<unknown>({
      url: `${emulator.urls.api}/upload/drive/v3/files?uploadType=resumable&fields=id,size,md5Checksum`,
      method: 'POST',
      headers: {
        'X-Upload-Content-Type': 'application/octet-stream',
        'Content-Type': 'application/json; charset=UTF-8',
      },
      data: { name: 'resumable.bin', parents: [folderId] },
    });
    const sessionUrl = init.headers.get('location')!;
    assert.ok(sessionUrl);
    const chunk = 256 * 1024;
    let offset = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
      })(),
    );
    let pending = Buffer.alloc(0);
    for await (const piece of source) {
      pending = Buffer.concat([pending, piece as Buffer]);
      while (pending.length >= chunk) {
        const body = pending.subarray(0, chunk);
        const res = await auth.request({
          url: sessionUrl,
          method: 'PUT',
          headers: { 'Content-Range': `bytes ${offset}-${offset + chunk - 1}/*` },
          data: body,
          validateStatus: (s) => s === 308,
        });
        assert.equal(res.headers.get('range'), `bytes=0-${offset + chunk - 1}`);
        offset += chunk;
        pending = pending.subarray(chunk);
      }
    }
    const last = await auth.request<{ id: string; size: string; md5Checksum: string }>({
      url: sessionUrl,
      method: 'PUT',
      headers: { 'Content-Range': `bytes ${offset}-${data.length - 1}/${data.length}` },
      data: pending,
    });
    const final = last.data;
    assert.equal(final.size, String(data.length));
    assert.equal(final.md5Checksum, md5(data));
  });

  it('lists with q and fields, pages with pageToken', async () => {
    for (let i = 0; i < 5; i++)
      await drive.files.create(
        {
          requestBody: { name: `page-${i}.txt`, parents: [folderId] },
          media: { mimeType: 'text/plain', body: `p${i}` },
        },
        media,
      );
    const q = `'${folderId}' in parents and trashed = false and name contains 'page' and mimeType != '${FOLDER}'`;
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await drive.files.list({
        q,
        pageSize: 2,
        pageToken,
        fields: 'nextPageToken,files(id,name,parents)',
        orderBy: 'name desc',
      });
      for (const f of data.files ?? []) {
        assert.deepEqual(f.parents, [folderId]);
        assert.deepEqual(Object.keys(f).sort(), ['id', 'name', 'parents']);
        seen.push(f.name!);
      }
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    assert.deepEqual(seen, ['page-4.txt', 'page-3.txt', 'page-2.txt', 'page-1.txt', 'page-0.txt']);
    const bad = await drive.files
      .list({ q: "name = 'unterminated" })
      .catch((e: unknown) => e as { status?: number; errors?: Array<{ reason: string }> });
    assert.equal((bad as { status?: number }).status, 400);
  });

  it('gets metadata and downloads with alt=media as a stream, and with a Range', async () => {
    const meta = await drive.files.get({ fileId, fields: 'name,size,md5Checksum' });
    assert.equal(meta.data.name, 'data.bin');
    const res = await drive.files.get({ fileId, alt: 'media' }, { responseType: 'stream' });
    const got = await streamToBuffer(res.data as unknown as NodeJS.ReadableStream);
    assert.ok(got.equals(content));
    const part = await drive.files.get(
      { fileId, alt: 'media' },
      { responseType: 'arraybuffer', headers: { Range: 'bytes=100-199' } },
    );
    assert.equal(part.status, 206);
    assert.ok(Buffer.from(part.data as unknown as ArrayBuffer).equals(content.subarray(100, 200)));
  });

  it('exports a Google Doc (text, PDF, docx)', async () => {
    const doc = await drive.files.create(
      {
        requestBody: { name: 'Notes', mimeType: 'application/vnd.google-apps.document', parents: [folderId] },
        media: { mimeType: 'text/plain', body: 'Hello from Docs\nSecond line' },
        fields: 'id,mimeType,exportLinks',
      },
      media,
    );
    assert.equal(doc.data.mimeType, 'application/vnd.google-apps.document');
    assert.ok(doc.data.exportLinks?.['application/pdf']);
    const txt = await drive.files.export(
      { fileId: doc.data.id!, mimeType: 'text/plain' },
      { responseType: 'text' },
    );
    assert.equal(String(txt.data).replace(/^\ufeff/, ''), 'Hello from Docs\nSecond line');
    const pdf = await drive.files.export(
      { fileId: doc.data.id!, mimeType: 'application/pdf' },
      { responseType: 'arraybuffer' },
    );
    const pdfBytes = Buffer.from(pdf.data as unknown as ArrayBuffer);
    assert.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-');
    const docx = await drive.files.export(
      {
        fileId: doc.data.id!,
        mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      },
      { responseType: 'arraybuffer' },
    );
    const zip = Buffer.from(docx.data as unknown as ArrayBuffer);
    assert.equal(zip.readUInt32LE(0), 0x04034b50, 'docx is a ZIP package');
    assert.ok(zip.includes(Buffer.from('word/document.xml')));
    const asMedia = await drive.files
      .get({ fileId: doc.data.id!, alt: 'media' })
      .catch((e: { status?: number; errors?: Array<{ reason: string }> }) => e);
    assert.equal((asMedia as { status?: number }).status, 403);
    assert.equal(reason(asMedia), 'fileNotDownloadable');
  });

  it('updates metadata, moves with addParents/removeParents, and enforces one parent', async () => {
    const other = await drive.files.create({
      requestBody: { name: 'Other', mimeType: FOLDER },
      fields: 'id',
    });
    const renamed = await drive.files.update({
      fileId,
      requestBody: { name: 'renamed.bin', starred: true },
      fields: 'name,starred',
    });
    assert.equal(renamed.data.name, 'renamed.bin');
    assert.equal(renamed.data.starred, true);
    const two = await drive.files
      .update({ fileId, addParents: other.data.id!, fields: 'parents' })
      .catch((e: { status?: number; errors?: Array<{ reason: string }> }) => e);
    assert.equal((two as { status?: number }).status, 403);
    assert.equal(reason(two), 'cannotAddParent');
    const moved = await drive.files.update({
      fileId,
      addParents: other.data.id!,
      removeParents: folderId,
      fields: 'parents',
    });
    assert.deepEqual(moved.data.parents, [other.data.id]);
    const content2 = await drive.files.update(
      { fileId, media: { mimeType: 'text/plain', body: 'replaced' }, fields: 'size,md5Checksum' },
      media,
    );
    assert.equal(content2.data.size, '8');
    const revs = await drive.revisions.list({ fileId, fields: 'revisions(id,size,keepForever)' });
    assert.equal(revs.data.revisions?.length, 2);
    const firstRev = revs.data.revisions![0]!.id!;
    const kept = await drive.revisions.update({
      fileId,
      revisionId: firstRev,
      requestBody: { keepForever: true },
      fields: 'keepForever',
    });
    assert.equal(kept.data.keepForever, true);
    const old = await drive.revisions.get(
      { fileId, revisionId: firstRev, alt: 'media' },
      { responseType: 'arraybuffer' },
    );
    assert.ok(Buffer.from(old.data as unknown as ArrayBuffer).equals(content));
  });

  it('copies, trashes, restores, empties the trash and deletes', async () => {
    const copy = await drive.files.copy({
      fileId,
      requestBody: { name: 'copy.bin' },
      fields: 'id,name,md5Checksum',
    });
    assert.equal(copy.data.name, 'copy.bin');
    assert.equal(copy.data.md5Checksum, md5(Buffer.from('replaced')));
    const trashed = await drive.files.update({
      fileId: copy.data.id!,
      requestBody: { trashed: true },
      fields: 'trashed,explicitlyTrashed',
    });
    assert.equal(trashed.data.trashed, true);
    const inTrash = await drive.files.list({ q: 'trashed = true', fields: 'files(id)' });
    assert.deepEqual(
      inTrash.data.files?.map((f) => f.id),
      [copy.data.id],
    );
    await drive.files.update({ fileId: copy.data.id!, requestBody: { trashed: false } });
    await drive.files.update({ fileId: copy.data.id!, requestBody: { trashed: true } });
    const emptied = await drive.files.emptyTrash({});
    assert.equal(emptied.status, 204);
    const gone = await drive.files.get({ fileId: copy.data.id! }).catch((e: { status?: number }) => e);
    assert.equal((gone as { status?: number }).status, 404);
    const temp = await drive.files.create({ requestBody: { name: 'temp' }, fields: 'id' });
    const del = await drive.files.delete({ fileId: temp.data.id! });
    assert.equal(del.status, 204);
  });

  it('manages permissions, including an ownership transfer', async () => {
    const created = await drive.permissions.create({
      fileId,
      sendNotificationEmail: false,
      requestBody: { type: 'user', role: 'reader', emailAddress: 'friend@example.com' },
      fields: 'id,role,emailAddress',
    });
    assert.equal(created.data.role, 'reader');
    const anyone = await drive.permissions.create({
      fileId,
      requestBody: { type: 'anyone', role: 'reader' },
    });
    assert.equal(anyone.data.id, 'anyoneWithLink');
    const listed = await drive.permissions.list({ fileId, fields: 'permissions(id,role,type,emailAddress)' });
    assert.deepEqual(listed.data.permissions?.map((p) => p.role).sort(), ['owner', 'reader', 'reader']);
    const updated = await drive.permissions.update({
      fileId,
      permissionId: created.data.id!,
      requestBody: { role: 'writer' },
      fields: 'role',
    });
    assert.equal(updated.data.role, 'writer');
    const refused = await drive.permissions
      .update({ fileId, permissionId: created.data.id!, requestBody: { role: 'owner' } })
      .catch((e: { status?: number }) => e);
    assert.equal((refused as { status?: number }).status, 403);
    await drive.permissions.update({
      fileId,
      permissionId: created.data.id!,
      transferOwnership: true,
      requestBody: { role: 'owner' },
    });
    const after = await drive.files.get({ fileId, fields: 'owners(emailAddress),ownedByMe' });
    assert.equal(after.data.owners?.[0]?.emailAddress, 'friend@example.com');
    assert.equal(after.data.ownedByMe, false);
    const me = await drive.permissions.get({
      fileId,
      permissionId: emulator.user.permissionId,
      fields: 'role',
    });
    assert.equal(me.data.role, 'writer', 'the old owner is a writer now');
    const del = await drive.permissions.delete({ fileId, permissionId: 'anyoneWithLink' });
    assert.equal(del.status, 204);
  });

  it('shared drives: create (requestId), list, update restrictions, hide, list items, delete when empty', async () => {
    const requestId = randomBytes(8).toString('hex');
    const created = await drive.drives.create({
      requestId,
      requestBody: { name: 'Team' },
      fields: 'id,name,capabilities',
    });
    const driveId = created.data.id!;
    assert.equal(created.data.capabilities?.canManageMembers, true);
    const again = await drive.drives
      .create({ requestId, requestBody: { name: 'Team' } })
      .catch((e: { status?: number }) => e);
    assert.equal((again as { status?: number }).status, 409);
    const updated = await drive.drives.update({
      driveId,
      requestBody: { name: 'Team 2', restrictions: { driveMembersOnly: true } },
      fields: 'name,restrictions',
    });
    assert.equal(updated.data.name, 'Team 2');
    assert.equal(updated.data.restrictions?.driveMembersOnly, true);
    const hidden = await drive.drives.hide({ driveId, fields: 'hidden' });
    assert.equal(hidden.data.hidden, true);
    await drive.drives.unhide({ driveId });
    const list = await drive.drives.list({ fields: 'drives(id,name,hidden)' });
    assert.ok(list.data.drives?.some((d) => d.id === driveId && d.hidden === false));
    const member = await drive.permissions.create({
      fileId: driveId,
      supportsAllDrives: true,
      requestBody: { type: 'user', role: 'fileOrganizer', emailAddress: 'mate@example.com' },
      fields: 'id,role',
    });
    assert.equal(member.data.role, 'fileOrganizer');
    const inside = await drive.files.create(
      {
        supportsAllDrives: true,
        requestBody: { name: 'team.txt', parents: [driveId] },
        media: { mimeType: 'text/plain', body: 'team' },
        fields: 'id,driveId,owners',
      },
      media,
    );
    assert.equal(inside.data.driveId, driveId);
    assert.equal(inside.data.owners, undefined, 'shared-drive items have no owner');
    const hiddenWithout = await drive.files
      .get({ fileId: inside.data.id! })
      .catch((e: { status?: number }) => e);
    assert.equal((hiddenWithout as { status?: number }).status, 404, 'supportsAllDrives is needed');
    const items = await drive.files.list({
      corpora: 'drive',
      driveId,
      includeItemsFromAllDrives: true,
      supportsAllDrives: true,
      fields: 'files(id,name)',
    });
    assert.deepEqual(
      items.data.files?.map((f) => f.name),
      ['team.txt'],
    );
    const notEmpty = await drive.drives.delete({ driveId }).catch((e: { status?: number }) => e);
    assert.equal((notEmpty as { status?: number }).status, 403);
    await drive.files.delete({ fileId: inside.data.id!, supportsAllDrives: true });
    const deleted = await drive.drives.delete({ driveId });
    assert.equal(deleted.status, 204);
  });

  it('changes: getStartPageToken, then list sees what changed, with newStartPageToken at the end', async () => {
    const start = await drive.changes.getStartPageToken({});
    const token = start.data.startPageToken!;
    const a = await drive.files.create({ requestBody: { name: 'changed-a' }, fields: 'id' });
    const b = await drive.files.create({ requestBody: { name: 'changed-b' }, fields: 'id' });
    await drive.files.update({ fileId: a.data.id!, requestBody: { name: 'changed-a2' } });
    await drive.files.delete({ fileId: b.data.id! });
    const { data } = await drive.changes.list({
      pageToken: token,
      fields: 'newStartPageToken,nextPageToken,changes(fileId,removed,file(name))',
    });
    assert.ok(data.newStartPageToken);
    assert.equal(data.nextPageToken, undefined);
    const byId = new Map(data.changes?.map((c) => [c.fileId, c]));
    assert.equal(byId.get(a.data.id!)?.file?.name, 'changed-a2');
    assert.equal(byId.get(b.data.id!)?.removed, true);
    const again = await drive.changes.list({ pageToken: data.newStartPageToken! });
    assert.deepEqual(again.data.changes, []);
  });

  it('revokes the token; the API then answers 401 authError', async () => {
    await auth.revokeCredentials();
    const raw = await request(`${emulator.urls.api}/drive/v3/files`, {
      headers: { authorization: 'Bearer ya29.revoked' },
    });
    const body = (await raw.body.json()) as { error: { errors: Array<{ reason: string }> } };
    assert.equal(raw.statusCode, 401);
    assert.equal(body.error.errors[0]!.reason, 'authError');
  });
});
