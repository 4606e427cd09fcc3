import type { EmulatorRequest, EmulatorServer } from '../../core/index.js';
import type { B2Call, CallContext } from '../api.js';
import { b2Error, badRequest, unauthorized } from '../errors.js';
import { ALL_CAPABILITIES, type ApplicationKey, BUCKET_CAPABILITIES } from '../model.js';
import { keyJson } from '../shapes.js';
import type { B2State } from '../state.js';
import { hostUrl } from '../urls.js';

/** b2_authorize_account and the application keys (b2_create_key, b2_list_keys, b2_delete_key). */

const VALID_CAPABILITIES = new Set<string>(ALL_CAPABILITIES);
const MAX_KEY_SECONDS = 1000 * 24 * 3600;

export const accountCalls: Record<string, B2Call> = {
  b2_create_key: {
    capability: 'writeKeys',
    handle(ctx) {
      const { args, caller, state, version } = ctx;
      requireOwnAccount(ctx, args.str('accountId'));
      const capabilities = args.strings('capabilities');
      if (!capabilities || capabilities.length === 0) throw badRequest('capabilities must list at least one');
      for (const c of capabilities)
        if (!VALID_CAPABILITIES.has(c)) throw badRequest(`unknown capability: ${c}`);
      const keyName = args.str('keyName');
      if (!/^[A-Za-z0-9-]{1,100}$/.test(keyName))
        throw badRequest('keyName must be 1 to 100 letters, digits and "-"');
      let expirationTimestamp: number | null = null;
      if (args.has('validDurationInSeconds')) {
        const seconds = args.int('validDurationInSeconds');
        if (seconds < 1 || seconds > MAX_KEY_SECONDS)
          throw badRequest(`validDurationInSeconds must be between 1 and ${MAX_KEY_SECONDS}`);
        expirationTimestamp = state.now() + seconds * 1000;
      }
      let bucketIds: string[] | null = null;
      if (version >= 4 && args.has('bucketIds')) bucketIds = args.strings('bucketIds') ?? null;
      else if (args.has('bucketId')) bucketIds = [args.str('bucketId')];
      if (bucketIds?.length === 0) bucketIds = null;
      for (const id of bucketIds ?? []) {
        const bucket = state.buckets.get(id);
        if (!bucket || bucket.accountId !== caller.account.accountId)
          throw b2Error(400, 'bad_bucket_id', `Bucket ${id} does not exist`);
      }
      if (bucketIds) {
        const global = capabilities.filter((c) => !BUCKET_CAPABILITIES.has(c));
        if (global.length)
          throw badRequest(
            `a key restricted to buckets cannot have these capabilities: ${global.join(', ')}`,
          );
      }
      const namePrefix = args.optStr('namePrefix') ?? null;
      const key = state.newKey({
        accountId: caller.account.accountId,
        keyName,
        capabilities,
        bucketIds,
        namePrefix: namePrefix === '' ? null : namePrefix,
        expirationTimestamp,
      });
      return { ...keyJson(key, version), applicationKey: key.applicationKey };
    },
  },

  b2_list_keys: {
    capability: 'listKeys',
    handle(ctx) {
      const { args, caller, state, version } = ctx;
      requireOwnAccount(ctx, args.str('accountId'));
      let max = args.int('maxKeyCount', 100);
      if (max === 0) max = 100;
      if (max < 1 || max > 10000) throw b2Error(400, 'out_of_range', 'maxKeyCount must be 1 to 10000');
      const start = args.optStr('startApplicationKeyId') ?? '';
      const keys = [...state.keys.values()]
        .filter((k) => !k.master && k.accountId === caller.account.accountId && k.applicationKeyId >= start)
        .sort((a, b) => (a.applicationKeyId < b.applicationKeyId ? -1 : 1));
      return {
        keys: keys.slice(0, max).map((k) => keyJson(k, version)),
        nextApplicationKeyId: keys[max]?.applicationKeyId ?? null,
      };
    },
  },

  b2_delete_key: {
    capability: 'deleteKeys',
    handle({ args, caller, state, version }) {
      const id = args.str('applicationKeyId');
      const key = state.keys.get(id);
      if (!key || key.master || key.accountId !== caller.account.accountId)
        throw badRequest(`application key does not exist: ${id}`);
      state.keys.delete(id);
      return keyJson(key, version);
    },
  },
};

function requireOwnAccount(ctx: CallContext, accountId: string): void {
  if (accountId !== ctx.caller.account.accountId)
    throw unauthorized('accountId does not match the authorization token');
}

/** b2_authorize_account: Basic auth with a key id (or the account id) and its key. */
export function authorizeAccount(
  state: B2State,
  server: EmulatorServer,
  req: EmulatorRequest,
  version: number,
): unknown {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const key: ApplicationKey | undefined = colon > 0 ? state.keys.get(id) : undefined;
  if (!key || key.applicationKey !== secret)
    throw b2Error(401, 'unauthorized', 'the application key id or the application key is wrong', {
      'www-authenticate': 'BASIC realm="authorize_account"',
    });
  const now = state.now();
  if (key.expirationTimestamp !== null && key.expirationTimestamp <= now)
    throw unauthorized('the application key has expired');
  if (version < 4 && (key.bucketIds?.length ?? 0) > 1)
    throw b2Error(
      401,
      'unsupported',
      'a key restricted to several buckets needs b2api/v4/b2_authorize_account',
    );
  const expiresAt = Math.min(now + state.settings.tokenLifetimeMs, key.expirationTimestamp ?? Infinity);
  const authorizationToken = state.issueToken({
    kind: 'account',
    keyId: key.applicationKeyId,
    accountId: key.accountId,
    expiresAt,
  });
  const apiUrl = hostUrl(server, req, 'api');
  const downloadUrl = hostUrl(server, req, 'download');
  const { recommendedPartSize, absoluteMinimumPartSize } = state.settings;
  const buckets = (key.bucketIds ?? []).map((id) => ({
    id,
    name: state.buckets.get(id)?.bucketName ?? null,
  }));
  const bucketId = key.bucketIds ? (buckets[0]?.id ?? null) : null;
  const bucketName = key.bucketIds ? (buckets[0]?.name ?? null) : null;
  const capabilities = [...key.capabilities];
  if (version <= 2) {
    const allowed: Record<string, unknown> = { bucketId, capabilities, namePrefix: key.namePrefix };
    if (version === 2) allowed.bucketName = bucketName;
    return {
      absoluteMinimumPartSize,
      accountId: key.accountId,
      allowed,
      apiUrl,
      authorizationToken,
      downloadUrl,
      recommendedPartSize,
      ...(version === 1 ? { minimumPartSize: recommendedPartSize } : { s3ApiUrl: apiUrl }),
    };
  }
  const storageApi: Record<string, unknown> = {
    infoType: 'storageApi',
    absoluteMinimumPartSize,
    recommendedPartSize,
    apiUrl,
    downloadUrl,
    s3ApiUrl: apiUrl,
  };
  if (version === 3)
    Object.assign(storageApi, { bucketId, bucketName, capabilities, namePrefix: key.namePrefix });
  else
    storageApi.allowed = {
      buckets: key.bucketIds ? buckets : null,
      capabilities,
      namePrefix: key.namePrefix,
    };
  return {
    accountId: key.accountId,
    authorizationToken,
    applicationKeyExpirationTimestamp: key.expirationTimestamp,
    apiInfo: { storageApi },
  };
}
