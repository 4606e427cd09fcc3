import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Dropbox, SharedLinkListEvent } from '../../../src/providers/dropbox/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
let d: Dropbox;
const ids: Record<string, string> = {};

before(async () => {
  env = await startEnv({ sharedLinksPageSize: 2 });
  d = env.client();
  ids.folder = await d.createFolder('/Shared');
  ids.file = await d.uploadFile('/Shared/doc.txt', { data: Buffer.from('doc') });
  ids.other = await d.uploadFile('/Other.txt', { data: Buffer.from('other') });
});
after(() => env.stop());

describe('createLink', () => {
  test('a public link by path; the existing link comes back instead of an error', async () => {
    const c = env.client();
    const url = await c.createLink('/Shared/doc.txt');
    assert.match(url, /^https:\/\/www\.dropbox\.com\/scl\/fi\//);
    assert.equal(await c.createLink(ids.file!), url);
    assert.equal(await c.createLink('/shared/DOC.TXT'), url);
  });

  test('password and expiration; an existing link gets the requested settings', async () => {
    const c = env.client();
    c.config('CreateLinkPassword=s3cret-link');
    c.config('CreateLinkExpiration=2099-01-02T03:04:05Z');
    const url = await c.createLink('/Other.txt');
    await c.listSharedLinks('/Other.txt');
    const link = c.sharedLinks.find((l) => l.url === url)!;
    assert.equal(link.visibility, 2);
    assert.equal(link.expires, '2099-01-02T03:04:05Z');
    assert.equal(link.canRevoke, true);
    assert.equal(link.type, 0);
    assert.equal(link.id, ids.other);
    assert.equal(link.path, '/other.txt');

    const folderLink = env.client();
    const plain = await folderLink.createLink(`${ids.folder}`);
    folderLink.config('CreateLinkVisibility=2');
    assert.equal((await rejection(folderLink.createLink(ids.folder!))).code, 1000, 'a password is needed');
    folderLink.config('CreateLinkPassword=another-secret');
    assert.equal(await folderLink.createLink(ids.folder!), plain);
    await folderLink.listSharedLinks(ids.folder!);
    assert.equal(folderLink.sharedLinks.find((l) => l.url === plain)!.visibility, 2);
  });

  test('team-only links need a team: Dropbox refuses them (601) for a Pro account', async () => {
    const c = env.client();
    c.config('CreateLinkVisibility=1');
    const err = await rejection(c.createLink('/Shared'));
    assert.equal(err.httpStatus, 409);
    assert.equal(err.code, 601);
    assert.equal(err.providerCode, 'settings_error/not_authorized');
  });
});

describe('listSharedLinks and revokeLink', () => {
  test('all links, paged through sharedLinkMarker, with events and AccumulatePages', async () => {
    const c = env.client();
    for (const name of ['l1', 'l2', 'l3']) {
      await c.uploadFile(`/Links/${name}.txt`, { data: Buffer.from(name) });
      await c.createLink(`/Links/${name}.txt`);
    }
    const events: SharedLinkListEvent[] = [];
    c.on('sharedLinkList', (e) => events.push(e));
    const first = await c.listSharedLinks('');
    assert.equal(first.links.length, 2);
    assert.notEqual(c.sharedLinkMarker, '');
    while (c.sharedLinkMarker) await c.listSharedLinks('');
    const urls = c.sharedLinks.map((l) => l.url);
    assert.ok(urls.length >= 5);
    assert.equal(new Set(urls).size, urls.length);
    assert.deepEqual(
      events.map((e) => e.url),
      urls,
    );
    assert.ok(c.sharedLinks.some((l) => l.name === 'l3.txt' && l.path === '/links/l3.txt'));
    const iterated: string[] = [];
    for await (const l of c.iterateSharedLinks('')) iterated.push(l.url);
    assert.deepEqual(iterated.sort(), [...urls].sort());
  });

  test('links reaching a resource include links of its parent folders', async () => {
    const c = env.client();
    const folderUrl = await c.createLink('/Shared');
    const fileUrl = await c.createLink('/Shared/doc.txt');
    const page = await c.listSharedLinks('/Shared/doc.txt');
    const urls = page.links.map((l) => l.url).sort();
    assert.deepEqual(urls, [fileUrl, folderUrl].sort());
    assert.equal(page.links.find((l) => l.url === folderUrl)!.type, 1);
  });

  test('revokeLink by URL; the resource is still reachable through its folder link', async () => {
    const c = env.client();
    const fileUrl = await c.createLink('/Shared/doc.txt');
    const folderUrl = await c.createLink('/Shared');
    await c.revokeLink(fileUrl);
    const after = await c.listSharedLinks('/Shared/doc.txt');
    assert.deepEqual(
      after.links.map((l) => l.url),
      [folderUrl],
    );
    const again = await rejection(c.revokeLink(fileUrl));
    assert.equal(again.code, 604);
    assert.equal((await rejection(c.revokeLink('/Shared/doc.txt'))).code, 1000);
  });

  test('the link password is never logged', async () => {
    const c = env.client({ logLevel: 3 });
    const lines: string[] = [];
    c.on('log', (e) => lines.push(e.message));
    c.config('CreateLinkPassword=very-secret-password');
    await c.uploadFile('/Links/pw.txt', { data: Buffer.from('pw') });
    await c.createLink('/Links/pw.txt');
    assert.ok(lines.some((l) => l.includes('link_password')));
    assert.ok(lines.every((l) => !l.includes('very-secret-password')));
  });
});
