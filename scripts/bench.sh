#!/usr/bin/env bash
# `make bench`: the ingest load generator against `vigil serve` (durable acks, no rate limit) on a
# free port with a fresh data directory, twice: ingest alone (--process false, the embedded
# counterpart of `vigil ingest`), then the whole embedded pipeline, waiting for the process stage to
# drain what was accepted; then the process stage alone, draining a backlog. Then the component
# benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
SECONDS_PER_PHASE=${BENCH_SECONDS:-10}

metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

run_ingest() {  # $1: title, then extra `vigil serve` flags
  local title=$1
  shift
  dir=$(mktemp -d)
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  "$BIN/vigil" serve --listen 127.0.0.1:$port --data "$dir" --rate-limit 0 --queue-max-depth 1000000 "$@" \
    >"$dir/server.log" 2>&1 &
  spid=$!
  trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  local proj pid key start
  proj=$("$BIN/vigil" project create --data "$dir" --name bench)
  pid=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["id"])' "$proj")
  key=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["key"])' "$proj")
  echo "== ingest: $title, $(nproc) cores, load generator on the same machine"
  start=$(date +%s.%N)
  "$BIN/ingest_load" --port "$port" --project "$pid" --key "$key" --server-pid "$spid" \
    --connections "${BENCH_CONNECTIONS:-8}" --seconds "$SECONDS_PER_PHASE"
  if [ "$title" = "ingest + process" ]; then
    # Sustained end to end: everything accepted during both phases, processed into events.db.
    local processed depth end
    for _ in $(seq 1200); do
      depth=$(metric vigil_queue_depth)
      [ "$depth" = 0 ] && break
      sleep 0.1
    done
    end=$(date +%s.%N)
    processed=$(metric vigil_events_processed_total)
    python3 -c 'import sys; n, t = int(float(sys.argv[1])), float(sys.argv[2]) - float(sys.argv[3]); print(f"processed {n} events into events.db in {t:.1f} s from the start of the load: {n / t:,.0f} events/s end to end")' \
      "$processed" "$end" "$start"
  fi
  kill $spid
  wait $spid 2>/dev/null || true
  rm -rf "$dir"
  trap - EXIT
}

start_server() {  # $1: data directory, then extra `vigil serve` flags
  local d=$1
  shift
  "$BIN/vigil" serve --listen 127.0.0.1:$port --data "$d" --rate-limit 0 --queue-max-depth 1000000 "$@" \
    >>"$d/server.log" 2>&1 &
  spid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
}

# The process stage on its own: a backlog accepted with --process false, then drained by a restarted
# `vigil serve` with nothing else running (its capacity, without ingest competing for the cores).
run_drain() {
  dir=$(mktemp -d)
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$dir"' EXIT
  start_server "$dir" --process false
  local proj pid key start end processed
  proj=$("$BIN/vigil" project create --data "$dir" --name bench)
  pid=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["id"])' "$proj")
  key=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["key"])' "$proj")
  echo "== process stage alone: drain a backlog accepted with --process false"
  "$BIN/ingest_load" --port "$port" --project "$pid" --key "$key" --server-pid "$spid" \
    --connections "${BENCH_CONNECTIONS:-8}" --seconds "$SECONDS_PER_PHASE" >/dev/null
  kill $spid
  wait $spid 2>/dev/null || true
  start_server "$dir"
  start=$(date +%s.%N)
  for _ in $(seq 3000); do
    [ "$(metric vigil_queue_depth)" = 0 ] && break
    sleep 0.1
  done
  end=$(date +%s.%N)
  processed=$(metric vigil_events_processed_total)
  python3 -c 'import sys; n, t = int(float(sys.argv[1])), float(sys.argv[2]) - float(sys.argv[3]); print(f"drained {n} events into events.db in {t:.1f} s: {n / t:,.0f} events/s")' \
    "$processed" "$end" "$start"
  kill $spid
  wait $spid 2>/dev/null || true
  rm -rf "$dir"
  trap - EXIT
}

run_ingest "ingest only (--process false)" --process false
run_ingest "ingest + process"
run_drain

for b in "$BIN"/*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
