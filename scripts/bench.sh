#!/usr/bin/env bash
# `make bench`: starts `vigil serve` (durable acks, no rate limit) on a free port with a fresh data
# directory, runs the ingest load generator against it, then the component benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
dir=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$BIN/vigil" serve --listen 127.0.0.1:$port --data "$dir" --rate-limit 0 --queue-max-depth 1000000 >"$dir/server.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
proj=$("$BIN/vigil" project create --data "$dir" --name bench)
pid=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["id"])' "$proj")
key=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["key"])' "$proj")
echo "== ingest: vigil serve (SQLite, durable acks), $(nproc) cores"
"$BIN/ingest_load" --port "$port" --project "$pid" --key "$key" --server-pid "$spid" \
  --connections "${BENCH_CONNECTIONS:-8}" --seconds "${BENCH_SECONDS:-10}"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^vigil_(events_accepted_total|events_processed_total|queue_depth|process_lag_ms) '
for b in "$BIN"/*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
