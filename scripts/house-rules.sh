#!/usr/bin/env bash
# House rules, checked by `make test` on the built objects (so what is checked is what links):
#
#   sqlite     no file outside core/ includes sqlite3.h or calls sqlite3_*, with one
#              documented exception: the warehouse's engine (files under warehouse/ whose name
#              ends in _engine.c), which runs user SQL on SQLite files by design
#   handler    a handler (api/handlers/*.c) never calls a store (*_store.c) directly
#   store      a store (*_store.c) calls only core/ and its own module
#   prefix     every global symbol of the library starts with weir_
#
# Where the tree does not follow a rule yet, the breaches are listed in
# scripts/house-rules.allow, one "rule file symbol" line each (issue 9 removes them). The
# script fails on any breach not in that list, and on any line of the list that is no longer
# a breach, so the list only ever shrinks: `scripts/house-rules.sh --update` rewrites it
# (review the diff: it must only lose lines).
#
# usage: scripts/house-rules.sh BUILD_DIR [--update]
set -euo pipefail
B=${1:?usage: house-rules.sh BUILD_DIR [--update]}
UPDATE=${2:-}
cd "$(dirname "$0")/.."
ALLOW=scripts/house-rules.allow
OBJ=$B/obj

found=$(mktemp)
trap 'rm -f "$found" "$found".*' EXIT

# One nm over every object: "object symbol-type symbol" for what each defines and needs.
objs=$(find "$OBJ" -name '*.o' ! -path '*/gen/*' | sort)
# shellcheck disable=SC2086
nm -A -g $objs | sed "s|^$OBJ/||" | awk '{
	split($1, p, ":"); obj = p[1]
	if (NF == 3) print obj, $2, $3; else print obj, $(NF-1), $NF
}' > "$found.nm"
awk '$2 ~ /^[TDBR]$/ {print $3, $1}' "$found.nm" | sort -k1,1 > "$found.defs"

awk -v defs="$found.defs" '
BEGIN { while ((getline l < defs) > 0) { split(l, f, " "); def[f[1]] = f[2] } }
function dir(o) { sub(/\/[^\/]*$/, "", o); return o }
function src(o) { sub(/\.o$/, ".c", o); return o }
$2 ~ /^[TDBR]$/ {
	if ($3 !~ /^weir_/ && $3 != "main" && $3 !~ /^LLVMFuzzer/) print "prefix", src($1), $3
	next
}
$2 == "U" {
	o = $1; s = $3
	if (s ~ /^sqlite3_/ && o !~ /^core\// && o !~ /^warehouse\/[^\/]*_engine\.o$/) print "sqlite", src(o), s
	if (!(s in def)) next
	d = def[s]
	if (o ~ /^api\/handlers\// && d ~ /_store\.o$/) print "handler", src(o), s
	else if (o ~ /_store\.o$/ && dir(d) != "core" && dir(d) != dir(o)) print "store", src(o), s
}' "$found.nm" >> "$found"

sort -u "$found" -o "$found"
if [[ $UPDATE == --update ]]; then
	{
		echo "# Breaches of the house rules that the tree still has (scripts/house-rules.sh)."
		echo "# This list only shrinks: fix a breach, then run scripts/house-rules.sh BUILD_DIR --update."
		cat "$found"
	} > "$ALLOW"
	echo "house rules: $(wc -l < "$found") breach(es) written to $ALLOW"
	exit 0
fi

grep -v '^#' "$ALLOW" | sort -u > "$found.allow" || true
new=$(comm -23 "$found" "$found.allow")
gone=$(comm -13 "$found" "$found.allow")
for rule in sqlite handler store prefix; do
	printf 'house rules: %-8s %4d known breach(es)\n' "$rule" "$(grep -c "^$rule " "$found" || true)"
done
status=0
if [[ -n $new ]]; then
	echo "house rules: new breaches (see the comment at the top of scripts/house-rules.sh):"
	echo "$new" | sed 's/^/  /'
	status=1
fi
if [[ -n $gone ]]; then
	echo "house rules: fixed, so remove from $ALLOW (scripts/house-rules.sh BUILD_DIR --update):"
	echo "$gone" | sed 's/^/  /'
	status=1
fi
exit $status
