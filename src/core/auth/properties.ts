import type { OAuthClient } from './oauth-client.js';
import { OAUTH_PROPERTY_NAMES, type OAuthProperties } from './oauth-state.js';

/**
 * Defines properties on `target` that read and write the same-named properties of `source` (the
 * reference-style properties a provider instance shows, kept by the object that implements them);
 * `readOnly` ones get no setter.
 */
export function forwardProperties<S extends object>(
  target: object,
  source: S,
  names: ReadonlyArray<keyof S & string>,
  readOnly: ReadonlyArray<keyof S & string> = [],
): void {
  for (const name of names) {
    Object.defineProperty(target, name, {
      configurable: true,
      enumerable: true,
      get: () => source[name],
      ...(readOnly.includes(name)
        ? {}
        : {
            set: (value: unknown) => {
              (source as Record<string, unknown>)[name] = value;
            },
          }),
    });
  }
}

/**
 * Puts the `o_auth_*` properties on a provider instance (`box.oAuthClientId = …`), forwarding to its
 * {@link OAuthClient}, so code written against the reference class ports line by line. Declare them on the
 * class with `interface Box extends OAuthProperties {}`.
 */
export function exposeOAuthProperties(target: object, client: OAuthClient): void {
  forwardProperties(target, client, OAUTH_PROPERTY_NAMES, ['oAuthWebAuthUrl']);
}

export type { OAuthProperties };
