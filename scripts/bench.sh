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

start_server() {  # extra `vigil serve` flags; uses $dir and $port
  "$BIN/vigil" serve --listen 127.0.0.1:$port --data "$dir" --rate-limit 0 --queue-max-depth 1000000 "$@" \
    >>"$dir/server.log" 2>&1 &
  spid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
}

# A fresh data directory and free port, a server on them and a project: sets dir, port, spid, pid, key.
setup() {  # extra `vigil serve` flags
  dir=$(mktemp -d)
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$dir"' EXIT
  start_server "$@"
  local proj
  proj=$("$BIN/vigil" project create --data "$dir" --name bench)
  pid=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["id"])' "$proj")
  key=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["key"])' "$proj")
}

load() {  # the load generator's two phases; extra arguments go to it
  "$BIN/ingest_load" --port "$port" --project "$pid" --key "$key" --server-pid "$spid" \
    --connections "${BENCH_CONNECTIONS:-8}" --seconds "$SECONDS_PER_PHASE" "$@"
}

wait_drained() {  # until everything accepted is processed (at most 5 minutes)
  for _ in $(seq 3000); do
    [ "$(metric vigil_queue_depth)" = 0 ] && break
    sleep 0.1
  done
}

stop_server() {
  kill $spid
  wait $spid 2>/dev/null || true
}

teardown() {
  stop_server
  rm -rf "$dir"
  trap - EXIT
}

rate() {  # $1: events, $2: start, $3: end, $4: text before the rate
  python3 -c 'import sys; n, t = int(float(sys.argv[1])), float(sys.argv[3]) - float(sys.argv[2]); print(f"{sys.argv[4].format(n=n, t=t)}: {n / t:,.0f} events/s")' \
    "$1" "$2" "$3" "$4"
}

run_ingest() {  # $1: title, then extra `vigil serve` flags
  local title=$1 start
  shift
  setup "$@"
  echo "== ingest: $title, $(nproc) cores, load generator on the same machine"
  start=$(date +%s.%N)
  load
  if [ "$title" = "ingest + process" ]; then
    # Sustained end to end: everything accepted during both phases, processed into events.db.
    wait_drained
    rate "$(metric vigil_events_processed_total)" "$start" "$(date +%s.%N)" \
      "processed {n} events into events.db in {t:.1f} s from the start of the load, end to end"
  fi
  teardown
}

# The process stage on its own: a backlog accepted with --process false, then drained by a restarted
# `vigil serve` with nothing else running (its capacity, without ingest competing for the cores).
run_drain() {
  local start
  setup --process false
  echo "== process stage alone: drain a backlog accepted with --process false"
  load >/dev/null
  stop_server
  start_server
  start=$(date +%s.%N)
  wait_drained
  rate "$(metric vigil_events_processed_total)" "$start" "$(date +%s.%N)" "drained {n} events into events.db in {t:.1f} s"
  teardown
}

run_ingest "ingest only (--process false)" --process false
run_ingest "ingest + process"
run_drain

for b in "$BIN"/*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
