#!/usr/bin/env bash
# The jobs benches of bench/jobs/RESULTS.md, one after the other (never two at once: each
# measures a whole 2-core box). Raw outputs go to OUT (outside the tree).
#   bench/jobs/run.sh [REPEAT=3] [OUT=/tmp/jobsbench-<date>]
# Needs node and python3 (/usr/bin/python3: the engine's PATH is /usr/local/bin:/usr/bin:/bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${1:-3}
OUT=${2:-/tmp/jobsbench-$(date -u +%Y%m%dT%H%M)}
B=${B:-build/jobsbench}
mkdir -p "$OUT" $B/bench
make -s B=$B all >/dev/null
cc -O2 -Wall -Wextra -o $B/bench/launcher bench/jobs/launcher.c
export WEIR_BIN=$PWD/$B/weir
{ date -u; uname -srm; nproc; git rev-parse HEAD; git log -1 --format=%s; uptime; } > "$OUT/machine.txt"
node bench/jobs/dag.js "$REPEAT" normal | tee "$OUT/dag_normal.txt"
node bench/jobs/dag.js "$REPEAT" full | tee "$OUT/dag_full.txt"
node bench/jobs/command.js $B/bench/launcher "$REPEAT" | tee "$OUT/command.txt"
node bench/jobs/idle.js "$REPEAT" | tee "$OUT/idle.txt"
uptime >> "$OUT/machine.txt"
echo "raw outputs: $OUT"
