#!/usr/bin/env bash
# Runs every test with Node's built-in runner. Node 20 does not expand globs itself, so the shell lists the files.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob globstar
files=(test/unit/**/*.test.ts test/integration/**/*.test.ts test/e2e/**/*.test.ts)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-reporter=spec --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
