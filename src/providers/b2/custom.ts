import { readFile, stat } from 'node:fs/promises';
import { invalidArgument } from '../../core/errors.js';
import { deliverBody } from '../../core/transfer/index.js';
import type { B2Context } from './context.js';
import type { B2CustomRequestOptions, B2CustomResponse } from './types.js';

/** JSON bodies up to this size written to localFile are read back for the XPath settings. */
const XPATH_FILE_LIMIT = 16 * 1024 * 1024;

/**
 * sendCustomRequest: any B2 operation (`b2_list_buckets`, …) at `{APIURL}/b2api/v2/<operation>`, by GET
 * (the default), HEAD or POST, with the QueryParams, OtherHeaders, the account token, and the body when
 * not empty (JSON). The answer goes to localFile or fileData as downloads do; a JSON answer feeds the
 * XPath settings; its headers are in parsedHeaders.
 */
export async function sendCustomRequest(
  ctx: B2Context,
  httpMethod: string,
  operation: string,
  requestBody: string,
  options: B2CustomRequestOptions,
  signal: AbortSignal,
): Promise<B2CustomResponse> {
  const method = (httpMethod || 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw invalidArgument(`sendCustomRequest takes GET (the default), HEAD or POST; got "${httpMethod}".`);
  }
  const op = operation.trim().replace(/^\/+/, '');
  if (!/^b2_[a-z0-9_]+$/.test(op)) {
    throw invalidArgument(
      `operation must be a B2 operation name such as b2_list_buckets; got "${operation}".`,
    );
  }
  const response = await ctx.api.send({
    method,
    url: await ctx.api.url(op, signal),
    query: ctx.client.queryParams.map((p): [string, string] => [p.name, p.value]),
    ...(requestBody ? { body: requestBody, headers: { 'Content-Type': 'application/json' } } : {}),
    signal,
    stream: true,
    idempotent: method !== 'POST',
  });
  const isJson = /\bjson\b/i.test(response.headers['content-type'] ?? '');
  const localFile = options.localFile ?? ctx.client.localFile;
  const result: B2CustomResponse = { status: response.status, headers: response.headers };
  if (localFile) {
    await deliverBody(response.body, {
      kind: 'file',
      path: localFile,
      overwrite: options.overwrite ?? ctx.client.overwrite,
    });
    if (isJson && (await stat(localFile)).size <= XPATH_FILE_LIMIT) {
      ctx.rememberJson(await readFile(localFile, 'utf8'));
    }
    return result;
  }
  const body = Buffer.from((await deliverBody(response.body, { kind: 'bytes' })) ?? new Uint8Array(0));
  ctx.client.resourceData = body;
  if (isJson) ctx.rememberJson(body.toString('utf8'));
  result.body = body;
  return result;
}
