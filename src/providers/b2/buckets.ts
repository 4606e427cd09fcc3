import { CloudStorageError, ErrorCode } from '../../core/errors.js';
import { enumValue } from '../../core/provider.js';
import { accountId } from './account.js';
import type { B2Context } from './context.js';
import { bucketEvent, bucketFrom } from './mapping.js';
import { checkBucketName, infoObject } from './names.js';
import type { B2Bucket } from './types.js';
import type { Bucket, ListBucketsResponse } from './wire.js';

/** Bucket management: b2_create_bucket, b2_delete_bucket, b2_list_buckets, b2_update_bucket. */

const SETTABLE_KINDS = ['allPrivate', 'allPublic'] as const;

/** Fires bucketList, and metadataList for its info items when `withInfo`. */
function announce(ctx: B2Context, bucket: B2Bucket, withInfo: boolean): void {
  ctx.client.emit('bucketList', bucketEvent(bucket));
  if (!withInfo) return;
  for (const item of bucket.info) {
    ctx.client.emit('metadataList', { bucketId: bucket.id, fileId: '', name: item.name, value: item.value });
  }
}

/** createBucket: the name checked first; the metadata collection becomes the bucket info. Returns the bucket id. */
export async function createBucket(
  ctx: B2Context,
  bucketName: string,
  kind: string,
  signal: AbortSignal,
): Promise<string> {
  checkBucketName(bucketName);
  const bucketType = enumValue(kind || 'allPrivate', SETTABLE_KINDS, 'kind');
  const bucketInfo = infoObject(ctx.client.metadata);
  const created = await ctx.api.call<Bucket>(
    'b2_create_bucket',
    {
      accountId: await accountId(ctx, signal),
      bucketName,
      bucketType,
      ...(Object.keys(bucketInfo).length ? { bucketInfo } : {}),
    },
    { signal },
  );
  return created.bucketId;
}

export async function deleteBucket(ctx: B2Context, bucketId: string, signal: AbortSignal): Promise<void> {
  await ctx.api.call<Bucket>(
    'b2_delete_bucket',
    { accountId: await accountId(ctx, signal), bucketId },
    { signal },
  );
}

/** listBuckets: every bucket (a key restricted to one bucket sees that one), into the Bucket collection. */
export async function listBuckets(ctx: B2Context, signal: AbortSignal): Promise<B2Bucket[]> {
  const id = await accountId(ctx, signal);
  const allowed = ctx.client.account.allowedBucketId;
  const answer = await ctx.api.call<ListBucketsResponse>(
    'b2_list_buckets',
    { accountId: id, ...(allowed ? { bucketId: allowed } : {}) },
    { signal },
  );
  const buckets = answer.buckets.map(bucketFrom);
  ctx.client.buckets = buckets;
  const withInfo = ctx.settings.get('ListWithMetadata');
  for (const b of buckets) announce(ctx, b, withInfo);
  return buckets;
}

/** getBucketInfo: one bucket, as the only item of the Bucket collection; its info replaces the metadata collection. */
export async function getBucketInfo(
  ctx: B2Context,
  bucketId: string,
  signal: AbortSignal,
): Promise<B2Bucket> {
  const answer = await ctx.api.call<ListBucketsResponse>(
    'b2_list_buckets',
    { accountId: await accountId(ctx, signal), bucketId },
    { signal },
  );
  const wire = answer.buckets.find((b) => b.bucketId === bucketId);
  if (!wire) {
    throw new CloudStorageError(ErrorCode.InvalidRemoteId, `No bucket has the id ${bucketId}.`);
  }
  const bucket = bucketFrom(wire);
  ctx.client.buckets = [bucket];
  ctx.client.metadata = bucket.info.map((m) => ({ ...m }));
  announce(ctx, bucket, true);
  return bucket;
}

/**
 * updateBucket: a new kind (allPrivate / allPublic; '' keeps it) and, with `newMetadata`, the metadata
 * collection as the new bucket info (empty: cleared). IfRevision makes it conditional. Nothing to change:
 * no request.
 */
export async function updateBucket(
  ctx: B2Context,
  bucketId: string,
  newKind: string,
  newMetadata: boolean,
  signal: AbortSignal,
): Promise<B2Bucket | undefined> {
  const bucketType = newKind ? enumValue(newKind, SETTABLE_KINDS, 'newKind') : undefined;
  if (!bucketType && !newMetadata) return undefined;
  const ifRevision = ctx.settings.get('IfRevision').trim();
  const updated = await ctx.api.call<Bucket>(
    'b2_update_bucket',
    {
      accountId: await accountId(ctx, signal),
      bucketId,
      bucketType,
      ...(newMetadata ? { bucketInfo: infoObject(ctx.client.metadata) } : {}),
      ...(ifRevision ? { ifRevisionIs: Number(ifRevision) } : {}),
    },
    { signal },
  );
  return bucketFrom(updated);
}
