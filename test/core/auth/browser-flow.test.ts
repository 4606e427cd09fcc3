import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CLIENT_ID, makeClient, type OAuthEnv, rejection, SecretScan, startOAuthEnv } from './helpers.js';

/**
 * The authorization code + PKCE flow with a real browser: Debian's Chromium, scripted with playwright-core,
 * opens the emulator's consent page; the test presses Allow (or Deny); the redirect reaches the client's
 * loopback server; the code is exchanged; the token works on a protected route.
 */

let env: OAuthEnv;
let context: BrowserContext;
let profile: string;
const scan = new SecretScan();

before(async () => {
  env = await startOAuthEnv();
  scan.track(env);
  profile = await mkdtemp(join(tmpdir(), 'cloudstorage-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await context?.close();
  await env?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** A browser launcher that opens the URL in a new Chromium tab and tells the test the page is there. */
function chromiumLauncher(): { open: (url: string) => Promise<void>; page: Promise<Page> } {
  let resolve!: (p: Page) => void;
  let reject!: (e: unknown) => void;
  const page = new Promise<Page>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {
    page,
    open: async (url) => {
      try {
        const p = await context.newPage();
        await p.goto(url);
        resolve(p);
      } catch (e) {
        reject(e);
      }
    },
  };
}

test('Allow: consent page, redirect to the loopback server, code exchange, authorized request', async () => {
  const browser = chromiumLauncher();
  const client = scan.client(makeClient(env, { openBrowser: browser.open }));
  client.oauth.oAuthAuthorizationScope = 'files.read files.write';
  const authorizing = client.oauth.authorize();
  authorizing.catch(() => undefined);
  const page = await browser.page;
  assert.equal(new URL(page.url()).pathname, '/oauth2/authorize');
  assert.equal(await page.textContent('#client-name'), 'Test App');
  assert.equal(await page.textContent('#client-id'), CLIENT_ID);
  assert.equal(await page.textContent('#user'), 'Ada Lovelace');
  assert.deepEqual(await page.locator('#scopes li').allTextContents(), ['files.read', 'files.write']);

  await Promise.all([page.waitForURL(/^http:\/\/localhost:\d+\/\?/), page.click('#allow')]);
  const header = await authorizing;
  assert.equal(await page.textContent('#result'), 'Authorization complete');
  const landed = new URL(page.url());
  assert.equal(landed.origin, client.oauth.oAuthReturnUrl);
  assert.ok(landed.searchParams.get('code'));
  assert.equal(header, `Bearer ${client.oauth.oAuthAccessToken}`);
  assert.deepEqual(await client.me(), {
    id: 'user-42',
    clientId: CLIENT_ID,
    scopes: ['files.read', 'files.write'],
  });
  assert.equal(env.tokenRequests(), 1);
  scan.output(await page.content());
  scan.secret(client.oauth.settings.config('OAuthPKCEVerifier'));
  await page.close();
});

test('Deny: access_denied comes back, authorize() fails clearly, the browser shows the failure', async () => {
  const before = env.tokenRequests();
  const browser = chromiumLauncher();
  const client = scan.client(makeClient(env, { openBrowser: browser.open }));
  const authorizing = client.oauth.authorize();
  authorizing.catch(() => undefined);
  const page = await browser.page;
  await Promise.all([page.waitForURL(/^http:\/\/localhost:\d+\/\?/), page.click('#deny')]);
  const err = await rejection(authorizing);
  scan.error(err);
  assert.equal(err.code, 603);
  assert.equal(err.providerCode, 'access_denied');
  assert.match(err.message, /denied/);
  assert.equal(await page.textContent('#result'), 'Authorization failed');
  assert.match((await page.textContent('#reason')) ?? '', /access_denied/);
  assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
  assert.equal(env.tokenRequests(), before, 'no token request after a denial');
  assert.equal(client.oauth.oAuthAccessToken, '');
  assert.equal(client.oauth.webServerActive, false);
  scan.output(await page.content());
  await page.close();
});

test('no secret in logs, errors or pages', () => {
  assert.deepEqual(scan.leaks(), []);
});
