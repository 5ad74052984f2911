#!/bin/bash
# Before/after for the hot metrics table (migrations/0009): REPEAT rounds, each running
# logbatch_lat.sh for BASE and NEW with 1,000 distinct keys and with 10 keys, interleaved,
# then prints the median of each figure over the rounds (summary at the end).
# Usage: bench/mlflow/hot_ab.sh BASE_BIN NEW_BIN [REPEAT] [CALLS] > out.txt   (from the repo root)
BASE=$1; NEW=$2; REPEAT=${3:-3}; CALLS=${4:-200}
OUT=$(mktemp)
for r in $(seq 1 "$REPEAT"); do
  for keys in 1000 10; do
    for which in base new; do
      bin=$BASE; [ $which = new ] && bin=$NEW
      res=$(bench/mlflow/logbatch_lat.sh "$bin" "$CALLS" "$keys" | tr '\n' ' ')
      echo "round $r keys $keys $which: $res (load $(cut -d' ' -f1 /proc/loadavg))"
      echo "$which $keys $res" >> "$OUT"
    done
  done
done
python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    which, keys, rest = line.split(' ', 2)
    nums = dict(re.findall(r'(p50|p90|p99|first|last) ([0-9.]+)', rest))
    cpu = re.search(r'per call: ([0-9.]+) ([0-9.]+)', rest)
    nums['cpu_user'], nums['cpu_sys'] = cpu.group(1), cpu.group(2)
    rows.setdefault((keys, which), []).append({k: float(v) for k, v in nums.items()})
print('median of %d (min-max):' % len(next(iter(rows.values()))))
for (keys, which), rs in sorted(rows.items(), key=lambda x: (-int(x[0][0]), x[0][1])):
    f = lambda k: '%.1f (%.1f-%.1f)' % (statistics.median(r[k] for r in rs), min(r[k] for r in rs), max(r[k] for r in rs))
    print(f'keys {keys:>4} {which:4}: p50 {f("p50")} p90 {f("p90")} p99 {f("p99")} first {f("first")} last {f("last")} '
          f'cpu user {f("cpu_user")} sys {f("cpu_sys")} ms/call')
PY
rm -f "$OUT"
