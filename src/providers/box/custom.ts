import { invalidArgument } from '../../core/errors.js';
import {
  type CustomRequestOptions,
  type CustomResponse,
  deliverCustomResponse,
  downloadTarget,
} from '../../core/provider.js';
import type { BoxContext } from './context.js';

/** The HTTP methods sendCustomRequest takes. */
const CUSTOM_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);

/**
 * `sendCustomRequest`: `httpMethod` (GET when empty, HEAD, POST, PUT, DELETE) to ApiUrl + `requestPath`
 * (already URL-encoded) + the QueryParams, with `requestBody` when not empty. The body goes where a
 * download's would (a stream, localFile, or resourceData and `body`); a JSON body also to the XPath settings.
 */
export async function sendCustomRequest(
  ctx: BoxContext,
  httpMethod: string,
  requestPath: string,
  requestBody: string,
  options: CustomRequestOptions,
  signal: AbortSignal,
): Promise<CustomResponse> {
  const method = (httpMethod.trim() || 'GET').toUpperCase();
  if (!CUSTOM_METHODS.has(method)) {
    throw invalidArgument(`sendCustomRequest takes GET, HEAD, POST, PUT or DELETE; got "${httpMethod}".`);
  }
  const path = requestPath.startsWith('/') || requestPath === '' ? requestPath : `/${requestPath}`;
  const response = await ctx.api.request({
    method,
    path: `${ctx.api.apiUrl}${path}`,
    query: ctx.client.queryParams.map((p): [string, string] => [p.name, p.value]),
    ...(requestBody ? { body: requestBody, headers: { 'Content-Type': 'application/json' } } : {}),
    stream: true,
    progress: { direction: 1 },
    signal,
  });
  const isJson = /json/i.test(response.headers['content-type'] ?? '');
  const body = await deliverCustomResponse(
    response.body,
    downloadTarget(options, ctx.client),
    isJson ? (t) => ctx.rememberJson(t) : undefined,
  );
  if (body) ctx.client.resourceData = body;
  return { status: response.status, headers: response.headers, ...(body ? { body } : {}) };
}
