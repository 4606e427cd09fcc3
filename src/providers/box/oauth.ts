import type { OAuthServiceProfile } from '../../core/auth/index.js';
import type { Settings } from '../../core/config.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import { BOX_API_URL, BOX_AUTH_URL, BOX_TOKEN_URL, type BoxSettingTable } from './settings.js';

/**
 * Box's OAuth endpoints: Box's own, or those of the server ApiUrl points at (an emulator); and the subject
 * of a client-credentials grant (BoxSubjectType/BoxSubjectId). `settings` is read lazily: the profile is
 * made before the class's settings exist.
 */
export function boxOAuthService(settings: () => Settings<BoxSettingTable> | undefined): OAuthServiceProfile {
  const endpoint = (which: 'auth' | 'token') => {
    const api = settings()?.get('ApiUrl') ?? BOX_API_URL;
    if (trimTrailingSlashes(api) === BOX_API_URL) return which === 'auth' ? BOX_AUTH_URL : BOX_TOKEN_URL;
    return new URL(which === 'auth' ? '/api/oauth2/authorize' : '/oauth2/token', api).href;
  };
  return {
    get authUrl() {
      return endpoint('auth');
    },
    get tokenUrl() {
      return endpoint('token');
    },
    tokenParams: (grantType): Record<string, string> => {
      const s = settings();
      const id = s?.get('BoxSubjectId');
      if (!s || grantType !== 'client_credentials' || !id) return {};
      return { box_subject_type: s.get('BoxSubjectType'), box_subject_id: id };
    },
  };
}
