#!/usr/bin/env bash
# `make run`: starts vigil serve in the foreground with ./vigil-data (override with VIGIL_DATA,
# VIGIL_LISTEN, …). The first start prints the admin password once; later starts print the DSN.
set -euo pipefail
cd "$(dirname "$0")/.."
export VIGIL_DATA=${VIGIL_DATA:-./vigil-data}
export VIGIL_LISTEN=${VIGIL_LISTEN:-127.0.0.1:8080}
# The default geo database (skipped when VIGIL_GEO_DB points to your own files).
if [ -z "${VIGIL_GEO_DB:-}" ]; then scripts/install-geo.sh "$VIGIL_DATA" || echo "run: geo database not installed; country/city stay empty"; fi
exec build/bin/vigil serve
