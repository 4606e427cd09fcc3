#!/usr/bin/env bash
# The main job: installs the npm packages if needed, then runs the end-to-end demo against the emulators.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
exec npx tsx src/cli/main.ts demo "$@"
