#!/usr/bin/env bash
# openapi.yaml is assembled from openapi/*.yaml in name order, so that each surface keeps
# its paths (NN-paths-<surface>.yaml, 10..79) and schemas (8N-schemas-<surface>.yaml) in
# its own file. `make openapi.yaml` writes it; `make test` fails when it is stale.
# Layout of the fragments: see the comment at the top of openapi/00-head.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C # name order must not depend on the locale
echo "# GENERATED from openapi/*.yaml by scripts/openapi-assemble.sh: edit those files, then run 'make openapi.yaml'."
for f in openapi/*.yaml; do
	# a fragment without a final newline would glue its last line to the next file's first
	if [ -s "$f" ] && [ -n "$(tail -c1 "$f")" ]; then
		echo "openapi-assemble: $f does not end with a newline" >&2
		exit 1
	fi
	cat "$f"
done
