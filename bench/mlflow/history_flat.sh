#!/bin/bash
# get-history flatness on a 1,000,000-point key: fresh server, one run, POINTS points of key
# "loss" logged 1,000 per log-batch (4 concurrent), then driver.js history: walk every page
# of PAGE points once, then sample the first, middle and last page SAMPLES times each.
# Usage: bench/mlflow/history_flat.sh BIN [POINTS] [PAGE] [SAMPLES]   (from the repo root)
BIN=$1; POINTS=${2:-1000000}; PAGE=${3:-1000}; SAMPLES=${4:-7}
D=$(mktemp -d); $BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --sync normal --quiet 2>$D/log & SP=$!
while [ ! -s $D/port ]; do sleep 0.05; done
P=$(cat $D/port); T=$(cat $D/admin.token)
RUN=$(node bench/mlflow/driver.js make-run $P $T hist | python3 -c "import sys,json; print(json.load(sys.stdin)['run_id'])")
node bench/mlflow/driver.js load-metrics $P $T $RUN $POINTS 1000 4 >/dev/null
node bench/mlflow/driver.js history $P $T $RUN $PAGE $SAMPLES | python3 -c "
import sys, json
d = json.load(sys.stdin)
print('%s: pages %d points %d ordered %s; walk %.2f s (page p50 %.2f p99 %.2f ms); page 1 p50 %.2f, page %d p50 %.2f, page %d p50 %.2f ms' % (
  '$(basename $(dirname $(dirname $BIN)))', d['pages'], d['points'], d['ordered_by_step'], d['full_walk']['seconds'],
  d['full_walk']['p50_us'] / 1e3, d['full_walk']['p99_us'] / 1e3, d['first']['p50_us'] / 1e3, d['middle']['page_index'],
  d['middle']['p50_us'] / 1e3, d['last']['page_index'], d['last']['p50_us'] / 1e3))"
kill $SP; wait $SP 2>/dev/null; rm -rf $D
