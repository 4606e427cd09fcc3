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
  }
  return lines.join('\n');
}
