#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for building and testing Weir: the -dev
# packages (apt-get), Chromium for the browser tests, the pinned npm packages of the web UI
# (npm ci from web/package-lock.json: Preact, esbuild) and of the HTTP, client and browser
# tests (npm ci from tests/package-lock.json). Does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for p in libmicrohttpd-dev libsqlite3-dev libpq-dev postgresql libjansson-dev libjwt-dev libcmocka-dev libssl-dev pkg-config gcc make sqlite3 clang-format python3 tzdata chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -f tests/package-lock.json ]; then
  if [ ! -f tests/node_modules/.package-lock.json ] || ! cmp -s tests/package-lock.json tests/node_modules/.weir-lock; then
    echo "deps: npm ci in tests/"
    (cd tests && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.weir-lock)
  fi
fi
if [ ! -x web/node_modules/.bin/esbuild ] || ! cmp -s web/package-lock.json web/node_modules/.weir-lock; then
  echo "deps: npm ci in web/"
  (cd web && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.weir-lock)
fi
