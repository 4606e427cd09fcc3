import { readFile, stat } from 'node:fs/promises';
import { invalidArgument } from '../../core/errors.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import { deliverBody } from '../../core/transfer/index.js';
import type { DropboxContext } from './context.js';
import type { CustomRequestOptions, CustomResponse } from './types.js';

/** JSON bodies up to this size written to localFile are read back for the XPath settings. */
const XPATH_FILE_LIMIT = 16 * 1024 * 1024;

/**
 * sendCustomRequest: any RPC route of `https://api.dropboxapi.com/2` (ApiBaseUrl), GET or POST (the
 * default), with the QueryParams, OtherHeaders, the Authorization of the class and the given body (sent as
 * JSON, which is what RPC routes take; OtherHeaders may set another Content-Type). The response body goes
 * to localFile or resourceData as downloadFile does; a JSON body feeds the XPath settings.
 */
export async function sendCustomRequest(
  ctx: DropboxContext,
  httpMethod: string,
  requestPath: string,
  requestBody: string,
  options: CustomRequestOptions,
  signal: AbortSignal,
): Promise<CustomResponse> {
  const method = (httpMethod || 'POST').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    throw invalidArgument(`sendCustomRequest takes GET or POST (the default); got "${httpMethod}".`);
  }
  const base = trimTrailingSlashes(ctx.settings.get('ApiBaseUrl'));
  const path = requestPath.startsWith('/') ? requestPath : `/${requestPath}`;
  const headers: Record<string, string> = await ctx.api.pathRootHeaders(signal);
  if (requestBody) headers['Content-Type'] = 'application/json';
  const response = await ctx.api.send({
    method,
    url: `${base}/2${path}`,
    query: ctx.client.queryParams.map((p): [string, string] => [p.name, p.value]),
    headers,
    ...(requestBody ? { body: requestBody } : {}),
    signal,
    stream: true,
    progress: { direction: 1 },
  });
  const isJson = /\bjson\b/i.test(response.headers['content-type'] ?? '');
  const localFile = options.localFile ?? ctx.client.localFile;
  const result: CustomResponse = { status: response.status, headers: response.headers };
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
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  ctx.client.resourceData = body;
  if (isJson) ctx.rememberJson(body.toString('utf8'));
  result.body = body;
  return result;
}
