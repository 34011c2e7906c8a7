#!/usr/bin/env bash
# `make test` after the build: every suite, continuing past failures so one run shows them all.
# Ends with a summary line "steps: N passed, M failed" and exits non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0 failures=()
step() {
  local name=$1; shift
  echo "== $name"
  local t0=$SECONDS
  if "$@"; then passed=$((passed + 1)); echo "-- $name: ok ($((SECONDS - t0)) s)"
  else failed=$((failed + 1)); failures+=("$name"); echo "-- $name: FAILED ($((SECONDS - t0)) s)"; fi
}
has_script() { node -e "process.exit(require('./package.json').scripts?.['$1'] ? 0 : 1)" 2>/dev/null; }

step "server unit and integration tests (GoogleTest)" build/bin/vigil_tests --gtest_brief=1
step "fuzz corpus replay (libFuzzer, clang)" scripts/fuzz.sh replay
has_script test:sdk && step "SDK unit tests and size budgets" npm run --silent test:sdk
has_script test:e2e:sdk && step "SDK end-to-end in Chromium" npm run --silent test:e2e:sdk
has_script test:dashboard && step "dashboard unit tests and JS budget" npm run --silent test:dashboard
has_script test:e2e:dashboard && step "dashboard end-to-end in Chromium" npm run --silent test:e2e:dashboard
if [ -f ../shared/checks/contract.sh ]; then step "interface contract" bash ../shared/checks/contract.sh; fi

if [ $failed -gt 0 ]; then echo "failed steps: ${failures[*]}"; fi
echo "steps: $passed passed, $failed failed"
[ $failed -eq 0 ]
