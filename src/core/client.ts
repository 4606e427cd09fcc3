import type { Readable } from 'node:stream';
import {
  type AccessTokenCallback,
  type BrowserLauncher,
  CallbackTokenSource,
  exposeOAuthProperties,
  OAUTH_PROPERTY_NAMES,
  OAuthClient,
  type OAuthProperties,
  type OAuthServiceProfile,
  oauthSettings,
  type TokenSource,
  type TokenStore,
} from './auth/index.js';
import { parseBool, type SettingOptions, Settings, type SettingTable } from './config.js';
import type { EncryptionSettings } from './crypto/index.js';
import {
  encryptionSecrets,
  encryptionSettings,
  encryptionSettingsFrom,
  isEncryptionEnabled,
  validateEncryptionSettings,
} from './crypto/index.js';
import { CloudStorageError, ErrorCode } from './errors.js';
import { type CoreEvents, TypedEmitter } from './events.js';
import {
  type ClientCertificate,
  DEFAULT_TIMEOUT_SECONDS,
  type ErrorMapper,
  type FirewallType,
  HttpClient,
  type HttpConnectionOptions,
  httpSettings,
  type ProxyAuthScheme,
  type ProxySSL,
} from './http/index.js';
import { installXPath, xpathSettings, xpathSettingTable } from './json-xpath.js';
import { resizeCollection } from './provider.js';
import { Redactor } from './redact.js';
import {
  type CertificateFields,
  certificateFields,
  clientCertificateFrom,
  SSL_STORE_DEFAULTS,
} from './ssl-properties.js';

/**
 * The settings every class has: HTTP, OAuth, JSON XPath over the last response and over a JWT access
 * token, and encryption. A provider spreads this table into its own and adds its own settings.
 */
export const coreSettings = {
  ...httpSettings,
  ...oauthSettings,
  ...xpathSettings,
  ...xpathSettingTable('OAuthJWT'),
  ...encryptionSettings,
} satisfies SettingTable;
export type CoreSettingTable = typeof coreSettings;

/** A query parameter of the QueryParams collection. */
export interface QueryParam {
  name: string;
  value: string;
}

/** A response header of the ParsedHeaders collection. */
export interface ParsedHeader {
  field: string;
  value: string;
}

/** The reference properties every class has (camelCased), besides the OAuth ones. */
export interface CoreProperties {
  /** Seconds; 0 = none. An inactivity timeout unless AbsoluteTimeout is on. */
  timeout: number;
  otherHeaders: string;
  /** Upload source and download destination on disk. */
  localFile: string;
  /** Upload source when localFile is empty; download result when localFile is empty. */
  resourceData: Uint8Array | Readable | ReadableStream<Uint8Array> | undefined;
  /** Resume offset of uploads and downloads. */
  startByte: number;
  /** Whether a download may replace an existing localFile. */
  overwrite: boolean;
  encryptionAlgorithm: number;
  encryptionPassword: string;
  proxyAuthScheme: ProxyAuthScheme;
  proxyAutoDetect: boolean;
  proxyServer: string;
  proxyPort: number;
  proxyUser: string;
  proxyPassword: string;
  proxySSL: ProxySSL;
  firewallAutoDetect: boolean;
  firewallType: FirewallType;
  firewallHost: string;
  firewallPort: number;
  firewallUser: string;
  firewallPassword: string;
  localHost: string;
  /** Extra trusted CA certificates (PEM). */
  sslCACerts: string | readonly string[] | undefined;
  /** Client certificate for mutual TLS. */
  sslCert: ClientCertificate | undefined;
  /** A server certificate accepted even if verification fails (PEM or fingerprint; "*" = any). */
  sslAcceptServerCert: string;
  /** `ssl_cert_store`: a PFX or PEM file path, or its contents (see `sslCertStoreType`). */
  sslCertStore: string | Uint8Array;
  /** `ssl_cert_store_type`: 2 PFX file, 3 PFX blob, 6 PEM file, 7 PEM blob, 99 automatic (Windows and Java stores are not supported). */
  sslCertStoreType: number;
  sslCertStorePassword: string;
  /** `ssl_cert_subject`: selects the store's certificate ("*" = any); empty = no client certificate. */
  sslCertSubject: string;
  /** `ssl_cert_encoded`: a client certificate given directly (PEM with its key, or a PFX). */
  sslCertEncoded: string | Uint8Array;
  /** `ssl_provider`: informational here; Node's TLS (OpenSSL) is always used. */
  sslProvider: number;
}

const CORE_PROPERTY_DEFAULTS: CoreProperties = {
  timeout: DEFAULT_TIMEOUT_SECONDS,
  otherHeaders: '',
  localFile: '',
  resourceData: undefined,
  startByte: 0,
  overwrite: false,
  encryptionAlgorithm: 0,
  encryptionPassword: '',
  proxyAuthScheme: 0,
  proxyAutoDetect: false,
  proxyServer: '',
  proxyPort: 80,
  proxyUser: '',
  proxyPassword: '',
  proxySSL: 0,
  firewallAutoDetect: false,
  firewallType: 0,
  firewallHost: '',
  firewallPort: 0,
  firewallUser: '',
  firewallPassword: '',
  localHost: '',
  sslCACerts: undefined,
  sslCert: undefined,
  sslAcceptServerCert: '',
  ...SSL_STORE_DEFAULTS,
  sslProvider: 0,
};

/** Constructor options: every writable setting (lower-camel-cased), every property, and the wiring. */
export type CloudClientOptions<S extends SettingTable> = SettingOptions<S> &
  Partial<CoreProperties> &
  Partial<Omit<OAuthProperties, 'oAuthWebAuthUrl'>> & {
    /** Where OAuth tokens are kept between runs (memory only by default). */
    tokenStore?: TokenStore;
    /** Opens the authorization URL during authorize(); default the platform's browser opener. */
    openBrowser?: BrowserLauncher;
    /**
     * Gets access tokens instead of the OAuth grants: a signed assertion, a remote service. The classes
     * build the usual ones from their own options (accessTokenCallback, Box jwt*, Google serviceAccountKey).
     */
    tokenSource?: TokenSource;
    /**
     * Supplies access tokens: called for the first one (unless oAuthAccessToken is set: a developer
     * token) and again whenever the service says the token expired, with the expired token.
     */
    accessTokenCallback?: AccessTokenCallback;
  };

/** Per-call options that every method accepts, last. */
export interface CallOptions {
  /** Aborts this call only; interrupt() aborts every call of the instance. */
  signal?: AbortSignal;
}

/**
 * What the four service classes share: the settings registry and `config()`, the events, the HTTP client
 * (pools, retries, proxies, TLS, logging), OAuth (`authorize()`, refresh, token stores), the reference
 * properties, query parameters, parsed headers, encryption settings, `interrupt()` and `reset()`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below adds the run-time OAuth properties.
export abstract class CloudClient<E extends CoreEvents, S extends CoreSettingTable>
  extends TypedEmitter<E>
  implements CoreProperties
{
  readonly settings: Settings<S>;
  readonly redactor = new Redactor();
  /** The HTTP client: providers send every request through it. */
  protected readonly http: HttpClient;
  /** The OAuth machinery; its properties are exposed on the instance (`oAuthClientId`, …). */
  readonly oauth: OAuthClient;

  timeout = CORE_PROPERTY_DEFAULTS.timeout;
  otherHeaders = '';
  localFile = '';
  resourceData: CoreProperties['resourceData'] = undefined;
  startByte = 0;
  overwrite = false;
  encryptionAlgorithm = 0;
  proxyAuthScheme: ProxyAuthScheme = 0;
  proxyAutoDetect = false;
  proxyServer = '';
  proxyPort = 80;
  proxyUser = '';
  proxySSL: ProxySSL = 0;
  firewallAutoDetect = false;
  firewallType: FirewallType = 0;
  firewallHost = '';
  firewallPort = 0;
  firewallUser = '';
  localHost = '';
  sslCACerts: string | readonly string[] | undefined = undefined;
  sslCert: ClientCertificate | undefined = undefined;
  sslAcceptServerCert = '';
  sslCertStore: string | Uint8Array = SSL_STORE_DEFAULTS.sslCertStore;
  sslCertStoreType = SSL_STORE_DEFAULTS.sslCertStoreType;
  sslCertSubject = '';
  sslCertEncoded: string | Uint8Array = '';
  sslProvider = 0;

  /** The QueryParams collection: sent by the methods that document it (search, sendCustomRequest, …). */
  queryParams: QueryParam[] = [];

  private _accessTokenCallback: AccessTokenCallback | undefined;
  private _encryptionPassword = '';
  private _proxyPassword = '';
  private _firewallPassword = '';
  private _sslCertStorePassword = '';
  /** The certificate the server presented last (from the sslServerAuthentication event). */
  private lastServerCert: Uint8Array = new Uint8Array(0);
  private interruptController = new AbortController();
  private running = 0;
  /** The body of the last JSON response, for the XPath settings. */
  protected lastJson = '';

  protected constructor(
    table: S,
    options: CloudClientOptions<S>,
    wiring: { oauthService: OAuthServiceProfile; errorFromResponse?: ErrorMapper },
  ) {
    super();
    const { settingValues, propertyValues } = splitOptions(table, options);
    this.settings = new Settings(table, settingValues as SettingOptions<S>);
    const events = this as unknown as TypedEmitter<CoreEvents>;
    this.http = new HttpClient({
      settings: this.settings as never,
      events,
      redactor: this.redactor,
      connection: () => this.connectionOptions(),
      ...(wiring.errorFromResponse ? { errorFromResponse: wiring.errorFromResponse } : {}),
    });
    this.oauth = new OAuthClient({
      http: this.http,
      settings: this.settings as never,
      redactor: this.redactor,
      service: wiring.oauthService,
      ...(options.tokenStore ? { store: options.tokenStore } : {}),
      ...(options.openBrowser ? { openBrowser: options.openBrowser } : {}),
      ...(options.tokenSource ? { tokenSource: options.tokenSource } : {}),
      log: (event) => {
        if (event.logLevel <= this.settings.get('LogLevel')) this.emit('log', event as E['log']);
      },
    });
    this.http.auth = this.oauth;
    events.on('sslServerAuthentication', (e) => {
      this.lastServerCert = e.certEncoded;
    });
    exposeOAuthProperties(this, this.oauth);
    this.installPropertySettings();
    installXPath(this.settings, '', () => this.lastJson);
    installXPath(this.settings, 'OAuthJWT', () => String(this.settings.get('OAuthJWTPayload') ?? ''));
    for (const [key, value] of Object.entries(propertyValues)) (this as Record<string, unknown>)[key] = value;
  }

  // ---- sign-in without a browser ---------------------------------------------------------------------

  /**
   * A callback that supplies access tokens, for a client that does not hold the secrets (like Box's
   * `RemoteOAuth2`) or a developer token that the application renews (set oAuthAccessToken too): it is
   * called for a token when there is none, and again with the old one when the service says it expired.
   * Setting it replaces any other token source (Box JWT, a service account); undefined removes it.
   */
  get accessTokenCallback(): AccessTokenCallback | undefined {
    return this._accessTokenCallback;
  }
  set accessTokenCallback(callback: AccessTokenCallback | undefined) {
    if (callback !== undefined && typeof callback !== 'function')
      throw new CloudStorageError(ErrorCode.InvalidArgument, 'accessTokenCallback must be a function.');
    this._accessTokenCallback = callback;
    this.oauth.tokenSource = callback ? new CallbackTokenSource(callback) : undefined;
  }

  // ---- secret properties: registered with the redactor as soon as they are set ----------------------

  get encryptionPassword(): string {
    return this._encryptionPassword;
  }
  set encryptionPassword(value: string) {
    this._encryptionPassword = value;
    this.redactor.add(value);
  }
  get proxyPassword(): string {
    return this._proxyPassword;
  }
  set proxyPassword(value: string) {
    this._proxyPassword = value;
    this.redactor.add(value);
  }
  get firewallPassword(): string {
    return this._firewallPassword;
  }
  set firewallPassword(value: string) {
    this._firewallPassword = value;
    this.redactor.add(value);
  }
  get sslCertStorePassword(): string {
    return this._sslCertStorePassword;
  }
  set sslCertStorePassword(value: string) {
    this._sslCertStorePassword = value;
    this.redactor.add(value);
  }

  // ---- the reference's names for the TLS properties -------------------------------------------------

  /** `ssl_accept_server_cert_encoded`: the same as sslAcceptServerCert. */
  get sslAcceptServerCertEncoded(): string {
    return this.sslAcceptServerCert;
  }
  set sslAcceptServerCertEncoded(value: string) {
    this.sslAcceptServerCert = value;
  }

  /** `ssl_server_cert_encoded` (read-only): the DER certificate the server presented last. */
  get sslServerCertEncoded(): Uint8Array {
    return this.lastServerCert;
  }

  /** The expanded fields of the server certificate (`ssl_server_cert_issuer`, `…_fingerprint_sha256`, …). */
  private get serverCert(): CertificateFields {
    return certificateFields(this.lastServerCert);
  }
  get sslServerCertEffectiveDate(): string {
    return this.serverCert.effectiveDate;
  }
  get sslServerCertExpirationDate(): string {
    return this.serverCert.expirationDate;
  }
  get sslServerCertExtendedKeyUsage(): string {
    return this.serverCert.extendedKeyUsage;
  }
  get sslServerCertFingerprint(): string {
    return this.serverCert.fingerprintMD5;
  }
  get sslServerCertFingerprintSHA1(): string {
    return this.serverCert.fingerprintSHA1;
  }
  get sslServerCertFingerprintSHA256(): string {
    return this.serverCert.fingerprintSHA256;
  }
  get sslServerCertIssuer(): string {
    return this.serverCert.issuer;
  }
  get sslServerCertSubject(): string {
    return this.serverCert.subject;
  }
  get sslServerCertSubjectAltNames(): string {
    return this.serverCert.subjectAltNames;
  }
  get sslServerCertSerialNumber(): string {
    return this.serverCert.serialNumber;
  }
  get sslServerCertSignatureAlgorithm(): string {
    return this.serverCert.signatureAlgorithm;
  }
  get sslServerCertPublicKey(): string {
    return this.serverCert.publicKey;
  }
  get sslServerCertPublicKeyAlgorithm(): string {
    return this.serverCert.publicKeyAlgorithm;
  }
  get sslServerCertPublicKeyLength(): number {
    return this.serverCert.publicKeyLength;
  }
  get sslServerCertThumbprintMD5(): string {
    return this.serverCert.fingerprintMD5;
  }
  get sslServerCertThumbprintSHA1(): string {
    return this.serverCert.fingerprintSHA1;
  }
  get sslServerCertThumbprintSHA256(): string {
    return this.serverCert.fingerprintSHA256;
  }
  get sslServerCertUsage(): string {
    return this.serverCert.usage;
  }
  get sslServerCertUsageFlags(): number {
    return this.serverCert.usageFlags;
  }
  get sslServerCertVersion(): string {
    return this.serverCert.version;
  }
  /** A server's private key is never known to a client. */
  get sslServerCertPrivateKey(): string {
    return '';
  }
  get sslServerCertPrivateKeyAvailable(): boolean {
    return false;
  }
  get sslServerCertPrivateKeyContainer(): string {
    return '';
  }

  // ---- reference methods shared by all classes ----------------------------------------------------------

  /** `config('Name=Value')` sets a setting and returns ''; `config('Name')` reads one. */
  config(configurationString: string): string {
    return this.settings.config(configurationString);
  }

  /** Adds a query parameter to the QueryParams collection (its value is URL-encoded when sent). */
  addQueryParam(name: string, value: string): void {
    this.queryParams.push({ name, value });
  }

  /** Response headers of the last request, names as received. */
  get parsedHeaders(): ParsedHeader[] {
    return this.http.parsedHeaders.map(([field, value]) => ({ field, value }));
  }

  /** `parsed_header_count`. */
  get parsedHeaderCount(): number {
    return this.http.parsedHeaders.length;
  }

  /** `query_param_count`: the size of the QueryParams collection; setting it truncates or adds blank entries. */
  get queryParamCount(): number {
    return this.queryParams.length;
  }
  set queryParamCount(n: number) {
    this.queryParams = resizeCollection(
      this.queryParams,
      n,
      () => ({ name: '', value: '' }),
      'queryParamCount',
    );
  }

  /** False while a method is running. */
  get idle(): boolean {
    return this.running === 0 && this.http.idle;
  }

  /** Gets or refreshes the OAuth access token per the OAuth properties; returns the Authorization value. */
  authorize(options: CallOptions = {}): Promise<string> {
    return this.oauth.authorize(options.signal);
  }

  /**
   * The Authorization header value the next request will send: the `authorization` property, or the cached
   * OAuth token (refreshed first when it expired, as before any request).
   */
  calcAuthorization(options: CallOptions = {}): Promise<string> {
    return this.run(options, async (signal) => (await this.oauth.authorizationHeader(signal)) ?? '');
  }

  /** Stops every operation in progress; each fails with error 301 and can be resumed as documented. */
  interrupt(): void {
    this.interruptController.abort(
      new CloudStorageError(ErrorCode.Interrupted, 'The operation was interrupted.'),
    );
    this.interruptController = new AbortController();
    this.http.interrupt();
  }

  /** Returns the instance to its initial state (OAuth state too when OAuthResetData is on). */
  async reset(): Promise<void> {
    this.interrupt();
    Object.assign(this, { ...CORE_PROPERTY_DEFAULTS });
    this.queryParams = [];
    this.lastJson = '';
    this.settings.reset();
    await this.oauth.reset();
  }

  /** Closes connection pools and the OAuth loopback server. */
  async close(): Promise<void> {
    await this.oauth.close();
    await this.http.close();
  }

  // ---- for the providers ------------------------------------------------------------------------------

  /**
   * Runs one public method: marks the instance busy, and gives the method a signal that fires on
   * interrupt() or on the caller's own signal.
   */
  protected async run<T>(
    options: CallOptions | undefined,
    body: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const signal = this.callSignal(options);
    this.running++;
    try {
      return await body(signal);
    } finally {
      this.running--;
    }
  }

  /**
   * Runs a public iterator (`iterateResources`, …): one signal for the whole walk, so interrupt() and the
   * caller's signal also stop it between pages, and the instance busy only while a page is being fetched,
   * so an iterator the caller abandons early never leaves the instance busy.
   */
  protected async *iterate<T>(
    options: CallOptions | undefined,
    make: (signal: AbortSignal) => AsyncIterable<T>,
  ): AsyncGenerator<T> {
    const signal = this.callSignal(options);
    const source = make(signal)[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (signal.aborted) throw interrupted(signal.reason);
        let next: IteratorResult<T>;
        this.running++;
        try {
          next = await source.next();
        } finally {
          this.running--;
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await source.return?.();
    }
  }

  /** The signal of one call: fires on interrupt() (of the moment the call starts) or the caller's signal. */
  private callSignal(options: CallOptions | undefined): AbortSignal {
    const signals = [this.interruptController.signal, ...(options?.signal ? [options.signal] : [])];
    return signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
  }

  /** The encryption settings in force for a call; invalid settings fail before any request. */
  protected encryption(
    overrides: { encryptionAlgorithm?: number; encryptionPassword?: string } = {},
  ): EncryptionSettings {
    const s = encryptionSettingsFrom(
      this.settings as never,
      overrides.encryptionAlgorithm ?? this.encryptionAlgorithm,
      overrides.encryptionPassword ?? this.encryptionPassword,
    );
    // Off (no password, no key) is valid; a lone EncryptionIV is a mistake worth reporting.
    if (isEncryptionEnabled(s) || s.ivHex) validateEncryptionSettings(s);
    for (const secret of encryptionSecrets(s)) this.redactor.add(secret);
    return s;
  }

  /** Remembers a JSON response body for the XPath settings. */
  protected rememberJson(text: string): void {
    this.lastJson = text;
  }

  /** sslCert, else the certificate the reference's ssl_cert_* properties select. */
  private clientCertificate(): ClientCertificate | undefined {
    if (this.sslCert) return this.sslCert;
    const props = {
      sslCertStore: this.sslCertStore,
      sslCertStoreType: this.sslCertStoreType,
      sslCertStorePassword: this.sslCertStorePassword,
      sslCertSubject: this.sslCertSubject,
      sslCertEncoded: this.sslCertEncoded,
    };
    if (!props.sslCertSubject && props.sslCertEncoded.length === 0) return undefined;
    return clientCertificateFrom(props);
  }

  /**
   * The reference's config names of the connection properties (`config('ProxyServer=…')`, `FirewallType`,
   * `LocalHost`, `Authorization`, …): reads and writes go to the properties.
   */
  private installPropertySettings(): void {
    const s = this.settings as unknown as Settings<CoreSettingTable>;
    const self = this as unknown as Record<string, unknown>;
    const map: Array<[keyof CoreSettingTable & string, string, 'string' | 'int' | 'bool']> = [
      ['ProxyServer', 'proxyServer', 'string'],
      ['ProxyPort', 'proxyPort', 'int'],
      ['ProxyUser', 'proxyUser', 'string'],
      ['ProxyPassword', 'proxyPassword', 'string'],
      ['ProxyAuthScheme', 'proxyAuthScheme', 'int'],
      ['FirewallAutoDetect', 'firewallAutoDetect', 'bool'],
      ['FirewallHost', 'firewallHost', 'string'],
      ['FirewallPort', 'firewallPort', 'int'],
      ['FirewallUser', 'firewallUser', 'string'],
      ['FirewallPassword', 'firewallPassword', 'string'],
      ['FirewallType', 'firewallType', 'int'],
      ['LocalHost', 'localHost', 'string'],
      ['Authorization', 'authorization', 'string'],
    ];
    for (const [name, prop, kind] of map) {
      s.defineReader(name, () => {
        const v = self[prop];
        return kind === 'bool' ? (v ? 'True' : 'False') : String(v ?? '');
      });
      s.defineWriter(name, (text) => {
        const t = text.trim();
        self[prop] = kind === 'int' ? Number(t) : kind === 'bool' ? parseBool(t) === true : text;
      });
    }
  }

  private connectionOptions(): HttpConnectionOptions {
    const sslCert = this.clientCertificate();
    return {
      timeout: this.timeout,
      otherHeaders: this.otherHeaders,
      proxyServer: this.proxyServer,
      proxyPort: this.proxyPort,
      proxyUser: this.proxyUser,
      proxyPassword: this.proxyPassword,
      proxyAuthScheme: this.proxyAuthScheme,
      proxySSL: this.proxySSL,
      proxyAutoDetect: this.proxyAutoDetect,
      ...(this.settings.get('ProxyAuthorization')
        ? { proxyAuthorization: this.settings.get('ProxyAuthorization') }
        : {}),
      firewallAutoDetect: this.firewallAutoDetect,
      firewallType: this.firewallType,
      firewallHost: this.firewallHost,
      firewallPort: this.firewallPort,
      firewallUser: this.firewallUser,
      firewallPassword: this.firewallPassword,
      ...(this.localHost ? { localHost: this.localHost } : {}),
      ...(this.sslCACerts ? { sslCACerts: this.sslCACerts } : {}),
      ...(sslCert ? { sslCert } : {}),
      ...(this.sslAcceptServerCert ? { sslAcceptServerCert: this.sslAcceptServerCert } : {}),
    };
  }
}

// The OAuth properties are defined at run time by exposeOAuthProperties; this declares them to the compiler.
// biome-ignore lint/correctness/noUnusedVariables: merging needs the class's type parameters.
export interface CloudClient<E extends CoreEvents, S extends CoreSettingTable> extends OAuthProperties {}

const PROPERTY_NAMES = new Set<string>([
  ...Object.keys(CORE_PROPERTY_DEFAULTS),
  'sslAcceptServerCertEncoded',
  'accessTokenCallback',
  ...OAUTH_PROPERTY_NAMES.filter((name) => name !== 'oAuthWebAuthUrl'),
]);
const WIRING = new Set(['tokenStore', 'openBrowser', 'tokenSource']);

/** Sorts constructor options into settings and properties; an unknown option is a clear error. */
function splitOptions(table: SettingTable, options: object) {
  const byLower = new Map(Object.keys(table).map((n) => [n.toLowerCase(), n]));
  const settingValues: Record<string, unknown> = {};
  const propertyValues: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || WIRING.has(key)) continue;
    if (PROPERTY_NAMES.has(key)) propertyValues[key] = value;
    else if (byLower.has(key.toLowerCase())) settingValues[key] = value;
    else throw new CloudStorageError(ErrorCode.InvalidArgument, `Unknown option "${key}".`);
  }
  return { settingValues, propertyValues };
}

/** The error of a call stopped by interrupt() or its signal. */
function interrupted(reason: unknown): CloudStorageError {
  if (reason instanceof CloudStorageError) return reason;
  return new CloudStorageError(ErrorCode.Interrupted, 'The operation was interrupted.', { cause: reason });
}
