#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine with Node 20: the npm packages, and the
# external programs the tests use as judges (proxies: tinyproxy, microsocks, squid for Digest; openssl,
# rclone, age, Chromium, Redis).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(openssl curl file python3 tinyproxy microsocks squid rclone age chromium redis-server unzip util-linux iproute2)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci refuses this lock file: npm 11 leaves out optional platform packages the registry lacks
  # (biome's Android and Windows builds), which npm install tolerates without changing the lock.
  npm install --no-audit --no-fund
fi
