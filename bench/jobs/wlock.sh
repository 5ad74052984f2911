#!/usr/bin/env bash
# Profiling aid for bench/jobs/RESULTS.md: how long each thread holds the write lock
# (weir_db_begin_write's return -> weir_db_commit's entry), and how many child processes the
# holder spawned meanwhile (weir_exec_spawn), measured with uprobes on the server of one
# bench/jobs/command.js measurement.
#   bench/jobs/wlock.sh MODE [TOTAL=300]   MODE: runnow or foreach (root: perf probe)
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=$1; TOTAL=${2:-300}
B=${B:-build/jobsbench}
export WEIR_BIN=$PWD/$B/weir
T=$(mktemp -d); trap 'perf probe -q -d "probe_weir:*" 2>/dev/null || true; rm -rf $T' EXIT
perf probe -q -d 'probe_weir:*' 2>/dev/null || true
perf probe -q -x $WEIR_BIN -a 'bw=weir_db_begin_write%return' -a 'cm=weir_db_commit' -a 'sp=weir_exec_spawn' -a 'spr=weir_exec_spawn%return'
( while [ -z "$(pgrep -n -f "^$WEIR_BIN serve" || true)" ]; do sleep 0.01; done
  exec perf record -q -e 'probe_weir:*' -p "$(pgrep -n -f "^$WEIR_BIN serve")" -o $T/perf.data ) 2>/dev/null &
PP=$!
node bench/jobs/command.js /bin/false 1 "$MODE" "$TOTAL" | grep summary
kill -INT $PP 2>/dev/null || true; wait $PP 2>/dev/null || true
perf script -i $T/perf.data -F tid,time,event 2>/dev/null | node -e '
const ev = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => {
  const m = /(\d+)\s+([\d.]+):\s+probe_weir:(\w+)/.exec(l); return m && { tid: m[1], t: Number(m[2]) * 1e3, e: m[3] }; }).filter(Boolean);
const by = {}; const open = {};
for (const x of ev) {
  const s = (by[x.tid] = by[x.tid] || { holds: [], spawns: 0, spawn_ms: 0, spawnsInTx: 0, maxSpawnsInTx: 0 });
  if (x.e.startsWith("bw")) open[x.tid] = { t: x.t, n: 0 };
  else if (x.e.startsWith("cm") && open[x.tid]) { s.holds.push(x.t - open[x.tid].t); s.maxSpawnsInTx = Math.max(s.maxSpawnsInTx, open[x.tid].n); delete open[x.tid]; }
  else if (x.e === "sp") { s.spawns++; s.sp0 = x.t; if (open[x.tid]) { open[x.tid].n++; s.spawnsInTx++; } }
  else if (x.e.startsWith("spr") && s.sp0 !== undefined) { s.spawn_ms += x.t - s.sp0; }
}
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0; };
for (const [tid, s] of Object.entries(by)) {
  if (!s.holds.length) continue;
  console.log(JSON.stringify({ tid, transactions: s.holds.length, hold_ms_p50: +pct(s.holds, 50).toFixed(3), hold_ms_p99: +pct(s.holds, 99).toFixed(2),
    hold_ms_max: +Math.max(...s.holds).toFixed(1), hold_ms_total: +s.holds.reduce((a, b) => a + b, 0).toFixed(0),
    spawns: s.spawns, spawns_in_tx: s.spawnsInTx, max_spawns_in_one_tx: s.maxSpawnsInTx, spawn_ms_total: +s.spawn_ms.toFixed(0) }));
}'
