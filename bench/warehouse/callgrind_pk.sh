#!/usr/bin/env bash
# Userspace instructions per primary-key lookup through the Statement Execution API (issue
# 11), counted by callgrind over real HTTP: the lookup of bench/warehouse/pk_cpu.js. A server
# (no valgrind) prepares a fresh data directory (catalog b, schema s, table big of 100,000
# rows); then the server runs under valgrind and one keep-alive connection sends N
# `POST /api/2.0/sql/statements` (SELECT id, g, v FROM big WHERE rowid = :id, a named BIGINT
# parameter, wait_timeout 10s), and a run of 10 lookups is subtracted (startup, migrations,
# shutdown). The warehouse's executor threads, the syncer and the checkpointer are threads
# of the same process, so their instructions are counted too.
#   bench/warehouse/callgrind_pk.sh BIN [N] [SYNC]     SYNC normal (default) or full
# Prints "PK lookup (SYNC): I instructions/lookup". With CG_KEEP=DIR the callgrind output of
# the long run is left in DIR/cg.out (for callgrind_annotate). Needs valgrind, node, curl.
set -euo pipefail
BIN=$1; N=${2:-1000}; SYNC=${3:-normal}
D=$(mktemp -d); trap 'rm -rf $D' EXIT
. "$(dirname "$0")/../callgrind_lib.sh"
cg_prepare
S=http://127.0.0.1:$(cat $D/port)/api/2.0/sql/statements
curl -sf -H "$H" -X POST $U/catalogs -d '{"name":"b"}' >/dev/null
curl -sf -H "$H" -X POST $U/schemas -d '{"name":"s","catalog_name":"b"}' >/dev/null
stmt() {
	curl -sf -H "$H" -X POST $S -d "{\"statement\":\"$1\",\"warehouse_id\":\"weir0000default0\",\"catalog\":\"b\",\"schema\":\"s\",\"wait_timeout\":\"50s\"}" |
		grep -q '"SUCCEEDED"' || { echo "statement failed: $1" >&2; exit 1; }
}
stmt 'CREATE TABLE big (id BIGINT, g INT, v DOUBLE)'
stmt 'INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, i % 100, i * 0.5 FROM n'
kill $SP; wait $SP 2>/dev/null || true
CLIENT='
const http = require("http"); const ag = new http.Agent({ keepAlive: true, maxSockets: 1 });
let n = Number(process.env.COUNT), i = 0;
(function one() {
  if (n-- <= 0) process.exit(0);
  i++;
  const body = JSON.stringify({ statement: "SELECT id, g, v FROM big WHERE rowid = :id", warehouse_id: "weir0000default0",
    catalog: "b", schema: "s", wait_timeout: "10s", parameters: [{ name: "id", value: String(1 + ((i * 37) % 100000)), type: "BIGINT" }] });
  const req = http.request({ method: "POST", host: "127.0.0.1", port: Number(process.env.P),
    path: "/api/2.0/sql/statements", agent: ag,
    headers: { authorization: "Bearer " + process.env.T, "content-type": "application/json",
      "content-length": Buffer.byteLength(body) } }, (res) => {
    let t = ""; res.setEncoding("utf8"); res.on("data", (c) => { t += c; });
    res.on("end", () => {
      const j = JSON.parse(t);
      if (res.statusCode !== 200 || j.status.state !== "SUCCEEDED" || j.result.data_array.length !== 1) {
        console.error("lookup: " + res.statusCode + " " + t); process.exit(1);
      }
      one();
    });
  });
  req.end(body);
})();'
run() { cg_total $1 "$CLIENT" --sync $SYNC; } # run COUNT -> total instructions
a=$(run 10); b=$(run $((N + 10)))
if [ -n "${CG_KEEP:-}" ]; then cp $D/cg.out "$CG_KEEP/cg.out"; fi
echo "PK lookup ($SYNC): $(( (b - a) / N )) instructions/lookup"
