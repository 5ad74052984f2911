#!/usr/bin/env bash
# Weir's HTTP benchmarks, all in one run so that ratios compare like with like:
#   ceiling     GET /api/2.0/weir/noop (authenticated no-op route), admin token
#   get_admin   GET /api/2.1/unity-catalog/tables/bench.r.target, metastore admin
#   get_nested  the same, as a user whose access comes through a group nested 5 deep
#               (1,000 groups, 10,000 grants: bench/gov_setup.c)
#   post_full   POST /api/2.1/unity-catalog/tables, --sync full
#   post_normal the same, --sync normal
# plus resident memory idle and under load, and exec → first /healthz 200.
# wrk -t2 -c32 -d${DUR}s, keep-alive, REPEAT runs each (interleaved); the median is reported.
# Usage: [THREADS=N] bench/run.sh [REPEAT] [DUR]   (results: bench/out/*.json and a summary on stdout;
#        THREADS sets the server's --threads, default one per core)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${1:-3}
DUR=${2:-10}
B=${B:-build}
make -s B=$B all $B/bench/gov_setup >/dev/null
export WEIR_BENCH_DIR=$PWD/bench
OUT=bench/out; mkdir -p $OUT; rm -f $OUT/*.json
TMP=$(mktemp -d)
trap 'kill $(cat $TMP/pid 2>/dev/null) 2>/dev/null || true; rm -rf $TMP' EXIT

start() { # start SYNC -> sets PORT, PID, STARTUP_MS
  local sync=$1
  rm -f $TMP/port
  local t0=$(date +%s%N)
  $B/weir serve --data $TMP/data --listen 127.0.0.1:0 --port-file $TMP/port --sync $sync --quiet ${THREADS:+--threads $THREADS} 2>>$TMP/server.log &
  echo $! > $TMP/pid; PID=$!
  while [ ! -s $TMP/port ]; do sleep 0.001; done
  PORT=$(cat $TMP/port)
  until curl -sf -o /dev/null http://127.0.0.1:$PORT/healthz; do sleep 0.001; done
  STARTUP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { kill -TERM $PID; wait $PID 2>/dev/null || true; }
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
hwm() { awk '/VmHWM/ {print $2}' /proc/$PID/status; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$PID/stat; }
run() { # run NAME TOKEN LUA PATH: wrk's JSON plus the server's own CPU per request
  local name=$1 tok=$2 lua=$3 path=$4 i=$5
  local c0=$(cpu_ticks)
  WEIR_TOKEN=$tok WEIR_RUN="$name$i" wrk -t2 -c32 -d${DUR}s --timeout 5s -s bench/lua/$lua "http://127.0.0.1:$PORT$path" \
    | grep '^{' > $OUT/$name.$i.json
  local c1=$(cpu_ticks) hz=$(getconf CLK_TCK)
  python3 - "$OUT/$name.$i.json" "$c0" "$c1" "$hz" <<'PY'
import json, sys
f, c0, c1, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(f))
d["server_cpu_us"] = (c1 - c0) * 1e6 / hz / max(d["requests"], 1)
json.dump(d, open(f, "w"))
PY
}

# First start on an empty directory (bootstrap), then the governance fixture.
start full
FIRST_START_MS=$STARTUP_MS
ADMIN=$(cat $TMP/data/admin.token)
$B/bench/gov_setup $TMP/data $TMP/deep.token > $OUT/gov_setup.txt
DEEP=$(cat $TMP/deep.token)
curl -sf -H "Authorization: Bearer $DEEP" http://127.0.0.1:$PORT/api/2.1/unity-catalog/tables/bench.r.target >/dev/null \
  || { echo "the nested-group user cannot read the target table"; exit 1; }
stop
start full
RESTART_MS=$STARTUP_MS
RSS_IDLE=$(rss)
for i in $(seq 1 $REPEAT); do
  run ceiling $ADMIN get.lua /api/2.0/weir/noop $i
  run get_admin $ADMIN get.lua /api/2.1/unity-catalog/tables/bench.r.target $i
  run get_nested $DEEP get.lua /api/2.1/unity-catalog/tables/bench.r.target $i
  run post_full $ADMIN post_table.lua /api/2.1/unity-catalog/tables $i
done
RSS_LOAD=$(hwm)
stop
start normal
for i in $(seq 1 $REPEAT); do
  run post_normal $ADMIN post_table.lua /api/2.1/unity-catalog/tables $i
done
stop

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
echo "server threads: ${THREADS:-default}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); date: $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-12s %10s %10s %10s %10s %8s %12s\n' name rps p50_ms p99_ms max_ms errors cpu_us/req
for n in ceiling get_admin get_nested post_full post_normal; do
  rps=$(for f in $OUT/$n.*.json; do field $f rps; done | median)
  p50=$(for f in $OUT/$n.*.json; do field $f p50_us; done | median)
  p99=$(for f in $OUT/$n.*.json; do field $f p99_us; done | median)
  mx=$(for f in $OUT/$n.*.json; do field $f max_us; done | median)
  er=$(for f in $OUT/$n.*.json; do field $f errors; done | median)
  cpu=$(for f in $OUT/$n.*.json; do field $f server_cpu_us; done | median)
  printf '%-12s %10.0f %10.2f %10.2f %10.2f %8s %12.1f\n' $n $rps $(echo "$p50/1000" | bc -l) $(echo "$p99/1000" | bc -l) $(echo "$mx/1000" | bc -l) $er $cpu
  eval "RPS_$n=$rps"
  eval "CPU_$n=$cpu"
done
echo "ratio get_admin/ceiling:  $(echo "$RPS_get_admin/$RPS_ceiling" | bc -l | cut -c1-5)"
echo "ratio get_nested/get_admin: $(echo "$RPS_get_nested/$RPS_get_admin" | bc -l | cut -c1-5)"
echo "server CPU per request, admin/nested (>= 0.85 means nested costs at most 1/0.85 of admin): $(echo "$CPU_get_admin/$CPU_get_nested" | bc -l | cut -c1-5)"
echo "server CPU per request, ceiling/get_admin: $(echo "$CPU_ceiling/$CPU_get_admin" | bc -l | cut -c1-5)"
echo "ratio post_normal/post_full: $(echo "$RPS_post_normal/$RPS_post_full" | bc -l | cut -c1-5)"
echo "rss idle: ${RSS_IDLE} KiB; peak rss under load: ${RSS_LOAD} KiB"
echo "exec -> first /healthz 200: first start (bootstrap) ${FIRST_START_MS} ms, restart ${RESTART_MS} ms"
cat $OUT/gov_setup.txt
