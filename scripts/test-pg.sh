#!/usr/bin/env bash
# The HTTP and client suites against the PostgreSQL store: starts a throwaway PostgreSQL
# (tests/pg/start.sh), runs every test file with WEIR_TEST_STORE=pg (each test server gets a
# fresh database on it: tests/http/lib.js), and removes the cluster, pass or fail.
# usage: scripts/test-pg.sh WEIR_BIN [test paths relative to tests/ ...]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${1:?usage: test-pg.sh WEIR_BIN [paths]}
shift
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(http/ clients/)
out=$(tests/pg/start.sh) || exit 1
dir=$(echo "$out" | sed -n 1p)
url=$(echo "$out" | sed -n 2p)
trap '"$root/tests/pg/stop.sh" "$dir"' EXIT
cd tests && WEIR_TEST_STORE=pg WEIR_TEST_PG_URL="$url" WEIR_BIN="$bin" \
  node --test --test-concurrency="${WEIR_TEST_PG_CONCURRENCY:-2}" "${paths[@]}"
