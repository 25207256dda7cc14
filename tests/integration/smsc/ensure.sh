#!/bin/sh
# Installs the simulator's npm dependencies (package-lock.json) when they are missing.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$dir/node_modules/smpp" ]; then
  npm ci --prefix "$dir" --no-audit --no-fund >&2
fi
