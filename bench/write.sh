#!/usr/bin/env bash
# Durable writes against the same run's ceiling (issue 13, "Make writes fast"):
#   ceiling      GET /api/2.0/weir/noop (authenticated no-op), --sync full server
#   post_full    POST /api/2.1/unity-catalog/tables (EXTERNAL, 2 columns), --sync full
#   post_normal  the same, --sync normal
# wrk -t2 -c${CONNS:-32} -d${DUR}s, keep-alive, REPEAT runs each, interleaved (one server per
# sync mode, both started once and kept; the modes alternate run by run), medians reported.
# Server CPU per request from /proc/PID/stat (utime+stime) over the run; requests per write
# transaction and per fsync from the servers' log lines at exit (core/db.c,
# weir_db_pool_close); the disk's own fdatasync latency (4 KiB overwrite, 200 samples, in
# the data directory's file system) before and after, since --sync full is bound by it.
# Usage: [THREADS=N] [CONNS=N] [B=build/x | WEIR_BIN=path] bench/write.sh [REPEAT] [DUR]
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${1:-3}
DUR=${2:-8}
B=${B:-build}
CONNS=${CONNS:-32}
if [ -z "${WEIR_BIN:-}" ]; then make -s B=$B all >/dev/null; fi
BIN=${WEIR_BIN:-$B/weir}
export WEIR_BENCH_DIR=$PWD/bench
OUT=bench/out/write; mkdir -p $OUT; rm -f $OUT/*.json
TMP=$(mktemp -d)
trap 'for f in $TMP/*.pid; do kill $(cat $f) 2>/dev/null || true; done; rm -rf $TMP' EXIT

start() { # start SYNC -> writes $TMP/SYNC.port, $TMP/SYNC.pid
	local sync=$1
	mkdir -p $TMP/$sync
	$BIN serve --data $TMP/$sync --listen 127.0.0.1:0 --port-file $TMP/$sync.port --sync $sync --quiet \
		${THREADS:+--threads $THREADS} 2>>$TMP/$sync.log &
	echo $! > $TMP/$sync.pid
	while [ ! -s $TMP/$sync.port ]; do
		kill -0 $(cat $TMP/$sync.pid) 2>/dev/null || { echo "the $sync server did not start:" >&2; cat $TMP/$sync.log >&2; exit 1; }
		sleep 0.01
	done
	local port; port=$(cat $TMP/$sync.port)
	until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.01; done
	local h="Authorization: Bearer $(cat $TMP/$sync/admin.token)" u=http://127.0.0.1:$port/api/2.1/unity-catalog
	curl -sf -H "$h" -X POST $u/catalogs -d '{"name":"bench"}' >/dev/null
	curl -sf -H "$h" -X POST $u/schemas -d '{"name":"w","catalog_name":"bench"}' >/dev/null
}
run() { # run NAME SYNC LUA PATH I
	local name=$1 sync=$2 lua=$3 path=$4 i=$5
	local pid; pid=$(cat $TMP/$sync.pid)
	local port; port=$(cat $TMP/$sync.port)
	local c0; c0=$(awk '{print $14 + $15}' /proc/$pid/stat)
	WEIR_TOKEN=$(cat $TMP/$sync/admin.token) WEIR_RUN="$name$i" wrk -t2 -c$CONNS -d${DUR}s --timeout 5s \
		-s bench/lua/$lua "http://127.0.0.1:$port$path" | grep '^{' > $OUT/$name.$i.json
	local c1; c1=$(awk '{print $14 + $15}' /proc/$pid/stat)
	python3 - "$OUT/$name.$i.json" "$c0" "$c1" "$(getconf CLK_TCK)" <<'PY'
import json, sys
f, c0, c1, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(f))
d["server_cpu_us"] = (c1 - c0) * 1e6 / hz / max(d["requests"], 1)
json.dump(d, open(f, "w"))
PY
}

fsync_probe() { # p50/p99 of fdatasync after a 4 KiB overwrite, in $TMP
	python3 - "$TMP/fsync.probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
os.write(fd, b"x" * 4096 * 64); os.fsync(fd)
lat = []
for i in range(200):
    os.pwrite(fd, b"y" * 4096, (i % 64) * 4096)
    t = time.perf_counter(); os.fdatasync(fd); lat.append(time.perf_counter() - t)
lat.sort(); os.close(fd); os.unlink(sys.argv[1])
print("p50 %.0f us, p99 %.0f us" % (lat[100] * 1e6, lat[198] * 1e6))
PY
}
FSYNC_BEFORE=$(fsync_probe)
start full
start normal
for i in $(seq 1 $REPEAT); do
	run ceiling full get.lua /api/2.0/weir/noop $i
	run post_full full post_table.lua /api/2.1/unity-catalog/tables $i
	run post_normal normal post_table.lua /api/2.1/unity-catalog/tables $i
done
for s in full normal; do kill -TERM $(cat $TMP/$s.pid); done
for s in full normal; do while kill -0 $(cat $TMP/$s.pid) 2>/dev/null; do sleep 0.05; done; done
FSYNC_AFTER=$(fsync_probe)

python3 - $OUT $REPEAT <<'PY'
import json, sys, statistics, glob
out = sys.argv[1]
def med(name, key):
    return statistics.median(json.load(open(f))[key] for f in glob.glob(f"{out}/{name}.*.json"))
print(f"{'name':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} {'cpu us/req':>11}")
r = {}
for n in ("ceiling", "post_full", "post_normal"):
    r[n] = {k: med(n, k) for k in ("rps", "p50_us", "p99_us", "max_us", "errors", "server_cpu_us")}
    v = r[n]
    print(f"{n:<12} {v['rps']:>9.0f} {v['p50_us']/1000:>8.2f} {v['p99_us']/1000:>8.2f} {v['max_us']/1000:>8.2f} {v['errors']:>7.0f} {v['server_cpu_us']:>11.1f}")
print(f"post_full/post_normal: {r['post_full']['rps']/r['post_normal']['rps']:.3f}")
print(f"post_full/ceiling: {r['post_full']['rps']/r['ceiling']['rps']:.3f}; post_normal/ceiling: {r['post_normal']['rps']/r['ceiling']['rps']:.3f}")
PY
for s in full normal; do
	echo "$s server: $(grep -h 'write transactions:' $TMP/$s.log | sed 's/.*write transactions: //')"
done
echo "full server fsyncs: $(grep -h 'group commit:' $TMP/full.log | sed 's/.*group commit: //')"
echo "disk fdatasync (4 KiB): before $FSYNC_BEFORE; after $FSYNC_AFTER"
echo "server threads: ${THREADS:-default}; connections: $CONNS"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git rev-parse --short HEAD)"
