#!/bin/sh
# Installs the simulator's npm dependencies (package-lock.json) when they are missing. Test
# processes may call it at once (ctest -j): the lock makes the later ones wait.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
exec 9>"$dir/.ensure.lock"
flock 9
if [ ! -d "$dir/node_modules/smpp" ]; then
  npm ci --prefix "$dir" --no-audit --no-fund >&2
fi
