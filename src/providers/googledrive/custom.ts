import { readFile, stat } from 'node:fs/promises';
import { invalidArgument } from '../../core/errors.js';
import { deliverBody } from '../../core/transfer/index.js';
import type { GoogleDriveContext } from './context.js';
import type { CustomRequestOptions, CustomResponse } from './types.js';

/** JSON bodies up to this size written to localFile are read back for the XPath settings. */
const XPATH_FILE_LIMIT = 16 * 1024 * 1024;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * sendCustomRequest: any call under `https://www.googleapis.com/drive/v3` (ApiUrl) + requestPath (already
 * URL-encoded), GET by default, with every QueryParam, OtherHeaders, the Authorization of the class and the
 * body (JSON) when there is one. The response body goes to localFile or resourceData as downloadFile does;
 * a JSON body feeds the XPath settings.
 */
export async function sendCustomRequest(
  ctx: GoogleDriveContext,
  httpMethod: string,
  requestPath: string,
  requestBody: string,
  options: CustomRequestOptions,
  signal: AbortSignal,
): Promise<CustomResponse> {
  const method = (httpMethod || 'GET').toUpperCase();
  if (!METHODS.includes(method)) {
    throw invalidArgument(
      `sendCustomRequest takes ${METHODS.join(', ')} (GET when empty); got "${httpMethod}".`,
    );
  }
  const path = requestPath.startsWith('/') ? requestPath : `/${requestPath}`;
  const response = await ctx.api.send({
    method,
    path: `${ctx.api.apiUrl}${path}`,
    query: ctx.client.queryParams.map((p): [string, string] => [p.name, p.value]),
    ...(requestBody
      ? { body: requestBody, headers: { 'Content-Type': 'application/json; charset=UTF-8' } }
      : {}),
    signal,
    stream: true,
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
    if (isJson && (await stat(localFile)).size <= XPATH_FILE_LIMIT)
      ctx.rememberJson(await readFile(localFile, 'utf8'));
    return result;
  }
  const body = (await deliverBody(response.body, { kind: 'bytes' })) ?? new Uint8Array(0);
  ctx.client.resourceData = body;
  if (isJson) ctx.rememberJson(Buffer.from(body).toString('utf8'));
  result.body = body;
  return result;
}
