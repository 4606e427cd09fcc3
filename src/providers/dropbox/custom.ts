import { invalidArgument } from '../../core/errors.js';
import { trimTrailingSlashes } from '../../core/http/url.js';
import {
  type CustomRequestOptions,
  type CustomResponse,
  deliverCustomResponse,
  downloadTarget,
} from '../../core/provider.js';
import type { DropboxContext } from './context.js';

/**
 * sendCustomRequest: any RPC route of `https://api.dropboxapi.com/2` (ApiBaseUrl), GET or POST (the
 * default), with the QueryParams, OtherHeaders, the Authorization of the class and the given body (sent as
 * JSON, which is what RPC routes take; OtherHeaders may set another Content-Type). The response body goes
 * where a download's would (`options.stream`, localFile, or resourceData and `body`); a JSON body feeds
 * the XPath settings.
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
  const body = await deliverCustomResponse(
    response.body,
    downloadTarget(options, ctx.client),
    isJson ? (text) => ctx.rememberJson(text) : undefined,
  );
  if (body) ctx.client.resourceData = body;
  return { status: response.status, headers: response.headers, ...(body ? { body } : {}) };
}
