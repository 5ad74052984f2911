#!/usr/bin/env bash
# A/B of two weir builds on the PostgreSQL store: GET table (or POST table with MODE=POST)
# through one replica each, on two databases of one throwaway cluster (tests/pg/start.sh),
# ROUNDS alternating runs of DUR seconds, CONNS (32) keep-alive connections (bench/pg/load.c). Prints
# per run: requests/s, CPU per request of the weir process and of PostgreSQL's processes, p99.
# The host moves single runs by ±15 %: read the medians, and the rounds one build wins.
# Usage: [MODE=GET|POST] [CONNS=32] bench/pg/ab.sh BIN_A BIN_B [ROUNDS] [DUR]
set -euo pipefail
cd "$(dirname "$0")/../.."
A=$1; B=$2; ROUNDS=${3:-5}; DUR=${4:-5}; MODE=${MODE:-GET}; CONNS=${CONNS:-32}
TMP=$(mktemp -d); cc -O2 -o $TMP/load bench/pg/load.c
PG=$(tests/pg/start.sh); PGDIR=$(echo "$PG" | sed -n 1p); PGURL=$(echo "$PG" | sed -n 2p)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; tests/pg/stop.sh $PGDIR; rm -rf $TMP; }
trap cleanup EXIT
declare -A PORT TOK PID
for n in a b; do
  bin=$A; [ $n = b ] && bin=$B
  psql "$PGURL" -qc "CREATE DATABASE $n TEMPLATE template0 LOCALE 'C'"
  $bin serve --data $TMP/$n --store ${PGURL%/postgres}/$n --listen 127.0.0.1:0 --port-file $TMP/port.$n --sync full --quiet 2>>$TMP/log.$n &
  PIDS+=($!); PID[$n]=$!
  while [ ! -s $TMP/port.$n ]; do sleep 0.05; done
  PORT[$n]=$(cat $TMP/port.$n); until curl -sf -o /dev/null http://127.0.0.1:${PORT[$n]}/healthz; do sleep 0.05; done
  TOK[$n]=$(cat $TMP/$n/admin.token)
  h=(-sf -o /dev/null -H "Authorization: Bearer ${TOK[$n]}" -H 'Content-Type: application/json'); u=http://127.0.0.1:${PORT[$n]}/api/2.1/unity-catalog
  curl "${h[@]}" -d '{"name":"bench"}' $u/catalogs; curl "${h[@]}" -d '{"name":"r","catalog_name":"bench"}' $u/schemas
  curl "${h[@]}" -d '{"name":"target","catalog_name":"bench","schema_name":"r","table_type":"EXTERNAL","storage_location":"s3://b/t","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"}]}' $u/tables
done
ticks() { awk '{s += $14 + $15} END {print s + 0}' "$@" 2>/dev/null || echo 0; }
pg_ticks() { ticks $(for p in $(pgrep -u postgres -f "postgres"); do [ "$(readlink /proc/$p/cwd 2>/dev/null)" = "$PGDIR/data" ] && echo /proc/$p/stat; done); }
hz=$(getconf CLK_TCK)
echo "mode $MODE, A=$A, B=$B, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq $ROUNDS); do for n in a b; do
  c0=$(ticks /proc/${PID[$n]}/stat); p0=$(pg_ticks)
  if [ "$MODE" = POST ]; then
    $TMP/load -c $CONNS -d $DUR -t ${TOK[$n]} -X POST -b '{"name":"t_{n}_'$r'","catalog_name":"bench","schema_name":"r","table_type":"EXTERNAL","storage_location":"s3://bench/t/{n}","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"},{"name":"v","type_name":"STRING","type_text":"string"}]}' /api/2.1/unity-catalog/tables ${PORT[$n]} > $TMP/out.json
  else
    $TMP/load -c $CONNS -d $DUR -t ${TOK[$n]} /api/2.1/unity-catalog/tables/bench.r.target ${PORT[$n]} > $TMP/out.json
  fi
  c1=$(ticks /proc/${PID[$n]}/stat); p1=$(pg_ticks)
  python3 - "$TMP/out.json" $n $r $c0 $c1 $p0 $p1 $hz <<'PY'
import json, sys
f, n, r = sys.argv[1:4]
c0, c1, p0, p1, hz = map(int, sys.argv[4:])
d = json.load(open(f)); k = max(d["requests"], 1)
w, p = (c1 - c0) * 1e6 / hz / k, (p1 - p0) * 1e6 / hz / k
print(f"{n} round {r} {d['rps']:7.0f} req/s  weir {w:4.0f}  postgres {p:5.0f}  total {w + p:5.0f} us/req  p50 {d['p50_us'] / 1000:.2f} ms  p99 {d['p99_us'] / 1000:.1f} ms  errors {d['errors']} non-2xx {d['non2xx']}")
PY
done; done
