#!/usr/bin/env bash
# Runs the tests with Node's built-in runner, in tiers:
#   fast  unit + integration: the inner loop, no browser
#   e2e   real Chromium
#   soak  real server processes killed and raced, long fuzzing
#   all   every tier (npm test, what CI runs); the longest files start first so two cores stay busy to the end
# Node 20 does not expand globs itself, so the shell lists the files. Extra arguments go to node --test.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob globstar
tier="${1:-all}"
[ "$#" -gt 0 ] && shift
case "$tier" in
  fast) files=(test/unit/**/*.test.ts test/integration/**/*.test.ts) ;;
  e2e) files=(test/e2e/**/*.test.ts) ;;
  soak) files=(test/soak/**/*.test.ts) ;;
  all) files=(test/soak/**/*.test.ts test/e2e/**/*.test.ts test/integration/**/*.test.ts test/unit/**/*.test.ts) ;;
  *) echo "usage: test/run-tests.sh [fast|e2e|soak|all] [node --test options]" >&2; exit 2 ;;
esac
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found for tier $tier" >&2; exit 1; fi
exec node --import tsx --test --test-reporter=spec --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
