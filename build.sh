#!/usr/bin/env bash
# The two set-up commands of README.md, on a fresh Debian 12 machine as root:
#   ./build.sh demo   install what is missing, build, start `quanzu demo`
#   ./build.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

install_packages() {
  local missing=()
  local line pkg cmd
  while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    # "package|command": also satisfied by a command of that name (e.g. npm from Node.js's
    # own packages).
    pkg=${line%%|*}
    cmd=${line#*|}
    [[ "$cmd" != "$line" ]] && command -v "$cmd" >/dev/null 2>&1 && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done < scripts/debian-packages.txt
  if ((${#missing[@]})); then
    echo "build.sh: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

jobs=$(nproc)
# ccache hits across checkouts in different folders (CI clones anew each time).
export CCACHE_BASEDIR="$PWD"

case "${1:-}" in
  demo)
    shift
    install_packages
    cmake --preset release >/dev/null
    cmake --build --preset release -j"$jobs" --target quanzu
    web/ensure.sh    # the console's npm packages (Leaflet, ECharts), when missing
    exec ./build/release/src/app/quanzu demo "$@"
    ;;
  test)
    shift
    install_packages
    cmake --preset ci >/dev/null
    cmake --build --preset ci -j"$jobs"
    web/ensure.sh    # the console's npm packages, also playwright-core for the browser tests
    exec ctest --preset ci -j"$jobs" "$@"
    ;;
  *)
    echo "usage: ./build.sh demo [quanzu demo options] | ./build.sh test [ctest options]" >&2
    exit 64
    ;;
esac
