#!/usr/bin/env bash
# Userspace instructions per write, counted by callgrind over real HTTP: the POST
# equivalent of bench/callgrind.sh. The server runs under valgrind, one keep-alive
# connection sends N `POST /api/2.1/unity-catalog/tables` (EXTERNAL, 2 columns, a unique
# name each, as bench/lua/post_table.lua), and a run of 10 requests is subtracted (startup,
# migrations, shutdown). Counts compare two builds exactly, whatever else the machine runs.
#   [CONNS=C] bench/callgrind_post.sh BIN [N] [SYNC]     SYNC full (default) or normal
# CONNS (default 1): that many keep-alive connections send the N requests together, so
# concurrent writes share transactions (group commit) as they do under load.
# Prints "POST tables (SYNC): I instructions/request". With CG_KEEP=DIR the callgrind
# output of the long run is left in DIR/cg.out (for callgrind_annotate). Needs valgrind, node.
set -euo pipefail
BIN=$1; N=${2:-1000}; SYNC=${3:-full}
D=$(mktemp -d); trap 'rm -rf $D' EXIT
. "$(dirname "$0")/callgrind_lib.sh"
cg_prepare
curl -sf -H "$H" -X POST $U/catalogs -d '{"name":"bench"}' >/dev/null
curl -sf -H "$H" -X POST $U/schemas -d '{"name":"w","catalog_name":"bench"}' >/dev/null
kill $SP; wait $SP 2>/dev/null || true
CLIENT='
const http = require("http"); const C = Number(process.env.CONNS || 1);
const ag = new http.Agent({ keepAlive: true, maxSockets: C });
let n = Number(process.env.COUNT), i = 0, live = C;
function one() {
  if (n-- <= 0) { if (--live === 0) process.exit(0); return; }
  i++;
  const r = process.env.COUNT;
  const body = JSON.stringify({ name: `t_${r}_${i}`, catalog_name: "bench", schema_name: "w", table_type: "EXTERNAL",
    storage_location: `s3://bench/t/${r}/${i}`, columns: [{ name: "id", type_name: "LONG", type_text: "bigint" },
      { name: "v", type_name: "STRING", type_text: "string" }] });
  const req = http.request({ method: "POST", host: "127.0.0.1", port: Number(process.env.P),
    path: "/api/2.1/unity-catalog/tables", agent: ag,
    headers: { authorization: "Bearer " + process.env.T, "content-type": "application/json",
      "content-length": Buffer.byteLength(body) } }, (res) => {
    if (res.statusCode !== 200) { console.error("status " + res.statusCode); process.exit(1); }
    res.resume(); res.on("end", one);
  });
  req.end(body);
}
for (let k = 0; k < C; k++) one();'
run() { cg_total $1 "$CLIENT" --sync $SYNC; } # run COUNT -> total instructions
a=$(run 10); b=$(run $((N + 10)))
if [ -n "${CG_KEEP:-}" ]; then cp $D/cg.out "$CG_KEEP/cg.out"; fi
echo "POST tables ($SYNC, ${CONNS:-1} connection(s)): $(( (b - a) / N )) instructions/request"
