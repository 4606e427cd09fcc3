import { createHash } from 'node:crypto';
import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import type { B2Context } from './context.js';
import { accountFrom } from './mapping.js';
import { MAX_FRAGMENT_SIZE, MAX_SIMPLE_UPLOAD, MIN_FRAGMENT_SIZE } from './settings.js';
import { EMPTY_ACCOUNT } from './types.js';

/**
 * authorize: b2_authorize_account with applicationKeyId + applicationKey. Clears and fills the account
 * properties, APIURL and DownloadURL; the first success for a key pair also sets FragmentSize (the
 * recommended part size, at most 2 GiB - 1) and SimpleUploadLimit (twice that), which later
 * authorizations of the same pair leave as they are. Returns the account authorization token.
 */
export async function authorize(ctx: B2Context, signal?: AbortSignal): Promise<string> {
  const client = ctx.client;
  const keyId = client.applicationKeyId;
  const key = client.applicationKey;
  if (!keyId || !key) {
    throw new CloudStorageError(
      ErrorCode.InvalidCredentials,
      'Set applicationKeyId and applicationKey (an application key of the B2 account) before calling B2.',
    );
  }
  const answer = await ctx.api.authorizeAccount(keyId, key, signal);
  client.account = { ...EMPTY_ACCOUNT };
  const account = accountFrom(answer);
  if (!account.authToken || !answer.apiUrl || !answer.downloadUrl) {
    throw new CloudStorageError(
      ErrorCode.ServerError,
      'b2_authorize_account answered without authorizationToken, apiUrl or downloadUrl.',
    );
  }
  ctx.redactor.add(account.authToken);
  client.account = account;
  ctx.settings.set('APIURL', answer.apiUrl, true);
  ctx.settings.set('DownloadURL', answer.downloadUrl);

  const pair = createHash('sha256').update(`${keyId}\n${key}`).digest('hex');
  if (pair !== ctx.sizing.keyPair && account.recPartSize > 0) {
    const fragment = Math.max(MIN_FRAGMENT_SIZE, Math.min(account.recPartSize, MAX_FRAGMENT_SIZE));
    ctx.settings.set('FragmentSize', fragment);
    ctx.settings.set('SimpleUploadLimit', Math.min(2 * account.recPartSize, MAX_SIMPLE_UPLOAD));
    ctx.sizing.keyPair = pair;
  }
  return account.authToken;
}

/** The account id, authorizing first when needed. */
export async function accountId(ctx: B2Context, signal: AbortSignal): Promise<string> {
  await ctx.session.ensure(signal);
  return ctx.client.account.id;
}
