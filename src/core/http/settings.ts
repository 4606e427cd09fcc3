import { bool, int, readOnly, type Settings, type SettingTable, str } from '../config.js';
import { MAX_RESPONSE_BODY_SIZE } from './response.js';
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
 * `MaxResponseBodySize` bounds what is read into memory from one answer (JSON and other buffered bodies).
 */
/** A reference setting that cannot work on Node: only its default (or `supported`) is accepted. */
function unsupportedBool(def: boolean, description: string, why: string) {
  return bool(def, description, { notSupported: { why } });
}
function unsupportedInt(def: number, description: string, why: string, supported?: readonly number[]) {
  return int(def, description, { notSupported: { why, ...(supported ? { supported } : {}) } });
}
function unsupportedStr(def: string, description: string, why: string) {
  return str(def, description, { notSupported: { why } });
}

/** A setting that is another name of a connection property; the class installs its reader and writer. */
const property = (spec: ReturnType<typeof str> | ReturnType<typeof int> | ReturnType<typeof bool>) => spec;

/** SSLEnabledProtocols bits (the reference's values). */
export const SslProtocolBits = {
  SSL2: 12,
  SSL3: 48,
  TLS1: 192,
  TLS1_1: 768,
  TLS1_2: 3072,
  TLS1_3: 12288,
} as const;

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
  MaskSensitive: bool(true, 'Another name of MaskSensitiveData (the Dropbox class spells it so).', {
    aliasOf: 'MaskSensitiveData',
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
  MaxResponseBodySize: int(
    16 * 1024 * 1024,
    'The most bytes of one answer read into memory (JSON and other buffered bodies; downloads stream and are not bounded by it). A larger answer fails with error 600 without being read.',
    { min: 1, max: MAX_RESPONSE_BODY_SIZE },
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

  // ---- HTTP settings of the reference (beyond the ones above) ----------------------------------------
  AcceptEncoding: str(
    'gzip, deflate',
    'The Accept-Encoding sent when AllowHTTPCompression is on (gzip, deflate and br are decoded).',
  ),
  AllowHTTPCompression: bool(
    true,
    'Ask for compressed responses and decode them (API answers read into memory; downloads stay byte-exact).',
  ),
  AllowHTTPFallback: bool(
    true,
    'With HTTPVersion=2.0, fall back to HTTP/1.1 when the server does not offer HTTP/2.',
  ),
  Append: unsupportedBool(
    false,
    'Append downloaded data to localFile.',
    'downloads resume with startByte, which appends to localFile from that offset; Append has no separate meaning.',
  ),
  Authorization: property(str('', 'The Authorization header value; the same as the authorization property.')),
  ChunkSize: int(16_384, 'Bytes per chunk of a request body sent with UseChunkedEncoding.', { min: 1 }),
  CompressHTTPRequest: bool(false, 'Send PUT and POST bodies gzip-compressed (Content-Encoding: gzip).'),
  EncodeURL: bool(true, 'URLs are percent-encoded (always so here).', {
    notSupported: { why: 'URLs are built with WHATWG URL, which always percent-encodes them.' },
  }),
  HTTP2HeadersWithoutIndexing: unsupportedStr(
    '',
    'HTTP/2 headers kept out of the HPACK dynamic table.',
    "undici's HTTP/2 client offers no control over HPACK indexing.",
  ),
  HTTPVersion: str('1.1', 'The HTTP version: 1.1, or 2.0 (over TLS, with ALPN; see AllowHTTPFallback).', {
    allowed: ['1.0', '1.1', '2.0', '3.0'],
    notSupported: {
      why: 'Node sends HTTP/1.1 or HTTP/2 only (undici has no HTTP/1.0 request line and no HTTP/3 client); use 1.1 or 2.0.',
      supported: ['2.0'],
    },
  }),
  IfModifiedSince: str('', 'When set, an If-Modified-Since header with this HTTP date is sent.'),
  KeepAlive: bool(
    true,
    'Keep connections open for the next request (pooling). Off: every request on a new connection (Connection: close).',
  ),
  KerberosSPN: unsupportedStr(
    '',
    'The Kerberos service principal name.',
    'Kerberos / Negotiate authentication is not implemented.',
  ),
  NegotiatedHTTPVersion: readOnly('The HTTP version of the last response: 1.1 or 2.0.'),
  ProxyAuthorization: str('', 'A Proxy-Authorization value sent as is (proxyAuthScheme 2).'),
  ProxyAuthScheme: property(
    int(0, 'The proxyAuthScheme property: 0 Basic, 1 Digest, 2 ProxyAuthorization as is, 3 none, 4 NTLM.', {
      min: 0,
      max: 4,
    }),
  ),
  ProxyPassword: property(str('', 'The proxyPassword property.')),
  ProxyPort: property(int(80, 'The proxyPort property.', { min: 0, max: 65_535 })),
  ProxyServer: property(str('', 'The proxyServer property.')),
  ProxyUser: property(str('', 'The proxyUser property.')),
  UseChunkedEncoding: bool(
    false,
    'Send request bodies with Transfer-Encoding: chunked, in ChunkSize pieces.',
  ),
  UseIDNs: bool(true, 'Host names with non-ASCII characters are sent as punycode (always so here).', {
    notSupported: { why: 'URLs are built with WHATWG URL, which always turns such names into punycode.' },
  }),
  UsePlatformHTTPClient: unsupportedBool(
    false,
    "Use the platform's HTTP client.",
    'the platform clients it names are Apple and Java ones; on Node the HTTP client is always undici.',
  ),
  UseProxyAutoConfigURL: unsupportedBool(
    false,
    'Use a proxy auto-config (PAC) file with proxyAutoDetect.',
    'PAC files are JavaScript this library does not evaluate; proxyAutoDetect reads https_proxy, http_proxy, all_proxy and no_proxy.',
  ),

  // ---- TCPClient settings -------------------------------------------------------------------------
  FirewallAutoDetect: property(bool(false, 'The firewallAutoDetect property.')),
  FirewallHost: property(str('', 'The firewallHost property.')),
  FirewallPassword: property(str('', 'The firewallPassword property.')),
  FirewallPort: property(int(0, 'The firewallPort property.', { min: 0, max: 65_535 })),
  FirewallType: property(
    int(0, 'The firewallType property: 0 none, 1 tunnel, 2 SOCKS4, 3 SOCKS5, 10 SOCKS4A.', {
      min: 0,
      max: 3,
      allowed: [10],
    }),
  ),
  FirewallUser: property(str('', 'The firewallUser property.')),
  KeepAliveInterval: unsupportedInt(
    0,
    'Milliseconds between TCP keep-alive probes.',
    "Node sets only the idle time before the first probe (KeepAliveTime); the probe interval stays the system's.",
  ),
  KeepAliveTime: int(
    60_000,
    'Milliseconds of idleness before the first TCP keep-alive probe (TCPKeepAlive).',
    {
      min: 0,
    },
  ),
  Linger: unsupportedBool(
    true,
    'Close connections gracefully (SO_LINGER).',
    'Node exposes no SO_LINGER option; connections are always closed gracefully.',
  ),
  LingerTime: unsupportedInt(0, 'Seconds a closing connection lingers.', 'Node exposes no SO_LINGER option.'),
  LocalHost: property(
    str('', 'The localHost property: the local address outgoing connections are bound to.'),
  ),
  LocalPort: int(
    0,
    'The local port outgoing connections are bound to; 0 = any. A fixed port allows one connection at a time.',
    {
      min: 0,
      max: 65_535,
    },
  ),
  MaxLineLength: int(
    2048,
    'Line buffer of the TCP component; no effect in an HTTP client (as in the reference).',
    {
      min: 256,
    },
  ),
  MaxTransferRate: int(
    0,
    'Upper bound of the transfer rate of each request body and response body, in bytes per second; 0 = none.',
    {
      min: 0,
    },
  ),
  TCPKeepAlive: bool(true, 'Enable TCP keep-alive probes on connections (SO_KEEPALIVE).'),
  TcpNoDelay: bool(true, "Send small writes at once (TCP_NODELAY, Nagle's algorithm off)."),
  UseIPv6: int(0, 'Address family for host names: 0 IPv4 only, 1 IPv6 only, 2 IPv6 first then IPv4.', {
    min: 0,
    max: 2,
  }),

  // ---- SSL settings -----------------------------------------------------------------------------
  LogSSLPackets: unsupportedBool(
    false,
    'Log every TLS record through the sslStatus event.',
    "Node's TLS does not hand records to the application; set SSLKeyLogFile and read a packet capture instead.",
  ),
  OpenSSLCADir: str('', 'A directory of PEM CA certificates trusted in addition to the system roots.'),
  OpenSSLCAFile: str('', 'A file of PEM CA certificates trusted in addition to the system roots.'),
  OpenSSLCipherList: str('', 'An OpenSSL cipher list for TLS 1.2 and below ("" = OpenSSL\'s default).'),
  OpenSSLPrngSeedData: unsupportedStr(
    '',
    'Seed data for the random number generator.',
    "Node's OpenSSL seeds itself from the operating system and takes no seed.",
  ),
  ReuseSSLSession: bool(true, 'Resume the TLS session of the previous connection to the same server.'),
  SSLCACertFilePaths: str(
    '/etc/ssl/ca-bundle.pem;/etc/pki/tls/certs/ca-bundle.crt;/etc/ssl/certs/ca-certificates.crt;/etc/pki/tls/cacert.pem',
    "CA bundle files, separated by semicolons; the first that exists is trusted together with Node's roots.",
  ),
  SSLCheckCRL: unsupportedInt(
    0,
    'Check the server certificate against its CRL: 0 no, 1 if available, 2 required.',
    'Node does not fetch certificate revocation lists.',
  ),
  SSLCheckOCSP: unsupportedInt(
    0,
    'Check the server certificate with OCSP: 0 no, 1 if available, 2 required.',
    'Node does not verify OCSP responses.',
  ),
  SSLCipherStrength: int(0, 'The least key length (bits) of the negotiated bulk cipher; 0 = any.', {
    min: 0,
  }),
  SSLClientCACerts: str(
    '',
    'CA certificates for client certificates; used by servers only, no effect in a client.',
  ),
  SSLEnabledCipherSuites: str(
    '*',
    "The cipher suites allowed: * (OpenSSL's default) or a list of OpenSSL or IANA names.",
  ),
  SSLEnabledProtocols: int(
    SslProtocolBits.TLS1_2 | SslProtocolBits.TLS1_3,
    'The TLS versions allowed, OR-ed: 192 TLS 1.0, 768 TLS 1.1, 3072 TLS 1.2, 12288 TLS 1.3.',
    {
      // A bit mask, not a range: the checks below say what is wrong with a value (no min/max, whose message
      // would hide that SSL 2/3 are gone).
      validate: (v) =>
        v < 0 || v > 16383
          ? 'use the OR of the protocol bits (0 to 16383).'
          : v & (SslProtocolBits.SSL2 | SslProtocolBits.SSL3)
            ? 'SSL 2 and SSL 3 are not available in Node (OpenSSL 3 removed them); use the TLS bits.'
            : (v &
                  (SslProtocolBits.TLS1 |
                    SslProtocolBits.TLS1_1 |
                    SslProtocolBits.TLS1_2 |
                    SslProtocolBits.TLS1_3)) ===
                0
              ? 'enable at least one TLS version.'
              : undefined,
    },
  ),
  SSLEnableRenegotiation: bool(
    false,
    'The renegotiation_info extension; OpenSSL always sends it, so no effect.',
  ),
  SSLIncludeCertChain: bool(
    false,
    "When on, the sslServerAuthentication event's certEncoded holds the whole chain the server sent (DER, leaf first).",
  ),
  SSLKeyLogFile: str(
    '',
    'A file the TLS session secrets are appended to (NSS key log format, for Wireshark).',
  ),
  SSLNegotiatedCipher: readOnly('The cipher of the last TLS connection (AES_256_GCM, CHACHA20_POLY1305, …).'),
  SSLNegotiatedCipherStrength: readOnly("The key length in bits of the last TLS connection's cipher."),
  SSLNegotiatedCipherSuite: readOnly('The cipher suite of the last TLS connection (IANA name).'),
  SSLNegotiatedKeyExchange: readOnly('The key exchange of the last TLS connection (ECDHE, DHE, RSA).'),
  SSLNegotiatedKeyExchangeStrength: readOnly('The key exchange strength in bits of the last TLS connection.'),
  SSLNegotiatedVersion: readOnly('The protocol of the last TLS connection (TLSv1.2, TLSv1.3).'),
  SSLSecurityFlags: int(
    0,
    'Certificate checks to skip: 0x1 validity dates, 0x10 unknown CA, 0x80000000 host name.',
    {
      min: 0,
      max: 0xffffffff,
    },
  ),
  SSLServerCACerts: str('', 'CA certificates (PEM) trusted for the server, in addition to the system roots.'),
  TLS12SignatureAlgorithms: str(
    '',
    'Signature algorithms for TLS 1.2, as "sha256-rsa,sha256-ecdsa,…"; "" = OpenSSL\'s default.',
  ),
  TLS12SupportedGroups: str('', 'ECC groups for TLS 1.2, as "ecdhe_secp256r1,…"; "" = OpenSSL\'s default.'),
  TLS13KeyShareGroups: str(
    '',
    'Groups to pre-generate key shares for; OpenSSL chooses its own, so no effect.',
  ),
  TLS13SignatureAlgorithms: str(
    '',
    'Signature algorithms for TLS 1.3, as "rsa_pss_sha256,ed25519,…"; "" = OpenSSL\'s default.',
  ),
  TLS13SupportedGroups: str(
    '',
    'Key exchange groups for TLS 1.3, as "ecdhe_x25519,ffdhe_2048,…"; "" = OpenSSL\'s default.',
  ),

  // ---- Socket settings --------------------------------------------------------------------------
  FirewallData: str(
    '',
    'Extra header lines ("Name: Value", CRLF separated) sent with CONNECT to a tunnelling firewall.',
  ),
  InBufferSize: unsupportedInt(
    0,
    'The socket receive buffer (SO_RCVBUF).',
    'Node exposes no SO_RCVBUF option for TCP sockets.',
  ),
  OutBufferSize: unsupportedInt(
    0,
    'The socket send buffer (SO_SNDBUF).',
    'Node exposes no SO_SNDBUF option for TCP sockets.',
  ),

  // ---- Base settings ----------------------------------------------------------------------------
  BuildInfo: readOnly('The versions this library runs with (cloudstorage, Node, OpenSSL, undici).'),
  CodePage: unsupportedInt(
    65_001,
    'The code page of strings.',
    'JavaScript strings are Unicode and every name and text is sent as UTF-8 (65001).',
  ),
  LicenseInfo: readOnly('The license of this library.'),
  ProcessIdleEvents: unsupportedBool(
    false,
    'Run an internal event loop when the main thread is idle.',
    "Node's own event loop delivers every event; there is no other loop to run.",
  ),
  SelectWaitMillis: unsupportedInt(
    20,
    'The wait of DoEvents.',
    'there is no DoEvents on Node: the event loop waits by itself.',
  ),
  UseFIPSCompliantAPI: bool(
    false,
    "Require Node's crypto to run in FIPS mode (node --enable-fips with a FIPS provider).",
  ),
  UseInternalSecurityAPI: unsupportedBool(
    false,
    'Use an internal TLS implementation instead of the system one.',
    "TLS is always Node's own OpenSSL.",
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
