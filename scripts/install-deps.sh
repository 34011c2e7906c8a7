#!/usr/bin/env bash
# Installs what Vigil needs on Debian 12, idempotently: quiet when everything is already present.
# Usage: scripts/install-deps.sh [build|test|all]   (default: build)
set -euo pipefail
what=${1:-build}
cd "$(dirname "$0")/.."

build_pkgs=(cmake ninja-build g++ pkg-config ccache curl ca-certificates python3
  libboost-dev libsimdjson-dev libsqlite3-dev zlib1g-dev libzstd-dev libsodium-dev
  libre2-dev libyaml-cpp-dev libmaxminddb-dev libgtest-dev libgmock-dev nodejs npm)
test_pkgs=(clang libclang-rt-14-dev chromium)

pkgs=("${build_pkgs[@]}")
if [ "$what" = test ] || [ "$what" = all ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from outside Debian (e.g. NodeSource); accept any working binary.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The SDK and dashboard toolchain (Vite 7, Vitest 3) needs Node.js 20.19 or newer; Debian 12's own
# nodejs package is 18.x. Say so clearly instead of failing later inside a build.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: Node.js $(node --version 2>/dev/null || echo missing) found; the SDK and dashboard builds need Node.js >= 20.19 (install it, e.g. from nodejs.org, then re-run)" >&2
  exit 1
fi

# npm workspaces (SDK, dashboard, e2e): install only when the lock file changed since the last install.
if [ -f package.json ]; then
  stamp=node_modules/.vigil-install-stamp
  sum=$( (cat package.json package-lock.json sdk/packages/*/package.json dashboard/package.json 2>/dev/null || true) | sha1sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "install-deps: npm install"
    if [ -f package-lock.json ] && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1; then :
    else
      [ -f package-lock.json ] && echo "install-deps: package-lock.json is out of date; running npm install"
      npm install --no-audit --no-fund --loglevel=error >/dev/null
    fi
    echo "$sum" > "$stamp"
  fi
fi
