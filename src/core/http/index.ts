/**
 * The HTTP client every provider uses, and the pieces providers need around it.
 */
export { HttpClient, type HttpClientOptions } from './client.js';
export { type DownloadOptions, type DownloadResult, downloadTo } from './download.js';
export { classifyTransportError, HttpErrorCode, InterruptReason, TimeoutReason } from './errors.js';
export { HeaderList, parseHeaderLines, requestIdOf } from './headers.js';
export { describeBody, LogLevels } from './log.js';
export {
  type ClientCertificate,
  DEFAULT_TIMEOUT_SECONDS,
  type FirewallType,
  FirewallTypes,
  type HttpConnectionOptions,
  type ProxyAuthScheme,
  ProxyAuthSchemes,
  type ProxySSL,
  ProxySSLModes,
} from './options.js';
export { ProgressTracker, type ProgressTrackerOptions, percentOf } from './progress.js';
export { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';
export { type HttpSettings, type HttpSettingTable, httpSettings } from './settings.js';
export { certificateMatches, formatName, splitPemCertificates } from './tls.js';
export type {
  AuthProvider,
  ErrorMapper,
  HttpBody,
  HttpErrorInfo,
  HttpRequest,
  HttpResponse,
  ProgressReporter,
} from './types.js';
export { buildUrl, encodeQueryComponent } from './url.js';
export { defaultUserAgent, packageVersion } from './version.js';
