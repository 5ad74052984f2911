#!/usr/bin/env bash
# Stops the throwaway PostgreSQL that tests/pg/start.sh started in DIR, and removes DIR.
set -euo pipefail
dir=${1:?usage: stop.sh DIR}
case "$dir" in /tmp/weir-pg.*) ;; *) echo "pg: refusing to remove $dir" >&2; exit 1 ;; esac
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ -d "$dir/data" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
rm -rf "$dir"
