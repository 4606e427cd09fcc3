import { request } from 'undici';

/**
 * A scripted user for the emulators' consent page: opens the authorization URL, presses Allow (or Deny),
 * and follows the redirect back to the app's loopback server, the way a browser would. Used by
 * `cloudstorage demo`, where no person is at the keyboard; the tests use a real Chromium instead.
 */
export function consentBot(decision: 'allow' | 'deny' = 'allow') {
  return async (authorizationUrl: string): Promise<void> => {
    const page = await request(authorizationUrl);
    const html = await page.body.text();
    if (page.statusCode >= 300 && page.statusCode < 400 && page.headers.location) {
      await follow(String(page.headers.location));
      return;
    }
    if (page.statusCode !== 200) throw new Error(`the consent page answered ${page.statusCode}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error('the consent page has no form');
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields.set(m[1]!, unescapeHtml(m[2]!));
    fields.set('decision', decision);
    const setCookie = page.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? ''])
      .map((c) => c.split(';')[0])
      .filter(Boolean)
      .join('; ');
    const posted = await request(new URL(unescapeHtml(action), authorizationUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: fields.toString(),
    });
    await posted.body.dump();
    const location = posted.headers.location;
    if (!location) throw new Error(`the consent form answered ${posted.statusCode} without a redirect`);
    await follow(new URL(String(location), authorizationUrl).toString());
  };
}

async function follow(url: string): Promise<void> {
  const r = await request(url);
  await r.body.dump();
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
