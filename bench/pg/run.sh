#!/usr/bin/env bash
# GET table and POST table on one replica with SQLite (--sync full) and one with the
# PostgreSQL store, in one run on this machine: requests/s (wrk -t2 -c32) and CPU per
# request of the weir process, and of the PostgreSQL server processes for the PostgreSQL
# runs (a throwaway cluster from tests/pg/start.sh, fsync on, synchronous_commit on).
# Usage: bench/pg/run.sh [DUR]   (summary on stdout; wrk JSON in bench/out/pg_*.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${1:-10}
B=${B:-build}
make -s B=$B all >/dev/null
export WEIR_BENCH_DIR=$PWD/bench
OUT=bench/out; mkdir -p $OUT
TMP=$(mktemp -d)
PG=$(tests/pg/start.sh)
PGDIR=$(echo "$PG" | sed -n 1p); PGURL=$(echo "$PG" | sed -n 2p)
trap 'kill $(cat $TMP/pid 2>/dev/null) 2>/dev/null || true; tests/pg/stop.sh $PGDIR; rm -rf $TMP' EXIT
psql "$PGURL" -qc "CREATE DATABASE bench TEMPLATE template0 LOCALE 'C'"
STORE=${PGURL%/postgres}/bench

start() { # start sqlite|pg
  rm -rf $TMP/data $TMP/port
  local store=(); [ "$1" = pg ] && store=(--store "$STORE")
  $B/weir serve --data $TMP/data "${store[@]}" --listen 127.0.0.1:0 --port-file $TMP/port --sync full --quiet 2>>$TMP/server.log &
  echo $! > $TMP/pid; PID=$!
  while [ ! -s $TMP/port ]; do sleep 0.01; done
  PORT=$(cat $TMP/port)
  until curl -sf -o /dev/null http://127.0.0.1:$PORT/healthz; do sleep 0.01; done
  TOKEN=$(cat $TMP/data/admin.token)
  local h=(-sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
  curl "${h[@]}" -d '{"name":"bench"}' http://127.0.0.1:$PORT/api/2.1/unity-catalog/catalogs
  curl "${h[@]}" -d '{"name":"r","catalog_name":"bench"}' http://127.0.0.1:$PORT/api/2.1/unity-catalog/schemas
  curl "${h[@]}" -d '{"name":"w","catalog_name":"bench"}' http://127.0.0.1:$PORT/api/2.1/unity-catalog/schemas
  curl "${h[@]}" -d '{"name":"target","catalog_name":"bench","schema_name":"r","table_type":"EXTERNAL","storage_location":"s3://b/t","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"}]}' \
    http://127.0.0.1:$PORT/api/2.1/unity-catalog/tables
}
stop() { kill -TERM $PID; wait $PID 2>/dev/null || true; }
ticks() { awk '{s += $14 + $15} END {print s + 0}' "$@" 2>/dev/null || echo 0; }
pg_ticks() { ticks $(for p in $(pgrep -u postgres -f "postgres"); do [ "$(readlink /proc/$p/cwd 2>/dev/null)" = "$PGDIR/data" ] && echo /proc/$p/stat; done); }
run() { # run NAME LUA PATH
  local name=$1 lua=$2 path=$3 hz=$(getconf CLK_TCK)
  local c0=$(ticks /proc/$PID/stat) p0=$(pg_ticks)
  WEIR_TOKEN=$TOKEN WEIR_RUN="$name" wrk -t2 -c32 -d${DUR}s --timeout 5s -s bench/lua/$lua "http://127.0.0.1:$PORT$path" \
    | grep '^{' > $OUT/pg_$name.json
  local c1=$(ticks /proc/$PID/stat) p1=$(pg_ticks)
  python3 - "$OUT/pg_$name.json" "$name" "$c0" "$c1" "$p0" "$p1" "$hz" <<'PY'
import json, sys
f, name = sys.argv[1], sys.argv[2]
c0, c1, p0, p1, hz = map(int, sys.argv[3:])
d = json.load(open(f))
n = max(d["requests"], 1)
print(f"{name:18s} {d['rps']:8.0f} req/s  weir {(c1 - c0) * 1e6 / hz / n:5.0f} us/req  "
      f"postgres {(p1 - p0) * 1e6 / hz / n:5.0f} us/req  p50 {d['p50_us'] / 1000:.1f} ms  p99 {d['p99_us'] / 1000:.1f} ms  "
      f"errors {d['errors']} (non-2xx {d['non2xx']})")
PY
}
for store in sqlite pg; do
  start $store
  run get_table_$store get.lua /api/2.1/unity-catalog/tables/bench.r.target
  run post_table_$store post_table.lua /api/2.1/unity-catalog/tables
  stop
done
