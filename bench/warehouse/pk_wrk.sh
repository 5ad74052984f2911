#!/usr/bin/env bash
# The primary-key lookup of issue 11 measured with a C client (wrk, one connection), whose own
# tail is a few hundred microseconds: node's fetch (pk_cpu.js, bench.js) adds 2-3 ms to the p99
# of any request on this machine. Starts BIN (--sync normal) on a fresh directory, loads a
# 100,000-row table, warms up 3 s, then measures DUR seconds of lookups and, on the same
# server, DUR seconds of the authenticated no-op GET (the ceiling). Prints lookups, server CPU
# per lookup (/proc) and the latency percentiles of both.
#   [DUR=10] bench/warehouse/pk_wrk.sh [BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/weir}; DUR=${DUR:-10}
D=$(mktemp -d); trap 'kill $SP 2>/dev/null; wait $SP 2>/dev/null; rm -rf $D' EXIT
$BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --sync normal --quiet 2>/dev/null & SP=$!
while [ ! -s $D/port ]; do sleep 0.05; done
P=$(cat $D/port); export T=$(cat $D/admin.token)
until curl -sf -o /dev/null http://127.0.0.1:$P/healthz; do sleep 0.05; done
H="Authorization: Bearer $T"; U=http://127.0.0.1:$P
st() { curl -sf -H "$H" -X POST $U/api/2.0/sql/statements -d "{\"statement\":\"$1\",\"warehouse_id\":\"weir0000default0\",\"catalog\":\"b\",\"schema\":\"s\",\"wait_timeout\":\"50s\"}" | grep -q SUCCEEDED; }
curl -sf -H "$H" -X POST $U/api/2.1/unity-catalog/catalogs -d '{"name":"b"}' >/dev/null
curl -sf -H "$H" -X POST $U/api/2.1/unity-catalog/schemas -d '{"name":"s","catalog_name":"b"}' >/dev/null
st "CREATE TABLE big (id BIGINT, g INT, v DOUBLE)"
st "INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, i % 100, i * 0.5 FROM n"
wrk -t1 -c1 -d3s -s bench/lua/pk_lookup.lua $U >/dev/null 2>&1
c0=$(awk '{print $14+$15}' /proc/$SP/stat)
wrk --latency -t1 -c1 -d${DUR}s -s bench/lua/pk_lookup.lua $U > $D/pk.out 2>&1
c1=$(awk '{print $14+$15}' /proc/$SP/stat)
wrk --latency -t1 -c1 -d${DUR}s -H "$H" $U/api/2.0/weir/noop > $D/noop.out 2>&1
pct() { grep -E '^ +(50|90|99)%' $1 | awk '{printf "%s %s  ", $1, $2}'; }
n=$(grep -o '[0-9]* requests in' $D/pk.out | cut -d' ' -f1)
echo "lookups $n  cpu_us $(( (c1 - c0) * 10000 / n ))  lookup: $(pct $D/pk.out) noop: $(pct $D/noop.out)"
if grep -q '^bad' $D/pk.out; then grep -m3 '^bad' $D/pk.out; exit 1; fi
