#!/usr/bin/env bash
# Userspace instructions per write, counted by callgrind over real HTTP: the POST
# equivalent of bench/callgrind.sh. The server runs under valgrind, one keep-alive
# connection sends N `POST /api/2.1/unity-catalog/tables` (EXTERNAL, 2 columns, a unique
# name each, as bench/lua/post_table.lua), and a run of 10 requests is subtracted (startup,
# migrations, shutdown). Counts compare two builds exactly, whatever else the machine runs.
#   bench/callgrind_post.sh BIN [N] [SYNC]     SYNC full (default) or normal
# Prints "POST tables (SYNC): I instructions/request". With CG_KEEP=DIR the callgrind
# output of the long run is left in DIR/cg.out (for callgrind_annotate). Needs valgrind, node.
set -euo pipefail
BIN=$1; N=${2:-1000}; SYNC=${3:-full}
D=$(mktemp -d); trap 'rm -rf $D' EXIT
$BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --quiet 2>/dev/null & SP=$!
while [ ! -s $D/port ]; do sleep 0.05; done
P=$(cat $D/port); H="Authorization: Bearer $(cat $D/admin.token)"
until curl -sf -o /dev/null localhost:$P/healthz; do sleep 0.05; done
U=http://127.0.0.1:$P/api/2.1/unity-catalog
curl -sf -H "$H" -X POST $U/catalogs -d '{"name":"bench"}' >/dev/null
curl -sf -H "$H" -X POST $U/schemas -d '{"name":"w","catalog_name":"bench"}' >/dev/null
kill $SP; wait $SP 2>/dev/null || true
T=$(cat $D/admin.token)
run() { # run COUNT -> total instructions
  rm -f $D/port
  valgrind --tool=callgrind --callgrind-out-file=$D/cg.out $BIN serve --data $D --listen 127.0.0.1:0 \
    --port-file $D/port --sync $SYNC --quiet 2>/dev/null & VP=$!
  while [ ! -s $D/port ]; do sleep 0.1; done
  local port; port=$(cat $D/port)
  until curl -sf -o /dev/null localhost:$port/healthz; do sleep 0.1; done
  P=$port T=$T COUNT=$1 RUN=$1 node -e '
const http = require("http"); const ag = new http.Agent({ keepAlive: true, maxSockets: 1 });
let n = Number(process.env.COUNT), i = 0;
(function one() {
  if (n-- <= 0) process.exit(0);
  i++;
  const r = process.env.RUN;
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
})();'
  kill -TERM $VP; wait $VP 2>/dev/null || true
  callgrind_annotate $D/cg.out 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
a=$(run 10); b=$(run $((N + 10)))
if [ -n "${CG_KEEP:-}" ]; then cp $D/cg.out "$CG_KEEP/cg.out"; fi
echo "POST tables ($SYNC): $(( (b - a) / N )) instructions/request"
