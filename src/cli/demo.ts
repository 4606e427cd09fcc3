import { OAuthClient } from '../core/auth/index.js';
import { Settings } from '../core/config.js';
import { type CoreEvents, TypedEmitter } from '../core/events.js';
import { HttpClient, httpSettings } from '../core/http/index.js';
import { consentBot } from './consent-bot.js';
import { startEmulators } from './serve.js';

/**
 * The main job, end to end: starts the Box emulator on 127.0.0.1, signs in with the OAuth 2.0
 * authorization-code grant and PKCE (the emulator's consent page, answered by a scripted user; the
 * redirect comes back to the library's loopback server, `state` is checked, the code is exchanged), then
 * makes an authorized API request and prints what came back.
 */
export async function demo(print: (line: string) => void = console.log): Promise<{ login: string }> {
  const running = await startEmulators({ services: ['box'], autoApprove: false, port: 0 });
  const api = running.servers[0]!.server.url('api');
  const events = new TypedEmitter<CoreEvents>();
  events.on('log', (e) => print(`  [log] ${e.message}`));
  const http = new HttpClient({ settings: new Settings(httpSettings, { logLevel: 1 }), events });
  const oauth = new OAuthClient({
    http,
    oAuthClientId: 'box-emulator-client-id',
    oAuthClientSecret: 'box-emulator-client-secret',
    oAuthServerAuthUrl: `${api}/api/oauth2/authorize`,
    oAuthServerTokenUrl: `${api}/oauth2/token`,
    openBrowser: consentBot('allow'),
    log: (e) => print(`  [oauth] ${e.message}`),
  });
  http.auth = oauth;
  try {
    print(`Box emulator listening at ${api}`);
    print('Authorizing: authorization code + PKCE (S256), consent page answered by a scripted user…');
    await oauth.authorize();
    print(
      `Got an access token (expires ${new Date(oauth.tokens?.expiresAt ?? 0).toISOString()}), refresh token: ${oauth.oAuthRefreshToken ? 'yes' : 'no'}`,
    );
    const me = await http.request({ method: 'GET', url: `${api}/2.0/users/me` });
    const user = await me.json<{ id: string; name: string; login: string }>();
    print(`GET /2.0/users/me -> ${me.status}: ${user.name} <${user.login}> (id ${user.id})`);
    return { login: user.login };
  } finally {
    await oauth.close();
    await http.close();
    await running.stop();
  }
}
