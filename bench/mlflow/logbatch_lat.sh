#!/bin/bash
# Sequential log-batch latency on a fresh server (the lead's /tmp/lbench.sh, kept here):
# starts BIN with --sync normal on port 0, creates a run, makes CALLS log-batch calls of
# 1,000 metrics over KEYS keys on one keep-alive connection (driver.js logbatch-lat: 5
# warm-up calls dropped), prints p50/p90/p99, the first-third and last-third p50, and the
# server's user/sys CPU per call. Run from the repository root.
# Usage: bench/mlflow/logbatch_lat.sh BIN [CALLS] [KEYS]   (EXTRA: more serve flags)
BIN=$1; CALLS=${2:-200}; KEYS=${3:-1000}
D=$(mktemp -d); $BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --sync normal --quiet $EXTRA 2>$D/log & SP=$!
while [ ! -s $D/port ]; do sleep 0.05; done
P=$(cat $D/port); T=$(cat $D/admin.token)
RUN=$(node bench/mlflow/driver.js make-run $P $T lb | python3 -c "import sys,json; print(json.load(sys.stdin)['run_id'])")
c0=$(awk '{print $14" "$15}' /proc/$SP/stat)
node bench/mlflow/driver.js logbatch-lat $P $T $RUN $CALLS $KEYS | python3 -c "import sys,json; d=json.load(sys.stdin); print('%s p50 %.1f p90 %.1f p99 %.1f first %.1f last %.1f ms'%('$(basename $(dirname $(dirname $BIN)))', d['p50_us']/1e3, d['p90_us']/1e3, d['p99_us']/1e3, d['first_third_p50_us']/1e3, d['last_third_p50_us']/1e3))"
c1=$(awk '{print $14" "$15}' /proc/$SP/stat)
echo "cpu user/sys ms per call: $(python3 -c "a='$c0'.split();b='$c1'.split();print(round((int(b[0])-int(a[0]))*10/$CALLS,2), round((int(b[1])-int(a[1]))*10/$CALLS,2))") wal $(du -k $D/weir.db-wal | cut -f1)k"
kill $SP; wait $SP 2>/dev/null; rm -rf $D
