#!/usr/bin/env node
// The installed command runs the compiled CLI (npm run build).
import { runAsCommand } from '../dist/cli/main.js';

runAsCommand();
