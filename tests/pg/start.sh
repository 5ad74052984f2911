#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 (Debian's `postgresql` package) for the tests: a fresh
# cluster in a temporary directory, owned by and run as the unprivileged user `postgres`
# (PostgreSQL refuses to run as root), listening on a free loopback port only, locale C
# (byte order, as SQLite's BINARY collation), trust authentication on 127.0.0.1.
# Prints the cluster's directory and a connection URL, one per line:
#     /tmp/weir-pg.XXXX
#     postgresql://postgres@127.0.0.1:PORT/postgres
# Stop and remove it with tests/pg/stop.sh DIR; tests/pg/ctl.sh DIR stop|start stops and
# starts it again on the same port (fault tests).
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || { echo "pg: $PGBIN/initdb not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
dir=$(mktemp -d /tmp/weir-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C --encoding=UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# fsync stays on (the "acknowledged only after commit" rule is tested against the real thing);
# a throwaway cluster needs no more than this.
echo "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=64MB -c synchronous_commit=on" >"$dir/options"
"$(dirname "$0")/ctl.sh" "$dir" start
echo "$dir"
echo "postgresql://postgres@127.0.0.1:$port/postgres"
