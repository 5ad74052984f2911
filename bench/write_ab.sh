#!/usr/bin/env bash
# Two builds' POST table side by side on one box (issue 13): a server of each, kept running,
# and wrk -t2 -c${CONNS:-32} runs of DUR seconds alternating A, B, A, B... ROUNDS times, so
# that a noisy host (this kind's CPU per request moved by ±15 % between runs minutes apart)
# weighs on both alike. Prints each run's req/s and server CPU per request (/proc/PID/stat)
# and the medians. The servers grow their tables as the rounds go (both alike).
#   [SYNC=full] [CONNS=32] bench/write_ab.sh BIN_A BIN_B [ROUNDS] [DUR]
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1 B=$2 ROUNDS=${3:-6} DUR=${4:-5} SYNC=${SYNC:-full} CONNS=${CONNS:-32}
TMP=$(mktemp -d)
trap 'for f in $TMP/*.pid; do kill $(cat $f) 2>/dev/null || true; done; rm -rf $TMP' EXIT
for k in A B; do
	mkdir -p $TMP/$k
	${!k} serve --data $TMP/$k --listen 127.0.0.1:0 --port-file $TMP/$k.port --sync $SYNC --quiet 2>/dev/null &
	echo $! > $TMP/$k.pid
	while [ ! -s $TMP/$k.port ]; do
		kill -0 $(cat $TMP/$k.pid) 2>/dev/null || { echo "server $k (${!k}) did not start" >&2; exit 1; }
		sleep 0.05
	done
	u=http://127.0.0.1:$(cat $TMP/$k.port)
	until curl -sf -o /dev/null $u/healthz; do sleep 0.05; done
	h="Authorization: Bearer $(cat $TMP/$k/admin.token)"
	curl -sf -H "$h" -X POST $u/api/2.1/unity-catalog/catalogs -d '{"name":"bench"}' >/dev/null
	curl -sf -H "$h" -X POST $u/api/2.1/unity-catalog/schemas -d '{"name":"w","catalog_name":"bench"}' >/dev/null
done
for i in $(seq 1 $ROUNDS); do
	for k in A B; do
		pid=$(cat $TMP/$k.pid)
		c0=$(awk '{print $14 + $15}' /proc/$pid/stat)
		n=$(WEIR_TOKEN=$(cat $TMP/$k/admin.token) WEIR_RUN=$k$i wrk -t2 -c$CONNS -d${DUR}s \
			-s bench/lua/post_table.lua http://127.0.0.1:$(cat $TMP/$k.port) 2>/dev/null |
			grep -o '[0-9]* requests in' | cut -d' ' -f1)
		c1=$(awk '{print $14 + $15}' /proc/$pid/stat)
		cpu=$(((c1 - c0) * 1000000 / $(getconf CLK_TCK) / n))
		echo "$k $i $((n / DUR)) $cpu" | tee -a $TMP/runs
		echo "$k run $i: $((n / DUR)) req/s, $cpu us of server CPU per request" >&2
	done
done 2>&1 >/dev/null
med() { sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
for k in A B; do
	echo "$k (${!k}): median $(awk -v k=$k '$1 == k {print $3}' $TMP/runs | med) req/s," \
		"$(awk -v k=$k '$1 == k {print $4}' $TMP/runs | med) us per request"
done
echo "rounds $ROUNDS x ${DUR}s, --sync $SYNC, $CONNS connections; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
