#!/usr/bin/env bash
# Runs each cmocka test program; prints one summary line and fails if any program failed.
set -u
fail=0; pass=0
for t in "$@"; do
  if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "unit programs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
