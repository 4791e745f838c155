#!/usr/bin/env bash
# Runs the tests with Node's built-in runner, in tiers:
#   fast     unit + integration: the inner loop, in-process, no browser
#   process  real server and tool processes: start-up faults, file modes, shutdown, backup, admin, npm start
#   e2e      real Chromium
#   soak     real server processes killed and raced, long fuzzing
#   all      every tier (npm test, what CI runs)
# test/compile.ts first compiles the TypeScript file for file (under a second) and lists what to run, longest first,
# so each test process starts on plain Node; stack traces map back to the .ts files. Extra arguments go to
# node --test. One file on its own: node --import tsx --test test/unit/money.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-all}"
[ "$#" -gt 0 ] && shift
# Test files (each test's own SQLite database, uploads, backups) go to memory when the machine has room there. They
# are still real files: WAL, renames, modes and kill -9 behave as on disk, since the page cache outlives a killed
# process. What changes is that fsync returns at once, which on this disk was a fifth of the fast tier's time.
# (synchronous=FULL itself is asserted by test/integration/storage-pragmas.) A TMPDIR of your own is kept.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(df --output=avail -k /dev/shm | tail -1)" -gt 2097152 ]; then
  export TMPDIR=/dev/shm
fi
# Screenshots (test/artifacts/screenshots, for a person to look at; no test compares them) are taken by the browser
# tier run on its own, or with SCREENSHOTS=1: in every npm test they were a tenth of the browser tier's CPU.
if [ "$tier" = e2e ] && [ -z "${SCREENSHOTS:-}" ]; then
  export SCREENSHOTS=1
fi
mapfile -t files < <(node --import tsx test/compile.ts "$tier")
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found for tier $tier" >&2; exit 1; fi
exec node --enable-source-maps --test --test-reporter=spec --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
