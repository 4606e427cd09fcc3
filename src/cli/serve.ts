import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BoxEmulator,
  EmulatorServer,
  GoogleDriveEmulator,
  SERVICE_EMULATORS,
  type ServiceEmulator,
} from '../emulator/index.js';

export interface ServeOptions {
  services: string[];
  autoApprove: boolean;
  /** Port of the first service's api host; 0 picks free ports. */
  port: number;
  /** Box JWT app configurations (config.json files): each app is registered with its key, for JWT sign-in. */
  boxJwtApps?: string[];
  /** Google service-account JSON keys: each account is registered with its key. */
  googleServiceAccounts?: string[];
}

export interface RunningEmulators {
  servers: Array<{ service: string; server: EmulatorServer }>;
  stop(): Promise<void>;
}

/** Starts one emulator server per service on 127.0.0.1. */
export async function startEmulators(options: ServeOptions): Promise<RunningEmulators> {
  const servers: RunningEmulators['servers'] = [];
  let port = options.port;
  try {
    for (const service of options.services) {
      const entry = SERVICE_EMULATORS[service];
      if (!entry) {
        throw new Error(
          `unknown service "${service}"; choose from ${Object.keys(SERVICE_EMULATORS).join(', ')}`,
        );
      }
      const server = new EmulatorServer({ port });
      const emulator = entry.create({ autoApprove: options.autoApprove });
      emulator.install(server);
      registerSignIns(emulator, options);
      await server.start();
      servers.push({ service, server });
      if (port) port = 0;
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.server.stop()));
    throw e;
  }
  return {
    servers,
    async stop() {
      await Promise.all(servers.map((s) => s.server.stop()));
    },
  };
}

export function describeEmulators(running: RunningEmulators): string {
  const lines: string[] = [];
  for (const { service, server } of running.servers) {
    const client = SERVICE_EMULATORS[service]!.defaultClient;
    lines.push(`${service}:`);
    for (const host of server.hostNames()) lines.push(`  ${host.padEnd(9)} ${server.url(host)}`);
    lines.push(`  client_id ${client.clientId}  client_secret ${client.clientSecret ?? '(none)'}`);
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
