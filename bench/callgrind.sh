#!/usr/bin/env bash
# Userspace instructions per request, counted by callgrind over real HTTP: the server runs
# under valgrind, one keep-alive connection sends N requests, and a run of 10 requests is
# subtracted (startup, migrations, shutdown). Unlike req/s, the count does not depend on
# what else the machine runs, so it compares two builds exactly.
#   bench/callgrind.sh BIN PATH [N]             a fresh server with bench.r.target (2 columns);
#                                               PATH e.g. /api/2.0/weir/noop
#   bench/callgrind.sh BIN search DATA_DIR [N]  registry search name LIKE 'mNNNN%' on a copy of
#                                               DATA_DIR (e.g. one loaded by bench/mlflow/run.sh)
# Prints "PATH: I instructions/request". Needs valgrind and node.
set -euo pipefail
BIN=$1; MODE=$2
D=$(mktemp -d); trap 'rm -rf $D' EXIT
if [ "$MODE" = search ]; then
  cp "$3/weir.db" "$3/admin.token" $D/; N=${4:-300}
else
  N=${3:-2000}
  $BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --quiet 2>/dev/null & SP=$!
  while [ ! -s $D/port ]; do sleep 0.05; done
  P=$(cat $D/port); H="Authorization: Bearer $(cat $D/admin.token)"
  until curl -sf -o /dev/null localhost:$P/healthz; do sleep 0.05; done
  U=http://127.0.0.1:$P/api/2.1/unity-catalog
  curl -sf -H "$H" -X POST $U/catalogs -d '{"name":"bench"}' >/dev/null
  curl -sf -H "$H" -X POST $U/schemas -d '{"name":"r","catalog_name":"bench"}' >/dev/null
  curl -sf -H "$H" -X POST $U/tables -d '{"name":"target","catalog_name":"bench","schema_name":"r","table_type":"EXTERNAL","data_source_format":"DELTA","storage_location":"s3://b/t","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"},{"name":"v","type_name":"STRING","type_text":"string"}]}' >/dev/null
  kill $SP; wait $SP 2>/dev/null || true
fi
T=$(cat $D/admin.token)
run() { # run COUNT -> total instructions
  rm -f $D/port
  valgrind --tool=callgrind --callgrind-out-file=$D/cg.out $BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --quiet 2>/dev/null & VP=$!
  while [ ! -s $D/port ]; do sleep 0.1; done
  local port; port=$(cat $D/port)
  until curl -sf -o /dev/null localhost:$port/healthz; do sleep 0.1; done
  MODE=$MODE P=$port T=$T COUNT=$1 TARGET="$MODE" node -e '
const http = require("http"); const ag = new http.Agent({ keepAlive: true, maxSockets: 1 });
let n = Number(process.env.COUNT), i = 0;
const path = () => process.env.MODE === "search"
  ? "/api/2.0/mlflow/registered-models/search?filter=name+LIKE+%27m" + String(i++ % 1000).padStart(4, "0") + "%25%27"
  : process.env.TARGET;
(function one() {
  if (n-- <= 0) process.exit(0);
  http.get({ host: "127.0.0.1", port: Number(process.env.P), path: path(), agent: ag,
    headers: { authorization: "Bearer " + process.env.T } }, (r) => { r.resume(); r.on("end", one); });
})();'
  kill -TERM $VP; wait $VP 2>/dev/null || true
  callgrind_annotate $D/cg.out 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
a=$(run 10); b=$(run $((N + 10)))
echo "$MODE: $(( (b - a) / N )) instructions/request"
