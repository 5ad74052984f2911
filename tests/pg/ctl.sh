#!/usr/bin/env bash
# Stops (fast: sessions are cut) or starts again, on the same port, the throwaway PostgreSQL
# that tests/pg/start.sh created in DIR.   usage: ctl.sh DIR stop|start
set -euo pipefail
dir=${1:?usage: ctl.sh DIR stop|start}
case "$dir" in /tmp/weir-pg.*) ;; *) echo "pg: not a test cluster: $dir" >&2; exit 1 ;; esac
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${2:-}" in
  start) as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null ||
           { cat "$dir/server.log" >&2; exit 1; } ;;
  stop) as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  *) echo "usage: ctl.sh DIR stop|start" >&2; exit 2 ;;
esac
