# The harness bench/callgrind.sh and bench/callgrind_post.sh share (sourced, not run): a
# server on a fresh data directory to prepare it, and one counted run of BIN under callgrind.
# Needs valgrind, node and curl; BIN and D (the data directory) set by the caller.

# cg_prepare: BIN serving D on a free port, without valgrind, for the caller's curl calls
# (sets SP, the server's pid, and U, the Unity Catalog base URL, and H, the admin's header);
# the caller stops it with `kill $SP; wait $SP`.
cg_prepare() {
  $BIN serve --data $D --listen 127.0.0.1:0 --port-file $D/port --quiet 2>/dev/null & SP=$!
  while [ ! -s $D/port ]; do sleep 0.05; done
  local port; port=$(cat $D/port)
  H="Authorization: Bearer $(cat $D/admin.token)"
  until curl -sf -o /dev/null localhost:$port/healthz; do sleep 0.05; done
  U=http://127.0.0.1:$port/api/2.1/unity-catalog
}

# cg_total COUNT SCRIPT [SERVE ARGS...]: BIN serving D under callgrind while the node client
# SCRIPT runs (P, the port, T, the admin token, and COUNT in its environment); prints the
# instructions of the whole process (start and stop included: subtract a short run).
cg_total() {
  local count=$1 script=$2; shift 2
  rm -f $D/port
  valgrind --tool=callgrind --callgrind-out-file=$D/cg.out $BIN serve --data $D --listen 127.0.0.1:0 \
    --port-file $D/port --quiet "$@" 2>/dev/null & local vp=$!
  while [ ! -s $D/port ]; do sleep 0.1; done
  local port; port=$(cat $D/port)
  until curl -sf -o /dev/null localhost:$port/healthz; do sleep 0.1; done
  P=$port T=$(cat $D/admin.token) COUNT=$count node -e "$script"
  kill -TERM $vp; wait $vp 2>/dev/null || true
  callgrind_annotate $D/cg.out 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
