import { EmulatorServer, SERVICE_EMULATORS } from '../emulator/index.js';

export interface ServeOptions {
  services: string[];
  autoApprove: boolean;
  /** Port of the first service's api host; 0 picks free ports. */
  port: number;
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
      entry.create({ autoApprove: options.autoApprove }).install(server);
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
    const options = Object.entries(remoteOptionsFor(service, server))
      .map(([flag, value]) => `--${flag} ${value}`)
      .join(' ');
    lines.push(`  as a remote: cloudstorage config add ${service} ${service} ${options}`);
  }
  return lines.join('\n');
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
