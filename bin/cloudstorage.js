#!/usr/bin/env node
// The installed command runs the compiled CLI (npm run build).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2), { handleSignals: true }).then(
  (code) => {
    process.exitCode = code;
    // Whatever a service client left open (a keep-alive socket) must not hold the exit up.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
