import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import {
  type BlobIndex,
  BoxEmulator,
  EmulatorServer,
  GoogleDriveEmulator,
  SERVICE_EMULATORS,
  type ServiceEmulator,
} from '../emulator/index.js';

export interface ServeOptions {
  services: string[];
  autoApprove: boolean;
  /**
   * 0 picks free ports. Otherwise the first service's first host listens on it and, with `dataDir`, every
   * further host on the next port (so the URLs in a config file stay right across restarts); without it
   * only that first host is fixed.
   */
  port: number;
  /** Box JWT app configurations (config.json files): each app is registered with its key, for JWT sign-in. */
  boxJwtApps?: string[];
  /** Google service-account JSON keys: each account is registered with its key. */
  googleServiceAccounts?: string[];
  /** Keeps each emulator's state (files, folders, tokens) in `DIR/<service>/` across restarts. */
  dataDir?: string;
}

export interface RunningEmulators {
  servers: Array<{ service: string; server: EmulatorServer }>;
  stop(): Promise<void>;
}

/** Ports one service may take (its hosts) when ports are consecutive. */
const PORTS_PER_SERVICE = 10;

interface SavedState {
  version: 1;
  emulator: string;
  blobs: BlobIndex;
}

/**
 * Starts one emulator server per service on 127.0.0.1. With `dataDir`, blobs live in `DIR/<service>/blobs`
 * and the rest of the state is read from `DIR/<service>/state.json` at start and written there (0600,
 * atomically) at stop.
 */
export async function startEmulators(options: ServeOptions): Promise<RunningEmulators> {
  const servers: Array<{ service: string; server: EmulatorServer; emulator: ServiceEmulator }> = [];
  /** The server being set up: stopped too when its set-up fails (its timers, any listener it opened). */
  let starting: EmulatorServer | undefined;
  let port = options.port;
  try {
    for (const service of options.services) {
      const entry = SERVICE_EMULATORS[service];
      if (!entry) {
        throw new Error(
          `unknown service "${service}"; choose from ${Object.keys(SERVICE_EMULATORS).join(', ')}`,
        );
      }
      const data = options.dataDir ? join(options.dataDir, service) : undefined;
      const server = new EmulatorServer({
        port,
        ...(data ? { dataDir: join(data, 'blobs'), consecutivePorts: true } : {}),
      });
      starting = server;
      const emulator = entry.create({ autoApprove: options.autoApprove });
      emulator.install(server);
      registerSignIns(emulator, options);
      if (data) await loadState(service, emulator, server, data);
      await server.start();
      servers.push({ service, server, emulator });
      starting = undefined;
      if (port) port = data ? port + PORTS_PER_SERVICE : 0;
    }
  } catch (e) {
    await Promise.all([...servers.map((s) => s.server.stop()), starting?.stop()]);
    throw e;
  }
  return {
    servers: servers.map(({ service, server }) => ({ service, server })),
    async stop() {
      if (options.dataDir) {
        for (const { service, server, emulator } of servers)
          await saveState(emulator, server, join(options.dataDir, service));
      }
      await Promise.all(servers.map((s) => s.server.stop()));
    },
  };
}

async function loadState(service: string, emulator: ServiceEmulator, server: EmulatorServer, data: string) {
  let text: string;
  try {
    text = await readFile(join(data, 'state.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const saved = JSON.parse(text) as SavedState;
  if (saved.version !== 1 || !emulator.loadState)
    throw new Error(
      `${join(data, 'state.json')} is not a ${service} emulator state this version can read; move it away to start afresh.`,
    );
  await server.blobs.restore(saved.blobs);
  emulator.loadState(saved.emulator);
}

async function saveState(emulator: ServiceEmulator, server: EmulatorServer, data: string) {
  if (!emulator.saveState) return;
  const saved: SavedState = { version: 1, emulator: emulator.saveState(), blobs: server.blobs.index() };
  await writeFileAtomic(join(data, 'state.json'), JSON.stringify(saved), 0o600);
}

export function describeEmulators(running: RunningEmulators): string {
  const lines: string[] = [];
  for (const { service, server } of running.servers) {
    const client = SERVICE_EMULATORS[service]!.defaultClient;
    lines.push(`${service}:`);
    for (const host of server.hostNames()) lines.push(`  ${host.padEnd(9)} ${server.url(host)}`);
    lines.push(`  client_id ${client.clientId}  client_secret ${client.clientSecret ?? '(none)'}`);
    const options = Object.entries(remoteOptionsFor(service, server))
      .map(([flag, value]) => `--${flag} ${value}`)
      .join(' ');
    lines.push(`  as a remote: cloudstorage config add ${service} ${service} ${options}`);
  }
  return lines.join('\n');
}

/**
 * Registers the apps and service accounts whose key files the user gives, so that the same files sign a
 * client in to the emulator as to the service: the public key is derived from the file's private key.
 */
function registerSignIns(emulator: ServiceEmulator, options: ServeOptions): void {
  if (emulator instanceof BoxEmulator) {
    for (const path of options.boxJwtApps ?? []) {
      const config = readJson(path, '--box-jwt-app') as {
        boxAppSettings?: {
          clientID?: string;
          clientSecret?: string;
          appAuth?: { publicKeyID?: string; privateKey?: string; passphrase?: string };
        };
      };
      const app = config.boxAppSettings;
      const auth = app?.appAuth;
      if (!app?.clientID || !app.clientSecret || !auth?.publicKeyID || !auth.privateKey)
        throw new Error(`--box-jwt-app ${path}: not a Box JWT app configuration (boxAppSettings…)`);
      emulator.registerJwtApp({
        clientId: app.clientID,
        clientSecret: app.clientSecret,
        publicKeys: [{ id: auth.publicKeyID, pem: publicKeyOf(auth.privateKey, auth.passphrase, path) }],
      });
    }
  }
  if (emulator instanceof GoogleDriveEmulator) {
    for (const path of options.googleServiceAccounts ?? []) {
      const key = readJson(path, '--google-service-account') as {
        client_email?: string;
        private_key?: string;
        private_key_id?: string;
      };
      if (!key.client_email || !key.private_key || !key.private_key_id)
        throw new Error(`--google-service-account ${path}: not a service-account JSON key`);
      emulator.addServiceAccount({
        clientEmail: key.client_email,
        publicKeys: [{ id: key.private_key_id, pem: publicKeyOf(key.private_key, undefined, path) }],
      });
    }
  }
}

function readJson(path: string, option: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${option} ${path}: ${(e as Error).message}`);
  }
}

function publicKeyOf(privateKey: string, passphrase: string | undefined, path: string): string {
  try {
    const key = createPrivateKey(passphrase ? { key: privateKey, format: 'pem', passphrase } : privateKey);
    return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  } catch (e) {
    throw new Error(`${path}: cannot read the private key (${(e as Error).message})`);
  }
}

/**
 * The `config add` options (flag → value) of a remote that points at a running emulator: its URLs and its
 * default OAuth app (B2: the default account's key).
 */
export function remoteOptionsFor(service: string, server: EmulatorServer): Record<string, string> {
  const client = SERVICE_EMULATORS[service]!.defaultClient;
  const oauthApp = { 'client-id': client.clientId, 'client-secret': client.clientSecret ?? '' };
  const api = server.url('api');
  switch (service) {
    case 'box':
      return { ...oauthApp, 'api-url': `${api}/2.0`, 'upload-url': `${server.url('upload')}/api/2.0` };
    case 'dropbox':
      return {
        ...oauthApp,
        'api-url': api,
        'content-url': server.url('content'),
        'notify-url': server.url('notify'),
        'auth-url': `${api}/oauth2/authorize`,
        'token-url': `${api}/oauth2/token`,
      };
    case 'googledrive':
      return {
        ...oauthApp,
        'api-url': `${api}/drive/v3`,
        'upload-url': `${api}/upload/drive/v3`,
        'auth-url': `${server.url('accounts')}/o/oauth2/v2/auth`,
        'token-url': `${server.url('oauth2')}/token`,
      };
    case 'b2':
      return { 'key-id': client.clientId, key: client.clientSecret ?? '', 'auth-url': api };
    default:
      throw new Error(`no remote options for the ${service} emulator`);
  }
}
