#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SERVICE_EMULATORS } from '../emulator/index.js';
import { demo } from './demo.js';
import { describeEmulators, startEmulators } from './serve.js';

const USAGE = `Usage: cloudstorage <command> [options]

Commands:
  serve [--services box,dropbox] [--port N] [--auto-approve]
        [--box-jwt-app config.json]... [--google-service-account key.json]...
        Start the service emulators on 127.0.0.1 until interrupted (Ctrl-C). The key files register a
        Box JWT app or a Google service account, so that they sign in to the emulators too.
  demo  Start the Box emulator, sign in with OAuth 2.0 + PKCE, and make an authorized request.
  help  Show this text.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          services: { type: 'string', default: Object.keys(SERVICE_EMULATORS).join(',') },
          port: { type: 'string', default: '0' },
          'auto-approve': { type: 'boolean', default: false },
          'box-jwt-app': { type: 'string', multiple: true, default: [] },
          'google-service-account': { type: 'string', multiple: true, default: [] },
        },
      });
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port: not a port number: ${values.port}`);
      const running = await startEmulators({
        services: values.services
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        autoApprove: values['auto-approve'],
        port,
        boxJwtApps: values['box-jwt-app'],
        googleServiceAccounts: values['google-service-account'],
      });
      console.log(describeEmulators(running));
      console.log('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.stop();
      return 0;
    }
    case 'demo':
      await demo();
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
