import { invalidArgument } from '../../core/errors.js';
import { publishPage } from '../../core/provider.js';
import { accountId } from './account.js';
import type { B2Context } from './context.js';
import { appKeyEvent, appKeyFrom } from './mapping.js';
import type { B2AppKey, B2AppKeyPage, B2NewAppKey } from './types.js';
import type { ApplicationKey, ListKeysResponse } from './wire.js';

/** Application keys: b2_create_key, b2_delete_key, b2_list_keys. */

/** B2's longest key life: 1000 days. */
const MAX_KEY_SECONDS = 86_400_000;

/**
 * createAppKey: `capabilities` comma-separated; a name prefix needs a bucket; `validityDuration` in
 * seconds (below 1: never expires). Returns the id and the secret, which B2 shows only this once.
 */
export async function createAppKey(
  ctx: B2Context,
  keyName: string,
  capabilities: string,
  allowedBucketId: string,
  allowedPrefix: string,
  validityDuration: number,
  signal: AbortSignal,
): Promise<B2NewAppKey> {
  const caps = capabilities
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (caps.length === 0)
    throw invalidArgument('createAppKey needs at least one capability (comma-separated).');
  if (!/^[A-Za-z0-9-]{1,100}$/.test(keyName)) {
    throw invalidArgument(`keyName "${keyName}" must be 1 to 100 letters, digits or "-".`);
  }
  if (allowedPrefix && !allowedBucketId) {
    throw invalidArgument(
      'A key restricted to a name prefix must also be restricted to a bucket (allowedBucketId).',
    );
  }
  if (!Number.isInteger(validityDuration) || validityDuration > MAX_KEY_SECONDS) {
    throw invalidArgument(
      `validityDuration must be a whole number of seconds up to ${MAX_KEY_SECONDS} (1000 days), or below 1 for a key that never expires; got ${validityDuration}.`,
    );
  }
  const created = await ctx.api.call<ApplicationKey>(
    'b2_create_key',
    {
      accountId: await accountId(ctx, signal),
      capabilities: caps,
      keyName,
      ...(validityDuration >= 1 ? { validDurationInSeconds: validityDuration } : {}),
      ...(allowedBucketId ? { bucketId: allowedBucketId } : {}),
      ...(allowedPrefix ? { namePrefix: allowedPrefix } : {}),
    },
    { signal },
  );
  const key = created.applicationKey ?? '';
  ctx.redactor.add(key);
  return { id: created.applicationKeyId, key, text: `${created.applicationKeyId}\n${key}` };
}

export async function deleteAppKey(ctx: B2Context, keyId: string, signal: AbortSignal): Promise<void> {
  await ctx.api.call<ApplicationKey>('b2_delete_key', { applicationKeyId: keyId }, { signal });
}

async function keyPage(
  ctx: B2Context,
  marker: string,
  signal: AbortSignal,
): Promise<{ keys: B2AppKey[]; next: string }> {
  const max = ctx.settings.get('MaxAppKeyResults');
  const answer = await ctx.api.call<ListKeysResponse>(
    'b2_list_keys',
    {
      accountId: await accountId(ctx, signal),
      ...(max > 0 ? { maxKeyCount: max } : {}),
      ...(marker ? { startApplicationKeyId: marker } : {}),
    },
    { signal },
  );
  return { keys: answer.keys.map(appKeyFrom), next: answer.nextApplicationKeyId ?? '' };
}

/** listAppKeys: one page into the AppKey collection (master key excluded); call again while appKeyMarker is set. */
export async function listAppKeys(ctx: B2Context, signal: AbortSignal): Promise<B2AppKeyPage> {
  const client = ctx.client;
  const marker = client.appKeyMarker;
  const { keys, next } = await keyPage(ctx, marker, signal);
  publishPage({ get: () => client.appKeys, set: (items) => (client.appKeys = items) }, keys, {
    continuing: marker !== '',
    accumulate: ctx.settings.get('AccumulatePages'),
    emit: (k) => client.emit('appKeyList', appKeyEvent(k)),
  });
  client.appKeyMarker = next;
  return { keys, marker: next };
}

/** Every application key, all pages, without touching the collection or the marker. */
export async function* iterateAppKeys(ctx: B2Context, signal: AbortSignal): AsyncGenerator<B2AppKey> {
  let marker = '';
  do {
    const page = await keyPage(ctx, marker, signal);
    yield* page.keys;
    marker = page.next;
  } while (marker);
}
