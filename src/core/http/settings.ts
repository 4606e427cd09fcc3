import { bool, int, readOnly, type Settings, type SettingTable, str } from '../config.js';
import { defaultUserAgent } from './version.js';

/**
 * The config settings the HTTP client reads, keyed by their exact reference names. Each provider spreads
 * this table into its own, so `client.config('FollowRedirects=1')` reaches the HTTP client through the
 * provider's {@link Settings} instance.
 *
 * The read-only ones (StatusCode, TransferredHeaders, RawRequest, …) are filled by the client: it installs
 * readers for them on the Settings instance it is given.
 *
 * A few settings are ours, not the reference's: the retry policy (`MaxRetries`, `RetryBaseDelayMs`,
 * `RetryMaxDelayMs`, `MaxRetryAfter`). The reference classes do not retry at all; we do, within these bounds.
 */
export const httpSettings = {
  FollowRedirects: int(
    0,
    'What to do with a redirect: 0 never follow (the response is returned to the caller), 1 always, 2 only to the same scheme.',
    { min: 0, max: 2 },
  ),
  MaxRedirectAttempts: int(20, 'The most redirects followed for one request.', { min: 0 }),
  GetOn302Redirect: bool(
    false,
    'When on, a 301/302 redirect of a POST is followed with a GET (as browsers do).',
  ),
  LogLevel: int(
    1,
    'Detail of the log event: 0 none, 1 info (URL, status), 2 verbose, 3 debug (headers and bodies).',
    {
      min: 0,
      max: 3,
    },
  ),
  MaskSensitiveData: bool(true, 'Secrets are masked in log messages and errors. Always on in this library.', {
    validate: (v) =>
      v ? undefined : 'secrets are always masked by this library; the setting cannot be turned off.',
  }),
  OtherHeaders: str(
    '',
    'Extra request headers, "Name: Value" lines separated by CRLF, sent with every request.',
  ),
  UserAgent: str(defaultUserAgent(), 'The User-Agent header sent with every request.'),
  ProgressStep: int(
    1,
    'The progress event fires each time PercentDone rises by this many percent; 0 = every chunk.',
    {
      min: 0,
      max: 99,
    },
  ),
  ProgressAbsolute: bool(
    true,
    'Progress of a resumed transfer counts the bytes transferred before the interruption.',
  ),
  AbsoluteTimeout: bool(
    false,
    'When on, the timeout bounds the whole operation instead of each period of inactivity.',
  ),
  ConnectionTimeout: int(
    0,
    'Seconds allowed for establishing a connection (TCP, proxy, TLS); 0 = use the timeout.',
    {
      min: 0,
    },
  ),
  MaxRetries: int(
    5,
    'How many times a failed idempotent request is sent again (429, 5xx, dropped connections).',
    {
      min: 0,
    },
  ),
  RetryBaseDelayMs: int(500, 'Base delay of the exponential backoff between retries, in milliseconds.', {
    min: 0,
  }),
  RetryMaxDelayMs: int(30_000, 'Upper bound of one backoff delay, in milliseconds.', { min: 0 }),
  MaxRetryAfter: int(
    300,
    'The longest Retry-After (seconds) honoured by waiting; a longer one fails at once.',
    {
      min: 0,
    },
  ),
  ProxyExceptionsList: str(
    '',
    'Hosts reached without the proxy or firewall, separated by semicolons: names (with their subdomains), IP addresses, CIDR blocks, each with an optional :port.',
  ),
  SSLCACerts: str('', 'Extra CA certificates (PEM, one or more) trusted in addition to the system roots.'),
  TransferredRequest: str(
    '',
    'Set to ON to record the requests sent; reading it returns the last full request.',
  ),
  TransferredDataLimit: int(
    65_536,
    'How many bytes of the last response body TransferredData keeps; 0 = none.',
    {
      min: 0,
    },
  ),
  TransferredData: readOnly(
    'The body of the last response (up to TransferredDataLimit bytes), secrets masked.',
  ),
  TransferredHeaders: readOnly('The headers of the last response as received, secrets masked.'),
  SentHeaders: readOnly('The headers of the last request as sent, secrets masked.'),
  StatusCode: readOnly('The status code of the last response.'),
  StatusLine: readOnly('The first line of the last response ("HTTP/1.1 200 OK").'),
  BytesTransferred: readOnly('The number of body bytes received in the last response.'),
  RawRequest: readOnly(
    'The last request sent (headers and body, secrets masked); needs TransferredRequest=ON.',
  ),
  RawResponse: readOnly(
    'The last response received (headers and body, secrets masked); needs TransferredRequest=ON.',
  ),
} satisfies SettingTable;

export type HttpSettingTable = typeof httpSettings;

/** The Settings instance the client reads: any provider table that includes {@link httpSettings}. */
export type HttpSettings = Settings<HttpSettingTable>;
