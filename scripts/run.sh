#!/usr/bin/env bash
# `make run`: starts vigil serve in the foreground with ./vigil-data (override with VIGIL_DATA,
# VIGIL_LISTEN, …). The first start prints the admin password once; later starts print the DSN.
set -euo pipefail
cd "$(dirname "$0")/.."
export VIGIL_DATA=${VIGIL_DATA:-./vigil-data}
export VIGIL_LISTEN=${VIGIL_LISTEN:-127.0.0.1:8080}
exec build/bin/vigil serve
