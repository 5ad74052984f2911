#!/usr/bin/env bash
# MLflow-surface benchmarks (issue 4, "Performance"), one command:
#   build (make B=$B all), start weir --sync normal --quiet on 127.0.0.1:0 with a temp --data,
#   load MODELS registered models x VPM versions and one run with POINTS points of key "loss"
#   through the HTTP API (driver.js), then measure, REPEAT times each, interleaved:
#   (a) ceiling   GET /api/2.0/weir/noop, admin token           wrk -t2 -c32
#   (b) search    GET  registered-models/search name LIKE 'mNNNN%' (10 hits)  wrk -c32 and -t1 -c1
#                 (POST is not routed for this endpoint: 405 METHOD_NOT_ALLOWED; GET only)
#   (c) log-batch 1,000 metrics: CALLS sequential calls on 1 connection (driver), each repeat
#       on a fresh run, two shapes: 1,000 distinct keys x 1 step, and 10 keys x 100 steps;
#       throughput with 8 connections for DUR s (1,000 distinct keys, fresh run)
#   (d) get-history over the POINTS-point run, max_results PAGE: first/middle/last page
# Usage: bench/mlflow/run.sh [REPEAT] [DUR] [MODELS] [VPM] [POINTS]
# Results: $OUT/*.json (default bench/out/mlflow, ignored by git) and a summary on stdout.
# Environment: B (build dir, default build/mlb), OUT, PAGE, CALLS, THREADS (server --threads).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${1:-3}
DUR=${2:-8}
MODELS=${3:-10000}
VPM=${4:-10}
POINTS=${5:-1000000}
PAGE=${PAGE:-1000}
CALLS=${CALLS:-200}
B=${B:-build/mlb}
make -s B=$B all >/dev/null 2>&1
export WEIR_BENCH_DIR=$PWD/bench
OUT=${OUT:-bench/out/mlflow}; mkdir -p $OUT; rm -f $OUT/*.json $OUT/*.txt
D="node bench/mlflow/driver.js"
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -TERM $PID 2>/dev/null; rm -rf $TMP' EXIT

start() {
  rm -f $TMP/port
  $B/weir serve --data $TMP/data --listen 127.0.0.1:0 --port-file $TMP/port --sync normal --quiet ${THREADS:+--threads $THREADS} 2>>$TMP/server.log &
  PID=$!
  for _ in $(seq 1 1500); do [ -s $TMP/port ] && break; sleep 0.01; done
  PORT=$(cat $TMP/port)
  for _ in $(seq 1 1500); do curl -sf -o /dev/null http://127.0.0.1:$PORT/healthz && break; sleep 0.01; done
  TOKEN=$(cat $TMP/data/admin.token)
}
stop() { kill -TERM $PID; wait $PID || echo "weir exit status $?"; PID=; }
cpu() { awk '{print $14+$15}' /proc/$PID/stat; } # server utime+stime, clock ticks
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
wrk_run() { # NAME CONNS THREADS LUA PATH I
  WEIR_TOKEN=$TOKEN wrk -t$3 -c$2 -d${DUR}s --timeout 5s -s bench/mlflow/$4 "http://127.0.0.1:$PORT$5" \
    | grep '^{' > $OUT/$1.$6.json
}

echo "load before: $(loadavg)" | tee $OUT/load.txt
start
t0=$(date +%s)
$D load-registry $PORT $TOKEN $MODELS $VPM 16 | tee $OUT/load_registry.json
RUN=$($D make-run $PORT $TOKEN history | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
$D load-metrics $PORT $TOKEN $RUN $POINTS 1000 4 | tee $OUT/load_metrics.json
echo "data set loaded in $(( $(date +%s) - t0 )) s; db size: $(du -sh $TMP/data | cut -f1)" | tee -a $OUT/load.txt
# Checks: the data set is what we think it is.
H="Authorization: Bearer $TOKEN"
curl -sf -H "$H" "http://127.0.0.1:$PORT/api/2.0/mlflow/registered-models/search?filter=name+LIKE+%27m0001%25%27" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["registered_models"]; print("check search m0001%:", len(r), "models,", r[0]["name"], "latest_versions:", [v["version"] for v in r[0].get("latest_versions",[])])' | tee -a $OUT/load.txt
curl -sf -H "$H" "http://127.0.0.1:$PORT/api/2.0/mlflow/model-versions/search?filter=name%3D%27m00001%27&max_results=1000" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["model_versions"]; print("check versions of m00001:", len(r))' | tee -a $OUT/load.txt
newrun() { $D make-run $PORT $TOKEN $1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])'; }

# Warm-up (page cache, statement caches), not recorded.
WEIR_TOKEN=$TOKEN wrk -t2 -c32 -d2s -s bench/mlflow/search_get.lua "http://127.0.0.1:$PORT/" >/dev/null
WEIR_TOKEN=$TOKEN wrk -t2 -c32 -d2s -s bench/lua/get.lua "http://127.0.0.1:$PORT/api/2.0/weir/noop" >/dev/null

for i in $(seq 1 $REPEAT); do
  echo "repeat $i: load $(loadavg)" | tee -a $OUT/load.txt
  c0=$(cpu); wrk_run ceiling 32 2 ../lua/get.lua /api/2.0/weir/noop $i; c1=$(cpu)
  echo "{\"server_cpu_ticks\":$((c1-c0))}" > $OUT/ceiling_cpu.$i.json
  c0=$(cpu); wrk_run search_c32 32 2 search_get.lua / $i; c1=$(cpu)
  echo "{\"server_cpu_ticks\":$((c1-c0))}" > $OUT/search_c32_cpu.$i.json
  c0=$(cpu); wrk_run search_c1 1 1 search_get.lua / $i; c1=$(cpu)
  echo "{\"server_cpu_ticks\":$((c1-c0))}" > $OUT/search_c1_cpu.$i.json
  $D logbatch-lat $PORT $TOKEN $(newrun lb1k-$i) $CALLS 1000 > $OUT/logbatch_c1.$i.json
  $D logbatch-lat $PORT $TOKEN $(newrun lb10-$i) $CALLS 10 > $OUT/logbatch10_c1.$i.json
  $D logbatch-tput $PORT $TOKEN $(newrun lb8-$i) 8 $DUR > $OUT/logbatch_c8.$i.json
  $D history $PORT $TOKEN $RUN $PAGE 7 > $OUT/history.$i.json
done
echo "load after: $(loadavg)" | tee -a $OUT/load.txt
echo "server peak rss: $(awk '/VmHWM/ {print $2}' /proc/$PID/status) KiB" | tee -a $OUT/load.txt
stop
bench/mlflow/plans.sh $TMP/data/weir.db $RUN > $OUT/plans.txt 2>&1 || echo "plans.sh failed (see $OUT/plans.txt)"
cc -O2 -o $TMP/sqlprobe bench/mlflow/sqlprobe.c -lsqlite3
for p in zzz m01234 m0123 m012; do $TMP/sqlprobe $TMP/data/weir.db $p 1000; done > $OUT/sqlprobe.txt

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); date: $(date -u +%Y-%m-%dT%H:%MZ)"
python3 bench/mlflow/summary.py $OUT $REPEAT
