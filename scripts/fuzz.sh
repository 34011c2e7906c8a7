#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and either replays their corpora
# (`scripts/fuzz.sh replay`, part of make test) or fuzzes each for FUZZ_SECONDS (`run`, make fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-replay}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_FUZZ=ON >/dev/null
if ! out=$(ninja -C build-fuzz -j"${JOBS:-2}" 2>&1); then
  echo "$out" | grep -v '^\[' >&2
  echo "fuzz: building the fuzz targets failed" >&2
  exit 1
fi
for bin in build-fuzz/bin/*_fuzz; do
  name=$(basename "$bin" _fuzz)
  corpus=server/fuzz/corpus/$name
  if [ "$mode" = run ]; then
    work=$(mktemp -d)
    echo "fuzz: $name for ${FUZZ_SECONDS:-60}s (new inputs in $work; copy interesting ones into $corpus)"
    (cd "$work" && "$OLDPWD/$bin" -artifact_prefix="$OLDPWD/build-fuzz/" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=65536 -print_final_stats=1 "$work" "$OLDPWD/$corpus")
  else
    "$bin" -runs=0 "$corpus" 2>&1 | tail -1
    echo "fuzz: replayed $(ls "$corpus" | wc -l) corpus inputs of $name"
  fi
done
