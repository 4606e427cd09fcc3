import { type Args, type B2Call, type CallContext, callerBucket, requireBucket } from '../api.js';
import { b2Error, badRequest, unauthorized } from '../errors.js';
import type { Bucket } from '../model.js';
import { bucketNameProblem } from '../names.js';
import { bucketJson } from '../shapes.js';

/** b2_create_bucket, b2_list_buckets, b2_update_bucket, b2_delete_bucket. */

const SETTABLE_TYPES = new Set(['allPublic', 'allPrivate']);
const LISTABLE_TYPES = new Set(['allPublic', 'allPrivate', 'snapshot', 'restricted', 'shared']);

export const bucketCalls: Record<string, B2Call> = {
  b2_create_bucket: {
    capability: 'writeBuckets',
    handle(ctx) {
      const { args, caller, state } = ctx;
      ownAccount(ctx);
      const bucketName = args.str('bucketName');
      const problem = bucketNameProblem(bucketName);
      if (problem) throw badRequest(`Invalid bucket name ${bucketName}: ${problem}`);
      const bucketType = bucketTypeOf(args, true)!;
      if (state.bucketByName(bucketName))
        throw b2Error(400, 'duplicate_bucket_name', 'Bucket name is already in use.');
      const owned = [...state.buckets.values()].filter((b) => b.accountId === caller.account.accountId);
      if (owned.length >= state.settings.maxBucketsPerAccount)
        throw b2Error(400, 'too_many_buckets', `an account may have at most ${owned.length} buckets`);
      const fileLockEnabled = args.bool('fileLockEnabled', false);
      if (fileLockEnabled && !caller.capabilities.has('writeBucketRetentions'))
        throw unauthorized('fileLockEnabled needs the writeBucketRetentions capability');
      const bucket: Bucket = {
        accountId: caller.account.accountId,
        bucketId: state.newBucketId(),
        bucketName,
        bucketType,
        bucketInfo: {},
        corsRules: [],
        lifecycleRules: [],
        defaultServerSideEncryption: { mode: null, algorithm: null },
        fileLockEnabled,
        // A bucket B2 has just created answers revision 2 (recorded traffic).
        revision: 2,
        options: ['s3'],
        files: new Map(),
        names: [],
        largeFiles: new Map(),
      };
      applySettings(bucket, args);
      state.buckets.set(bucket.bucketId, bucket);
      return bucketJson(bucket, caller);
    },
  },

  b2_list_buckets: {
    capability: 'listBuckets',
    handle(ctx) {
      const { args, caller, state, version } = ctx;
      ownAccount(ctx);
      const bucketId = args.optStr('bucketId');
      const bucketName = args.optStr('bucketName');
      const types = args.strings('bucketTypes');
      if (types) {
        if (types.length === 0) throw badRequest('bucketTypes must not be empty');
        if (types.includes('all') && types.length > 1)
          throw badRequest('"all" cannot be combined with other types');
        for (const t of types)
          if (t !== 'all' && !LISTABLE_TYPES.has(t)) throw badRequest(`unknown bucket type ${t}`);
      }
      const allowed = caller.key.bucketIds;
      if (allowed && version >= 2) {
        const named =
          (bucketId && allowed.includes(bucketId)) ||
          (bucketName &&
            allowed.some(
              (id) => state.buckets.get(id)?.bucketName.toLowerCase() === bucketName.toLowerCase(),
            ));
        if (!named) throw unauthorized('a key restricted to a bucket must name it (bucketId or bucketName)');
      }
      const wantedTypes = types?.includes('all')
        ? undefined
        : new Set(types ?? ['allPublic', 'allPrivate', 'snapshot']);
      const buckets = [...state.buckets.values()]
        .filter((b) => b.accountId === caller.account.accountId)
        .filter((b) => !allowed || allowed.includes(b.bucketId))
        .filter((b) => !bucketId || b.bucketId === bucketId)
        .filter((b) => !bucketName || b.bucketName.toLowerCase() === bucketName.toLowerCase())
        .filter((b) => !wantedTypes || wantedTypes.has(b.bucketType))
        .sort((a, b) => (a.bucketName < b.bucketName ? -1 : 1));
      return { buckets: buckets.map((b) => bucketJson(b, caller)) };
    },
  },

  b2_update_bucket: {
    capability: 'writeBuckets',
    handle(ctx) {
      const { args, caller } = ctx;
      ownAccount(ctx);
      const bucket = callerBucket(ctx, args.str('bucketId'));
      if (args.has('ifRevisionIs') && args.int('ifRevisionIs') !== bucket.revision)
        throw b2Error(409, 'conflict', 'simultaneous updates to bucket');
      const type = bucketTypeOf(args, false);
      if (args.has('fileLockEnabled')) {
        const on = args.bool('fileLockEnabled', false);
        if (!on && bucket.fileLockEnabled)
          throw b2Error(400, 'file_lock_conflict', 'file lock cannot be disabled');
        if (on && !caller.capabilities.has('writeBucketRetentions'))
          throw unauthorized('fileLockEnabled needs the writeBucketRetentions capability');
        bucket.fileLockEnabled = on;
      }
      if (type) bucket.bucketType = type;
      applySettings(bucket, args);
      bucket.revision++;
      return bucketJson(bucket, caller);
    },
  },

  b2_delete_bucket: {
    capability: 'deleteBuckets',
    handle(ctx) {
      const { args, caller, state } = ctx;
      ownAccount(ctx);
      const bucketId = args.str('bucketId');
      requireBucket(caller, bucketId);
      const bucket = callerBucket(ctx, bucketId);
      if (bucket.files.size > 0)
        throw b2Error(400, 'cannot_delete_non_empty_bucket', 'Cannot delete non-empty bucket');
      state.buckets.delete(bucket.bucketId);
      for (const url of state.uploadUrls.values())
        if (url.target === bucket.bucketId) state.uploadUrls.delete(url.urlId);
      bucket.revision++;
      return bucketJson(bucket, caller);
    },
  },
};

function ownAccount(ctx: CallContext): void {
  if (ctx.args.str('accountId') !== ctx.caller.account.accountId)
    throw unauthorized('accountId does not match the authorization token');
}

function bucketTypeOf(args: Args, required: boolean): string | undefined {
  const type = required ? args.str('bucketType') : args.optStr('bucketType');
  if (type !== undefined && !SETTABLE_TYPES.has(type))
    throw badRequest(`bucketType must be allPublic or allPrivate, not ${type}`);
  return type;
}

/** bucketInfo, corsRules, lifecycleRules and default encryption: a supplied value replaces the old one. */
function applySettings(bucket: Bucket, args: Args): void {
  const info = args.object('bucketInfo');
  if (info) {
    const entries = Object.entries(info);
    if (entries.length > 10) throw badRequest('bucketInfo may hold at most 10 items');
    for (const [k, v] of entries)
      if (typeof v !== 'string') throw badRequest(`bucketInfo value of ${k} must be a string`);
    bucket.bucketInfo = Object.fromEntries(entries) as Record<string, string>;
  }
  const cors = args.array('corsRules');
  if (cors) {
    if (cors.length > 100) throw badRequest('at most 100 CORS rules');
    for (const rule of cors) {
      const r = rule as Record<string, unknown>;
      if (
        !r ||
        typeof r !== 'object' ||
        typeof r.corsRuleName !== 'string' ||
        !Array.isArray(r.allowedOrigins)
      )
        throw badRequest(
          'each CORS rule needs corsRuleName, allowedOrigins, allowedOperations and maxAgeSeconds',
        );
      if (!Array.isArray(r.allowedOperations) || typeof r.maxAgeSeconds !== 'number')
        throw badRequest(
          'each CORS rule needs corsRuleName, allowedOrigins, allowedOperations and maxAgeSeconds',
        );
    }
    bucket.corsRules = cors;
  }
  const lifecycle = args.array('lifecycleRules');
  if (lifecycle) {
    const prefixes = new Set<string>();
    for (const rule of lifecycle) {
      const r = rule as Record<string, unknown>;
      if (!r || typeof r !== 'object' || typeof r.fileNamePrefix !== 'string')
        throw badRequest('each lifecycle rule needs a fileNamePrefix');
      if (prefixes.has(r.fileNamePrefix))
        throw badRequest('two lifecycle rules have the same fileNamePrefix');
      prefixes.add(r.fileNamePrefix);
      for (const f of [
        'daysFromUploadingToHiding',
        'daysFromHidingToDeleting',
        'daysFromStartingToCancelingUnfinishedLargeFiles',
      ]) {
        const n = r[f];
        if (n !== undefined && n !== null && (typeof n !== 'number' || !Number.isInteger(n) || n < 1))
          throw badRequest(`lifecycle rule ${f} must be a positive integer or null`);
      }
    }
    bucket.lifecycleRules = lifecycle.map((r) => {
      const o = r as Record<string, unknown>;
      return {
        daysFromHidingToDeleting: o.daysFromHidingToDeleting ?? null,
        daysFromUploadingToHiding: o.daysFromUploadingToHiding ?? null,
        ...(o.daysFromStartingToCancelingUnfinishedLargeFiles !== undefined
          ? {
              daysFromStartingToCancelingUnfinishedLargeFiles:
                o.daysFromStartingToCancelingUnfinishedLargeFiles,
            }
          : {}),
        fileNamePrefix: o.fileNamePrefix,
      };
    });
  }
  const sse = args.object('defaultServerSideEncryption');
  if (sse) {
    if (sse.mode === 'SSE-B2') bucket.defaultServerSideEncryption = { mode: 'SSE-B2', algorithm: 'AES256' };
    else if (sse.mode === 'none' || sse.mode === null || sse.mode === undefined)
      bucket.defaultServerSideEncryption = { mode: null, algorithm: null };
    else throw badRequest('defaultServerSideEncryption mode must be SSE-B2 or none');
  }
}
