/**
 * Connection-level options: the reference classes expose these as properties (`timeout`, `other_headers`,
 * `proxy_*`, `firewall_*`, `ssl_*`). The provider base class keeps them as properties and hands the HTTP
 * client a function that returns their current values, read again for every request.
 */

/** `proxy_auth_scheme`: 0 Basic, 1 Digest, 2 proprietary (send `proxyAuthorization` as is), 3 none, 4 NTLM. */
export type ProxyAuthScheme = 0 | 1 | 2 | 3 | 4;
/** `proxy_ssl`: 0 automatic (tunnel for https, forward for http), 1 TLS to the proxy, 2 never tunnel, 3 always tunnel. */
export type ProxySSL = 0 | 1 | 2 | 3;
/** `firewall_type`: 0 none, 1 HTTP CONNECT tunnel, 2 SOCKS4, 3 SOCKS5, 10 SOCKS4A. */
export type FirewallType = 0 | 1 | 2 | 3 | 10;

export const ProxyAuthSchemes = { Basic: 0, Digest: 1, Proprietary: 2, None: 3, Ntlm: 4 } as const;
export const ProxySSLModes = { Automatic: 0, Always: 1, Never: 2, Tunnel: 3 } as const;
export const FirewallTypes = { None: 0, Tunnel: 1, Socks4: 2, Socks5: 3, Socks4A: 10 } as const;

/** A client certificate for mutual TLS: PEM certificate (chain) and key, or a PKCS#12 bundle. */
export type ClientCertificate =
  | { cert: string | Uint8Array; key: string | Uint8Array; passphrase?: string }
  | { pfx: Uint8Array; passphrase?: string };

export interface HttpConnectionOptions {
  /** Seconds; 0 = no timeout. An inactivity timeout unless the AbsoluteTimeout setting is on. Default 60. */
  timeout?: number;
  /** Extra headers for every request: "Name: Value" lines separated by CRLF. */
  otherHeaders?: string;

  /** Host name or address of an HTTP proxy; empty = none. */
  proxyServer?: string;
  /** Default 80. */
  proxyPort?: number;
  proxyUser?: string;
  proxyPassword?: string;
  /** Default 0 (Basic). Digest (1) answers the proxy's challenge (MD5, SHA-256); NTLM (4) is not supported and fails with a clear error. */
  proxyAuthScheme?: ProxyAuthScheme;
  /** The Proxy-Authorization value sent as is with scheme 2 (proprietary). */
  proxyAuthorization?: string;
  /** Default 0 (automatic). */
  proxySSL?: ProxySSL;
  /**
   * Use the proxy the environment names (https_proxy, http_proxy, all_proxy, no_proxy, and their upper
   * case forms) when proxyServer is empty.
   */
  proxyAutoDetect?: boolean;

  /** Default 0 (none). */
  firewallType?: FirewallType;
  /** Use the environment's proxy (as above) as the firewall when firewallType is 0: SOCKS, or a CONNECT tunnel. */
  firewallAutoDetect?: boolean;
  firewallHost?: string;
  /** 0 = the type's usual port (80 for a tunnel, 1080 for SOCKS). */
  firewallPort?: number;
  firewallUser?: string;
  firewallPassword?: string;

  /** Local address to bind outgoing connections to. */
  localHost?: string;

  /** Extra CA certificates (PEM) trusted in addition to the system roots and the SSLCACerts setting. */
  sslCACerts?: string | readonly string[];
  /** Client certificate presented for mutual TLS. */
  sslCert?: ClientCertificate;
  /**
   * A server certificate accepted even if verification fails: its PEM, or its SHA-256 or SHA-1 fingerprint
   * in hex (colons and case ignored), or "*" to accept any certificate (testing only).
   */
  sslAcceptServerCert?: string;
}

export const DEFAULT_TIMEOUT_SECONDS = 60;
