import { BoxCcgAuth, BoxClient, BoxDeveloperTokenAuth, CcgConfig } from 'box-typescript-sdk-gen';
import { BoxEmulator, type BoxEmulatorOptions, DEFAULT_BOX_CLIENT } from '../../../src/emulator/box/index.js';
import { EmulatorServer } from '../../../src/emulator/core/index.js';

/** Deterministic pseudo-random bytes, so content checks compare real data. */
export { patternBytes as pseudoRandomBytes } from '../../helpers/pattern-bytes.js';

export interface BoxHarness {
  server: EmulatorServer;
  box: BoxEmulator;
  /** An access token for the account's user. */
  token: string;
  /** `fetch` against a host with the bearer token set (and any extra headers). */
  api(
    path: string,
    init?: RequestInit & { host?: 'api' | 'upload' | 'download'; auth?: boolean },
  ): Promise<Response>;
  /** Box's official SDK, authenticated with client credentials (enterprise subject), pointed at the emulator. */
  sdk(): BoxClient;
  /** The last response the SDK clients of this harness received (status, headers, parsed JSON). */
  lastResponse(): { status: number; headers: Record<string, string>; data?: unknown } | undefined;
  /** The SDK with a fixed developer token. */
  sdkWithToken(token: string): BoxClient;
  close(): Promise<void>;
}

export async function startBox(
  options: BoxEmulatorOptions = {},
  /** Lifetime of the harness's token (tests that move the clock by days need a long one). */
  tokenLifetimeSeconds?: number,
): Promise<BoxHarness> {
  const server = new EmulatorServer();
  const box = new BoxEmulator(options);
  box.install(server);
  await server.start();
  const token = box.issueToken(tokenLifetimeSeconds ? { lifetimeSeconds: tokenLifetimeSeconds } : {});
  const urls = box.urls;
  let last: { status: number; headers: Record<string, string>; data?: unknown } | undefined;
  // The SDK's BoxApiError loses its responseInfo (a class-field quirk of its build), so tests read the
  // response through an interceptor instead.
  const withUrls = (client: BoxClient) =>
    client
      .withCustomBaseUrls({ baseUrl: urls.api, uploadUrl: `${urls.upload}/api`, oauth2Url: urls.oauth2 })
      .withInterceptors([
        {
          beforeRequest: (options) => options,
          afterRequest: (response) => {
            last = { status: response.status, headers: response.headers, data: response.data };
            return response;
          },
        },
      ]);
  return {
    server,
    box,
    token,
    api(path, init = {}) {
      const { host = 'api', auth = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${urls[host]}${path}`, { ...rest, headers, redirect: 'manual' });
    },
    sdk() {
      const auth = new BoxCcgAuth({
        config: new CcgConfig({
          clientId: DEFAULT_BOX_CLIENT.clientId,
          clientSecret: DEFAULT_BOX_CLIENT.clientSecret!,
          enterpriseId: box.store.enterprise.id,
        }),
      });
      return withUrls(new BoxClient({ auth }));
    },
    sdkWithToken(t) {
      return withUrls(new BoxClient({ auth: new BoxDeveloperTokenAuth({ token: t }) }));
    },
    lastResponse: () => last,
    close: () => server.stop(),
  };
}
