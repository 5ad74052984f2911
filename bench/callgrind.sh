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
. "$(dirname "$0")/callgrind_lib.sh"
if [ "$MODE" = search ]; then
  cp "$3/weir.db" "$3/admin.token" $D/; N=${4:-300}
else
  N=${3:-2000}
  cg_prepare
  curl -sf -H "$H" -X POST $U/catalogs -d '{"name":"bench"}' >/dev/null
  curl -sf -H "$H" -X POST $U/schemas -d '{"name":"r","catalog_name":"bench"}' >/dev/null
  curl -sf -H "$H" -X POST $U/tables -d '{"name":"target","catalog_name":"bench","schema_name":"r","table_type":"EXTERNAL","data_source_format":"DELTA","storage_location":"s3://b/t","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"},{"name":"v","type_name":"STRING","type_text":"string"}]}' >/dev/null
  kill $SP; wait $SP 2>/dev/null || true
fi
CLIENT='
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
export MODE TARGET=$MODE
run() { cg_total $1 "$CLIENT"; } # run COUNT -> total instructions
a=$(run 10); b=$(run $((N + 10)))
echo "$MODE: $(( (b - a) / N )) instructions/request"
