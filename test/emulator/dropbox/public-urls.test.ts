/**
 * Absolute URLs in the Dropbox emulator's answers (temporary links) name the host the client used: Dropbox's
 * own names when the request came under one (or a proxy's X-Forwarded-Host says so), 127.0.0.1 with the
 * content listener's port otherwise; each link then downloads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type Harness, rpc, startHarness, upload } from './helpers.js';

describe('Dropbox emulator: absolute URLs follow the host the request came to', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
    await upload(h, '/link.txt', 'temporary link body');
  });
  after(() => h.stop());

  async function temporaryLink(headers: Record<string, string>): Promise<string> {
    const res = await rpc(h, 'files/get_temporary_link', { path: '/link.txt' }, { headers });
    assert.equal(res.status, 200, res.text);
    return res.json().link as string;
  }

  it('a client of api.dropboxapi.com gets a dl.dropboxusercontent.com link, served by the content host', async () => {
    const link = await temporaryLink({ host: 'api.dropboxapi.com' });
    assert.match(link, /^https:\/\/dl\.dropboxusercontent\.com\/cd\/0\/get\/[^/]+\/file$/);
    const u = new URL(link);
    // As a proxy would: the content listener, with the link's Host.
    const res = await request(`${h.urls.content}${u.pathname}`, { headers: { host: u.host } });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'temporary link body');
  });

  it('a proxy that says X-Forwarded-Host / X-Forwarded-Proto gets the link on that scheme', async () => {
    const link = await temporaryLink({
      'x-forwarded-host': 'api.dropboxapi.com',
      'x-forwarded-proto': 'http',
    });
    assert.match(link, /^http:\/\/dl\.dropboxusercontent\.com\/cd\/0\/get\//);
  });

  it('a client of 127.0.0.1 gets a 127.0.0.1 link on the content port that works', async () => {
    const link = await temporaryLink({});
    assert.ok(link.startsWith(`${h.urls.content}/cd/0/get/`), link);
    const res = await fetch(link);
    assert.equal(await res.text(), 'temporary link body');
  });
});
