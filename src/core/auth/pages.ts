/** The built-in pages of the loopback redirect server (OAuthWebServerResponse / OAuthWebServerFailedResponse). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}</style>
</head><body>${body}</body></html>
`;
}

export function defaultSuccessPage(): string {
  return page(
    'Authorization complete',
    '<h1 id="result">Authorization complete</h1><p>You can close this window and return to the application.</p>',
  );
}

/** `reason` is already free of secrets (it went through the client's redactor). */
export function defaultFailurePage(reason: string): string {
  return page(
    'Authorization failed',
    `<h1 id="result">Authorization failed</h1><p id="reason">${escapeHtml(reason)}</p><p>Return to the application and try again.</p>`,
  );
}
