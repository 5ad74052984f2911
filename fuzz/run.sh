#!/bin/sh
# Long fuzz runs with clang's libFuzzer (fuzz/README.md).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Builds the library and every target with clang -fsanitize=fuzzer,address,undefined into
# build/fuzz/ (override with FUZZ_BUILD=dir), then runs each target (all of fuzz/fuzz_*.c when
# none is named) for SECONDS (default 60), one after the other, reading the committed seeds in
# fuzz/corpus/<name>/. New interesting inputs are written to build/fuzz/new/<name>/, never to
# the committed corpus: minimise and copy the ones worth keeping by hand
# (`build/fuzz/<name> -merge=1 fuzz/corpus/<name> build/fuzz/new/<name>`). A crash, leak, UB
# report or oracle failure leaves its input in build/fuzz/artifacts/<name>/ and makes the
# script exit 1 after the remaining targets have run. Extra libFuzzer flags: FUZZ_FLAGS; the
# largest input generated: FUZZ_MAX_LEN (default 10000 bytes).
set -eu

cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
[ $# -gt 0 ] && shift
B=${FUZZ_BUILD:-build/fuzz}
CC=${FUZZ_CC:-clang}
JOBS=$(nproc 2>/dev/null || echo 4)
# Inputs up to 10000 bytes: above the 8192-byte JWT limit and 2049-deep JSON; the larger seeds
# (1001 OpenLineage datasets) are replayed whole but only mutated truncated, which keeps the
# speed (30k/s instead of 2k/s on openlineage).
MAX_LEN=${FUZZ_MAX_LEN:-10000}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz/run.sh: $CC not found (libFuzzer needs clang; 'make fuzz-replay' needs only cc)" >&2
	exit 2
fi

if [ $# -gt 0 ]; then
	TARGETS="$*"
else
	TARGETS=$(for f in fuzz/fuzz_*.c; do n=${f#fuzz/fuzz_}; echo "${n%.c}"; done)
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# The library is instrumented for coverage (fuzzer-no-link); the targets link libFuzzer's main.
mkdir -p "$B"
echo "== building into $B (log: $B/build.log)"
if ! make --no-print-directory -j"$JOBS" B="$B" CC="$CC" \
	CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $SAN -Wno-unknown-warning-option" \
	LDFLAGS="-fsanitize=fuzzer $SAN" FUZZ_DRIVER= \
	$(for t in $TARGETS; do echo "$B/fuzz/$t"; done) >"$B/build.log" 2>&1; then
	cat "$B/build.log" >&2
	exit 2
fi
grep -E 'warning:|error:' "$B/build.log" >&2 || true

failed=""
for t in $TARGETS; do
	new="$B/new/$t"
	art="$B/artifacts/$t"
	mkdir -p "$new" "$art"
	echo "== $t: ${SECONDS_PER_TARGET}s"
	# The first corpus directory receives new inputs; the committed one is only read.
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$B/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -max_len="$MAX_LEN" -print_final_stats=1 \
		-artifact_prefix="$art/" ${FUZZ_FLAGS:-} "$new" "fuzz/corpus/$t" 2>"$B/$t.log"; then
		failed="$failed $t"
		echo "   FAILED: see $B/$t.log and $art/"
	fi
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$B/$t.log" |
		sed 's/^/   /' || true
done

if [ -n "$failed" ]; then
	echo "fuzz/run.sh: findings in:$failed"
	exit 1
fi
echo "fuzz/run.sh: no findings"
