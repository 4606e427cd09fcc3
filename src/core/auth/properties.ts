import type { OAuthClient } from './oauth-client.js';
import { OAUTH_PROPERTY_NAMES, type OAuthProperties } from './oauth-state.js';

/**
 * Puts the `o_auth_*` properties on a provider instance (`box.oAuthClientId = …`), forwarding to its
 * {@link OAuthClient}, so code written against the reference class ports line by line. Declare them on the
 * class with `interface Box extends OAuthProperties {}`.
 */
export function exposeOAuthProperties(target: object, client: OAuthClient): void {
  for (const name of OAUTH_PROPERTY_NAMES) {
    Object.defineProperty(target, name, {
      configurable: true,
      enumerable: true,
      get: () => client[name],
      ...(name === 'oAuthWebAuthUrl'
        ? {}
        : {
            set: (value: unknown) => {
              (client as unknown as Record<string, unknown>)[name] = value;
            },
          }),
    });
  }
}

export type { OAuthProperties };
