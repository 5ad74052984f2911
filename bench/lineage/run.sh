#!/usr/bin/env bash
# Lineage bench: builds the generator and the driver against Weir's library, generates the
# graph, and runs the driver. Full size (the issue's): 100,000 tables, 1,000,000 table edges,
# 5,000,000 column edges:
#   bench/lineage/run.sh 100000 1000000 5000000 500 5000
# Scaled down (while others share the machine):
#   bench/lineage/run.sh 10000 100000 500000 200 2000
# Args: TABLES EDGES COLUMN_EDGES ITERATIONS INGEST_EVENTS. Env: B (build dir, default
# build/lin), OUT (work dir for binaries and databases, default /tmp/weir-lineage-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}; E=${2:-100000}; C=${3:-500000}; IT=${4:-200}; EV=${5:-2000}
B=${B:-build/lin}
OUT=${OUT:-/tmp/weir-lineage-bench}
mkdir -p "$OUT"
make --no-print-directory B="$B" "$B/libweir.a" >/dev/null
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -I. $(pkg-config --cflags jansson sqlite3)"
LIBS="$B/libweir.a $(pkg-config --libs libmicrohttpd jansson sqlite3 libjwt openssl) -lpthread -lm"
cc $CFLAGS -o "$OUT/lineage-gen" bench/lineage/gen.c $LIBS
cc $CFLAGS -o "$OUT/lineage-driver" bench/lineage/driver.c $LIBS
DB="$OUT/graph-$N-$E-$C.db"
if [ ! -s "$DB" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  echo "generating $N tables, $E edges, $C column edges into $DB"
  /usr/bin/time -f "generation: %e s, %M KB max RSS" "$OUT/lineage-gen" "$DB" "$N" "$E" "$C"
fi
ls -l "$DB" | awk '{printf "database: %.0f MB\n", $5/1048576}'
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); date: $(date -u +%FT%TZ)"
"$OUT/lineage-driver" "$DB" "$N" "$IT" "$EV"
