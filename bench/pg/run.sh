#!/usr/bin/env bash
# GET table and POST table on one replica with SQLite (--sync full), one replica on the
# PostgreSQL store and three replicas on it (connections round-robin across them, as behind
# a load balancer), in one run on this machine: requests/s and CPU per request of the weir
# processes and of the PostgreSQL server processes (a throwaway cluster from
# tests/pg/start.sh, fsync on, synchronous_commit on); then the task dispatch latency across
# replicas (bench/pg/dispatch.js: run-now through replica B, engine on replica A).
# The load driver is bench/pg/load.c (wrk is not installed here): 32 keep-alive connections.
# Usage: bench/pg/run.sh [DUR] [load|dispatch|all]   (summary on stdout; JSON in bench/out/pg_*.json)
# WEIR_BIN=path runs another build (an older commit's, for a before/after) instead of $B/weir.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${1:-10}
WHAT=${2:-all}
B=${B:-build}
[ -n "${WEIR_BIN:-}" ] || make -s B=$B all >/dev/null
BIN=${WEIR_BIN:-$B/weir}
OUT=bench/out; mkdir -p $OUT
TMP=$(mktemp -d)
cc -O2 -o $TMP/load bench/pg/load.c
PG=$(tests/pg/start.sh)
PGDIR=$(echo "$PG" | sed -n 1p); PGURL=$(echo "$PG" | sed -n 2p)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; tests/pg/stop.sh $PGDIR; rm -rf $TMP; }
trap cleanup EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# replica NAME DATA [STORE] [ARGS...]: starts weir; sets PORT and appends its pid to PIDS
replica() {
  local name=$1 data=$2 store=$3; shift 3
  local s=(); [ -n "$store" ] && s=(--store "$store")
  rm -f $TMP/port.$name
  $BIN serve --data $data "${s[@]}" --listen 127.0.0.1:0 --port-file $TMP/port.$name --sync full --quiet "$@" 2>>$TMP/server.$name.log &
  PIDS+=($!)
  while [ ! -s $TMP/port.$name ]; do sleep 0.01; done
  PORT=$(cat $TMP/port.$name)
  until curl -sf -o /dev/null http://127.0.0.1:$PORT/healthz; do sleep 0.01; done
}
stop_all() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }
newdb() { psql "$PGURL" -qc "CREATE DATABASE $1 TEMPLATE template0 LOCALE 'C'"; echo "${PGURL%/postgres}/$1"; }
seed() { # seed PORT TOKEN
  local h=(-sf -o /dev/null -H "Authorization: Bearer $2" -H 'Content-Type: application/json') u=http://127.0.0.1:$1/api/2.1/unity-catalog
  curl "${h[@]}" -d '{"name":"bench"}' $u/catalogs
  curl "${h[@]}" -d '{"name":"r","catalog_name":"bench"}' $u/schemas
  curl "${h[@]}" -d '{"name":"w","catalog_name":"bench"}' $u/schemas
  curl "${h[@]}" -d '{"name":"target","catalog_name":"bench","schema_name":"r","table_type":"EXTERNAL","storage_location":"s3://b/t","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"}]}' $u/tables
}
ticks() { awk '{s += $14 + $15} END {print s + 0}' "$@" 2>/dev/null || echo 0; }
weir_ticks() { ticks $(for p in "${PIDS[@]}"; do echo /proc/$p/stat; done); }
pg_ticks() { ticks $(for p in $(pgrep -u postgres -f "postgres"); do [ "$(readlink /proc/$p/cwd 2>/dev/null)" = "$PGDIR/data" ] && echo /proc/$p/stat; done); }
BODY='{"name":"t_{n}","catalog_name":"bench","schema_name":"w","table_type":"EXTERNAL","storage_location":"s3://bench/t/{n}","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"},{"name":"v","type_name":"STRING","type_text":"string"}]}'
run() { # run NAME TOKEN GET|POST PORT...
  local name=$1 token=$2 m=$3 hz=$(getconf CLK_TCK); shift 3
  local args=(-c 32 -d $DUR -t $token) path=/api/2.1/unity-catalog/tables/bench.r.target
  [ $m = POST ] && { args+=(-X POST -b "$BODY"); path=/api/2.1/unity-catalog/tables; }
  local c0=$(weir_ticks) p0=$(pg_ticks)
  $TMP/load "${args[@]}" $path "$@" > $OUT/pg_$name.json
  local c1=$(weir_ticks) p1=$(pg_ticks)
  python3 - "$OUT/pg_$name.json" "$name" "$c0" "$c1" "$p0" "$p1" "$hz" <<'PY'
import json, sys
f, name = sys.argv[1], sys.argv[2]
c0, c1, p0, p1, hz = map(int, sys.argv[3:])
d = json.load(open(f))
n = max(d["requests"], 1)
w, p = (c1 - c0) * 1e6 / hz / n, (p1 - p0) * 1e6 / hz / n
print(f"{name:20s} {d['rps']:8.0f} req/s  weir {w:5.0f} us/req  postgres {p:5.0f} us/req  total {w + p:5.0f} us/req  "
      f"p50 {d['p50_us'] / 1000:.1f} ms  p99 {d['p99_us'] / 1000:.1f} ms  errors {d['errors']} (non-2xx {d['non2xx']})")
PY
}

if [ $WHAT = load ] || [ $WHAT = all ]; then
  # one replica, SQLite
  replica s1 $TMP/sqlite ""; P1=$PORT; T=$(cat $TMP/sqlite/admin.token); seed $P1 $T
  run get_sqlite_1 $T GET $P1; run post_sqlite_1 $T POST $P1; stop_all
  # one replica, PostgreSQL
  U=$(newdb bench1)
  replica p1 $TMP/pg1 $U; P1=$PORT; T=$(cat $TMP/pg1/admin.token); seed $P1 $T
  run get_pg_1 $T GET $P1; run post_pg_1 $T POST $P1; stop_all
  # three replicas, PostgreSQL (one --data shared: server secret, admin token)
  U=$(newdb bench3)
  replica a $TMP/pg3 $U; PA=$PORT; replica b $TMP/pg3 $U; PB=$PORT; replica c $TMP/pg3 $U; PC=$PORT
  T=$(cat $TMP/pg3/admin.token); seed $PA $T
  run get_pg_3 $T GET $PA $PB $PC; run post_pg_3 $T POST $PA $PB $PC; stop_all
fi
if [ $WHAT = dispatch ] || [ $WHAT = all ]; then
  U=$(newdb dispatch)
  replica a $TMP/d $U --allow-command-tasks; PA=$PORT
  until grep -q 'holds role 1' $TMP/server.a.log 2>/dev/null || [ -n "$(psql "$U" -qAtc "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 1 AND granted")" ]; do sleep 0.05; done
  replica b $TMP/d $U --allow-command-tasks; PB=$PORT
  node bench/pg/dispatch.js http://127.0.0.1:$PA http://127.0.0.1:$PB "$(cat $TMP/d/admin.token)" ${DISPATCH_N:-40}
  node bench/pg/dispatch.js http://127.0.0.1:$PA http://127.0.0.1:$PA "$(cat $TMP/d/admin.token)" ${DISPATCH_N:-40}
  stop_all
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
