/**
 * The HTML pages of the authorization endpoint: the consent form (a real form with Allow and Deny buttons
 * that posts back with a CSRF token) and the error page shown when the server must not redirect (unknown
 * client, unregistered redirect URI: RFC 6749 §4.1.2.1).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Headers for every page: never cached, never framed (clickjacking), no scripts. No CSP form-action: browsers
 * apply it to the redirect that follows the form post, which goes to the client's own origin.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
} as const;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem}ul{padding-left:1.2rem}.buttons{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.5rem 1.5rem;cursor:pointer}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

export interface ConsentPageModel {
  serviceName: string;
  clientName: string;
  clientId: string;
  userName: string;
  scopes: readonly string[];
  /** Where the form posts (the authorize path). */
  action: string;
  transaction: string;
  csrfToken: string;
}

export function consentPage(m: ConsentPageModel): string {
  const scopes = m.scopes.length
    ? `<p>It asks for these permissions:</p><ul id="scopes">${m.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`
    : '<p>It asks for the default permissions of the app.</p>';
  return page(
    `${m.serviceName}: authorize ${m.clientName}`,
    `<h1>Authorize <span id="client-name">${escapeHtml(m.clientName)}</span></h1>
<p>Signed in to ${escapeHtml(m.serviceName)} as <strong id="user">${escapeHtml(m.userName)}</strong>.</p>
<p>The application <strong>${escapeHtml(m.clientName)}</strong> (client id <code id="client-id">${escapeHtml(m.clientId)}</code>)
wants to access your account.</p>
${scopes}
<form method="post" action="${escapeHtml(m.action)}">
<input type="hidden" name="transaction" value="${escapeHtml(m.transaction)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(m.csrfToken)}">
<div class="buttons">
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</div>
</form>`,
  );
}

export function errorPage(serviceName: string, error: string, description: string): string {
  return page(
    `${serviceName}: authorization error`,
    `<h1>Authorization error</h1>
<p><code id="error">${escapeHtml(error)}</code></p>
<p id="error-description">${escapeHtml(description)}</p>`,
  );
}
