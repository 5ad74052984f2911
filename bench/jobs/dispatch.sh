#!/usr/bin/env bash
# Item 2 of bench/jobs/RESULTS.md at microsecond resolution: the API's start_time/end_time
# are milliseconds, so the engine's own functions are timed with uprobes instead. For a
# chain of condition tasks, each task runs inline: unit_start(t_i) -> unit_end(t_i) (sets
# end_time, saves the row) -> its dependent becomes ready -> unit_start(t_i+1). The
# dispatch latency of t_i+1 is unit_start(t_i+1) - unit_end(t_i) (entries, CLOCK_MONOTONIC
# via perf). The first unit_start of a run follows no unit_end of it and is skipped.
#   bench/jobs/dispatch.sh [REPEAT=3] [SYNC=normal]   (root: perf probe on build/.../weir)
# Each uprobe hit costs ~1-3 µs of its own, so the figures are upper bounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${1:-3}; SYNC=${2:-normal}
B=${B:-build/jobsbench}
export WEIR_BIN=$PWD/$B/weir
T=$(mktemp -d); trap 'perf probe -q -d "probe_weir:*" 2>/dev/null || true; rm -rf $T' EXIT
perf probe -q -d 'probe_weir:*' 2>/dev/null || true
perf probe -q -x $WEIR_BIN -a unit_start -a unit_end
# warm-up + REPEAT runs of the chain of 1,000 (dag.js, polled with runs/list every 20 ms so the
# poll does not compete with the scheduler thread)
ONLY=chain1000 POLLS=list POLL_MS=20 PIDFILE=$T/pid node bench/jobs/dag.js "$REPEAT" "$SYNC" > $T/dag.txt &
DP=$!
while [ ! -s $T/pid ]; do sleep 0.02; done; sleep 0.2  # its threads settle (perf -p fails on one that ends meanwhile)
perf record -q -e probe_weir:unit_start -e probe_weir:unit_end -p "$(cat $T/pid)" -o $T/perf.data 2>/dev/null &
PP=$!
wait $DP
sleep 0.5; kill -INT $PP 2>/dev/null || true; wait $PP 2>/dev/null || true  # perf ends with the server
grep summary $T/dag.txt
perf script -i $T/perf.data -F time,event 2>/dev/null | node -e '
const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
const ev = lines.map((l) => { const m = /([\d.]+):\s+probe_weir:(\w+)/.exec(l); return m && [Number(m[1]) * 1e6, m[2]]; }).filter(Boolean);
// runs: a unit_start more than 50 ms after the previous event starts a new run
const runs = []; let cur = null; let prev = -1e18;
for (const [t, e] of ev) { if (t - prev > 50000) { cur = []; runs.push(cur); } cur.push([t, e]); prev = t; }
const pct = (s, p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
runs.forEach((r, k) => {
  const gaps = [];
  for (let i = 1; i < r.length; i++) if (r[i][1] === "unit_start" && r[i - 1][1] === "unit_end") gaps.push(r[i][0] - r[i - 1][0]);
  const per = [];
  for (let i = 0; i < r.length; i++) if (r[i][1] === "unit_start" && r[i + 1] && r[i + 1][1] === "unit_end") per.push(r[i + 1][0] - r[i][0]);
  gaps.sort((a, b) => a - b); per.sort((a, b) => a - b);
  const f = (x) => x.toFixed(1);
  console.log(JSON.stringify({ run: k === 0 ? "warm-up" : k, tasks: per.length, gaps: gaps.length,
    gap_p50_us: f(pct(gaps, 50)), gap_p99_us: f(pct(gaps, 99)), gap_max_us: f(gaps[gaps.length - 1]),
    start_to_end_p50_us: f(pct(per, 50)), span_ms: f((r[r.length - 1][0] - r[0][0]) / 1000) }));
});'
