#!/bin/sh
# Installs the console's npm packages (package-lock.json) when they are missing or older than
# the lock file. Test processes may call it at once (ctest -j): the lock makes the later ones
# wait. `./build.sh demo` and `./build.sh test` call it too.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
exec 9>"$dir/.ensure.lock"
flock 9
stamp="$dir/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ] ||
   [ ! -f "$dir/node_modules/leaflet/dist/leaflet.js" ] || [ ! -f "$dir/node_modules/echarts/dist/echarts.esm.min.mjs" ] ||
   [ ! -d "$dir/node_modules/playwright-core" ]; then
  npm ci --prefix "$dir" --no-audit --no-fund >&2
fi
